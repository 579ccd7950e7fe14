"""Request parsing and JSON shapes shared by the API blueprints."""

import re
from datetime import datetime
from typing import IO, Any

from flask import Response, current_app, g, request, send_file
from sqlalchemy import select

from .. import class_projects, classrooms
from ..db import db
from ..errors import FieldInvalid, Invalid, NotFound, UnsupportedType
from ..jsonlimits import JsonRejected, loads_limited
from ..models import ClassProject, Project, ProjectClass, Sample, Student
from ..policy import current_credential
from ..signed_urls import image_url

CLASS_NAME_MAX = 80
INTEGER = re.compile(r"-?[0-9]{1,18}")
MAX_INT = 2**62  # larger ids cannot exist, and would overflow SQLite's 64-bit integers


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, as every API timestamp is written."""
    return moment.isoformat(timespec="seconds") + "Z"


def zip_download(out: IO[bytes], name: str) -> Response:
    """A zip written to a temporary file, sent from its start as a download that only this
    browser may keep (a class's or a project's pictures)."""
    out.seek(0)
    response = send_file(out, mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 if not sent as JSON, 400 if not a shallow JSON object."""
    if not request.is_json:
        raise UnsupportedType("Send a JSON object with 'Content-Type: application/json'.")
    try:
        body = loads_limited(request.get_data(), current_app.config["MAX_JSON_DEPTH"])
    except JsonRejected as error:
        raise Invalid(f"The request body {error}.") from error
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    return body


def uploaded_pictures() -> list[tuple[str, IO[bytes]]]:
    """The request's multipart `file` parts as (client's file name, stream); 400 if none."""
    files = request.files.getlist("file")
    if not files:
        raise FieldInvalid("file", "send one or more images as multipart 'file' parts")
    return [(upload.filename or "", upload.stream) for upload in files]


def text_field(value: Any, field: str, max_length: int) -> str:
    """A required string of 1..max_length characters once surrounding spaces are removed."""
    if not isinstance(value, str):
        raise FieldInvalid(field, "must be a string")
    value = value.strip()
    if not 1 <= len(value) <= max_length:
        raise FieldInvalid(field, f"must be 1 to {max_length} characters long")
    return value


def int_field(value: Any, field: str) -> int:
    """An integer from JSON (true/false are not integers) or from a query or form string."""
    if isinstance(value, str) and INTEGER.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
        raise FieldInvalid(field, "must be an integer")
    return value


def sample_in(project: Project, sample_id: str) -> Sample:
    """A sample of `project` named in the URL (404 when there is none)."""
    sample = db.session.scalar(select(Sample).where(Sample.public_id == sample_id))
    if sample is None or sample.project_id != project.id:
        raise NotFound("No sample with this id in this project.")
    return sample


def find_class(project: Project, class_id: Any, field: str = "class_id") -> ProjectClass:
    """A class of `project` named in a request body or query (400 when there is none)."""
    if not isinstance(class_id, str):
        raise FieldInvalid(field, "must be a class id (a string)")
    cls = class_of(project, class_id)
    if cls is None:
        raise FieldInvalid(field, f"no class {class_id[:40]!r} in this project")
    return cls


def get_class(project: Project, class_id: str) -> ProjectClass:
    """A class of `project` named in the URL (404 when there is none)."""
    cls = class_of(project, class_id)
    if cls is None:
        raise NotFound("No class with this id in this project.")
    return cls


def class_of(project: Project, public_id: str) -> ProjectClass | None:
    return db.session.scalar(
        select(ProjectClass).where(
            ProjectClass.public_id == public_id, ProjectClass.project_id == project.id
        )
    )


def class_json(cls: ProjectClass, sample_count: int) -> dict[str, Any]:
    return {
        "id": cls.public_id,
        "name": cls.name,
        "position": cls.position,
        "sample_count": sample_count,
    }


def class_sample_counts(project: Project) -> dict[int | None, int]:
    """Samples per class id (None: unlabelled)."""
    rows = db.session.execute(
        select(Sample.class_id, db.func.count())
        .where(Sample.project_id == project.id)
        .group_by(Sample.class_id)
    )
    return {class_id: count for class_id, count in rows}


def picture_holder(project_id: int) -> tuple[str, str | None]:
    """Whom the project's picture URLs are bound to (classrooms.link_holder) and, for a class
    project, the viewer they are given to: the request's teacher or student. Looked up once a
    request per project."""
    holders = g.setdefault("picture_holders", {})
    if project_id not in holders:
        viewer = None
        if db.session.get(ClassProject, project_id) is not None:
            credential = current_credential()
            if credential.kind == "teacher":
                viewer = class_projects.TEACHER_VIEWER
            elif credential.kind == "student":
                viewer = db.session.get(Student, credential.student_id).public_id
        holders[project_id] = (classrooms.link_holder(project_id, viewer), viewer)
    return holders[project_id]


def sample_json(sample: Sample) -> dict[str, Any]:
    holder, viewer = picture_holder(sample.project_id)
    return {
        "id": sample.public_id,
        "class_id": sample.class_public_id,
        "sha256": sample.sha256,
        "width": sample.width,
        "height": sample.height,
        "mime_type": sample.mime_type,
        "source": sample.source,
        "created": timestamp(sample.created),
        "image_url": image_url(sample.public_id, holder=holder, viewer=viewer),
    }
