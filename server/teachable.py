"""A model version as a Teachable Machine model: what `/s/<token>/tm/` serves.

Three files, built together on the first request for any of them and then kept as the
version's artifacts like the other exports (server/exports.py): `model.json` and `weights.bin`
(a TF.js 1.3.1 layers model, converters/teachable.py) and `metadata.json` in Teachable
Machine's own shape, which `@teachablemachine/image` and ml5 read for the class names.
"""

import json
from datetime import UTC, datetime
from typing import Any

from .db import db
from .models import ModelVersion, Project

# Teachable Machine's image projects and the loader their snippets pin.
TM_VERSION = "2.4.10"
TFJS_VERSION = "1.3.1"
PACKAGE_NAME = "@teachablemachine/image"
PACKAGE_VERSION = "0.8.5"
# The export's format name in server/exports.py, and each file's role among the artifacts.
FORMAT = "teachable"
FILES = {
    "model.json": ("export/teachable", "application/json"),
    "weights.bin": ("export/teachable-weights", "application/octet-stream"),
    "metadata.json": ("export/teachable-metadata", "application/json"),
}


def teachable_metadata(project: Project, version: ModelVersion, architecture: str) -> dict:
    """metadata.json as Teachable Machine writes it, labels in the model's output order."""
    return {
        "tfjsVersion": TFJS_VERSION,
        "tmVersion": TM_VERSION,
        "packageVersion": PACKAGE_VERSION,
        "packageName": PACKAGE_NAME,
        "timeStamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "userMetadata": {
            "madeWith": "Snapclass",
            "version": version.number,
            "pictureNetwork": architecture,
        },
        "modelName": project.title,
        "labels": [label["name"] for label in version.labels],
        "imageSize": 224,
    }


def build_teachable(builder) -> dict[str, bytes]:
    """{role: bytes} of the three files, for exports.Builder."""
    from converters.teachable import TeachableUnavailable, teachable_model

    from .errors import Conflict

    backbone, head = builder.backbone_and_head()
    try:
        model_json, weights = teachable_model(backbone, head)
    except TeachableUnavailable as error:
        raise Conflict(
            f"This model cannot be written for Teachable Machine: {error}", code="export_failed"
        ) from None
    architecture = builder.backbone["architecture"]
    metadata = teachable_metadata(builder.project, builder.version, architecture)
    return {
        FILES["model.json"][0]: json_bytes(model_json),
        FILES["weights.bin"][0]: weights,
        FILES["metadata.json"][0]: json_bytes(metadata),
    }


def teachable_file(version: ModelVersion, filename: str) -> tuple[str, str] | None:
    """(sha256, mimetype) of one of the version's Teachable Machine files, built the first
    time; None for a name that is not one of them."""
    from .exports import export_blob

    if filename not in FILES:
        return None
    role, mimetype = FILES[filename]
    export_blob(version, FORMAT)
    db.session.refresh(version)
    return version.artifacts[role], mimetype


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
