"""Classrooms: join codes, joining one as a student, when a classroom's data expires, and
deleting a student, a classroom or every expired classroom with all of their rows, pictures,
models, exports and links.

Deleting rows is the database's work (ON DELETE CASCADE from project and classroom); the blobs
those rows named are collected first and removed, when nothing else uses them, inside the same
transaction (see server/storage.py for why).
"""

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from . import class_projects, nicknames, ratelimits
from .db import db
from .errors import Conflict, NotFound
from .models import (
    ClassProject,
    Classroom,
    ClassroomProject,
    GoneShareLink,
    ModelVersion,
    Pairing,
    Project,
    Sample,
    ShareLink,
    Student,
    utcnow,
)
from .storage import delete_unreferenced, delete_unreferenced_artifacts
from .tokens import hash_token, new_token

# 31 symbols: no 0/O and no 1/I/L, which a class reading a projector confuses.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 31**8 = 8.5e11 codes: with wrong codes limited for the whole server (RATE_LIMIT_JOIN_SERVER),
# guessing one of a thousand live classrooms' codes takes years (README: Privacy and security).
# Codes of 6 characters, given out before, keep working: a code is looked up as typed.
JOIN_CODE_LENGTH = 8
MAX_RETENTION_DAYS = 365
# A request refreshes a classroom's last activity at most this often (one write, not one a request).
ACTIVITY_RESOLUTION = timedelta(minutes=10)
NO_OPEN_CLASSROOM = "No open classroom has this code."
NICKNAME_TAKEN = (
    "Someone in this class already has this nickname, or one that looks the same; pick another."
)
CLASSROOM_FULL = "This classroom is full ({count} students); ask your teacher."


def new_join_code() -> str:
    """A join code no live classroom uses."""
    while True:
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Classroom.id).where(Classroom.join_code == code)) is None:
            return code


def normalized_code(text: str) -> str:
    """What a student typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -")


def expires_at(classroom: Classroom) -> datetime:
    """When the classroom's data is deleted unless someone uses it before."""
    return classroom.last_activity + timedelta(days=classroom.retention_days)


def is_expired(classroom: Classroom, now: datetime | None = None) -> bool:
    return expires_at(classroom) <= (now or utcnow())


def touch(classroom_id: int, student_id: int | None = None) -> None:
    """Note activity (keeps the data from expiring); commits only when something changed."""
    classroom = db.session.get(Classroom, classroom_id)
    student = db.session.get(Student, student_id) if student_id is not None else None
    now = utcnow()
    changed = False
    if now - classroom.last_activity >= ACTIVITY_RESOLUTION:
        classroom.last_activity, changed = now, True
    if student is not None and now - student.last_seen >= ACTIVITY_RESOLUTION:
        student.last_seen, changed = now, True
    if changed:
        db.session.commit()


def default_retention_days() -> int:
    return current_app.config["CLASSROOM_RETENTION_DAYS"]


def student_count(classroom: Classroom) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Student).where(Student.classroom_id == classroom.id)
    )


def open_classroom(code: Any) -> Classroom:
    """The open classroom with this join code, or NotFound. A wrong code and a closed (or
    expired) classroom get the same answer and count as failed joins; past their limit every
    code is refused, a right one too: otherwise a guesser would read which guess was right."""
    ratelimits.refuse_if_exhausted("join")
    ratelimits.refuse_if_exhausted("join_everywhere", key=ratelimits.EVERYONE)
    classroom = None
    if isinstance(code, str) and len(code) <= 32:
        classroom = db.session.scalar(
            select(Classroom).where(Classroom.join_code == normalized_code(code))
        )
    if classroom is None or not classroom.join_open or is_expired(classroom):
        ratelimits.spend("join")
        ratelimits.spend("join_everywhere", key=ratelimits.EVERYONE)
        raise NotFound(NO_OPEN_CLASSROOM, code="no_open_classroom")
    return classroom


def join(classroom: Classroom, nickname: str) -> tuple[Student, str]:
    """A new student of an open classroom under a cleaned nickname (server/nicknames.py);
    returns the student and their token (shown once). Conflict when the classroom is full or
    the nickname, or one that looks the same, is taken."""
    # Counted per classroom from every address: many addresses cannot flood one class.
    ratelimits.spend("join_code", key=classroom.public_id)
    most = current_app.config["CLASSROOM_MAX_STUDENTS"]
    if student_count(classroom) >= most:
        raise Conflict(
            CLASSROOM_FULL.format(count=most), code="classroom_full", params={"limit": most}
        )
    key = nicknames.key(nickname)
    taken = db.session.scalar(
        select(Student.id).where(Student.classroom_id == classroom.id, Student.nickname_key == key)
    )
    if taken is not None:
        raise Conflict(NICKNAME_TAKEN, code="nickname_taken")
    token = new_token()
    student = Student(
        classroom_id=classroom.id,
        nickname=nickname,
        nickname_key=key,
        token_sha256=hash_token(token),
    )
    db.session.add(student)
    classroom.last_activity = student.last_seen = student.created = utcnow()
    try:
        db.session.commit()
    except IntegrityError as error:  # the same nickname joined at the same moment
        db.session.rollback()
        raise Conflict(NICKNAME_TAKEN, code="nickname_taken") from error
    return student, token


def student_in(classroom: Classroom, student_id: str) -> Student:
    """A student of this classroom by public id, or NotFound."""
    student = db.session.scalar(select(Student).where(Student.public_id == student_id))
    if student is None or student.classroom_id != classroom.id:
        raise NotFound("No student with this id in this classroom.")
    return student


def membership(project_id: int) -> ClassroomProject | None:
    """The project's place in a classroom, or None for a project of no classroom."""
    return db.session.get(ClassroomProject, project_id)


def classroom_id_of_project(project_id: int) -> int | None:
    """The classroom a project belongs to: a student's project or a class project (None: no
    classroom's)."""
    place = membership(project_id) or db.session.get(ClassProject, project_id)
    return place.classroom_id if place is not None else None


def classroom_of_project(project_id: int) -> Classroom | None:
    classroom_id = classroom_id_of_project(project_id)
    return db.session.get(Classroom, classroom_id) if classroom_id is not None else None


def project_expired(project_id: int) -> bool:
    """Whether the project is a student's of a classroom whose data has expired: everything
    derived from it (share links, picture URLs, pairings) is refused from that moment, whenever
    the purge comes."""
    classroom = classroom_of_project(project_id)
    return classroom is not None and is_expired(classroom)


def link_holder(project_id: int, viewer: str | None = None) -> str:
    """What a picture URL of the project is bound to: the hash of its student's current token
    (a reissued link ends the URLs handed out before), or "" for a project of no classroom. A
    class project's URLs are bound to the token of the one they were given to, their `viewer`
    (server/class_projects.py `viewer_holder`)."""
    together = db.session.get(ClassProject, project_id)
    if together is not None:
        return class_projects.viewer_holder(together.classroom_id, viewer)
    place = membership(project_id)
    student = db.session.get(Student, place.student_id) if place is not None else None
    return student.token_sha256 if student is not None else ""


def reissue_token(student: Student) -> str:
    """A new token for the student: the old one, its phone pairings and the picture URLs handed
    out with it stop working at once. Returns the token (shown once)."""
    return reissue_tokens([student])[0]


def reissue_tokens(students: list[Student]) -> list[str]:
    """reissue_token for several students in one transaction (printed student cards); returns
    their new tokens in the same order."""
    tokens = []
    for student in students:
        token = new_token()
        student.token_sha256 = hash_token(token)
        projects = projects_of(student_id=student.id)
        db.session.execute(delete(Pairing).where(Pairing.project_id.in_(projects)))
        tokens.append(token)
    db.session.commit()
    return tokens


def delete_projects(project_ids: Iterable[int]) -> None:
    """Delete projects with their rows, their pictures and model files no other row uses.

    The caller commits; the share links' tokens are not kept (see forget_links for that).
    """
    ids = list(project_ids)
    if not ids:
        return
    blobs = set(db.session.scalars(select(Sample.sha256).where(Sample.project_id.in_(ids))))
    artifacts = db.session.scalars(
        select(ModelVersion.artifacts).where(ModelVersion.project_id.in_(ids))
    )
    model_blobs = {sha256 for roles in artifacts for sha256 in (roles or {}).values()}
    db.session.execute(delete(Project).where(Project.id.in_(ids)))
    delete_unreferenced(blobs)
    delete_unreferenced_artifacts(model_blobs)


def forget_links(project_ids: Iterable[int]) -> None:
    """Keep only the hashes of the projects' share links, so they answer 410 Gone."""
    ids = list(project_ids)
    tokens = db.session.scalars(select(ShareLink.token).where(ShareLink.project_id.in_(ids)))
    for token in tokens:
        db.session.merge(GoneShareLink(token_sha256=hash_token(token)))


def projects_of(**where) -> list[int]:
    query = select(ClassroomProject.project_id)
    for column, value in where.items():
        query = query.where(getattr(ClassroomProject, column) == value)
    return list(db.session.scalars(query))


def delete_student(student: Student) -> None:
    """Remove a student and everything they made; their share links answer 410 from now on."""
    projects = projects_of(student_id=student.id)
    forget_links(projects)
    delete_projects(projects)
    class_projects.remove_contributions(student.id)
    db.session.delete(student)
    db.session.commit()


def delete_classroom(classroom: Classroom, keep_link_hashes: bool = True) -> None:
    """Delete a classroom whole: students, assignments, projects (the class projects too),
    pictures, models, links."""
    projects = projects_of(classroom_id=classroom.id) + class_projects.of_classroom(classroom.id)
    if keep_link_hashes:
        forget_links(projects)
    delete_projects(projects)
    db.session.delete(classroom)
    db.session.commit()


def purge_expired(now: datetime | None = None) -> int:
    """Delete every classroom whose data has expired; returns how many were deleted.

    Nothing of them is kept, not even the hashes of their share links.
    """
    now = now or utcnow()
    count = 0
    for classroom in db.session.scalars(select(Classroom)).all():
        if is_expired(classroom, now):
            delete_classroom(classroom, keep_link_hashes=False)
            count += 1
    return count
