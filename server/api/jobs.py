"""Fine-tuning jobs: start one for a project, follow its progress, cancel it.

Starting parses the request; the rules a start must pass and the queued row are
server/finetune/start.py's, and the job itself runs elsewhere (server/finetune/runner.py).
"""

from typing import Any

from flask import Blueprint, request
from sqlalchemy import select, update

from ..db import db
from ..errors import Conflict, FieldInvalid
from ..finetune.job import ACTIVE_STATES
from ..finetune.settings import FinetuneSettings, parse_settings
from ..finetune.start import start_job
from ..models import Job, ModelVersion, Project, utcnow
from ..policy import JOB, PROJECT, requires
from .common import json_body, timestamp

bp = Blueprint("jobs", __name__, url_prefix="/api")

JOBS_LISTED = 20
START_FIELDS = {"backbone_id", "head", "head_labels"} | set(FinetuneSettings().to_json())


def model_summary(version: ModelVersion) -> dict[str, Any]:
    """The job's model: enough to compare it and to load its TF.js files."""
    return {
        "id": version.public_id,
        "number": version.number,
        "tier": version.tier,
        "labels": version.labels,
        "metrics": {k: v for k, v in version.metrics.items() if k != "history"},
        "image_size": version.settings.get("image_size"),
        "model_url": f"/api/models/{version.public_id}/files/model.json",
    }


def job_json(job: Job, project: Project | None = None) -> dict[str, Any]:
    project = project or db.session.get(Project, job.project_id)
    model = db.session.get(ModelVersion, job.result_model_id) if job.result_model_id else None
    settings = job.settings or {}
    return {
        "id": job.public_id,
        "project_id": project.public_id,
        "kind": job.kind,
        "state": job.state,
        "settings": settings.get("train", {}),
        "backbone_id": settings.get("backbone_id"),
        "starts_from": "browser head" if settings.get("head") or settings.get("head_model")
        else "fitted head",
        "progress": job.progress or {},
        "error": job.error,
        "model": model_summary(model) if model else None,
        "created": timestamp(job.created),
        "started": timestamp(job.started) if job.started else None,
        "finished": timestamp(job.finished) if job.finished else None,
    }  # fmt: skip


@bp.post("/projects/<project_id>/finetune")
@requires("edit_project", PROJECT)
def start_finetune(project: Project):
    """Queue a fine-tuning job for the project (202); its progress is at GET /api/jobs/<id>."""
    body = json_body() if request.get_data() else {}
    for key in body.keys() - START_FIELDS:
        raise FieldInvalid(key, "is not a fine-tuning setting")
    job = start_job(project, parse_settings(body), body)
    return job_json(job, project), 202, {"Location": f"/api/jobs/{job.public_id}"}


@bp.get("/projects/<project_id>/jobs")
@requires("read_project", PROJECT)
def list_jobs(project: Project):
    """The project's newest jobs first."""
    jobs = db.session.scalars(
        select(Job)
        .where(Job.project_id == project.id)
        .order_by(Job.created.desc(), Job.id.desc())
        .limit(JOBS_LISTED)
    )
    return {"jobs": [job_json(job, project) for job in jobs]}


@bp.get("/jobs/<job_id>")
@requires("read_project", JOB)
def read_job(job: Job):
    """A job's state, progress and, once it succeeded, its model."""
    return job_json(job)


@bp.delete("/jobs/<job_id>")
@requires("edit_project", JOB)
def cancel_job(job: Job):
    """Cancel a queued or running job; it stops at its next step and makes no model."""
    cancelled = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state.in_(ACTIVE_STATES))
        .values(state="cancelled", finished=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(job)
    if not cancelled:
        raise Conflict(f"This job has already ended ({job.state}).")
    return job_json(job)
