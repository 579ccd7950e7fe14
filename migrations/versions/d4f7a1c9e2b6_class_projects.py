"""Class projects: a project the whole class fills together (class_project), and who added each
of its pictures and whether the teacher let it through (class_picture). Two new tables; nothing
of project or sample changes, so SQLite rebuilds no table.

Revision ID: d4f7a1c9e2b6
Revises: d4f1a8c3e6b2
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d4f7a1c9e2b6"
down_revision = "d4f1a8c3e6b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "class_project",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("classroom_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("let_all_through", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_class_project_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["classroom_id"],
            ["classroom.id"],
            name=op.f("fk_class_project_classroom_id_classroom"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_class_project_assignment_id_assignment"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_class_project")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_class_project_assignment_id")),
    )
    op.create_index(
        op.f("ix_class_project_classroom_id"), "class_project", ["classroom_id"], unique=False
    )
    op.create_table(
        "class_picture",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["sample.id"],
            name=op.f("fk_class_picture_sample_id_sample"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_class_picture_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_class_picture_student_id_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sample_id", name=op.f("pk_class_picture")),
    )
    op.create_index(
        "ix_class_picture_project_student", "class_picture", ["project_id", "student_id"]
    )


def downgrade():
    op.drop_index("ix_class_picture_project_student", table_name="class_picture")
    op.drop_table("class_picture")
    op.drop_index(op.f("ix_class_project_classroom_id"), table_name="class_project")
    op.drop_table("class_project")
