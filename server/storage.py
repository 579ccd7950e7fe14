"""Content-addressed blob store: each blob lives at <DATA_DIR>/blobs/<sha[:2]>/<sha[2:]>, or in
an S3-compatible object store under the same names (server/object_store.py)."""

import hashlib
import os
import re
import socket
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
from flask import current_app
from sqlalchemy import select, text

from .db import WriteLockTimeout, db, write_turn
from .models import ModelVersion, Sample

if TYPE_CHECKING:
    from .object_store import S3BlobStore

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".tmp-"
# Who wrote a temp file or a pending-blob journal: host, process id and the process's start time
# (a process id alone may be reused), as in ".tmp-3f2a9c1d.4242.1765000000-k2j3".
WRITER = re.compile(r"([0-9a-f]{8})\.([0-9]+)\.([0-9]+)")
# Hashes per IN (...) query: well under SQLite's limit on bound parameters.
QUERY_CHUNK = 500
# Files fsynced at once, by all of a process's requests together.
MAX_PARALLEL_WRITES = 32


class BlobStore:
    """Blobs named by the sha256 of their bytes, so equal content is stored once."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        # The name is a hash we computed or a checked one: never a user-supplied file name.
        if not SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store `data` (if not there already) and return its sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not self.path(sha256).is_file():
            self._write({sha256: data})
        return sha256

    def put_many(self, blobs: dict[str, bytes], written: list[str] | None = None) -> None:
        """Store each of `blobs` (sha256 -> bytes) not there already; append each one this
        call wrote to `written` as soon as it is in place, so a caller whose call failed midway
        knows which to take back.

        Readers see a whole blob or none of it: each is written to a temp file beside its
        name, made durable (fsync), then renamed, and the renames are made durable (fsync of
        their folders) before this returns, so a row committed after it never names a blob a
        power cut took. The fsyncs of a batch run at once: the file system's journal then
        commits them together instead of once per picture.
        """
        missing = {}
        for sha256, data in blobs.items():
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"the bytes given for blob {sha256} have another sha256")
            if not self.path(sha256).is_file():
                missing[sha256] = data
        if missing:
            self._write(missing, written)

    def _write(self, missing: dict[str, bytes], written: list[str] | None = None) -> None:
        temps: dict[str, str] = {}
        try:
            folders = set()
            for sha256, data in missing.items():
                folder = self.path(sha256).parent
                if not folder.is_dir():
                    folder.mkdir(parents=True, exist_ok=True)
                    folders.add(str(folder.parent))  # its new name in the store's root
                folders.add(str(folder))
                fd, temps[sha256] = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{writer()}-", dir=folder)
                with os.fdopen(fd, "wb") as temp:
                    temp.write(data)
            at_once(_fsync_path, temps.values())
            for sha256, temp_name in list(temps.items()):
                os.chmod(temp_name, 0o600)  # the server's user's alone
                os.replace(temp_name, self.path(sha256))
                del temps[sha256]
                if written is not None:
                    written.append(sha256)
            at_once(_fsync_path, folders)
        finally:
            for temp_name in temps.values():
                Path(temp_name).unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def sendable(self, sha256: str) -> Path:
        """The blob as something flask.send_file sends."""
        return self.path(sha256)

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def entries(self) -> Iterator[tuple[str, float, bool]]:
        """Every file of the store as (name, modified time, is a temporary file)."""
        for path in self.root.glob("*/*"):
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue  # deleted meanwhile
            if path.name.startswith(TEMP_PREFIX):
                yield path.name, modified, True
            elif SHA256_HEX.fullmatch(path.parent.name + path.name):
                yield path.parent.name + path.name, modified, False

    def delete_temporary(self, name: str) -> None:
        """Delete a temporary file left by a crashed write (a name from entries())."""
        if name.startswith(TEMP_PREFIX) and "/" not in name:
            for path in self.root.glob(f"*/{name}"):
                path.unlink(missing_ok=True)


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _started(pid: int) -> int | None:
    """When the process `pid` started (whole seconds), None when there is none."""
    try:
        return int(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


_writers: dict[int, str] = {}


def writer() -> str:
    """This process as a writer: host, process id, start time (worked out once per process)."""
    pid = os.getpid()
    if pid not in _writers:
        _writers[pid] = f"{_host()}.{pid}.{_started(pid)}"
    return _writers[pid]


def writer_is_gone(name: str) -> bool:
    """Whether the writer that `name` (a temp file or journal name) names is provably dead: it
    ran on this computer and no process with its id and start time runs now. A writer of
    another computer, or a name without a writer, is never provably gone."""
    found = WRITER.search(name)
    if found is None or found.group(1) != _host():
        return False
    return _started(int(found.group(2))) != int(found.group(3))


def pending_root() -> Path:
    """<DATA_DIR>/writers: each process's journal of the blobs it wrote and has not yet
    committed a row for (or taken back), so a sweep knows a dead writer's leftovers at once."""
    return Path(current_app.config["DATA_DIR"]) / "writers"


_pending_lock = threading.Lock()
_pending_count: dict[int, int] = {}


def note_pending(sha256s: Iterable[str], settled: bool = False) -> None:
    """Append blobs to this process's journal: about to be written (+), or settled (-): their
    rows committed, or the blobs taken back. An empty journal is cut back to nothing."""
    sha256s = list(sha256s)
    if not sha256s:
        return
    mark = "-" if settled else "+"
    root = pending_root()
    journal = root / writer()
    with _pending_lock:
        pid = os.getpid()
        count = _pending_count.get(pid, 0) + (-len(sha256s) if settled else len(sha256s))
        _pending_count[pid] = count
        root.mkdir(mode=0o700, exist_ok=True)
        if settled and count <= 0:
            journal.unlink(missing_ok=True)
            return
        with open(journal, "a", encoding="ascii") as out:
            out.write("".join(f"{mark}{sha256}\n" for sha256 in sha256s))


def pending_blobs(journal: Path) -> set[str]:
    """The blobs a journal names as written and not yet settled."""
    pending: set[str] = set()
    try:
        lines = journal.read_text(encoding="ascii", errors="replace").split()
    except FileNotFoundError:
        return pending
    for line in lines:
        if line[:1] == "+":
            pending.add(line[1:])
        elif line[:1] == "-":
            pending.discard(line[1:])
    return pending


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def at_once(work: Callable[[str], None], items: Iterable[str]) -> None:
    """Run `work` on every item, in the process's disk threads when there are several (the
    calls wait on the disk, not on Python); the first error is raised once all have finished."""
    items = list(items)
    if len(items) == 1:
        work(items[0])
    elif items:
        futures = [_disk_threads().submit(work, item) for item in items]
        wait(futures)
        for future in futures:
            future.result()


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _disk_threads() -> ThreadPoolExecutor:
    """One pool per process, made on first use: a forked worker (Gunicorn) gets its own, and
    no request waits for threads to start."""
    with _pools_lock:
        pool = _pools.get(os.getpid())
        if pool is None:
            pool = _pools[os.getpid()] = ThreadPoolExecutor(
                MAX_PARALLEL_WRITES, thread_name_prefix="snapclass-disk"
            )
        return pool


def work_root() -> Path:
    """<DATA_DIR>/work: temporary folders of exports and jobs, swept after a crash."""
    root = Path(current_app.config["DATA_DIR"]) / "work"
    root.mkdir(parents=True, exist_ok=True)
    return root


def blob_store() -> "BlobStore | S3BlobStore":
    """The current app's blob store: SNAPCLASS_BLOB_STORE's object store, else the data folder's."""
    config = current_app.config
    if config["BLOB_STORE"]:
        from .object_store import s3_blob_store  # boto3 only where an object store is used

        return s3_blob_store(config["BLOB_STORE"], config["S3_ENDPOINT_URL"])
    return BlobStore(Path(config["DATA_DIR"]) / "blobs")


def hold_blobs(sha256s: Iterable[str]) -> None:
    """Until the transaction ends, be the only writer that may decide whether these blobs stay.

    An upload adds a row naming a blob while a deletion asks "does a row still use this blob?"
    before removing it: the two must not interleave, or the upload's row names a removed blob.
    On SQLite the writers' turn, held from a transaction's first write to its end
    (db.SQLiteWriteLock), orders them already. On PostgreSQL writers run side by side, so each
    takes a transaction-level advisory lock per blob, always in the same order (no deadlock),
    after its own inserts or deletes: a row lock it waits for is never held by one waiting for
    it.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int(sha256[:16], 16) - 2**63 for sha256 in sha256s})  # signed 64 bits
    for start in range(0, len(keys), QUERY_CHUNK):
        db.session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(key)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS key ORDER BY key) AS ordered"
            ),
            {"keys": keys[start : start + QUERY_CHUNK]},
        )


def hold_and_restore(store: "BlobStore | S3BlobStore", blobs: dict[str, bytes]) -> None:
    """Hold the blobs the transaction's new rows name (hold_blobs), then write again any that
    a deletion removed before: one that ran between their write and the insert found them
    unused. Held, none can go until the rows are committed."""
    hold_blobs(blobs)
    missing = {sha256: data for sha256, data in blobs.items() if not store.exists(sha256)}
    store.put_many(missing)


@contextmanager
def blobs_then_rows(blobs: dict[str, bytes]) -> Iterator[None]:
    """Store `blobs` (sha256 -> bytes), then let the body add the rows that name them, then
    commit: the slow part (writing and syncing files) is over before the body runs, so on
    SQLite the writers' turn, taken at the body's first write, lasts a few inserts and a
    commit. The body must not commit. On any failure the transaction is rolled back and the
    blobs written here that no row uses are deleted.
    """
    store, written = blob_store(), []
    note_pending(blobs)  # a crash from here on leaves blobs the sweep removes at once
    try:
        store.put_many(blobs, written)
        yield
        db.session.flush()  # the writers' turn (SQLite) from here to the commit
        hold_and_restore(store, blobs)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        # Our blobs may be another upload's by now: only unused ones go, checked in turn. With
        # no turn to be had, they stay (unused blobs cost space, a wrong deletion a picture).
        with suppress(WriteLockTimeout), write_turn():
            delete_unreferenced(written)
            db.session.commit()
        raise
    finally:
        note_pending(blobs, settled=True)


def delete_unreferenced(sha256s: Iterable[str]) -> list[str]:
    """Delete the blobs among `sha256s` that no sample row references any more; return them.

    Call it after deleting rows and before committing: the blobs are held (hold_blobs) from the
    check to the commit, so an upload cannot add a new reference between the check and the
    unlink (an upload writes its blobs first, then, holding them after its insert, writes
    again any that a deletion removed meanwhile: blobs_then_rows).
    """
    wanted = set(sha256s)
    if not wanted:
        return []
    db.session.flush()
    ordered = sorted(wanted)
    hold_blobs(ordered)
    still_used: set[str] = set()
    for start in range(0, len(ordered), QUERY_CHUNK):
        chunk = ordered[start : start + QUERY_CHUNK]
        still_used.update(db.session.scalars(select(Sample.sha256).where(Sample.sha256.in_(chunk))))
    store = blob_store()
    unused = [sha256 for sha256 in ordered if sha256 not in still_used]
    for sha256 in unused:
        store.delete(sha256)
    return unused


def delete_unreferenced_artifacts(sha256s: Iterable[str]) -> list[str]:
    """Delete the blobs among `sha256s` that no sample or model version uses (model artifacts,
    or any blob the clean-up sweep found unused).

    Same transaction rule as delete_unreferenced. Samples' images are never artifacts (those are
    heads, model files and zips), yet a sample's blob is checked too, to be sure.
    """
    wanted = set(sha256s)
    if not wanted:
        return []
    db.session.flush()
    hold_blobs(wanted)
    still_used = set(db.session.scalars(select(Sample.sha256).where(Sample.sha256.in_(wanted))))
    # Artifacts are a JSON map per version; a classroom server has few versions, so scan them.
    for artifacts in db.session.scalars(select(ModelVersion.artifacts)):
        still_used.update(wanted.intersection((artifacts or {}).values()))
    store = blob_store()
    unused = sorted(wanted - still_used)
    for sha256 in unused:
        store.delete(sha256)
    return unused
