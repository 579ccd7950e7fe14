"""Model versions: save a trained head, list a project's versions, publish, delete, export."""

import json
from typing import Any

from flask import Blueprint, request, send_file
from sqlalchemy import select

from .. import versions
from ..backbone_files import load_backbone
from ..db import db
from ..errors import FieldInvalid
from ..exports import FORMATS, export_blob, export_filename, export_links
from ..models import ModelVersion, Project, ProjectClass
from ..policy import MODEL, PROJECT, current_credential, requires, sees_public_view
from ..sharing import public_metrics
from ..storage import blob_store
from .common import CLASS_NAME_MAX, json_body, text_field, timestamp

bp = Blueprint("versions", __name__, url_prefix="/api")

MAX_LABELS = 1000
# Settings and metrics are small records of how a head was trained; a cap keeps them so.
MAX_RECORD_BYTES = 16 * 1024


def version_json(version: ModelVersion, project: Project | None = None) -> dict[str, Any]:
    """A version as its project's owner sees it; a share link's holder sees `shared_json`."""
    project = project or db.session.get(Project, version.project_id)
    return {
        "id": version.public_id,
        "number": version.number,
        "tier": version.tier,
        "backbone_id": version.backbone_id,
        "labels": version.labels,
        "settings": version.settings,
        "metrics": version.metrics,
        "published": version.published,
        "created": timestamp(version.created),
        "exports": export_links(project, version),
    }


def shared_json(version: ModelVersion, share: str | None = None) -> dict[str, Any]:
    """A version as a share link, or a classmate in the class gallery, sees it: no id of a
    class, sample, job or project, no free-form settings, only numeric metrics."""
    project = db.session.get(Project, version.project_id)
    return {
        "id": version.public_id,
        "number": version.number,
        "tier": version.tier,
        "backbone_id": version.backbone_id,
        "labels": [{"name": label["name"]} for label in version.labels],
        "metrics": public_metrics(version.metrics),
        "published": version.published,
        "created": timestamp(version.created),
        "exports": export_links(project, version, share),
    }


def parse_labels(project: Project, value: Any) -> list[dict[str, Any]]:
    """[{class_id, name}] in output order: distinct classes of this project."""
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_LABELS:
        raise FieldInvalid("labels", f"must be a list of 2 to {MAX_LABELS} labels")
    class_ids = set(
        db.session.scalars(
            select(ProjectClass.public_id).where(ProjectClass.project_id == project.id)
        )
    )
    labels = []
    for label in value:
        if not isinstance(label, dict):
            raise FieldInvalid("labels", "each label must be an object {class_id, name}")
        class_id = label.get("class_id")
        if not isinstance(class_id, str) or class_id not in class_ids:
            raise FieldInvalid("labels", f"no class {str(class_id)[:40]!r} in this project")
        name = text_field(label.get("name"), "labels.name", CLASS_NAME_MAX)
        labels.append({"class_id": class_id, "name": name})
    if len({label["class_id"] for label in labels}) != len(labels):
        raise FieldInvalid("labels", "each class may appear once")
    return labels


def small_record(value: Any, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(json.dumps(value)) > MAX_RECORD_BYTES:
        raise FieldInvalid(field, f"must be a JSON object under {MAX_RECORD_BYTES} bytes")
    return value


@bp.post("/projects/<project_id>/models")
@requires("edit_project", PROJECT)
def save_version(project: Project):
    """Save a trained head as the project's next version (the first one is also published)."""
    versions.check_room(project.id)
    body = json_body()
    backbone_id = body.get("backbone_id")
    backbone = load_backbone(backbone_id) if isinstance(backbone_id, str) else None
    if backbone is None:
        raise FieldInvalid(
            "backbone_id", "must name a backbone of this server (GET /api/backbones)"
        )
    labels = parse_labels(project, body.get("labels"))
    versions.check_head(body.get("head"), len(labels), backbone["embedding_size"])
    settings = small_record(body.get("settings"), "settings")
    metrics = small_record(body.get("metrics"), "metrics")
    head_bytes = json.dumps(body["head"], sort_keys=True, separators=(",", ":")).encode()
    version = versions.save_head(
        project.id,
        head_bytes,
        backbone_id=backbone_id,
        labels=labels,
        settings=settings,
        metrics=metrics,
    )
    location = f"/api/models/{version.public_id}"
    return version_json(version, project), 201, {"Location": location}


@bp.get("/projects/<project_id>/models")
@requires("read_project", PROJECT)
def list_versions(project: Project):
    """A project's versions, newest first."""
    saved = db.session.scalars(
        select(ModelVersion)
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.number.desc())
    )
    return {"models": [version_json(version, project) for version in saved]}


@bp.get("/models/<model_id>")
@requires("read_model", MODEL)
def read_version(version: ModelVersion):
    """One version, for its owner or for a live share link to it (?share=<token>); a classmate
    reading a gallery model sees what the share link shows."""
    if sees_public_view(current_credential(), version):
        return shared_json(version, request.args.get("share"))
    return version_json(version)


@bp.post("/models/<model_id>/publish")
@requires("edit_project", MODEL)
def publish_version(version: ModelVersion):
    """Make this version the published one: links that follow the project show it from now on."""
    versions.publish(version)
    return version_json(version)


@bp.delete("/models/<model_id>")
@requires("edit_project", MODEL)
def delete_version(version: ModelVersion):
    """Delete a version, its exports and the links pinned to it."""
    versions.delete_version(version)
    return "", 204


@bp.get("/models/<model_id>/export")
@requires("read_model", MODEL)
def export_version(version: ModelVersion):
    """Download the version in one format (built on first request, then kept)."""
    fmt = request.args.get("format", "")
    if fmt not in FORMATS:
        raise FieldInvalid("format", f"must be one of {', '.join(FORMATS)}")
    sha256 = export_blob(version, fmt)
    project = db.session.get(Project, version.project_id)
    response = send_file(
        blob_store().sendable(sha256),
        mimetype=FORMATS[fmt].mimetype,
        as_attachment=True,
        download_name=export_filename(project, version, fmt),
        etag=sha256,
    )
    # The owner's token or a revocable link decides access: shared caches must not keep it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
