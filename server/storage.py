"""Content-addressed blob store: each blob lives at <DATA_DIR>/blobs/<sha[:2]>/<sha[2:]>, or in
an S3-compatible object store under the same names (server/object_store.py)."""

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from .db import db
from .models import ModelVersion, Sample

if TYPE_CHECKING:
    from .object_store import S3BlobStore

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".tmp-"
# Hashes per IN (...) query: well under SQLite's limit on bound parameters.
QUERY_CHUNK = 500


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
        target = self.path(sha256)
        if target.is_file():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        # Readers see the whole blob or none of it: write a temp file beside it, then rename.
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.chmod(temp_name, 0o644)
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return sha256

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


def delete_unreferenced(sha256s: Iterable[str]) -> list[str]:
    """Delete the blobs among `sha256s` that no sample row references any more; return them.

    Call it after deleting rows and before committing: inside the deleting transaction SQLite
    holds the write lock, so an upload cannot add a new reference between the check and the
    unlink (an upload writes its blobs first, then, holding the same lock after its insert,
    writes again any that a deletion removed meanwhile).
    """
    wanted = set(sha256s)
    if not wanted:
        return []
    db.session.flush()
    ordered = sorted(wanted)
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
    """Delete the model artifact blobs among `sha256s` that no sample or model version uses.

    Same transaction rule as delete_unreferenced. Samples' images are never artifacts (those are
    heads, model files and zips), yet a sample's blob is checked too, to be sure.
    """
    wanted = set(sha256s)
    if not wanted:
        return []
    db.session.flush()
    still_used = set(db.session.scalars(select(Sample.sha256).where(Sample.sha256.in_(wanted))))
    # Artifacts are a JSON map per version; a classroom server has few versions, so scan them.
    for artifacts in db.session.scalars(select(ModelVersion.artifacts)):
        still_used.update(wanted.intersection((artifacts or {}).values()))
    store = blob_store()
    unused = sorted(wanted - still_used)
    for sha256 in unused:
        store.delete(sha256)
    return unused
