"""Clean up after crashes: half-written blobs, blobs no row uses, stale work folders; and delete
the classrooms whose data has expired (server/classrooms.py), every time the sweep runs and by
`flask --app server purge` for cron.

A process killed in the middle of a write leaves a `.tmp-*` file beside the blobs; one killed
between writing a blob and committing its row leaves a blob that nothing references; one killed
during an export or a fine-tuning job leaves its folder under <DATA_DIR>/work. The sweep runs when
the app serves its first request and then every CLEANUP_INTERVAL_SECONDS (a thread of the app;
`flask --app server sweep` for cron). What provably belongs to no live writer goes at once: a temp
file, or a blob named in the pending journal (server/storage.py `note_pending`) of a process of this
computer that no longer runs (its process id and start time are in the names), so a worker killed
mid-upload leaves nothing once the next one starts. Anything else is touched only after a grace
period, so a write in progress in another process (whose row is not committed yet) is never mistaken
for an orphan.
"""

import logging
import shutil
import threading
import time
from dataclasses import dataclass

import click
from flask import Flask
from sqlalchemy import inspect, select

from . import classrooms
from .db import db, write_turn
from .models import Classroom, ModelVersion, Sample
from .storage import (
    blob_store,
    delete_unreferenced_artifacts,
    pending_blobs,
    pending_root,
    work_root,
    writer_is_gone,
)

BLOB_GRACE_SECONDS = 3600
WORK_GRACE_SECONDS = 24 * 3600
log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    temporary_files: int = 0
    orphan_blobs: int = 0
    work_folders: int = 0


def referenced_blobs() -> set[str]:
    """Every blob a row names: sample pictures and model artifacts."""
    used = set(db.session.scalars(select(Sample.sha256)))
    for artifacts in db.session.scalars(select(ModelVersion.artifacts)):
        used.update((artifacts or {}).values())
    return used


def sweep(now: float | None = None) -> SweepReport:
    """Remove what crashed processes left behind, older than the grace periods."""
    now = time.time() if now is None else now
    report = SweepReport()
    if not inspect(db.engine).has_table(Sample.__tablename__):
        return report  # a database not yet migrated
    store = blob_store()
    journals = list(pending_root().glob("*")) if pending_root().is_dir() else []
    dead = [journal for journal in journals if writer_is_gone(journal.name)]
    # Read the journals before listing the blobs: a blob a live writer notes after this is
    # newer than the grace period.
    left_by_dead = set().union(*(pending_blobs(journal) for journal in dead))
    in_progress = set().union(*(pending_blobs(j) for j in journals if j not in dead))
    entries = list(store.entries())
    # Read the references after listing: a blob written after the listing is not in it.
    used = referenced_blobs()
    orphans = []
    for name, modified, temporary in entries:
        old = now - modified >= BLOB_GRACE_SECONDS
        if temporary and (old or writer_is_gone(name)):
            store.delete_temporary(name)
            report.temporary_files += 1
        elif not temporary and name not in used and name not in in_progress:
            if old or name in left_by_dead:
                orphans.append(name)
    # An upload may have named an old blob since the references were read: the orphans are
    # checked again holding them and the writers' turn, as a deletion does.
    with write_turn():
        report.orphan_blobs = len(delete_unreferenced_artifacts(orphans))
        db.session.commit()
    for journal in dead:
        journal.unlink(missing_ok=True)
    for folder in work_root().iterdir():
        if now - folder.stat().st_mtime >= WORK_GRACE_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            report.work_folders += 1
    db.session.remove()
    return report


def purge() -> int:
    """Delete the expired classrooms whole; how many there were."""
    if not inspect(db.engine).has_table(Classroom.__tablename__):
        return 0  # a database not yet migrated
    count = classrooms.purge_expired()
    db.session.remove()
    return count


def _clean(app: Flask) -> None:
    try:
        with app.app_context():
            purge()
            sweep()
    except Exception:  # the thread must outlive a failed sweep
        log.exception("clean-up sweep failed")


def _sweep_forever(app: Flask, interval: int) -> None:
    """Purge and sweep now, then every `interval` seconds (0: only now)."""
    while True:
        _clean(app)
        if interval <= 0:
            return
        time.sleep(interval)


def init_app(app: Flask) -> None:
    """Start the clean-up thread with the first request the app serves: it purges and sweeps at
    once, then every CLEANUP_INTERVAL_SECONDS (0: only that once).

    Not when the app is built: `flask --app server purge` builds the app before running, and a
    clean-up then would delete what the command is meant to delete and report.
    """
    started = threading.Lock()

    @app.before_request
    def start_cleanup_thread() -> None:
        if app.testing or started.locked() or not started.acquire(blocking=False):
            return
        interval = app.config["CLEANUP_INTERVAL_SECONDS"]
        threading.Thread(
            target=_sweep_forever, args=(app, interval), name="snapclass-sweep", daemon=True
        ).start()

    @app.cli.command("sweep")
    def sweep_command():
        """Remove half-written blobs, unreferenced blobs and stale work folders."""
        report = sweep()
        click.echo(
            f"removed {report.temporary_files} temporary files, {report.orphan_blobs} "
            f"unreferenced blobs, {report.work_folders} stale work folders"
        )

    @app.cli.command("purge")
    def purge_command():
        """Delete the classrooms whose data has expired, with all their pictures and models."""
        click.echo(f"deleted {purge()} expired classrooms")
