"""One fine-tuning job from start to end: the one code both runners (thread, Celery) call.

Load the project's pictures, train (train.py, any Keras backend), export with TensorFlow, store
the artifacts, and create the server-tier ModelVersion, writing state and progress to the job's
row as it goes. Cancellation (the API sets the row's state) is checked between steps. A job that
fails or is cancelled leaves the project and its models as they were: its blobs and its version
row are written only at the very end, in the transaction that marks it succeeded.
"""

import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from converters.head import HeadError, parse_head

from ..backbone_files import load_backbone
from ..db import db
from ..models import Job, ModelVersion, Project, utcnow
from ..storage import blob_store, delete_unreferenced_artifacts, work_root
from ..versions import add_next_version
from . import FinetuneError
from .dataset import load_labelled, trainability_problems
from .settings import FinetuneSettings

ACTIVE_STATES = ("queued", "running")
RESTART_REASON = "the server restarted while this job was running; start it again"
QUEUED_RESTART_REASON = "the server restarted before this job started; start it again"
log = logging.getLogger(__name__)


class JobGone(Exception):
    """The job was cancelled (or deleted with its project) while it ran."""


def run_job(job_id: str) -> None:
    """Run one queued job in the current app context; every outcome ends up in its row."""
    job = db.session.scalar(select(Job).where(Job.public_id == job_id))
    if job is None or not _set_state(job.id, "queued", "running", started=utcnow()):
        db.session.commit()
        return  # cancelled before it started, or already taken
    try:
        _fine_tune(job.id)
    except JobGone:
        db.session.rollback()
    except (FinetuneError, HeadError) as error:
        db.session.rollback()
        _set_state(job.id, "running", "failed", error=str(error), finished=utcnow())
    except Exception as error:  # a crash too ends as a failed job, with a reason
        db.session.rollback()
        log.exception("fine-tuning job %s failed", job_id)
        # The type only: a message may name server paths; the log has the whole traceback.
        reason = f"the job stopped on an unexpected error ({type(error).__name__}); see the log"
        _set_state(job.id, "running", "failed", error=reason, finished=utcnow())
    finally:
        db.session.remove()


def _set_state(job_row_id: int, expected: str, state: str, **values: Any) -> bool:
    """Move the job from `expected` to `state` (and commit); False if it was not `expected`."""
    changed = db.session.execute(
        update(Job)
        .where(Job.id == job_row_id, Job.state == expected)
        .values(state=state, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


class Reporter:
    """Writes progress to the job's row and answers whether the job was cancelled."""

    def __init__(self, job_row_id: int) -> None:
        self.job_row_id = job_row_id

    def __call__(self, progress: dict[str, Any]) -> None:
        if not _set_state(self.job_row_id, "running", "running", progress=progress):
            raise JobGone()

    def cancelled(self) -> bool:
        state = db.session.scalar(select(Job.state).where(Job.id == self.job_row_id))
        db.session.commit()  # end the read: the next check must see the API's writes
        return state != "running"


def _fine_tune(job_row_id: int) -> None:
    from . import train
    from .model import backbone_weights

    job = db.session.get(Job, job_row_id)
    project = db.session.get(Project, job.project_id)
    settings = FinetuneSettings.from_json(job.settings["train"])
    report = Reporter(job_row_id)
    report({"phase": "loading"})
    problems = trainability_problems(project, current_app.config["FINETUNE_MIN_SAMPLES"])
    if problems:
        raise FinetuneError("; ".join(problems))
    backbone = load_backbone(job.settings["backbone_id"])
    if backbone is None:
        raise FinetuneError(f"backbone {job.settings['backbone_id']} is gone from this server")
    weights = backbone_weights(backbone)
    data = load_labelled(project, settings.input_size)
    head = _start_head(job.settings, data.class_labels, backbone["embedding_size"])
    db.session.commit()  # hold no read transaction open while training
    try:
        trained = train.train(
            data, settings, weights, head, report, report.cancelled, backbone["input_size"]
        )
    except train.Cancelled:
        raise JobGone() from None
    report({**_last_progress(job_row_id), "phase": "exporting"})
    started = time.monotonic()
    files = _export(trained.model)
    if report.cancelled():
        raise JobGone()
    metrics = {**trained.metrics, "export_seconds": round(time.monotonic() - started, 2)}
    _finish(job_row_id, backbone, data.class_labels, settings, head, metrics, trained, files)


def _last_progress(job_row_id: int) -> dict[str, Any]:
    progress = db.session.scalar(select(Job.progress).where(Job.id == job_row_id)) or {}
    db.session.commit()
    return progress


def _start_head(job_settings: dict, class_labels: list[dict], embedding_size: int):
    """The browser head the job starts from (None: from a head fitted on the embeddings)."""
    head_json, head_labels = job_settings.get("head"), job_settings.get("head_labels")
    if head_json is None and job_settings.get("head_model"):
        version = db.session.scalar(
            select(ModelVersion).where(ModelVersion.public_id == job_settings["head_model"])
        )
        if version is None:
            raise FinetuneError("the model version whose head this job starts from was deleted")
        head_json = json.loads(blob_store().read(version.artifacts["head"]))
        head_labels = [label["class_id"] for label in version.labels]
    if head_json is None:
        return None
    if head_labels != [label["class_id"] for label in class_labels]:
        raise FinetuneError("the classes changed since the job was started; start it again")
    return parse_head(head_json, len(class_labels), embedding_size)


def _export(model) -> dict[str, bytes]:
    """{"keras": .keras bytes, "tfjs/<file>": bytes...}: exported with TensorFlow."""
    from .export import export_files

    with tempfile.TemporaryDirectory(prefix="snapclass-finetune-", dir=work_root()) as work:
        return export_files(model, Path(work))


def _finish(job_row_id, backbone, labels, settings, head, metrics, trained, files) -> None:
    """Store the artifacts and create the version in the transaction that ends the job."""
    job = db.session.get(Job, job_row_id)
    store = blob_store()
    record = {
        "finetune": settings.to_json(),
        "job_id": job.public_id,
        "image_size": backbone["input_size"],
        "started_from": "browser head" if head else "fitted head",
    }
    version = add_next_version(
        job.project_id,
        tier="server",
        backbone_id=backbone["id"],
        labels=labels,
        settings=record,
        metrics={**metrics, "history": trained.history},
        artifacts={},
    )
    if version is None:
        raise RuntimeError("could not number the new model version")
    artifacts = {role: store.put(data) for role, data in files.items()}
    version.artifacts = artifacts
    db.session.flush()
    done = db.session.execute(
        update(Job)
        .where(Job.id == job_row_id, Job.state == "running")
        .values(state="succeeded", result_model_id=version.id, finished=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done == 1:
        db.session.commit()
        return
    # Cancelled at the last moment: no version, and no blobs that nothing else uses.
    db.session.rollback()
    delete_unreferenced_artifacts(artifacts.values())
    db.session.commit()
    raise JobGone()
