"""Numbering a project's model versions, shared by saved browser heads and fine-tuning jobs."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .db import db
from .models import ModelVersion


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
