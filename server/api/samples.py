"""Samples: upload images, list, relabel, delete, and serve a sample's image."""

from flask import Blueprint, request, send_file
from sqlalchemy import func, select

from ..archive import EXTENSIONS
from ..db import db
from ..errors import FieldInvalid, NotFound
from ..models import Project, Sample
from ..policy import PROJECT, SAMPLE, current_credential, requires
from ..signed_urls import picture_etag, seconds_left
from ..storage import blob_store, delete_unreferenced
from ..uploads import add_samples, checked_uploads
from .common import find_class, int_field, json_body, sample_in, sample_json, uploaded_pictures
from .paging import after_cursor, cursor_arg, encode_cursor, size_arg

bp = Blueprint("samples", __name__, url_prefix="/api")

SOURCES = ("webcam", "upload")
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 100
MAX_PAGE = 1_000_000  # keeps the row offset far inside SQLite's 64-bit integers
MAX_BULK_IDS = 5000


@bp.post("/projects/<project_id>/samples")
@requires("edit_project", PROJECT)
def upload_samples(project: Project):
    """Add images (multipart 'file' parts) with an optional class_id and source."""
    class_id = request.form.get("class_id", "")
    class_id = find_class(project, class_id).id if class_id not in ("", "null") else None
    source = request.form.get("source", "upload")
    if source not in SOURCES:
        raise FieldInvalid("source", "must be 'webcam' or 'upload'")
    samples = add_samples(project, checked_uploads(project, uploaded_pictures()), class_id, source)
    return {"samples": [sample_json(sample) for sample in samples]}, 201


def page_number() -> int | None:
    """The `page` asked for, or None when the client pages by cursor (`after`)."""
    if "page" not in request.args:
        return None if "after" in request.args else 1
    if "after" in request.args:
        raise FieldInvalid("page", "send page or after, not both")
    page = int_field(request.args["page"], "page")
    if not 1 <= page <= MAX_PAGE:
        raise FieldInvalid("page", f"must be from 1 to {MAX_PAGE}")
    return page


@bp.get("/projects/<project_id>/samples")
@requires("read_project", PROJECT)
def list_samples(project: Project):
    """A page of the project's samples, oldest first, optionally of one class or unlabelled."""
    page = page_number()
    per_page = size_arg("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    query = select(Sample).where(Sample.project_id == project.id)
    class_id = request.args.get("class_id")
    if class_id == "unlabelled":
        query = query.where(Sample.class_id.is_(None))
    elif class_id is not None:
        query = query.where(Sample.class_id == find_class(project, class_id).id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    query = after_cursor(query, cursor_arg())
    if page is not None:
        query = query.offset((page - 1) * per_page)
    # One row more than the page tells whether another page follows.
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return {
        "samples": [sample_json(sample) for sample in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "next_cursor": encode_cursor(rows[-1].created, rows[-1].public_id) if more else None,
    }


def new_class_id(project: Project, body: dict) -> int | None:
    """The body's class_id: a class of the project, or null for unlabelled."""
    if "class_id" not in body:
        raise FieldInvalid("class_id", "send a class id, or null for unlabelled")
    return None if body["class_id"] is None else find_class(project, body["class_id"]).id


@bp.patch("/projects/<project_id>/samples/<sample_id>")
@requires("edit_project", PROJECT)
def relabel_sample(project: Project, sample_id: str):
    """Move one sample to another class, or to unlabelled with class_id null."""
    sample = sample_in(project, sample_id)
    sample.class_id = new_class_id(project, json_body())
    db.session.commit()
    return sample_json(sample)


@bp.patch("/projects/<project_id>/samples")
@requires("edit_project", PROJECT)
def relabel_samples(project: Project):
    """Move many samples (by id) to one class, or to unlabelled; all of them or none."""
    body = json_body()
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise FieldInvalid("ids", "must be a non-empty list of sample ids")
    if len(ids) > MAX_BULK_IDS:
        raise FieldInvalid("ids", f"at most {MAX_BULK_IDS} ids at once")
    class_id = new_class_id(project, body)
    found = db.session.scalars(
        select(Sample).where(Sample.project_id == project.id, Sample.public_id.in_(set(ids)))
    )
    by_id = {sample.public_id: sample for sample in found}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise FieldInvalid("ids", f"no such samples in this project: {', '.join(missing[:10])}")
    for sample in by_id.values():
        sample.class_id = class_id
    db.session.commit()
    return {"samples": [sample_json(by_id[i]) for i in ids]}


@bp.delete("/projects/<project_id>/samples/<sample_id>")
@requires("moderate", PROJECT)
def delete_sample(project: Project, sample_id: str):
    """Delete a sample, and its image blob unless another project has the same image."""
    sample = sample_in(project, sample_id)
    db.session.delete(sample)
    delete_unreferenced({sample.sha256})
    db.session.commit()
    return "", 204


@bp.get("/samples/<sample_id>/image")
@requires("view_image", SAMPLE)
def sample_image(sample: Sample):
    """The sample's picture, through its signed URL (or with the owner token)."""
    store = blob_store()
    if not store.exists(sample.sha256):
        raise NotFound("This sample's image is missing from the store.")
    picture = store.sendable(sample.sha256)
    response = send_file(
        picture,
        mimetype=sample.mime_type,
        etag=picture_etag(sample.sha256),
        download_name=f"{sample.public_id}.{EXTENSIONS.get(sample.mime_type, 'img')}",
    )
    # A child's photo: only this browser may keep it, and only while its URL is valid, so a
    # school proxy never holds a picture that was deleted.
    signed = current_credential().kind == "signed_image"
    response.cache_control.private = True
    response.cache_control.max_age = seconds_left(request.args["expires"]) if signed else 0
    return response
