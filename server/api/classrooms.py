"""Classrooms: start one, join it with a code, the teacher's view and actions, assignments, the
class gallery, a student's home, and the whole class as one zip."""

import tempfile
import zipfile
from typing import Any

from flask import Blueprint
from sqlalchemy import func, select

from .. import classrooms, languages, nicknames
from ..archive import folder_name, write_project_zip
from ..db import db
from ..errors import FieldInvalid
from ..exports import slug
from ..models import (
    Assignment,
    Classroom,
    ClassroomProject,
    ModelVersion,
    Project,
    ShareLink,
    Student,
)
from ..policy import CLASSROOM, SHARE_LINK, current_credential, requires
from ..sharing import gallery_version, link_state
from ..tokens import hash_token, new_token
from .common import class_sample_counts, json_body, text_field, timestamp, zip_download
from .projects import TITLE_MAX, class_names, quiz_json
from .versions import shared_json

bp = Blueprint("classrooms", __name__, url_prefix="/api")

NAME_MAX = 200
NICKNAME_MAX = 30
INSTRUCTIONS_MAX = 4000


def classroom_json(classroom: Classroom) -> dict[str, Any]:
    return {
        "id": classroom.public_id,
        "name": classroom.name,
        "join_code": classroom.join_code,
        "join_url": f"/join#code={classroom.join_code}",
        "join_open": classroom.join_open,
        "retention_days": classroom.retention_days,
        "share_approval": bool((classroom.settings or {}).get("share_approval", True)),
        "language": classroom.language,
        "created": timestamp(classroom.created),
        "last_activity": timestamp(classroom.last_activity),
        "expires_at": timestamp(classrooms.expires_at(classroom)),
    }


def project_summary(project: Project, place: ClassroomProject) -> dict[str, Any]:
    """A project as the teacher's dashboard counts it."""
    counts = class_sample_counts(project)
    models = db.session.scalar(select(func.count()).where(ModelVersion.project_id == project.id))
    links = db.session.scalars(select(ShareLink).where(ShareLink.project_id == project.id)).all()
    states = [link_state(link) for link in links]
    return {
        "id": project.public_id,
        "title": project.title,
        "classes": [
            {"id": c.public_id, "name": c.name, "sample_count": counts.get(c.id, 0)}
            for c in project.classes
        ],
        "sample_count": sum(counts.values()),
        "model_count": models,
        "share_count": states.count("active"),
        "pending_share_count": states.count("pending"),
        "published_to_class": place.published_to_class,
        "quiz": quiz_json(place),
        "created": timestamp(project.created),
    }


def student_json(student: Student, with_projects: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": student.public_id,
        "nickname": student.nickname,
        "created": timestamp(student.created),
        "last_seen": timestamp(student.last_seen),
    }
    if with_projects:
        rows = db.session.execute(
            select(Project, ClassroomProject)
            .join(ClassroomProject, ClassroomProject.project_id == Project.id)
            .where(ClassroomProject.student_id == student.id)
            .order_by(Project.created, Project.id)
        )
        body["projects"] = [project_summary(project, place) for project, place in rows]
    return body


def students_of(classroom: Classroom) -> list[Student]:
    return list(
        db.session.scalars(
            select(Student)
            .where(Student.classroom_id == classroom.id)
            .order_by(Student.nickname_key)
        )
    )


def assignment_json(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.public_id,
        "title": assignment.title,
        "instructions": assignment.instructions,
        "classes": list(assignment.class_names),
        "created": timestamp(assignment.created),
    }


def assignments_of(classroom: Classroom) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Assignment)
        .where(Assignment.classroom_id == classroom.id)
        .order_by(Assignment.created, Assignment.id)
    )
    return [assignment_json(a) for a in rows]


def retention_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldInvalid("retention_days", "must be a whole number of days")
    if not 1 <= value <= classrooms.MAX_RETENTION_DAYS:
        raise FieldInvalid("retention_days", f"must be from 1 to {classrooms.MAX_RETENTION_DAYS}")
    return value


def language_field(value: Any) -> str | None:
    """A classroom's language: one of the pages' locales, or null for each browser's own."""
    if value is not None and value not in languages.CLASSROOM_CHOICES:
        raise FieldInvalid(
            "language", f"must be null or one of {', '.join(languages.CLASSROOM_CHOICES)}"
        )
    return value


def flag(body: dict, field: str) -> bool:
    if not isinstance(body[field], bool):
        raise FieldInvalid(field, "must be true or false")
    return body[field]


def nickname_field(value: Any) -> str:
    """A nickname as stored (server/nicknames.py), or a 400 saying what is wrong with it."""
    text = text_field(value, "nickname", NICKNAME_MAX)
    try:
        text = nicknames.clean(text)
    except ValueError as error:
        raise FieldInvalid("nickname", str(error), code="nickname_invisible") from error
    return text_field(text, "nickname", NICKNAME_MAX)


def student_link(token: str) -> str:
    return f"/student#student={token}"


@bp.post("/classrooms")
@requires("start_classroom", limit="create")
def start_classroom():
    """Start a classroom; the reply holds the teacher token, shown this once only."""
    body = json_body()
    name = text_field(body.get("name"), "name", NAME_MAX)
    token = new_token()
    classroom = Classroom(
        name=name,
        teacher_token_sha256=hash_token(token),
        join_code=classrooms.new_join_code(),
        retention_days=classrooms.default_retention_days(),
        settings={"share_approval": True},
    )
    db.session.add(classroom)
    db.session.commit()
    reply = with_teacher_link(classroom, token)
    return reply, 201, {"Location": f"/api/classrooms/{classroom.public_id}"}


def with_teacher_link(classroom: Classroom, token: str) -> dict[str, Any]:
    """The classroom with its teacher token and link, shown this once only."""
    return classroom_json(classroom) | {
        "teacher_token": token,
        "teacher_url": f"/classroom/{classroom.public_id}#teacher={token}",
    }


@bp.post("/classrooms/<classroom_id>/teacher-link")
@requires("manage_classroom", CLASSROOM)
def reissue_teacher_link(classroom: Classroom):
    """A new teacher link, for a lost one: the old teacher token is refused (401) from now on,
    wherever it was bookmarked or remembered. Students, their links and share links go on."""
    token = new_token()
    classroom.teacher_token_sha256 = hash_token(token)
    db.session.commit()
    return with_teacher_link(classroom, token)


@bp.get("/classrooms/<classroom_id>")
@requires("manage_classroom", CLASSROOM)
def read_classroom(classroom: Classroom):
    """The classroom with its students, their projects and counts, and its assignments."""
    return classroom_json(classroom) | {
        "students": [student_json(s) for s in students_of(classroom)],
        "assignments": assignments_of(classroom),
    }


@bp.patch("/classrooms/<classroom_id>")
@requires("manage_classroom", CLASSROOM)
def change_classroom(classroom: Classroom):
    """Rename, open or close joining, change how long data is kept, share link approval, or
    the language its pages show students."""
    body = json_body()
    if "name" in body:
        classroom.name = text_field(body["name"], "name", NAME_MAX)
    if "join_open" in body:
        classroom.join_open = flag(body, "join_open")
    if "retention_days" in body:
        classroom.retention_days = retention_days(body["retention_days"])
    if "language" in body:
        classroom.language = language_field(body["language"])
    if "share_approval" in body:
        classroom.settings = {
            **(classroom.settings or {}),
            "share_approval": flag(body, "share_approval"),
        }
    db.session.commit()
    return classroom_json(classroom)


@bp.delete("/classrooms/<classroom_id>")
@requires("manage_classroom", CLASSROOM)
def delete_classroom(classroom: Classroom):
    """Delete the classroom and everything in it; its share links answer 410 from now on."""
    classrooms.delete_classroom(classroom)
    return "", 204


@bp.post("/classrooms/board")
@requires("read_board")
def read_board():
    """The board for the projector: what the join code already tells the class (the classroom's
    name) and how many students joined. Nothing here acts as the teacher."""
    classroom = classrooms.open_classroom(json_body().get("code"))
    return {
        "name": classroom.name,
        "join_code": classroom.join_code,
        "join_url": f"/join#code={classroom.join_code}",
        "student_count": classrooms.student_count(classroom),
        "language": classroom.language,
    }


@bp.post("/classrooms/join")
@requires("join_classroom")
def join_classroom():
    """Become a new student of an open classroom; the reply holds the student token, once."""
    body = json_body()
    nickname = nickname_field(body.get("nickname"))
    classroom = classrooms.open_classroom(body.get("code"))
    student, token = classrooms.join(classroom, nickname)
    return {
        "student_token": token,
        "student_url": student_link(token),
        "student": student_json(student, with_projects=False),
        "classroom": {
            "id": classroom.public_id,
            "name": classroom.name,
            "language": classroom.language,
        },
    }, 201


@bp.get("/classrooms/<classroom_id>/students")
@requires("manage_classroom", CLASSROOM)
def list_students(classroom: Classroom):
    """The classroom's students with their projects and counts."""
    return {"students": [student_json(s) for s in students_of(classroom)]}


@bp.delete("/classrooms/<classroom_id>/students/<student_id>")
@requires("manage_classroom", CLASSROOM)
def remove_student(classroom: Classroom, student_id: str):
    """Remove a student with all their projects, pictures, models and share links."""
    classrooms.delete_student(classrooms.student_in(classroom, student_id))
    return "", 204


@bp.post("/classrooms/<classroom_id>/students/<student_id>/reissue")
@requires("manage_classroom", CLASSROOM)
def reissue_student(classroom: Classroom, student_id: str):
    """A new student link for a lost one; the old link, its phone pairings and the picture URLs
    it was given stop working at once."""
    student = classrooms.student_in(classroom, student_id)
    token = classrooms.reissue_token(student)
    return {
        "student_token": token,
        "student_url": student_link(token),
        "student": student_json(student, with_projects=False),
    }


@bp.post("/classrooms/<classroom_id>/assignments")
@requires("manage_classroom", CLASSROOM)
def create_assignment(classroom: Classroom):
    """A project template: a title, instructions and class names, for students to start from."""
    body = json_body()
    instructions = body.get("instructions", "")
    if not isinstance(instructions, str) or len(instructions) > INSTRUCTIONS_MAX:
        raise FieldInvalid("instructions", f"must be text of at most {INSTRUCTIONS_MAX} characters")
    assignment = Assignment(
        classroom_id=classroom.id,
        title=text_field(body.get("title"), "title", TITLE_MAX),
        instructions=instructions.strip(),
        class_names=class_names(body.get("classes")),
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment_json(assignment), 201


@bp.get("/classrooms/<classroom_id>/assignments")
@requires("read_gallery", CLASSROOM)
def list_assignments(classroom: Classroom):
    """The classroom's assignments, oldest first."""
    return {"assignments": assignments_of(classroom)}


@bp.get("/classrooms/<classroom_id>/gallery")
@requires("read_gallery", CLASSROOM)
def gallery(classroom: Classroom):
    """The models students published to the class: each project's newest saved version."""
    rows = db.session.execute(
        select(Project, Student)
        .join(ClassroomProject, ClassroomProject.project_id == Project.id)
        .join(Student, Student.id == ClassroomProject.student_id)
        .where(
            ClassroomProject.classroom_id == classroom.id,
            ClassroomProject.published_to_class.is_(True),
        )
        .order_by(Project.created, Project.id)
    )
    entries = []
    for project, student in rows:
        version = gallery_version(project.id)
        if version is not None:
            # What a share link shows, for classmates and teacher alike: no project, class or
            # sample ids, no other versions, no free-form settings.
            entries.append(
                {
                    "project": {"title": project.title},
                    "nickname": student.nickname,
                    "model": shared_json(version),
                }
            )
    return {"gallery": entries}


@bp.get("/classrooms/<classroom_id>/archive")
@requires("manage_classroom", CLASSROOM)
def class_archive(classroom: Classroom):
    """The whole class as a zip: a folder per student, each project as its own project zip."""
    out = tempfile.TemporaryFile()
    taken: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for student in students_of(classroom):
            folder = folder_name(student.nickname, taken)
            names: set[str] = set()
            projects = db.session.scalars(
                select(Project)
                .join(ClassroomProject, ClassroomProject.project_id == Project.id)
                .where(ClassroomProject.student_id == student.id)
                .order_by(Project.created, Project.id)
            )
            for project in projects:
                with tempfile.TemporaryFile() as one:
                    write_project_zip(project, one)
                    one.seek(0)
                    name = folder_name(project.title, names)
                    with archive.open(f"{folder}/{name}.zip", "w", force_zip64=True) as entry:
                        while chunk := one.read(1 << 20):
                            entry.write(chunk)
    return zip_download(out, f"{slug(classroom.name)}-class.zip")


@bp.post("/shares/<token>/approve")
@requires("manage_classroom", SHARE_LINK, hidden=True)
def approve_share(link: ShareLink):
    """The teacher lets a student's share link work (when the classroom asks for approval)."""
    link.approved = True
    db.session.commit()
    return "", 204


@bp.get("/student")
@requires("student_home")
def student_home():
    """The student's classroom, its assignments and the student's own projects."""
    credential = current_credential()
    student = db.session.get(Student, credential.student_id)
    classroom = db.session.get(Classroom, credential.classroom_id)
    return {
        "student": student_json(student),
        "classroom": {
            "id": classroom.public_id,
            "name": classroom.name,
            "expires_at": timestamp(classrooms.expires_at(classroom)),
            "language": classroom.language,
        },
        "assignments": assignments_of(classroom),
    }
