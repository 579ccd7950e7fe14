"""Quiz results of classroom projects: three nullable columns, which SQLite adds in place.

Revision ID: b3d41f7e9a20
Revises: 2a12e9049130
Create Date: 2026-12-01 02:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3d41f7e9a20"
down_revision = "2a12e9049130"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("classroom_project", sa.Column("quiz_right", sa.Integer(), nullable=True))
    op.add_column("classroom_project", sa.Column("quiz_total", sa.Integer(), nullable=True))
    op.add_column("classroom_project", sa.Column("quiz_finished", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("classroom_project", schema=None) as batch_op:
        batch_op.drop_column("quiz_finished")
        batch_op.drop_column("quiz_total")
        batch_op.drop_column("quiz_right")
