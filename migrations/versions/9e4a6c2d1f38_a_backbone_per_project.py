"""A backbone per project: one nullable column (None: the server's default), added in place.

Revision ID: 9e4a6c2d1f38
Revises: 5b3f0e7d9a21
Create Date: 2026-12-01 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9e4a6c2d1f38"
down_revision = "5b3f0e7d9a21"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("project", sa.Column("backbone_id", sa.String(length=64), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # In place: batch mode's table rebuild, with foreign keys on, would delete every
        # project's classes, pictures and models (ON DELETE CASCADE).
        op.execute("ALTER TABLE project DROP COLUMN backbone_id")
    else:
        op.drop_column("project", "backbone_id")
