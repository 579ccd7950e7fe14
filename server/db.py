"""The SQLAlchemy handle, SQLite connection settings and the schema upgrade."""

from pathlib import Path

from flask import Flask
from flask_migrate import Migrate, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# How long a writer waits for another's lock before SQLite gives up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


# Named constraints, so later migrations can drop or alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
