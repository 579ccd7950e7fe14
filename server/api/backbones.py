"""Backbones the browser can load to turn images into embeddings."""

from flask import Blueprint

from ..backbone_files import all_backbones
from ..policy import requires

bp = Blueprint("backbones", __name__, url_prefix="/api")


@bp.get("/backbones")
@requires("public")
def list_backbones():
    """Every exported backbone, and the one the studio should use by default (the newest)."""
    backbones = all_backbones()
    newest = sorted(backbones, key=lambda i: (str(backbones[i].get("created", "")), i))
    return {
        "default": newest[-1] if newest else None,
        "backbones": [
            {
                "id": backbone_id,
                "model_url": f"/backbones/{backbone_id}/model.json",
                "metadata": meta,
            }
            for backbone_id, meta in backbones.items()
        ],
    }
