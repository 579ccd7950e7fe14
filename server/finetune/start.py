"""Starting a fine-tuning job: the rules a start must pass, then the queued row and the runner.

The rules, checked in this order: a backbone to fine-tune, a project with enough labelled
pictures, a head that fits, room in the queue (FINETUNE_QUEUE_MAX), the project's rate limit,
and one active job per project (a unique index, and a check after inserting). No HTTP here:
each refusal is a server/errors.py exception; the API's blueprint only parses the request.
"""

from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import ratelimits
from ..backbone_files import (
    all_backbones,
    load_backbone,
    most_accurate_backbone_id,
    project_backbone_id,
)
from ..db import db
from ..errors import Conflict, FieldInvalid, NotReady, Unavailable
from ..models import Job, ModelVersion, Project, new_public_id, utcnow
from ..versions import check_head
from .dataset import class_counts, trainability_problems
from .job import ACTIVE_STATES
from .runner import runner_of
from .settings import FinetuneSettings

KIND = "finetune"
RETRY_WHEN_QUEUE_FULL = 300
ALREADY_ACTIVE = "A fine-tuning job of this project is already queued or running."


def start_job(project: Project, settings: FinetuneSettings, fields: dict[str, Any]) -> Job:
    """Queue a job and hand it to the runner; `fields` may hold backbone_id, head, head_labels.

    Raises FieldInvalid, Conflict, NotReady, TooMany or Unavailable when a rule refuses it.
    """
    backbone = choose_backbone(fields.get("backbone_id"), project)
    class_ids = [label["class_id"] for label, _ in class_counts(project)]
    problems = trainability_problems(project, current_app.config["FINETUNE_MIN_SAMPLES"])
    if problems:
        raise NotReady(
            "This project cannot be fine-tuned yet: " + "; ".join(problems) + ".",
            code="finetune_not_ready",
            errors=[{"field": "samples", "message": problem} for problem in problems],
        )
    head = start_head(project, fields, class_ids, backbone)
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
            raise Conflict(ALREADY_ACTIVE, code="finetune_already_active") from None
        if busy_with_another(job):
            db.session.rollback()
            raise Conflict(ALREADY_ACTIVE, code="finetune_already_active")
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
        raise Unavailable("The job queue could not be reached; try again later.") from None
    return job


def choose_backbone(value: Any, project: Project) -> dict[str, Any]:
    """The backbone a job fine-tunes: the one named, else the most accurate this server has.

    The server trains and pays for the bigger network, not the pupil's device: a project whose
    page prepares pictures with MobileNetV2 (the faster one) is fine-tuned on EfficientNet-Lite0
    when it is exported (benchmarks/README.md measures both). A server with neither fine-tunes
    the project's backbone.
    """
    if value is None:
        backbone_id = most_accurate_backbone_id(all_backbones())
        if backbone_id is None:
            backbone_id = project_backbone_id(project.backbone_id)
        backbone = load_backbone(backbone_id) if backbone_id is not None else None
        if backbone is None:
            raise Conflict("This server has no exported backbone to fine-tune.")
        return backbone
    backbone = load_backbone(value) if isinstance(value, str) else None
    if backbone is None:
        raise FieldInvalid(
            "backbone_id", "must name a backbone of this server (GET /api/backbones)"
        )
    return backbone


def start_head(
    project: Project, fields: dict, class_ids: list[str], backbone: dict[str, Any]
) -> dict[str, Any]:
    """Which head the job starts from: the one sent, else the newest saved browser version's,
    either only when it was trained on the embeddings of the backbone the job fine-tunes.
    Without one ({}), the job fits a head on its own embeddings.

    A head sent is the page's: trained on the project's backbone. It is checked either way
    (a malformed one is refused), and used when the job fine-tunes that same backbone.
    """
    if fields.get("head") is not None:
        page_backbone_id = project_backbone_id(project.backbone_id)
        page_backbone = (load_backbone(page_backbone_id) if page_backbone_id else None) or backbone
        check_head(fields["head"], len(class_ids), page_backbone["embedding_size"])
        labels = fields.get("head_labels", class_ids)
        if labels != class_ids:
            raise FieldInvalid(
                "head_labels", "the head was trained on other classes: train it again"
            )
        if backbone["id"] != page_backbone["id"]:
            return {}
        return {"head": fields["head"], "head_labels": class_ids}
    versions = db.session.scalars(
        select(ModelVersion)
        .where(
            ModelVersion.project_id == project.id,
            ModelVersion.tier == "browser",
            ModelVersion.backbone_id == backbone["id"],
        )
        .order_by(ModelVersion.number.desc())
    )
    for version in versions:
        if [label["class_id"] for label in version.labels] == class_ids:
            return {"head_model": version.public_id}
    return {}


def refuse_when_queue_full() -> None:
    """Unavailable (503, Retry-After) when FINETUNE_QUEUE_MAX jobs are already waiting."""
    waiting = db.session.scalar(select(func.count()).where(Job.state == "queued"))
    if waiting >= current_app.config["FINETUNE_QUEUE_MAX"]:
        raise Unavailable(
            "The server's fine-tuning queue is full; try again in a few minutes.",
            {"Retry-After": str(RETRY_WHEN_QUEUE_FULL)},
            code="finetune_queue_full",
        )


def busy_with_another(job: Job) -> bool:
    """Whether another job of the project is active; checked after inserting, under the lock."""
    other = db.session.scalar(
        select(Job.id).where(
            Job.project_id == job.project_id, Job.state.in_(ACTIVE_STATES), Job.id != job.id
        )
    )
    return other is not None
