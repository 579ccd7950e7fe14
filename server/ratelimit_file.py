"""Rate-limit counts in one SQLite file that every server process on the computer shares.

A storage backend of the `limits` library (which Flask-Limiter uses), named by the URL
`snapclass+sqlite:///<path>`: the default, `<DATA_DIR>/ratelimits.sqlite3`, needs no service
started beside the app, yet Gunicorn's workers count together. Several servers on several
computers share Redis or memcached instead (RATE_LIMIT_STORAGE_URL).

Each hit is one row (key, time, expiry) written in a transaction that holds SQLite's write lock
from the count to the insert (BEGIN IMMEDIATE), so two processes never both take the last place
of a window: a moving window exact across processes. Rows past their expiry are deleted as new
ones are written. The file is separate from the app's database so that its short writes never
wait behind the app's, nor the app's behind them.
"""

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from limits.storage import MovingWindowSupport, Storage

SCHEME = "snapclass+sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_by_key ON hits (key, at);
CREATE INDEX IF NOT EXISTS hits_by_expiry ON hits (expires);
"""
BUSY_TIMEOUT_S = 30


def file_url(path: Path) -> str:
    return f"{SCHEME}:///{Path(path).resolve()}"


class SharedFileStorage(Storage, MovingWindowSupport):
    """`limits` storage in a SQLite file: moving windows (and fixed ones) shared by processes."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        self.path = Path("/" + uri.split("://", 1)[1].lstrip("/"))
        self.local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by the server's user only, whatever the umask.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._connection().executescript(SCHEMA)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection a thread (sqlite3 connections are not shared between threads)."""
        connection = getattr(self.local, "connection", None)
        if connection is None or getattr(self.local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self.local.connection, self.local.pid = connection, os.getpid()
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: it holds the file's write lock from its first statement."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _count(self, sql: sqlite3.Connection, key: str, since: float) -> tuple[float | None, int]:
        oldest, count = sql.execute(
            "SELECT min(at), count(*) FROM hits WHERE key = ? AND at > ?", (key, since)
        ).fetchone()
        return oldest, count

    # Moving window: the strategy the app uses.
    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self._transaction() as sql:
            now = time.time()
            sql.execute("DELETE FROM hits WHERE expires <= ?", (now,))
            _, count = self._count(sql, key, now - expiry)
            if count + amount > limit:
                return False
            sql.executemany(
                "INSERT INTO hits (key, at, expires) VALUES (?, ?, ?)",
                [(key, now, now + expiry)] * amount,
            )
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = self._count(self._connection(), key, now - expiry)
        return (oldest if oldest is not None else now), count

    # Fixed window: a key's hits counted until the first one expires.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._transaction() as sql:
            now = time.time()
            sql.execute("DELETE FROM hits WHERE expires <= ?", (now,))
            row = sql.execute("SELECT min(expires) FROM hits WHERE key = ?", (key,)).fetchone()
            ends = row[0] if row[0] is not None else now + expiry
            sql.executemany(
                "INSERT INTO hits (key, at, expires) VALUES (?, ?, ?)", [(key, now, ends)] * amount
            )
            return sql.execute("SELECT count(*) FROM hits WHERE key = ?", (key,)).fetchone()[0]

    def get(self, key: str) -> int:
        return self._count(self._connection(), key, float("-inf"))[1]

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT min(expires) FROM hits WHERE key = ? AND expires > ?", (key, time.time())
        )
        ends = row.fetchone()[0]
        return ends if ends is not None else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._transaction() as sql:
            return sql.execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        with self._transaction() as sql:
            sql.execute("DELETE FROM hits WHERE key = ?", (key,))
