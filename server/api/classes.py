"""Classes of a project: add, rename or move, delete."""

from flask import Blueprint, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import db
from ..errors import Conflict, FieldInvalid
from ..models import Project, ProjectClass, Sample
from ..policy import PROJECT, requires
from ..storage import delete_unreferenced
from .common import (
    CLASS_NAME_MAX,
    class_json,
    class_sample_counts,
    get_class,
    int_field,
    json_body,
    text_field,
)

bp = Blueprint("classes", __name__, url_prefix="/api/projects/<project_id>/classes")

BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def check_name_free(project: Project, name: str, cls: ProjectClass | None = None) -> None:
    """409 when another class of the project already has this name."""
    if any(other.name == name and other is not cls for other in project.classes):
        raise Conflict(f"This project already has a class named {name!r}.", code="class_name_taken")


def move(project: Project, cls: ProjectClass, position: int) -> None:
    """Put `cls` at `position`; the classes after it shift, positions stay 0..n-1."""
    others = [other for other in project.classes if other is not cls]
    others.insert(position, cls)
    for index, other in enumerate(others):
        other.position = index


def commit_names(project: Project, cls: ProjectClass, status: int = 200):
    """Commit a new or renamed class (409 if a concurrent request took the name) and reply."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another class of this project got that name meanwhile.") from None
    return class_json(cls, class_sample_counts(project).get(cls.id, 0)), status


@bp.post("")
@requires("edit_project", PROJECT)
def add_class(project: Project):
    """Add a class at the end of the project's list."""
    most = current_app.config["MAX_CLASSES"]
    if len(project.classes) >= most:
        raise Conflict(
            f"A project has at most {most} classes; delete one first.",
            code="too_many_classes",
            params={"limit": most},
        )
    name = text_field(json_body().get("name"), "name", CLASS_NAME_MAX)
    check_name_free(project, name)
    cls = ProjectClass(name=name, position=len(project.classes))
    project.classes.append(cls)
    return commit_names(project, cls, 201)


@bp.patch("/<class_id>")
@requires("edit_project", PROJECT)
def update_class(project: Project, class_id: str):
    """Rename a class and/or move it to another position."""
    cls = get_class(project, class_id)
    body = json_body()
    if "name" not in body and "position" not in body:
        raise FieldInvalid("name", "send a new name, a new position, or both")
    if "name" in body:
        name = text_field(body["name"], "name", CLASS_NAME_MAX)
        check_name_free(project, name, cls)
        cls.name = name
    if "position" in body:
        position = int_field(body["position"], "position")
        if not 0 <= position < len(project.classes):
            raise FieldInvalid("position", f"must be from 0 to {len(project.classes) - 1}")
        move(project, cls, position)
    return commit_names(project, cls)


@bp.delete("/<class_id>")
@requires("edit_project", PROJECT)
def delete_class(project: Project, class_id: str):
    """Delete a class; its samples become unlabelled, or go too with ?delete_samples=true."""
    cls = get_class(project, class_id)
    delete_samples = BOOLEANS.get(request.args.get("delete_samples", "false").lower())
    if delete_samples is None:
        raise FieldInvalid("delete_samples", "must be true or false")
    samples = db.session.scalars(select(Sample).where(Sample.class_id == cls.id)).all()
    for sample in samples:
        if delete_samples:
            db.session.delete(sample)
        else:
            sample.class_id = None
    project.classes.remove(cls)
    for index, other in enumerate(project.classes):
        other.position = index
    delete_unreferenced({sample.sha256 for sample in samples} if delete_samples else ())
    db.session.commit()
    return "", 204
