"""The class at a glance, for the teacher's dashboard: every student with, per project, pictures
per class and the latest few, the latest model's validation accuracy, the quiz score, the share
links waiting for approval and the last activity; and every picture of the class, newest first.

A handful of queries for the whole class, whatever its size (no query per student). Each
student's row carries an `etag` computed from what it shows, so the page redraws only the rows
whose etag changed; picture URLs are left out of it (they are re-signed every few minutes, and
a picture already shown needs no new URL).
"""

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from .db import db
from .models import (
    Classroom,
    ClassroomProject,
    ModelVersion,
    Project,
    ProjectClass,
    Sample,
    ShareLink,
    Student,
)
from .sharing import link_state
from .signed_urls import image_url, url_expiry

LATEST_PICTURES = 6  # thumbnails per project on the dashboard


def by_nickname(students) -> list[Student]:
    """Students in the order a teacher looks them up: by nickname, ignoring case (the stored
    nickname key maps look-alike characters, "0" to "o", and would sort "Pupil 0" last)."""
    return sorted(students, key=lambda student: (student.nickname.casefold(), student.id))


def stamp(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def etag_of(value: Any) -> str:
    """A short digest of a JSON value: equal values, equal etags."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _ranked(model, order, partition, where, most: int):
    """The newest `most` rows of `model` per `partition` (a window, one query for all)."""
    rank = func.row_number().over(partition_by=partition, order_by=order).label("rank")
    inner = select(model.id, rank).where(where).subquery()
    return select(model).join(inner, inner.c.id == model.id).where(inner.c.rank <= most)


def _latest_pictures(project_ids: list[int]) -> dict[int, list[Sample]]:
    query = _ranked(
        Sample,
        (Sample.created.desc(), Sample.public_id.desc()),
        Sample.project_id,
        Sample.project_id.in_(project_ids),
        LATEST_PICTURES,
    ).order_by(Sample.created.desc(), Sample.public_id.desc())
    found: dict[int, list[Sample]] = {}
    for sample in db.session.scalars(query):
        found.setdefault(sample.project_id, []).append(sample)
    return found


def _latest_models(project_ids: list[int]) -> dict[int, ModelVersion]:
    query = _ranked(
        ModelVersion,
        ModelVersion.number.desc(),
        ModelVersion.project_id,
        ModelVersion.project_id.in_(project_ids),
        1,
    )
    return {version.project_id: version for version in db.session.scalars(query)}


def validation_accuracy(metrics: dict | None) -> float | None:
    """A saved model's validation accuracy, under the name the page or a job stored it."""
    metrics = metrics or {}
    value = metrics.get("val_accuracy", metrics.get("valAccuracy"))
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _project_json(project, place, classes, counts, pictures, model, links, holder) -> dict:
    pending = [link for link in links if link_state(link) == "pending"]
    return {
        "id": project.public_id,
        "title": project.title,
        "classes": [
            {"id": c.public_id, "name": c.name, "sample_count": counts.get(c.id, 0)}
            for c in classes
        ],
        "sample_count": sum(counts.values()),
        "latest_pictures": [
            {"id": s.public_id, "class_id": s.class_public_id, "created": stamp(s.created)}
            for s in pictures
        ],
        "latest_model": None
        if model is None
        else {
            "number": model.number,
            "val_accuracy": validation_accuracy(model.metrics),
            "created": stamp(model.created),
        },
        "quiz": None
        if place.quiz_finished is None
        else {
            "right": place.quiz_right,
            "total": place.quiz_total,
            "finished": stamp(place.quiz_finished),
        },
        "pending_links": [
            {"token": link.token, "created": stamp(link.created)} for link in pending
        ],
        "_urls": {s.public_id: image_url(s.public_id, holder=holder) for s in pictures},
    }


def overview(classroom: Classroom) -> dict[str, Any]:
    """Every student of the classroom with their projects as the dashboard shows them, and an
    etag per student and for the whole class."""
    students = by_nickname(
        db.session.scalars(select(Student).where(Student.classroom_id == classroom.id))
    )
    rows = db.session.execute(
        select(Project, ClassroomProject)
        .join(ClassroomProject, ClassroomProject.project_id == Project.id)
        .where(ClassroomProject.classroom_id == classroom.id)
        .order_by(Project.created, Project.id)
    ).all()
    ids = [project.id for project, _ in rows]
    classes: dict[int, list[ProjectClass]] = {}
    for c in db.session.scalars(
        select(ProjectClass).where(ProjectClass.project_id.in_(ids)).order_by(ProjectClass.position)
    ):
        classes.setdefault(c.project_id, []).append(c)
    counts: dict[int, dict[int | None, int]] = {}
    latest_sample: dict[int, datetime] = {}
    for project_id, class_id, count, newest in db.session.execute(
        select(Sample.project_id, Sample.class_id, func.count(), func.max(Sample.created))
        .where(Sample.project_id.in_(ids))
        .group_by(Sample.project_id, Sample.class_id)
    ):
        counts.setdefault(project_id, {})[class_id] = count
        latest_sample[project_id] = max(newest, latest_sample.get(project_id, newest))
    pictures = _latest_pictures(ids)
    models = _latest_models(ids)
    links: dict[int, list[ShareLink]] = {}
    for link in db.session.scalars(
        select(ShareLink).where(ShareLink.project_id.in_(ids)).order_by(ShareLink.created)
    ):
        links.setdefault(link.project_id, []).append(link)

    by_student: dict[int, list[tuple[Project, ClassroomProject]]] = {}
    for project, place in rows:
        by_student.setdefault(place.student_id, []).append((project, place))
    entries = []
    for student in students:
        projects = []
        moments = [student.last_seen]
        for project, place in by_student.get(student.id, []):
            projects.append(
                _project_json(
                    project,
                    place,
                    classes.get(project.id, []),
                    counts.get(project.id, {}),
                    pictures.get(project.id, []),
                    models.get(project.id),
                    links.get(project.id, []),
                    student.token_sha256,
                )
            )
            moments += [latest_sample.get(project.id), place.quiz_finished]
            moments.append(models[project.id].created if project.id in models else None)
        entry = {
            "id": student.public_id,
            "nickname": student.nickname,
            "last_activity": stamp(max(m for m in moments if m is not None)),
            "projects": projects,
        }
        entry["etag"] = etag_of({**entry, "projects": [{**p, "_urls": None} for p in projects]})
        entries.append(entry)
    # Picture URLs join each thumbnail once the etags are made.
    for entry in entries:
        for project in entry["projects"]:
            urls = project.pop("_urls")
            for picture in project["latest_pictures"]:
                picture["image_url"] = urls[picture["id"]]
    # The class's etag also changes when picture URLs are signed anew, so a page whose cards
    # were not redrawn for a while gets fresh URLs for the thumbnails it has not loaded yet.
    return {
        "students": entries,
        "etag": etag_of([url_expiry(), [entry["etag"] for entry in entries]]),
    }


def pictures_page(classroom: Classroom, page: int, per_page: int) -> dict[str, Any]:
    """A page of every picture of the class, newest first, with its student, project and
    class: the teacher's moderation view."""
    base = (
        select(Sample, Student, Project)
        .join(ClassroomProject, ClassroomProject.project_id == Sample.project_id)
        .join(Student, Student.id == ClassroomProject.student_id)
        .join(Project, Project.id == Sample.project_id)
        .where(ClassroomProject.classroom_id == classroom.id)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        base.order_by(Sample.created.desc(), Sample.public_id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    class_names = dict(
        db.session.execute(
            select(ProjectClass.id, ProjectClass.name).where(
                ProjectClass.id.in_({sample.class_id for sample, _, _ in rows})
            )
        ).all()
    )
    return {
        "pictures": [
            {
                "id": sample.public_id,
                "project_id": project.public_id,
                "project_title": project.title,
                "student_id": student.public_id,
                "nickname": student.nickname,
                "class_name": class_names.get(sample.class_id),
                "created": stamp(sample.created),
                "image_url": image_url(sample.public_id, holder=student.token_sha256),
            }
            for sample, student, project in rows
        ],
        "page": page,
        "per_page": per_page,
        "total": total,
    }
