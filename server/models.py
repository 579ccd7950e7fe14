"""The tables: projects, their classes, samples (images) and the samples' embeddings; model
versions, share links and jobs; classrooms, their students, assignments and phone pairings."""

import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from .db import db

SHA256_HEX_LENGTH = 64
# The rows the "one per project" rules below count; the same SQL on SQLite and PostgreSQL.
ACTIVE_JOB = text("state IN ('queued', 'running')")
PUBLISHED_VERSION = text("published")


def one_per_project(name: str, where) -> Index:
    """A partial unique index: at most one row per project among those `where` selects, so the
    database itself refuses a second one, whatever requests race (READ COMMITTED included)."""
    return Index(name, "project_id", unique=True, sqlite_where=where, postgresql_where=where)


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
    # The image model its pictures are prepared with; None: the server's default backbone.
    backbone_id: Mapped[str | None] = mapped_column(String(64))

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
    # A unique index, not a constraint: adding it is then no SQLite table rebuild on upgrade.
    public_id: Mapped[str] = mapped_column(
        String(32), unique=True, index=True, default=new_public_id
    )
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
    # The class's id as the API shows it, read with the row (no query per sample).
    class_public_id: Mapped[str | None] = column_property(
        select(ProjectClass.public_id).where(ProjectClass.id == class_id).scalar_subquery()
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


class ModelVersion(db.Model):
    """A trained classifier (browser head or server fine-tune), with its labels and scores."""

    __tablename__ = "model_version"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        one_per_project("uq_model_version_one_published", PUBLISHED_VERSION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    # 1, 2, 3… within a project, so a teacher can say "version 3".
    number: Mapped[int]
    tier: Mapped[str] = mapped_column(String(16))  # "browser" or "server"
    backbone_id: Mapped[str] = mapped_column(String(64))
    # [{"class_id", "name"}] in output order, frozen at training time; class_id is the class's
    # public id (a deleted class's stays, naming no class).
    labels: Mapped[list] = mapped_column(JSON)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    # Blob names (sha256) of the artifacts, by role, e.g. {"head": ..., "model.json": ...}.
    artifacts: Mapped[dict] = mapped_column(JSON, default=dict)
    # At most one version of a project is published: the one that following share links show.
    # A flag here rather than a column on project keeps the upgrade free of a SQLite table
    # rebuild (which, with foreign keys on, would cascade-delete the project's rows).
    published: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ShareLink(db.Model):
    """A read-only link to a model: pinned to one version, or following the published one."""

    __tablename__ = "share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    # None: follows the project's published version.
    model_id: Mapped[int | None] = mapped_column(ForeignKey("model_version.id", ondelete="CASCADE"))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime | None]
    revoked: Mapped[datetime | None]
    # None: needs no approval; False: waits for the classroom's teacher; True: approved.
    approved: Mapped[bool | None]


class Job(db.Model):
    """A server job (fine-tuning), its state and progress, and the model it produced."""

    __table_args__ = (
        Index("ix_job_project_state", "project_id", "state"),
        one_per_project("uq_job_one_active", ACTIVE_JOB),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # queued, running, succeeded, failed, cancelled
    state: Mapped[str] = mapped_column(String(16), default="queued")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    result_model_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_version.id", ondelete="SET NULL")
    )
    created: Mapped[datetime] = mapped_column(default=utcnow)
    started: Mapped[datetime | None]
    finished: Mapped[datetime | None]


class Classroom(db.Model):
    """A teacher's class: a join code for students, a teacher token, and how long data is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    teacher_token_sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    join_open: Mapped[bool] = mapped_column(default=True)
    # Everything of the classroom is deleted this many days after its last activity.
    retention_days: Mapped[int] = mapped_column(default=30)
    # {"share_approval": bool}: whether a student's share link waits for the teacher.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity: Mapped[datetime] = mapped_column(default=utcnow)
    # The language its pages show students (a locale of server/languages.py), unless a student
    # chose another on their computer; None: each student's browser decides.
    language: Mapped[str | None] = mapped_column(String(16))


class Student(db.Model):
    """A member of a classroom, known by a nickname and holding one token for all their work."""

    __table_args__ = (UniqueConstraint("classroom_id", "nickname_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"))
    nickname: Mapped[str] = mapped_column(String(40))
    # What nicknames are compared by (server/nicknames.py): "Sam", "sam" and Cyrillic "Ѕаm" are
    # the same student name in a class.
    nickname_key: Mapped[str] = mapped_column(String(40))
    token_sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(db.Model):
    """A project template a teacher prepares: students start from it in one click."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    class_names: Mapped[list] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ClassroomProject(db.Model):
    """A project's place in a classroom: whose it is, its assignment, shown in the gallery.

    A table of its own rather than columns on project: adding foreign keys to project would
    make SQLite rebuild that table on upgrade, and a rebuild with foreign keys on deletes the
    rows that cascade from it.
    """

    __tablename__ = "classroom_project"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    classroom_id: Mapped[int] = mapped_column(
        ForeignKey("classroom.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment.id", ondelete="SET NULL")
    )
    published_to_class: Mapped[bool] = mapped_column(default=False)
    # The lesson's quiz, once the student finished it: answers right the first time, of how many.
    quiz_right: Mapped[int | None]
    quiz_total: Mapped[int | None]
    quiz_finished: Mapped[datetime | None]


class Pairing(db.Model):
    """A phone's short-lived right to add pictures to one class of one project."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("project_class.id", ondelete="CASCADE"))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime]


class GoneShareLink(db.Model):
    """The hash of a share link deleted with its student or classroom, so it answers 410 Gone
    instead of 404 to whoever still holds it. Nothing else of the link is kept."""

    __tablename__ = "gone_share_link"

    token_sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), primary_key=True)
    gone: Mapped[datetime] = mapped_column(default=utcnow)


class ClassProject(db.Model):
    """A project the whole class fills together, started by the teacher from an assignment.

    Its pictures come from the students (each one's contributor in `class_picture`); its teacher
    trains and saves its versions with the teacher token. Like `classroom_project`, a table of
    its own so that upgrading adds no foreign key to `project`.
    """

    __tablename__ = "class_project"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    classroom_id: Mapped[int] = mapped_column(
        ForeignKey("classroom.id", ondelete="CASCADE"), index=True
    )
    # One class project per assignment; a deleted assignment leaves its class project.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment.id", ondelete="SET NULL"), unique=True
    )
    # Every picture is shown to the classmates at once, without waiting for the teacher.
    let_all_through: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(default=utcnow)


class ClassPicture(db.Model):
    """Who added a picture of a class project, and whether the teacher let it through to the
    classmates. A picture without a row here is the teacher's own (let through)."""

    __tablename__ = "class_picture"
    __table_args__ = (Index("ix_class_picture_project_student", "project_id", "student_id"),)

    sample_id: Mapped[int] = mapped_column(
        ForeignKey("sample.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    approved: Mapped[bool] = mapped_column(default=False)
