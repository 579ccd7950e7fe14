"""Fine-tuning jobs: start one for a project, follow its progress, cancel it.

The job itself runs elsewhere (server/finetune/runner.py): here a request only checks the
project, records the job as queued and hands its id to the configured runner.
"""

from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from converters.head import HeadError, parse_head

from .. import ratelimits
from ..backbone_files import all_backbones, load_backbone
from ..db import db
from ..finetune.dataset import class_counts, trainability_problems
from ..finetune.job import ACTIVE_STATES
from ..finetune.runner import runner_of
from ..finetune.settings import FinetuneSettings, parse_settings
from ..models import Job, ModelVersion, Project, new_public_id, utcnow
from ..policy import JOB, PROJECT, requires
from ..problems import abort_problem, field_error
from .common import json_body, timestamp

bp = Blueprint("jobs", __name__, url_prefix="/api")

KIND = "finetune"
RETRY_WHEN_QUEUE_FULL = 300
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
        else "class means",
        "progress": job.progress or {},
        "error": job.error,
        "model": model_summary(model) if model else None,
        "created": timestamp(job.created),
        "started": timestamp(job.started) if job.started else None,
        "finished": timestamp(job.finished) if job.finished else None,
    }  # fmt: skip


def choose_backbone(value: Any) -> dict[str, Any]:
    """The backbone a job fine-tunes: the one named, else the studio's default (the newest)."""
    if value is None:
        backbones = all_backbones()
        if not backbones:
            abort_problem(409, "This server has no exported backbone to fine-tune.")
        return max(backbones.values(), key=lambda meta: (str(meta.get("created", "")), meta["id"]))
    backbone = load_backbone(value) if isinstance(value, str) else None
    if backbone is None:
        field_error("backbone_id", "must name a backbone of this server (GET /api/backbones)")
    return backbone


def start_head(project: Project, body: dict, class_ids: list[int], dim: int) -> dict[str, Any]:
    """Which head the job starts from: the one sent, else the newest saved browser version's."""
    if body.get("head") is not None:
        try:
            parse_head(body["head"], len(class_ids), dim)
        except HeadError as error:
            field_error("head", str(error))
        labels = body.get("head_labels", class_ids)
        if labels != class_ids:
            field_error("head_labels", "the head was trained on other classes: train it again")
        return {"head": body["head"], "head_labels": class_ids}
    versions = db.session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project.id, ModelVersion.tier == "browser")
        .order_by(ModelVersion.number.desc())
    )
    for version in versions:
        if [label["class_id"] for label in version.labels] == class_ids:
            return {"head_model": version.public_id}
    return {}


@bp.post("/projects/<project_id>/finetune")
@requires("edit_project", PROJECT)
def start_finetune(project: Project):
    """Queue a fine-tuning job for the project (202); its progress is at GET /api/jobs/<id>."""
    body = json_body() if request.get_data() else {}
    for key in body.keys() - START_FIELDS:
        field_error(key, "is not a fine-tuning setting")
    settings = parse_settings(body)
    backbone = choose_backbone(body.get("backbone_id"))
    class_ids = [label["class_id"] for label, _ in class_counts(project)]
    problems = trainability_problems(project, current_app.config["FINETUNE_MIN_SAMPLES"])
    if problems:
        abort_problem(
            422,
            "This project cannot be fine-tuned yet: " + "; ".join(problems) + ".",
            errors=[{"field": "samples", "message": problem} for problem in problems],
        )
    head = start_head(project, body, class_ids, backbone["embedding_size"])
    refuse_when_queue_full()
    ratelimits.spend("finetune", key=project.public_id)
    job = Job(
        public_id=new_public_id(),
        project_id=project.id,
        kind=KIND,
        state="queued",
        settings={"train": settings.to_json(), "backbone_id": backbone["id"], **head},
        progress={"phase": "queued"},
    )
    runner = runner_of(current_app)
    runner.claim(job.public_id)  # before the row exists, so no start-up takes it for orphaned
    try:
        db.session.add(job)
        try:
            db.session.flush()
        except IntegrityError:  # the one-active-job index: a concurrent start won
            db.session.rollback()
            abort_problem(409, "A fine-tuning job of this project is already queued or running.")
        if busy_with_another(job):
            db.session.rollback()
            abort_problem(409, "A fine-tuning job of this project is already queued or running.")
        db.session.commit()
    except BaseException:
        runner.release(job.public_id)
        raise
    try:
        runner.submit(job.public_id)
    except Exception as error:  # the broker is unreachable: say so rather than queue forever
        current_app.logger.error("could not send job %s: %s", job.public_id, error)
        db.session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(state="failed", error="the job queue could not be reached", finished=utcnow())
        )
        db.session.commit()
        abort_problem(503, "The job queue could not be reached; try again later.")
    return job_json(job, project), 202, {"Location": f"/api/jobs/{job.public_id}"}


def refuse_when_queue_full() -> None:
    """503 with Retry-After when FINETUNE_QUEUE_MAX jobs are already waiting."""
    waiting = db.session.scalar(select(func.count()).where(Job.state == "queued"))
    if waiting >= current_app.config["FINETUNE_QUEUE_MAX"]:
        abort_problem(
            503,
            "The server's fine-tuning queue is full; try again in a few minutes.",
            {"Retry-After": str(RETRY_WHEN_QUEUE_FULL)},
        )


def busy_with_another(job: Job) -> bool:
    """Whether another job of the project is active; checked after inserting, under the lock."""
    other = db.session.scalar(
        select(Job.id).where(
            Job.project_id == job.project_id, Job.state.in_(ACTIVE_STATES), Job.id != job.id
        )
    )
    return other is not None


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
        abort_problem(409, f"This job has already ended ({job.state}).")
    return job_json(job)
