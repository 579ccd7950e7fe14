"""A project's model versions: numbering them (saved browser heads and fine-tuning jobs), the
cap on how many a project keeps, saving a head, publishing one, deleting one."""

from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from converters.head import HeadError, parse_head

from .db import db
from .errors import Conflict, FieldInvalid
from .models import ModelVersion, Project
from .storage import blob_store, delete_unreferenced_artifacts


def add_next_version(project_id: int, **fields) -> ModelVersion | None:
    """Add and flush the project's next version (the first one is published), so its row holds
    the write lock before any blob is stored; None when concurrent saves took the number twice."""
    for _attempt in range(2):
        newest = db.session.scalar(
            select(func.max(ModelVersion.number)).where(ModelVersion.project_id == project_id)
        )
        published = db.session.scalar(
            select(ModelVersion.id).where(
                ModelVersion.project_id == project_id, ModelVersion.published.is_(True)
            )
        )
        version = ModelVersion(
            project_id=project_id, number=(newest or 0) + 1, published=published is None, **fields
        )
        db.session.add(version)
        try:
            db.session.flush()
            return version
        except IntegrityError:
            db.session.rollback()
    return None


def check_head(head: Any, class_count: int, embedding_size: int) -> None:
    """FieldInvalid("head") unless `head` is a head of `class_count` outputs on embeddings of
    `embedding_size` (converters/head.py reads it), as a page saves or sends it."""
    try:
        parse_head(head, class_count, embedding_size)
    except HeadError as error:
        raise FieldInvalid("head", str(error)) from None


def check_room(project_id: int) -> None:
    """Conflict when the project keeps MAX_MODEL_VERSIONS versions already."""
    most = current_app.config["MAX_MODEL_VERSIONS"]
    saved = db.session.scalar(select(func.count()).where(ModelVersion.project_id == project_id))
    if saved >= most:
        raise Conflict(
            f"A project keeps at most {most} model versions; delete an old one.",
            code="too_many_versions",
            params={"limit": most},
        )


def save_head(project_id: int, head_bytes: bytes, **fields: Any) -> ModelVersion:
    """Store a head trained in a page as the project's next browser version, and commit."""
    store = blob_store()
    version = add_next_version(project_id, tier="browser", artifacts={}, **fields)
    if version is None:
        raise Conflict("Other versions of this project are being saved; try again.")
    version.artifacts = {"head": store.put(head_bytes)}
    db.session.commit()
    return version


def publish(version: ModelVersion) -> None:
    """Make this version the project's published one (links that follow the project show it)."""
    # Publishes of one project take turns on its row (PostgreSQL; SQLite's writers take turns
    # anyway): two at once would each wait for the other's new entry in the one-published index.
    # The flags are set by statements, not through loaded objects, which may be stale by then.
    others = (ModelVersion.project_id == version.project_id, ModelVersion.id != version.id)
    db.session.execute(select(Project.id).where(Project.id == version.project_id).with_for_update())
    try:
        db.session.execute(
            update(ModelVersion)
            .where(*others, ModelVersion.published.is_(True))
            .values(published=False)
        )
        db.session.execute(
            update(ModelVersion).where(ModelVersion.id == version.id).values(published=True)
        )
        db.session.commit()
    except IntegrityError:  # a first version saved at this very moment was published
        db.session.rollback()
        raise Conflict("Another version of this project was just published; try again.") from None


def delete_version(version: ModelVersion) -> None:
    """Delete a version, its exports and the links pinned to it, and the files nothing else uses."""
    blobs = set(version.artifacts.values())
    db.session.delete(version)
    delete_unreferenced_artifacts(blobs)
    db.session.commit()
