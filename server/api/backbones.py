"""Backbones the browser can load to turn images into embeddings."""

from flask import Blueprint

from ..backbone_files import all_backbones, default_backbone_id, studio_kinds, weights_bytes
from ..policy import requires

bp = Blueprint("backbones", __name__, url_prefix="/api")


@bp.get("/backbones")
@requires("public")
def list_backbones():
    """Every exported backbone, and the one the studio should use by default (the newest).
    `kind` is what the studio offers it as ("faster", "moreAccurate"), or null: not offered."""
    backbones = all_backbones()
    kinds = studio_kinds(backbones)
    return {
        "default": default_backbone_id(backbones),
        "backbones": [
            {
                "id": backbone_id,
                "model_url": f"/backbones/{backbone_id}/model.json",
                "metadata": meta,
                "download_bytes": weights_bytes(backbone_id),
                "kind": kinds.get(backbone_id),
            }
            for backbone_id, meta in backbones.items()
        ],
    }
