"""Initial schema: projects, their classes, samples and the samples' embeddings.

Revision ID: 4d1dbb7cb89c
Revises:
Create Date: 2026-11-28 05:28:21
"""

import sqlalchemy as sa
from alembic import op

revision = "4d1dbb7cb89c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("owner_token_sha256", name=op.f("uq_project_owner_token_sha256")),
        sa.UniqueConstraint("public_id", name=op.f("uq_project_public_id")),
    )
    op.create_table(
        "project_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_class_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_class")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_project_class_project_id_name")),
    )
    op.create_table(
        "sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("mime_type", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["project_class.id"],
            name=op.f("fk_sample_class_id_project_class"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_sample_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample")),
        sa.UniqueConstraint("project_id", "sha256", name=op.f("uq_sample_project_id_sha256")),
        sa.UniqueConstraint("public_id", name=op.f("uq_sample_public_id")),
    )
    op.create_index("ix_sample_project_class", "sample", ["project_id", "class_id"])
    # Blob deletion asks "does any sample still use this sha256?" across all projects.
    op.create_index(op.f("ix_sample_sha256"), "sample", ["sha256"])
    op.create_table(
        "embedding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("backbone_id", sa.String(length=64), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["sample.id"],
            name=op.f("fk_embedding_sample_id_sample"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embedding")),
        sa.UniqueConstraint(
            "sample_id", "backbone_id", name=op.f("uq_embedding_sample_id_backbone_id")
        ),
    )


def downgrade():
    op.drop_table("embedding")
    op.drop_index(op.f("ix_sample_sha256"), table_name="sample")
    op.drop_index("ix_sample_project_class", table_name="sample")
    op.drop_table("sample")
    op.drop_table("project_class")
    op.drop_table("project")
