"""The SQLAlchemy handle, SQLite connection settings, SQLite's writer queue, schema upgrade."""

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app
from flask_migrate import Migrate, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

from .errors import Unavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# How long a writer waits for another's lock before SQLite gives up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a writer waits in the queue for its turn before the request answers 503.
WRITE_LOCK_TIMEOUT_S = 60
# Pause between tries for another process's turn: 2 ms, where SQLite's busy handler sleeps up to
# 100 ms, so a writer whose turn came does not wait for the end of a long sleep.
WRITE_LOCK_POLL_S = 0.002
DML_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
WRITE_LOCK = "snapclass.write_lock"


# Named constraints, so later migrations can drop or alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


BUSY = "The database is busy with other students' changes; try again in a moment."


class WriteLockTimeout(Unavailable):
    """The database stayed busy with other writers for WRITE_LOCK_TIMEOUT_S: answered 503 with
    Retry-After by the one handler of server/errors.py's exceptions (server/problems.py)."""

    def __init__(self, reason: str):
        super().__init__(BUSY, headers={"Retry-After": "2"})
        self.reason = reason  # why no turn came, for whoever reads a traceback


class SQLiteWriteLock:
    """One writing transaction at a time on a SQLite file, across threads and processes.

    SQLite lets one connection write at a time; the others poll its busy handler, which sleeps
    up to 100 ms between tries and gives up with "database is locked" after the busy timeout, so
    under a class's uploads some requests wait seconds and a few fail. Here a writer first waits
    its turn: threads of one process queue on a lock, and the process then takes an exclusive
    flock on <database>.write-lock, which the other processes (Gunicorn workers, a Celery
    worker) wait for too. A connection takes its turn at its first INSERT, UPDATE or DELETE,
    where SQLite would take its write lock, and gives it back when it returns to the pool, that
    is after its commit or rollback. A thread may take it again while holding it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.threads = threading.RLock()
        self.depth = 0
        self.fd: int | None = None
        self.fd_pid = 0

    def acquire(self, timeout: float | None = None) -> None:
        timeout = WRITE_LOCK_TIMEOUT_S if timeout is None else timeout
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise WriteLockTimeout(f"no turn to write within {timeout} s")
        if self.depth == 0:
            try:
                self._lock_file(deadline)
            except BaseException:
                self.threads.release()
                raise
        self.depth += 1

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.threads.release()

    def _lock_file(self, deadline: float) -> None:
        # A forked child (a Gunicorn worker) must not share its parent's open file: flock
        # belongs to the open file, so the two processes would hold it together.
        if self.fd is None or self.fd_pid != os.getpid():
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self.fd_pid = os.getpid()
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriteLockTimeout("other processes kept the database busy") from None
                time.sleep(WRITE_LOCK_POLL_S)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(MIGRATIONS_DIR))


def init_db(app: Flask) -> None:
    """Bind the database and migrations to the app; tune SQLite connections as they open."""
    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            database = db.engine.url.database
            if database and database != ":memory:":
                lock = SQLiteWriteLock(Path(database + ".write-lock"))
                queue_writers(db.engine, lock)
                app.extensions[WRITE_LOCK] = lock


@contextmanager
def write_turn() -> Iterator[None]:
    """Hold the writers' turn (SQLite) around checks that must not interleave with writes,
    such as "is this blob still used?" before deleting it; elsewhere a no-op."""
    lock = current_app.extensions.get(WRITE_LOCK)
    if lock is None:
        yield
        return
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def queue_writers(engine, lock: SQLiteWriteLock) -> None:
    """Make every connection of `engine` wait its turn (`lock`) before it first writes."""

    def before_execute(connection, cursor, statement, parameters, context, executemany):
        info = connection.connection.info  # the pooled connection's: it outlives this Connection
        if not info.get("writing") and statement.lstrip()[:7].upper().startswith(DML_VERBS):
            lock.acquire()
            info["writing"] = True

    def returned(dbapi_connection, connection_record) -> None:
        if connection_record is not None and connection_record.info.pop("writing", False):
            lock.release()

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "checkin", returned)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets pages read while an upload writes, and with synchronous=NORMAL a commit skips
    # the fsync yet cannot corrupt the database. SQLite leaves foreign keys (and so the
    # ON DELETE CASCADE that removes a project's rows) off unless each connection asks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def upgrade_database(app: Flask) -> None:
    """Bring the app's database to the newest migration (what `flask db upgrade` does)."""
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        # Close pooled connections so SQLite folds its WAL file back into the database file.
        db.engine.dispose()
