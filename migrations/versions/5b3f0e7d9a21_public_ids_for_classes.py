"""Public ids for classes: the API names a class by a random id, not by its row number.

Existing classes get fresh random ids, and the class ids frozen in model versions' labels and in
jobs' head_labels become those public ids. No table is rebuilt: SQLite adds the column in place
(with a default it needs for NOT NULL) and the uniqueness is an index, since a rebuild with
foreign keys on would unlabel every sample (ON DELETE SET NULL).

Revision ID: 5b3f0e7d9a21
Revises: b3d41f7e9a20
Create Date: 2026-12-01 03:10:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "5b3f0e7d9a21"
down_revision = "b3d41f7e9a20"
branch_labels = None
depends_on = None

CLASSES = sa.table(
    "project_class", sa.column("id"), sa.column("project_id"), sa.column("public_id")
)
VERSIONS = sa.table(
    "model_version", sa.column("id"), sa.column("project_id"), sa.column("labels", sa.JSON)
)
JOBS = sa.table("job", sa.column("id"), sa.column("project_id"), sa.column("settings", sa.JSON))
# What a downgrade writes for a class that no longer exists: no row has id 0.
NO_CLASS = 0


def relabel(bind, mapping) -> None:
    """Rewrite the class ids in model versions' labels and jobs' head_labels with mapping(id,
    project_id)."""
    for row in bind.execute(sa.select(VERSIONS)).all():
        labels = [{**label, "class_id": mapping(label["class_id"], row.project_id)}
                  for label in row.labels or []]  # fmt: skip
        if labels != row.labels:
            bind.execute(VERSIONS.update().where(VERSIONS.c.id == row.id).values(labels=labels))
    for row in bind.execute(sa.select(JOBS)).all():
        settings = row.settings or {}
        if isinstance(settings.get("head_labels"), list):
            head_labels = [
                mapping(class_id, row.project_id) for class_id in settings["head_labels"]
            ]
            settings = {**settings, "head_labels": head_labels}
            bind.execute(JOBS.update().where(JOBS.c.id == row.id).values(settings=settings))


def upgrade():
    with op.batch_alter_table("project_class", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_id", sa.String(length=32), nullable=False, server_default="")
        )
    bind = op.get_bind()
    public = {}
    for row in bind.execute(sa.select(CLASSES.c.id, CLASSES.c.project_id)).all():
        public[row.id] = (row.project_id, secrets.token_urlsafe(16))
        bind.execute(
            CLASSES.update().where(CLASSES.c.id == row.id).values(public_id=public[row.id][1])
        )
    with op.batch_alter_table("project_class", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_class_public_id"), ["public_id"], unique=True)
    if bind.dialect.name != "sqlite":  # SQLite cannot drop a default without a rebuild
        op.alter_column("project_class", "public_id", server_default=None)

    def to_public(class_id, project_id):
        if isinstance(class_id, str):
            return class_id
        owner, public_id = public.get(class_id, (None, None))
        # A label of a deleted class (or of another project's class, were the row number reused)
        # gets an id that names no class, as a class deleted from now on leaves behind.
        return public_id if owner == project_id else secrets.token_urlsafe(16)

    relabel(bind, to_public)


def downgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.select(CLASSES.c.id, CLASSES.c.project_id, CLASSES.c.public_id))
    number = {row.public_id: (row.project_id, row.id) for row in rows.all()}

    def to_number(class_id, project_id):
        owner, row_id = number.get(class_id, (None, None))
        return row_id if owner == project_id else NO_CLASS

    relabel(bind, to_number)
    with op.batch_alter_table("project_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_class_public_id"))
    if bind.dialect.name == "sqlite":  # in place: batch mode's rebuild would unlabel samples
        op.execute("ALTER TABLE project_class DROP COLUMN public_id")
    else:
        op.drop_column("project_class", "public_id")
