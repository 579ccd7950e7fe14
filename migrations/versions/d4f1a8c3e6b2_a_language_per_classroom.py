"""A language per classroom: one nullable column (None: each student's browser decides), added
in place.

Revision ID: d4f1a8c3e6b2
Revises: c5e8d2a7f310
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d4f1a8c3e6b2"
down_revision = "c5e8d2a7f310"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("classroom", sa.Column("language", sa.String(length=16), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # In place: batch mode's table rebuild, with foreign keys on, would delete every
        # classroom's students and projects (ON DELETE CASCADE).
        op.execute("ALTER TABLE classroom DROP COLUMN language")
    else:
        op.drop_column("classroom", "language")
