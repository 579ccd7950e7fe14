"""Exported backbones on disk: read their metadata and serve their files at /backbones/<id>/."""

import json
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, send_from_directory

from .errors import NotFound
from .policy import requires

# Ids are hex digests; anything else (dots, slashes) is refused before it reaches the disk.
BACKBONE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
FOREVER = 365 * 24 * 3600
# By few-shot accuracy on real photos (benchmarks/LOG.md, section 1): EfficientNet-Lite0's head is
# about 5 points above MobileNetV2's at 10 pictures a class. New projects start on the first of
# these the server has (default_backbone_id); "Faster" (MobileNetV2) is one click away in the
# studio.
MOST_ACCURATE_FIRST = ("EfficientNet-Lite0", "MobileNetV2")
# What the studio offers a student, by what each is good at: the newest export of each of these
# architectures, named by its kind ("Faster", "More accurate" in the page's strings).
STUDIO_KINDS = (("faster", "MobileNetV2"), ("moreAccurate", "EfficientNet-Lite0"))

bp = Blueprint("backbone_files", __name__)


def backbone_dir() -> Path:
    return Path(current_app.config["BACKBONE_DIR"])


def load_backbone(backbone_id: str) -> dict[str, Any] | None:
    """The metadata of a servable backbone, or None when there is no such backbone."""
    if not BACKBONE_ID.fullmatch(backbone_id):
        return None
    try:
        metadata = json.loads((backbone_dir() / backbone_id / "metadata.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(metadata, dict):
        return None
    size = metadata.get("embedding_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return None
    # Random weights exist for unit tests of the converter; they must never be served as trained.
    if metadata.get("weights_source") == "random":
        return None
    return metadata


def get_backbone(backbone_id: str) -> dict[str, Any]:
    """The metadata of a backbone named in an API request (NotFound when there is none)."""
    metadata = load_backbone(backbone_id)
    if metadata is None:
        raise NotFound(f"No backbone with id {backbone_id!r}.")
    return metadata


def all_backbones() -> dict[str, dict[str, Any]]:
    """Every servable backbone's metadata by id."""
    root = backbone_dir()
    if not root.is_dir():
        return {}
    found = {entry.name: load_backbone(entry.name) for entry in sorted(root.iterdir())}
    return {backbone_id: meta for backbone_id, meta in found.items() if meta is not None}


def default_backbone_id(backbones: dict[str, dict[str, Any]]) -> str | None:
    """The backbone a new project starts on: the newest EfficientNet-Lite0, else the newest
    export of the other architectures by accuracy, else the newest one.

    A project stores its backbone when it is made, so a later change of default leaves it on its
    network; projects made while MobileNetV2 was the default were given its architecture by a
    migration (`project_backbone_id`).
    """
    return newest_of(backbones, MOST_ACCURATE_FIRST) or newest_of(backbones, None)


def most_accurate_backbone_id(backbones: dict[str, dict[str, Any]]) -> str | None:
    """The backbone server fine-tuning trains unless told otherwise: the newest export of the
    most accurate architecture this server has (MOST_ACCURATE_FIRST); None when it has none of
    them."""
    return newest_of(backbones, MOST_ACCURATE_FIRST)


def studio_kinds(backbones: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The kind of each backbone the studio offers ({id: kind}): the newest export of each
    architecture of STUDIO_KINDS; older exports, and other architectures, have none."""
    kinds = {}
    for kind, architecture in STUDIO_KINDS:
        newest = newest_of(backbones, (architecture,))
        if newest is not None:
            kinds[newest] = kind
    return kinds


def newest_of(
    backbones: dict[str, dict[str, Any]], architectures: tuple[str, ...] | None
) -> str | None:
    """The newest backbone of the first of `architectures` exported here (None: of any)."""
    for architecture in architectures or (None,):
        found = [
            i
            for i, meta in backbones.items()
            if architecture is None or meta.get("architecture") == architecture
        ]
        if found:
            return max(found, key=lambda i: (str(backbones[i].get("created", "")), i))
    return None


def project_backbone_id(chosen: str | None) -> str | None:
    """The backbone a project uses: the one chosen for it while the server still has it; for an
    architecture's name (what the migration gave the projects that followed MobileNetV2 as the
    default) the newest export of that architecture, as the default resolved then; else the
    server's default (None when the server has no backbone at all)."""
    if chosen is not None and load_backbone(chosen) is not None:
        return chosen
    backbones = all_backbones()
    return (chosen and newest_of(backbones, (chosen,))) or default_backbone_id(backbones)


def weights_bytes(backbone_id: str) -> int:
    """The download size of a backbone's weights: the shard files its model.json lists."""
    folder = backbone_dir() / backbone_id
    try:
        manifest = json.loads((folder / "model.json").read_text()).get("weightsManifest", [])
        paths = [path for group in manifest for path in group.get("paths", [])]
        # A listed path is a file name inside the folder; anything that climbs out is not counted.
        return sum((folder / Path(path).name).stat().st_size for path in paths)
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


@bp.get("/backbones/<backbone_id>/<path:filename>")
@requires("public")
def backbone_file(backbone_id: str, filename: str):
    """A backbone's model.json, weight shards or metadata; immutable as the id is their hash."""
    if load_backbone(backbone_id) is None:
        abort(404)
    # send_from_directory refuses paths that climb out of the folder (404).
    response = send_from_directory(backbone_dir() / backbone_id, filename, max_age=FOREVER)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def register_backbone_files(app: Flask) -> None:
    """Serve the backbone folders."""
    app.register_blueprint(bp)
