"""Phone pairing: a short-lived token that lets a phone add pictures to one class of a project.

The studio asks for a pairing and shows its URL as a QR code; the phone's page holds the token
in the URL fragment and sends it as a bearer token. It adds pictures to that one class and
nothing else, until it expires or the studio ends it.
"""

from datetime import timedelta

from flask import Blueprint, current_app
from sqlalchemy import delete

from ..classrooms import classroom_of_project
from ..db import db
from ..models import Pairing, Project, ProjectClass, utcnow
from ..policy import PROJECT, current_credential, requires
from ..tokens import hash_token, new_token
from ..uploads import add_samples, checked_uploads
from .common import get_class, sample_json, timestamp, uploaded_pictures

bp = Blueprint("pairings", __name__, url_prefix="/api")


@bp.post("/projects/<project_id>/classes/<class_id>/pairings")
@requires("edit_project", PROJECT)
def start_pairing(project: Project, class_id: str):
    """A phone link for one class: {url, expires_at}; the token is in the URL's fragment."""
    cls = get_class(project, class_id)
    token = new_token()
    minutes = current_app.config["PAIRING_MINUTES"]
    pairing = Pairing(
        token_sha256=hash_token(token),
        project_id=project.id,
        class_id=cls.id,
        expires=utcnow() + timedelta(minutes=minutes),
    )
    db.session.add(pairing)
    db.session.commit()
    return {"url": f"/phone#pair={token}", "expires_at": timestamp(pairing.expires)}, 201


@bp.delete("/projects/<project_id>/classes/<class_id>/pairings")
@requires("edit_project", PROJECT)
def end_pairings(project: Project, class_id: str):
    """End every phone link of this class now."""
    cls = get_class(project, class_id)
    db.session.execute(delete(Pairing).where(Pairing.class_id == cls.id))
    db.session.commit()
    return "", 204


def paired_class() -> tuple[Project, ProjectClass]:
    credential = current_credential()
    return db.session.get(Project, credential.project_id), db.session.get(
        ProjectClass, credential.class_id
    )


@bp.get("/pairing")
@requires("add_pictures")
def pairing_target():
    """What the phone adds pictures to: the project's title and the class's name, and its
    classroom's language (null: none, or the browser's)."""
    project, cls = paired_class()
    classroom = classroom_of_project(project.id)
    return {
        "project": {"title": project.title},
        "class": {"id": cls.public_id, "name": cls.name},
        "language": classroom.language if classroom else None,
    }


@bp.post("/pairing/samples")
@requires("add_pictures")
def add_phone_pictures():
    """Add pictures (multipart 'file' parts) from the phone to its class."""
    project, cls = paired_class()
    samples = add_samples(project, checked_uploads(project, uploaded_pictures()), cls.id, "webcam")
    return {"samples": [sample_json(sample) for sample in samples]}, 201
