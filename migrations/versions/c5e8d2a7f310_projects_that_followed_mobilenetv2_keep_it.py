"""Projects that followed the default backbone keep MobileNetV2 when the default becomes
EfficientNet-Lite0: their empty backbone_id becomes the architecture's name, "MobileNetV2".

The name, not an export's id: the id is a hash of files in the backbone folder, which is
configuration (SNAPCLASS_BACKBONE_DIR) that a migration may not see, and which `make install`
can rebuild. An empty backbone_id meant "the newest MobileNetV2 export"; the name means exactly
that to `project_backbone_id`, whatever the folder holds when the project is opened, so the
project opens on the network its stored embeddings were made with.

Revision ID: c5e8d2a7f310
Revises: c7a9e2b4d6f1
Create Date: 2026-12-06 17:00:00
"""

from alembic import op

revision = "c5e8d2a7f310"
down_revision = "c7a9e2b4d6f1"
branch_labels = None
depends_on = None

# The architecture that was the default until this revision (backbone metadata's "architecture").
FORMER_DEFAULT = "MobileNetV2"


def upgrade():
    op.execute(
        f"UPDATE project SET backbone_id = '{FORMER_DEFAULT}' "
        "WHERE backbone_id IS NULL OR backbone_id = ''"
    )


def downgrade():
    # Before this revision an empty backbone_id meant MobileNetV2, the default then.
    op.execute(f"UPDATE project SET backbone_id = NULL WHERE backbone_id = '{FORMER_DEFAULT}'")
