"""Classrooms, students, assignments, classroom projects, phone pairings; share link approval.

No existing table is rebuilt: classroom membership is a table of its own, and share_link gains
a nullable column, which SQLite adds in place.

Revision ID: 2a12e9049130
Revises: 7c2e5a91d0b4
Create Date: 2026-11-30 23:18:15.504995

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2a12e9049130"
down_revision = "7c2e5a91d0b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "classroom",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("teacher_token_sha256", sa.String(length=64), nullable=False),
        sa.Column("join_code", sa.String(length=16), nullable=False),
        sa.Column("join_open", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("last_activity", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom")),
        sa.UniqueConstraint("join_code", name=op.f("uq_classroom_join_code")),
        sa.UniqueConstraint("public_id", name=op.f("uq_classroom_public_id")),
        sa.UniqueConstraint("teacher_token_sha256", name=op.f("uq_classroom_teacher_token_sha256")),
    )
    op.create_table(
        "gone_share_link",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("gone", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_gone_share_link")),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("classroom_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("class_names", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classroom.id"],
            name=op.f("fk_assignment_classroom_id_classroom"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint("public_id", name=op.f("uq_assignment_public_id")),
    )
    op.create_table(
        "student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("classroom_id", sa.Integer(), nullable=False),
        sa.Column("nickname", sa.String(length=40), nullable=False),
        sa.Column("nickname_key", sa.String(length=40), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classroom.id"],
            name=op.f("fk_student_classroom_id_classroom"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student")),
        sa.UniqueConstraint(
            "classroom_id", "nickname_key", name=op.f("uq_student_classroom_id_nickname_key")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_student_public_id")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_student_token_sha256")),
    )
    op.create_table(
        "classroom_project",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("classroom_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("published_to_class", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_classroom_project_assignment_id_assignment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classroom.id"],
            name=op.f("fk_classroom_project_classroom_id_classroom"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_classroom_project_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_classroom_project_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_classroom_project")),
    )
    with op.batch_alter_table("classroom_project", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classroom_project_classroom_id"), ["classroom_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_classroom_project_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["project_class.id"],
            name=op.f("fk_pairing_class_id_project_class"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_pairing_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_pairing_token_sha256")),
    )
    op.add_column("share_link", sa.Column("approved", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_column("approved")

    op.drop_table("pairing")
    with op.batch_alter_table("classroom_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classroom_project_student_id"))
        batch_op.drop_index(batch_op.f("ix_classroom_project_classroom_id"))

    op.drop_table("classroom_project")
    op.drop_table("student")
    op.drop_table("assignment")
    op.drop_table("gone_share_link")
    op.drop_table("classroom")
