"""The tables: projects, their classes, samples (images) and the samples' embeddings."""

import secrets
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db

SHA256_HEX_LENGTH = 64


def new_public_id() -> str:
    """An unguessable URL-safe id: knowing it is what lets someone read a project or sample."""
    return secrets.token_urlsafe(16)


def utcnow() -> datetime:
    # Stored naive (SQLite has no time zones); every timestamp in the database is UTC.
    return datetime.now(UTC).replace(tzinfo=None)


class Project(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    title: Mapped[str] = mapped_column(String(200))
    owner_token_sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)

    # The database deletes children (ON DELETE CASCADE); passive_deletes stops the ORM loading them.
    classes: Mapped[list["ProjectClass"]] = relationship(
        back_populates="project",
        order_by="ProjectClass.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    samples: Mapped[list["Sample"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )


class ProjectClass(db.Model):
    __tablename__ = "project_class"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]

    project: Mapped[Project] = relationship(back_populates="classes")


class Sample(db.Model):
    __table_args__ = (
        UniqueConstraint("project_id", "sha256"),
        Index("ix_sample_project_class", "project_id", "class_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_class.id", ondelete="SET NULL")
    )
    # The blob's name in the store; several samples (in different projects) may share one blob.
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), index=True)
    width: Mapped[int]
    height: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="samples")
    embeddings: Mapped[list["Embedding"]] = relationship(
        back_populates="sample", cascade="all, delete-orphan", passive_deletes=True
    )


class Embedding(db.Model):
    __table_args__ = (UniqueConstraint("sample_id", "backbone_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id", ondelete="CASCADE"))
    backbone_id: Mapped[str] = mapped_column(String(64))
    # Little-endian float32, `count` vectors of the backbone's embedding size: small enough
    # (10 KB for two 1280-vectors) to live in the row, so a project's embeddings are one query.
    vectors: Mapped[bytes] = mapped_column(LargeBinary)
    count: Mapped[int]
    created: Mapped[datetime] = mapped_column(default=utcnow)

    sample: Mapped[Sample] = relationship(back_populates="embeddings")
