"""Exports of a model version in every format, built once and then kept as blobs.

Building runs TensorFlow (tens of seconds on a CPU), so it happens on the first download of a
format and the result is stored as the version's artifact "export/<format>"; the next download
is a file read. Every format but keras goes through one SavedModel, itself kept as
"export/savedmodel", so a second format skips rebuilding the model.
"""

import io
import json
import re
import tempfile
import threading
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from converters.preprocessing import square_picture

from .backbone_files import load_backbone
from .db import db
from .errors import Conflict, NotFound
from .models import ModelVersion, Project, Sample
from .sharing import public_metrics
from .snippets import usage_snippet
from .storage import blob_store, work_root
from .teachable import FORMAT as TEACHABLE_FORMAT
from .teachable import build_teachable

# TensorFlow builds one model at a time per process: they are memory-hungry, Keras's graph
# naming is not thread-safe, and a second request for the same export should wait for the first.
BUILD_LOCK = threading.Lock()
CALIBRATION_LIMIT = 200


@dataclass(frozen=True)
class ExportFormat:
    name: str
    title: str
    suffix: str
    mimetype: str


FORMATS = {
    f.name: f
    for f in (
        ExportFormat("tfjs", "TensorFlow.js (web pages)", "-tfjs.zip", "application/zip"),
        ExportFormat("keras", "Keras (Python)", ".keras", "application/octet-stream"),
        ExportFormat("tflite", "TensorFlow Lite float32", ".tflite", "application/octet-stream"),
        ExportFormat(
            "tflite-int8", "TensorFlow Lite int8 (small, fast)", "-int8.tflite",
            "application/octet-stream",
        ),
        ExportFormat("savedmodel", "TensorFlow SavedModel", "-savedmodel.zip", "application/zip"),
    )
}  # fmt: skip


def slug(text: str) -> str:
    """An ASCII file-name stem from a title: never a path, never a quote."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:40] or "model"


def export_filename(project: Project, version: ModelVersion, fmt: str) -> str:
    return f"{slug(project.title)}-v{version.number}{FORMATS[fmt].suffix}"


def image_size(version: ModelVersion) -> int:
    backbone = load_backbone(version.backbone_id) or {}
    return int(backbone.get("input_size", 224))


def export_links(
    project: Project, version: ModelVersion, share: str | None = None
) -> list[dict[str, Any]]:
    """Each format's download URL, file name and usage snippet."""
    names = [label["name"] for label in version.labels]
    size = image_size(version)
    query = f"&share={share}" if share else ""
    links = []
    for fmt in FORMATS.values():
        filename = export_filename(project, version, fmt.name)
        links.append(
            {
                "format": fmt.name,
                "title": fmt.title,
                "filename": filename,
                "url": f"/api/models/{version.public_id}/export?format={fmt.name}{query}",
                "snippet": usage_snippet(fmt.name, filename, names, size),
            }
        )
    return links


def export_metadata(
    project: Project, version: ModelVersion, backbone: dict[str, Any], model_format: str
) -> dict[str, Any]:
    """metadata.json of an export: what a program needs to feed the model and read its answer."""
    size = backbone["input_size"]
    versions = {name: package_version(name) for name in ("tensorflow", "keras", "tensorflowjs")}
    return {
        "format": "snapclass-classifier",
        "model_format": model_format,
        "name": project.title,
        "model_id": version.public_id,
        "version": version.number,
        "tier": version.tier,
        "labels": [label["name"] for label in version.labels],
        "image_size": size,
        "input": {
            "name": "image",
            "shape": [None, size, size, 3],
            "dtype": "float32",
            "range": [0, 255],
            "channels": "RGB",
        },
        "preprocessing": {
            "crop": "center-square",
            "size": size,
            "resize": "bilinear",
            "scale": "x/127.5-1, inside the model: feed RGB values 0..255",
        },
        "output": {"name": "probabilities", "activation": "softmax", "order": "labels"},
        "backbone_id": version.backbone_id,
        "backbone": {
            key: backbone.get(key)
            for key in ("name", "architecture", "weights_source", "weights_sha256")
        },
        "metrics": public_metrics(version.metrics),
        "versions": {**versions, "snapclass": package_version("snapclass")},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def export_blob(version: ModelVersion, fmt: str) -> str:
    """The sha256 of the version's export in `fmt`, building and storing it the first time."""
    store = blob_store()
    role = f"export/{fmt}"
    sha256 = version.artifacts.get(role)
    if sha256 and store.exists(sha256):
        return sha256
    with BUILD_LOCK:
        db.session.refresh(version)  # another request may have built it while this one waited
        sha256 = version.artifacts.get(role)
        if sha256 and store.exists(sha256):
            return sha256
        db.session.commit()  # hold no read transaction open through a long build
        started = time.monotonic()
        built = Builder(version).build(fmt)
        current_app.logger.info(
            "built %s export of model %s in %.1f s", fmt, version.public_id,
            time.monotonic() - started,
        )  # fmt: skip
        roles = {role: store.put(data) for role, data in built.items()}
        try:
            version.artifacts = {**version.artifacts, **roles}
            db.session.commit()
        except StaleDataError:
            db.session.rollback()  # the version was deleted meanwhile; so are its exports
            for sha in roles.values():
                store.delete(sha)
            raise NotFound("This model was deleted while its export was being built.") from None
    return roles[role]


class Builder:
    """Builds one version's exports; returns {role: bytes} for everything it made."""

    def __init__(self, version: ModelVersion) -> None:
        self.version = version
        self.project = db.session.get(Project, version.project_id)
        backbone = load_backbone(version.backbone_id)
        if backbone is None:
            raise Conflict(f"The backbone {version.backbone_id!r} is no longer on this server.")
        self.backbone = backbone
        self.store = blob_store()

    def metadata(self, model_format: str) -> dict[str, Any]:
        return export_metadata(self.project, self.version, self.backbone, model_format)

    def build(self, fmt: str) -> dict[str, bytes]:
        from converters.classifier import ExportUnavailable

        try:
            return self._build(fmt)
        except ExportUnavailable as error:
            raise Conflict(
                f"This model cannot be exported here: {error}", code="export_failed"
            ) from None

    def _build(self, fmt: str) -> dict[str, bytes]:
        from converters import classifier

        artifacts = self.version.artifacts
        if fmt == TEACHABLE_FORMAT:
            return build_teachable(self)
        if self.version.tier == "server" and fmt == "keras":
            return {"export/keras": self.store.read(artifacts["keras"])}
        if self.version.tier == "server" and fmt == "tfjs":
            return {"export/tfjs": self.server_tfjs_zip()}
        if fmt == "keras":
            return {"export/keras": classifier.export_keras(self.keras_model())}
        built: dict[str, bytes] = {}
        with tempfile.TemporaryDirectory(prefix="snapclass-export-", dir=work_root()) as work:
            saved = Path(work) / "saved_model"
            cached = artifacts.get("export/savedmodel")
            if cached and self.store.exists(cached):
                classifier.unzip_savedmodel(self.store.read(cached), saved)
            else:
                model = self.keras_model()
                classifier.export_savedmodel(model, saved)
                built["export/savedmodel"] = classifier.savedmodel_zip(
                    saved, self.metadata("tf_saved_model")
                )
                # The .keras file too, while the model is at hand: two seconds, not a rebuild.
                if self.version.tier == "browser" and "export/keras" not in artifacts:
                    built["export/keras"] = classifier.export_keras(model)
            if fmt == "tflite":
                built["export/tflite"] = classifier.tflite_from_savedmodel(saved)
            elif fmt == "tflite-int8":
                images = self.calibration_images()
                built["export/tflite-int8"] = classifier.tflite_from_savedmodel(saved, images)
            elif fmt == "tfjs":
                built["export/tfjs"] = classifier.tfjs_zip_from_savedmodel(
                    saved, Path(work) / "tfjs", self.metadata("tfjs_graph_model")
                )
        return built

    def keras_model(self):
        """The version's whole classifier as a Keras model."""
        from converters import classifier
        from converters.head import parse_head

        if self.version.tier == "server":
            return classifier.load_keras(self.store.read(self.version.artifacts["keras"]))
        head = json.loads(self.store.read(self.version.artifacts["head"]))
        return classifier.build_classifier(parse_head(head), self.backbone)

    def backbone_and_head(self):
        """The version's backbone network (with its weights) and head, apart."""
        from converters.backbone import backbone_from
        from converters.classifier import backbone_weights, load_keras
        from converters.head import parse_head
        from converters.teachable import classifier_parts

        if self.version.tier == "server":
            return classifier_parts(load_keras(self.store.read(self.version.artifacts["keras"])))
        head = parse_head(json.loads(self.store.read(self.version.artifacts["head"])))
        weights = backbone_weights(self.backbone)
        return backbone_from(weights, self.backbone["input_size"]), head

    def server_tfjs_zip(self) -> bytes:
        """The fine-tuned version's own TF.js files, with metadata.json beside them."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for role, sha256 in sorted(self.version.artifacts.items()):
                if role.startswith("tfjs/"):
                    archive.writestr(role.removeprefix("tfjs/"), self.store.read(sha256))
            metadata = json.dumps(self.metadata("tfjs_graph_model"), indent=2, ensure_ascii=False)
            archive.writestr("metadata.json", metadata + "\n")
        return out.getvalue()

    def calibration_images(self) -> list:
        """Up to CALIBRATION_LIMIT of the project's labelled pictures, taking classes in turn."""
        class_ids = [label["class_id"] for label in self.version.labels]
        rows = db.session.execute(
            select(Sample.class_id, Sample.sha256)
            .where(Sample.project_id == self.project.id, Sample.class_public_id.in_(class_ids))
            .order_by(Sample.created, Sample.id)
        ).all()
        by_class: dict[int, list[str]] = {}
        for class_id, sha256 in rows:
            by_class.setdefault(class_id, []).append(sha256)
        chosen: list[str] = []
        queues = list(by_class.values())
        while queues and len(chosen) < CALIBRATION_LIMIT:
            chosen.extend(queue.pop(0) for queue in queues)
            queues = [queue for queue in queues if queue]
        if not chosen:
            raise Conflict("int8 is calibrated on the project's pictures, and it has none.")
        size = self.backbone["input_size"]
        return [square_picture(self.store.read(sha), size) for sha in chosen[:CALIBRATION_LIMIT]]
