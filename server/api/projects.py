"""Projects: create one (and get its owner token), read, rename, delete."""

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import select

from ..credentials import hash_token, new_token
from ..db import db
from ..models import ModelVersion, Project, ProjectClass, Sample
from ..policy import PROJECT, requires
from ..problems import field_error
from ..storage import delete_unreferenced, delete_unreferenced_artifacts
from .common import (
    CLASS_NAME_MAX,
    class_json,
    class_sample_counts,
    json_body,
    text_field,
    timestamp,
)

bp = Blueprint("projects", __name__, url_prefix="/api/projects")

TITLE_MAX = 200


def project_json(project: Project) -> dict[str, Any]:
    counts = class_sample_counts(project)
    return {
        "id": project.public_id,
        "title": project.title,
        "created": timestamp(project.created),
        "classes": [class_json(cls, counts.get(cls.id, 0)) for cls in project.classes],
        "unlabelled_count": counts.get(None, 0),
        "sample_count": sum(counts.values()),
    }


def class_names(value: Any) -> list[str]:
    """The optional starting class names: a list of distinct names."""
    if value is None:
        return []
    if not isinstance(value, list):
        field_error("classes", "must be a list of class names")
    most = current_app.config["MAX_CLASSES"]
    if len(value) > most:
        field_error("classes", f"a project has at most {most} classes")
    names = [text_field(name, "classes", CLASS_NAME_MAX) for name in value]
    if len(set(names)) != len(names):
        field_error("classes", "class names must be different from each other")
    return names


@bp.post("")
@requires("create_project", limit="create")
def create_project():
    """Create a project; the response holds its owner token, shown this once only."""
    body = json_body()
    title = text_field(body.get("title"), "title", TITLE_MAX)
    names = class_names(body.get("classes"))
    token = new_token()
    project = Project(title=title, owner_token_sha256=hash_token(token))
    project.classes = [ProjectClass(name=name, position=i) for i, name in enumerate(names)]
    db.session.add(project)
    db.session.commit()
    location = f"/api/projects/{project.public_id}"
    return {**project_json(project), "owner_token": token}, 201, {"Location": location}


@bp.get("/<project_id>")
@requires("read_project", PROJECT)
def read_project(project: Project):
    """A project with its classes and sample counts."""
    return project_json(project)


@bp.patch("/<project_id>")
@requires("edit_project", PROJECT)
def rename_project(project: Project):
    """Change a project's title."""
    project.title = text_field(json_body().get("title"), "title", TITLE_MAX)
    db.session.commit()
    return project_json(project)


@bp.delete("/<project_id>")
@requires("edit_project", PROJECT)
def delete_project(project: Project):
    """Delete a project, its rows, its models' files, and the images no other project uses."""
    blobs = set(db.session.scalars(select(Sample.sha256).where(Sample.project_id == project.id)))
    artifacts = db.session.scalars(
        select(ModelVersion.artifacts).where(ModelVersion.project_id == project.id)
    )
    model_blobs = {sha256 for roles in artifacts for sha256 in (roles or {}).values()}
    db.session.delete(project)
    delete_unreferenced(blobs)
    delete_unreferenced_artifacts(model_blobs)
    db.session.commit()
    return "", 204
