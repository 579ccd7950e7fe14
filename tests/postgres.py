"""A throw-away PostgreSQL cluster for the tests: Debian's server binaries, a temporary folder,
a free port on loopback, no fsync. PostgreSQL refuses to run as root, so as root (CI) every
server command runs as the `postgres` system user, which owns the folder."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from itertools import count
from pathlib import Path

import psycopg

USER = "snapclass"
# Settings for a cluster that only tests use: speed over durability, enough connections for
# several apps and concurrent requests.
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=200"
)


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<n>/bin, or PATH's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _major(path: str) -> int:
    version = Path(path).parent.parent.name
    return int(version) if version.isdigit() else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl start on enter, pg_ctl stop and the folder removed on exit."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="snapclass-pg-"))
        self.data = self.folder / "data"
        self.names = count(1)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.binaries / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.folder)

    def __enter__(self) -> "PostgresCluster":
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8")
        options = f"{SERVER_OPTIONS} -p {self.port} -k {self.folder}"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`); returns its SQLAlchemy URL."""
        name = f"test_{next(self.names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as connection:
            copy = f" TEMPLATE {template}" if template else ""
            if template and connection.info.server_version >= 150000:
                copy += " STRATEGY FILE_COPY"  # quicker than WAL_LOG for a small database
            connection.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)


class DatabasePool:
    """Migrated databases for the tests, emptied and reused: TRUNCATE takes milliseconds where
    copying the template takes a checkpoint. Only a test with several apps needs a second one."""

    def __init__(self, cluster: PostgresCluster, template: str) -> None:
        self.cluster, self.template = cluster, template
        self.free: list[str] = []

    def take(self) -> str:
        return self.free.pop() if self.free else self.cluster.create_database(self.template)

    def give_back(self, url: str) -> None:
        """Empty every table but the migrations' own, and keep the database for the next test;
        a database some leftover transaction still locks is dropped from the pool instead."""
        name = url.rsplit("/", 1)[1]
        try:
            with psycopg.connect(
                host="127.0.0.1", port=self.cluster.port, user=USER, dbname=name, autocommit=True
            ) as connection:
                connection.execute("SET lock_timeout = '2s'")
                tables = [
                    row[0]
                    for row in connection.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                ]
                quoted = ", ".join(f'"{table}"' for table in tables)
                connection.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        except psycopg.errors.LockNotAvailable:
            return
        self.free.append(url)
