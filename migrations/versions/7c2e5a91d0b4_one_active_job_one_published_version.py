"""One active fine-tuning job and one published version per project, as partial unique indexes.

Revision ID: 7c2e5a91d0b4
Revises: 1f6cec18d930
Create Date: 2026-11-30 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7c2e5a91d0b4"
down_revision = "1f6cec18d930"
branch_labels = None
depends_on = None

ACTIVE_JOB = sa.text("state IN ('queued', 'running')")
PUBLISHED_VERSION = sa.text("published")


def upgrade():
    # Rows that broke the rules before the database enforced them: keep the newest of each.
    op.execute(
        "UPDATE job SET state = 'failed', error = 'another job of this project was running' "
        "WHERE state IN ('queued', 'running') AND id < (SELECT MAX(other.id) FROM job AS other "
        "WHERE other.project_id = job.project_id AND other.state IN ('queued', 'running'))"
    )
    op.execute(
        "UPDATE model_version SET published = false WHERE published AND id < (SELECT "
        "MAX(other.id) FROM model_version AS other WHERE other.project_id = "
        "model_version.project_id AND other.published)"
    )
    for table, name, where in (
        ("job", "uq_job_one_active", ACTIVE_JOB),
        ("model_version", "uq_model_version_one_published", PUBLISHED_VERSION),
    ):
        op.create_index(
            name, table, ["project_id"], unique=True, sqlite_where=where, postgresql_where=where
        )


def downgrade():
    op.drop_index("uq_model_version_one_published", table_name="model_version")
    op.drop_index("uq_job_one_active", table_name="job")
