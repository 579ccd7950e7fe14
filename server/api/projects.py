"""Projects: create one (and get its owner token), read, rename or choose its backbone, delete."""

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import select

from ..backbone_files import load_backbone, project_backbone_id
from ..classrooms import classroom_of_project, delete_projects, membership
from ..db import db
from ..errors import Conflict, FieldInvalid
from ..models import Assignment, ClassroomProject, Project, ProjectClass, utcnow
from ..policy import PROJECT, current_credential, requires
from ..tokens import hash_token, new_token
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
QUIZ_MAX_QUESTIONS = 50
NOT_IN_CLASSROOM_QUIZ = (
    "Quiz results are kept only for a classroom project, for its teacher; nothing was stored."
)


LOOK_UP = object()  # project_json reads the project's classroom membership itself


def project_json(project: Project, place: Any = LOOK_UP) -> dict[str, Any]:
    """The project with its classes and counts; `place`, when the caller knows it, is its
    classroom membership (None: no classroom's)."""
    counts = class_sample_counts(project)
    place = membership(project.id) if place is LOOK_UP else place
    return {
        "id": project.public_id,
        "title": project.title,
        "created": timestamp(project.created),
        "backbone_id": project_backbone_id(project.backbone_id),
        "classes": [class_json(cls, counts.get(cls.id, 0)) for cls in project.classes],
        "unlabelled_count": counts.get(None, 0),
        "sample_count": sum(counts.values()),
        "classroom": (
            {
                "published_to_class": place.published_to_class,
                "quiz": quiz_json(place),
                "language": classroom_of_project(project.id).language,
            }
            if place is not None
            else None
        ),
    }


def quiz_json(place: ClassroomProject) -> dict[str, Any] | None:
    """The student's finished quiz (None: not finished yet)."""
    if place.quiz_finished is None:
        return None
    return {
        "right": place.quiz_right,
        "total": place.quiz_total,
        "finished": timestamp(place.quiz_finished),
    }


def class_names(value: Any) -> list[str]:
    """The optional starting class names: a list of distinct names."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldInvalid("classes", "must be a list of class names")
    most = current_app.config["MAX_CLASSES"]
    if len(value) > most:
        raise FieldInvalid("classes", f"a project has at most {most} classes")
    names = [text_field(name, "classes", CLASS_NAME_MAX) for name in value]
    if len(set(names)) != len(names):
        raise FieldInvalid("classes", "class names must be different from each other")
    return names


def assignment_for(credential, value: Any) -> Assignment | None:
    """The assignment a student starts from: one of their own classroom's."""
    if value is None:
        return None
    assignment = None
    if isinstance(value, str) and credential.kind == "student":
        assignment = db.session.scalar(select(Assignment).where(Assignment.public_id == value))
    if assignment is None or assignment.classroom_id != credential.classroom_id:
        raise FieldInvalid("assignment_id", "no such assignment in your classroom")
    return assignment


@bp.post("")
@requires("create_project", limit="create")
def create_project():
    """Create a project; the response holds its owner token, shown this once only.

    With a student's token the project is that student's, in their classroom, and has no owner
    token: the student token reads and writes it. With an assignment_id it starts from the
    assignment's title and classes.
    """
    body = json_body()
    credential = current_credential()
    assignment = assignment_for(credential, body.get("assignment_id"))
    title = body.get("title") if assignment is None or "title" in body else assignment.title
    title = text_field(title, "title", TITLE_MAX)
    names = class_names(body.get("classes") if assignment is None else assignment.class_names)
    token = new_token()
    # The network is stored with the project, so a later change of default leaves it on its own.
    project = Project(
        title=title, owner_token_sha256=hash_token(token), backbone_id=project_backbone_id(None)
    )
    project.classes = [ProjectClass(name=name, position=i) for i, name in enumerate(names)]
    db.session.add(project)
    place = None
    if credential.kind == "student":
        db.session.flush()
        place = ClassroomProject(
            project_id=project.id,
            classroom_id=credential.classroom_id,
            student_id=credential.student_id,
            assignment_id=assignment.id if assignment else None,
            published_to_class=False,
        )
        db.session.add(place)
    db.session.commit()
    location = f"/api/projects/{project.public_id}"
    reply = project_json(project, place)
    if credential.kind != "student":
        reply["owner_token"] = token
    return reply, 201, {"Location": location}


@bp.get("/<project_id>")
@requires("read_project", PROJECT)
def read_project(project: Project):
    """A project with its classes and sample counts."""
    return project_json(project)


@bp.patch("/<project_id>")
@requires("edit_project", PROJECT)
def update_project(project: Project):
    """Change a project's title, its backbone (the image model its pictures are prepared
    with), or both; a body with neither is refused for its missing title."""
    body = json_body()
    title, backbone_id = project.title, project.backbone_id
    if "title" in body or "backbone_id" not in body:
        title = text_field(body.get("title"), "title", TITLE_MAX)
    if "backbone_id" in body:
        backbone_id = backbone_choice(body["backbone_id"])
    project.title, project.backbone_id = title, backbone_id
    db.session.commit()
    return project_json(project)


def backbone_choice(value: Any) -> str:
    """A backbone id the server offers (GET /api/backbones)."""
    if not isinstance(value, str) or load_backbone(value) is None:
        raise FieldInvalid("backbone_id", "must be the id of one of the server's backbones")
    return value


@bp.delete("/<project_id>")
@requires("edit_project", PROJECT)
def delete_project(project: Project):
    """Delete a project, its rows, its models' files, and the images no other project uses."""
    delete_projects([project.id])
    db.session.commit()
    return "", 204


@bp.post("/<project_id>/gallery")
@requires("edit_project", PROJECT)
def publish_to_class(project: Project):
    """Show (published: true) or hide the project's model in the class gallery."""
    place = membership(project.id)
    if place is None:
        raise Conflict(
            "Only a classroom project can be shown in a class gallery.",
            code="gallery_not_in_classroom",
        )
    published = json_body().get("published")
    if not isinstance(published, bool):
        raise FieldInvalid("published", "must be true or false")
    place.published_to_class = published
    db.session.commit()
    return project_json(project)


def count_field(body: dict, field: str, most: int) -> int:
    value = body.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise FieldInvalid(field, f"must be a whole number from 0 to {most}")
    return value


@bp.put("/<project_id>/quiz")
@requires("edit_project", PROJECT)
def finish_quiz(project: Project):
    """Record that the student finished the lesson's quiz ({"right", "total"}), for the
    teacher's dashboard. Only a classroom project keeps it; any other is answered 409."""
    place = membership(project.id)
    if place is None:
        raise Conflict(NOT_IN_CLASSROOM_QUIZ, code="quiz_not_in_classroom")
    body = json_body()
    total = count_field(body, "total", QUIZ_MAX_QUESTIONS)
    right = count_field(body, "right", total)
    if total == 0:
        raise FieldInvalid("total", "a finished quiz has at least one question")
    place.quiz_right, place.quiz_total, place.quiz_finished = right, total, utcnow()
    db.session.commit()
    return project_json(project, place)
