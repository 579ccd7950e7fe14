"""Backbones the browser can load to turn images into embeddings."""

from flask import Blueprint

from ..backbone_files import all_backbones, default_backbone_id, weights_bytes
from ..policy import requires

bp = Blueprint("backbones", __name__, url_prefix="/api")


@bp.get("/backbones")
@requires("public")
def list_backbones():
    """Every exported backbone, and the one the studio should use by default (the newest)."""
    backbones = all_backbones()
    return {
        "default": default_backbone_id(backbones),
        "backbones": [
            {
                "id": backbone_id,
                "model_url": f"/backbones/{backbone_id}/model.json",
                "metadata": meta,
                "download_bytes": weights_bytes(backbone_id),
            }
            for backbone_id, meta in backbones.items()
        ],
    }
