"""What a process killed mid-write leaves (a temp file, or a blob whose row was never committed)
is removed by the next sweep at once, not after the hour's grace period, when its writer
provably no longer runs; a live writer's blobs, in this process or another, are never touched."""

import hashlib
import subprocess
import sys
from pathlib import Path

from server.cleanup import sweep
from server.storage import blob_store, note_pending, pending_root

# A process that writes one blob through the upload path, then dies as `mode` says: in the
# middle of writing its temp file, after the blob is in place but before its row is committed,
# or when the test closes its stdin.
CHILD = """
import hashlib, os, sys
from server import create_app, storage
data_dir, backbone_dir, text, mode = sys.argv[1:]
app = create_app({"TESTING": True, "DATA_DIR": data_dir, "BACKBONE_DIR": backbone_dir})
data = text.encode()
with app.app_context():
    if mode == "mid-write":
        storage._fsync_path = lambda path: os._exit(1)
    with storage.blobs_then_rows({hashlib.sha256(data).hexdigest(): data}):
        if mode == "hold":
            print("written", flush=True)
            sys.stdin.readline()
        os._exit(1)
"""


def blob_path(app, data: bytes) -> Path:
    sha256 = hashlib.sha256(data).hexdigest()
    return Path(app.config["DATA_DIR"]) / "blobs" / sha256[:2] / sha256[2:]


def child(app, backbone_dir: Path, content: str, mode: str, **popen) -> subprocess.Popen:
    arguments = [app.config["DATA_DIR"], str(backbone_dir), content, mode]
    return subprocess.Popen([sys.executable, "-c", CHILD, *arguments], **popen)


def temp_files(app) -> list[Path]:
    return list((Path(app.config["DATA_DIR"]) / "blobs").glob("*/.tmp-*"))


def test_a_blob_left_by_a_killed_upload_goes_at_the_next_sweep(app, backbone_dir):
    assert child(app, backbone_dir, "killed before its row", "after-write").wait() == 1
    blob = blob_path(app, b"killed before its row")
    assert blob.exists()  # fresh: the grace period alone would keep it an hour
    with app.app_context():
        report = sweep()
    assert report.orphan_blobs == 1 and not blob.exists()
    assert not list(pending_root_of(app).glob("*"))  # the dead writer's journal went too


def test_a_temp_file_left_by_a_write_killed_midway_goes_at_the_next_sweep(app, backbone_dir):
    assert child(app, backbone_dir, "killed while writing", "mid-write").wait() == 1
    (temp,) = temp_files(app)
    with app.app_context():
        report = sweep()
    assert report.temporary_files == 1 and not temp.exists()


def test_a_live_writers_blob_and_temp_files_are_kept(app, backbone_dir):
    """As with several Gunicorn workers: another process is between writing a blob and
    committing its row while this one sweeps."""
    writer = child(app, backbone_dir, "still writing", "hold", stdin=subprocess.PIPE,
                   stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout.readline() == "written\n"
        blob = blob_path(app, b"still writing")
        other_host = blob.parent / ".tmp-0badc0de.1.1-abc"
        other_host.write_bytes(b"a writer on another computer sharing the folder")
        with app.app_context():
            report = sweep()
        assert (report.orphan_blobs, report.temporary_files) == (0, 0)
        assert blob.exists() and other_host.exists()
    finally:
        writer.stdin.close()
        writer.stdout.close()
        assert writer.wait() == 1
    with app.app_context():
        assert sweep().orphan_blobs == 1
    assert not blob.exists() and other_host.exists()


def test_this_processs_pending_blob_is_kept(app):
    with app.app_context():
        sha256 = blob_store().put(b"mine, being saved")
        note_pending([sha256])
        try:
            assert sweep().orphan_blobs == 0
        finally:
            note_pending([sha256], settled=True)
    assert blob_path(app, b"mine, being saved").exists()


def pending_root_of(app) -> Path:
    with app.app_context():
        return pending_root()
