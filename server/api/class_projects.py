"""Class projects: the teacher starts one from an assignment, lets its pictures through, chooses
to let every picture through, removes one student's pictures; the students add pictures, watch
the classes fill up, and copy what they see into a project of their own.

The teacher trains and saves the class's versions through the project routes with the teacher
token (server/policy.py lets the teacher change a class project, and no student's project).
"""

from typing import Any

from flask import Blueprint, request
from sqlalchemy import select

from .. import class_projects
from ..backbone_files import project_backbone_id
from ..db import db
from ..errors import FieldInvalid, NotFound
from ..models import Assignment, ClassProject, Classroom, Project, Sample, Student
from ..policy import CLASS_PROJECT, CLASSROOM, current_credential, requires
from ..uploads import add_samples, checked_uploads
from .common import (
    class_sample_counts,
    find_class,
    json_body,
    sample_json,
    timestamp,
    uploaded_pictures,
)
from .projects import project_json

bp = Blueprint("class_projects", __name__, url_prefix="/api")

# The newest pictures a class project's view shows (the teacher's waiting ones first); the
# studio pages through all of them.
PICTURES_SHOWN = 200


def summary_json(place: ClassProject, project: Project) -> dict[str, Any]:
    assignment = db.session.get(Assignment, place.assignment_id) if place.assignment_id else None
    return {
        "id": project.public_id,
        "title": project.title,
        "assignment_id": assignment.public_id if assignment is not None else None,
        "let_all_through": place.let_all_through,
        "created": timestamp(place.created),
    }


def assignment_in(classroom: Classroom, value: Any) -> Assignment:
    assignment = None
    if isinstance(value, str):
        assignment = db.session.scalar(select(Assignment).where(Assignment.public_id == value))
    if assignment is None or assignment.classroom_id != classroom.id:
        raise FieldInvalid("assignment_id", "no such assignment in this classroom")
    return assignment


@bp.post("/classrooms/<classroom_id>/class-projects")
@requires("manage_classroom", CLASSROOM)
def start_class_project(classroom: Classroom):
    """Start the class project of an assignment ({"assignment_id"}): its title and classes, one
    project the whole class adds pictures to."""
    assignment = assignment_in(classroom, json_body().get("assignment_id"))
    project = class_projects.start(assignment, project_backbone_id(None))
    place = db.session.get(ClassProject, project.id)
    return (
        summary_json(place, project),
        201,
        {"Location": f"/api/class-projects/{project.public_id}"},
    )


@bp.get("/classrooms/<classroom_id>/class-projects")
@requires("read_gallery", CLASSROOM)
def list_class_projects(classroom: Classroom):
    """The classroom's class projects, oldest first."""
    rows = db.session.execute(
        select(ClassProject, Project)
        .join(Project, Project.id == ClassProject.project_id)
        .where(ClassProject.classroom_id == classroom.id)
        .order_by(ClassProject.created, Project.id)
    )
    return {"class_projects": [summary_json(place, project) for place, project in rows]}


def picture_json(sample: Sample, place: ClassProject, contribution, viewer: Student | None):
    """A picture as the teacher sees it (viewer None: who added it, and whether the class sees
    it) or as a student does (whether it is their own, and shown to the class yet); never a
    classmate's name."""
    body = sample_json(sample) | {"approved": class_projects.is_shown(place, contribution)}
    if viewer is None:
        body["contributor"] = contribution.student_id if contribution is not None else None
    else:
        body["mine"] = contribution is not None and contribution.student_id == viewer.id
    return body


def nicknames_of(classroom_id: int) -> dict[int, dict[str, str]]:
    rows = db.session.scalars(select(Student).where(Student.classroom_id == classroom_id))
    return {s.id: {"id": s.public_id, "nickname": s.nickname} for s in rows}


def viewing_student() -> Student | None:
    """The student asking (None: the teacher)."""
    credential = current_credential()
    return db.session.get(Student, credential.student_id) if credential.kind == "student" else None


@bp.get("/class-projects/<class_project_id>")
@requires("read_class_project", CLASS_PROJECT)
def read_class_project(place: ClassProject):
    """The class project: its classes and how many pictures each holds (every picture, counted
    for everyone), and its newest pictures. The teacher sees every picture, the ones waiting
    first, with who added it; a student sees their own, the teacher's and those let through."""
    viewer = viewing_student()
    project = db.session.get(Project, place.project_id)
    counts = class_sample_counts(project)
    shown = class_projects.newest_pictures(place, viewer and viewer.id, PICTURES_SHOWN)
    pictures = [picture_json(sample, place, added, viewer) for sample, added in shown]
    body = summary_json(place, project) | {
        "classes": [
            {"id": c.public_id, "name": c.name, "sample_count": counts.get(c.id, 0)}
            for c in project.classes
        ],
        "sample_count": sum(counts.values()),
        "pictures": pictures,
    }
    if viewer is None:
        names = nicknames_of(place.classroom_id)
        for picture in pictures:
            picture["contributor"] = names.get(picture["contributor"])
        added = class_projects.contribution_counts(project.id)
        body["waiting_count"] = class_projects.waiting_count(place)
        body["contributors"] = [names[i] | {"picture_count": n} for i, n in added.items()]
    return body


@bp.patch("/class-projects/<class_project_id>")
@requires("manage_classroom", CLASS_PROJECT)
def change_class_project(place: ClassProject):
    """Let every picture through at once ({"let_all_through": true}), or wait for the teacher
    again (false: pictures not let through one by one are hidden again)."""
    value = json_body().get("let_all_through")
    if not isinstance(value, bool):
        raise FieldInvalid("let_all_through", "must be true or false")
    place.let_all_through = value
    db.session.commit()
    return summary_json(place, db.session.get(Project, place.project_id))


@bp.post("/class-projects/<class_project_id>/samples")
@requires("work_in_class_project", CLASS_PROJECT)
def add_class_pictures(place: ClassProject):
    """A student adds pictures (multipart 'file' parts) to one class (form field class_id)."""
    project = db.session.get(Project, place.project_id)
    cls = find_class(project, request.form.get("class_id"))
    source = request.form.get("source", "upload")
    if source not in ("webcam", "upload"):
        raise FieldInvalid("source", "must be 'webcam' or 'upload'")
    samples = add_samples(project, checked_uploads(project, uploaded_pictures()), cls.id, source)
    viewer = viewing_student()
    class_projects.record_contributions(place, samples, viewer.id)
    noted = {row.sample_id: row for row in class_projects.contributions_of(samples)}
    return {"samples": [picture_json(s, place, noted.get(s.id), viewer) for s in samples]}, 201


@bp.post("/class-projects/<class_project_id>/samples/<sample_id>/approve")
@requires("manage_classroom", CLASS_PROJECT)
def let_picture_through(place: ClassProject, sample_id: str):
    """The teacher lets one student's picture through to the classmates."""
    sample = db.session.scalar(select(Sample).where(Sample.public_id == sample_id))
    if sample is None or sample.project_id != place.project_id:
        raise NotFound("No picture with this id in this class project.")
    class_projects.let_through(place, sample)
    return "", 204


@bp.delete("/class-projects/<class_project_id>/students/<student_id>/pictures")
@requires("manage_classroom", CLASS_PROJECT)
def remove_student_pictures(place: ClassProject, student_id: str):
    """Delete every picture one student added to the class project, in one step."""
    student = db.session.scalar(select(Student).where(Student.public_id == student_id))
    if student is None or student.classroom_id != place.classroom_id:
        raise NotFound("No student with this id in this classroom.")
    removed = class_projects.remove_contributions(student.id, place.project_id)
    db.session.commit()
    return {"removed": removed}


@bp.post("/class-projects/<class_project_id>/copy")
@requires("work_in_class_project", CLASS_PROJECT, limit="create")
def copy_class_project(place: ClassProject):
    """A project of the student's own with the class project's classes and the pictures the
    student sees (and their stored embeddings), to train in their studio. A new project: counted
    like one (RATE_LIMIT_CREATE)."""
    credential = current_credential()
    project = class_projects.copy_for_student(place, credential.classroom_id, credential.student_id)
    return project_json(project), 201, {"Location": f"/api/projects/{project.public_id}"}
