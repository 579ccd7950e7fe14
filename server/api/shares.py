"""Share links: read-only links /s/<token> to a model, made, listed and revoked by the owner."""

from datetime import timedelta
from typing import Any

from flask import Blueprint, request
from sqlalchemy import select

from ..classrooms import membership
from ..db import db
from ..errors import FieldInvalid
from ..models import Classroom, ModelVersion, Project, ShareLink, utcnow
from ..policy import MODEL, PROJECT, SHARE_LINK, requires
from ..sharing import (
    link_state,
    published_version,
    shown_version,
    version_summary,
)
from ..tokens import new_token
from .common import int_field, json_body, timestamp

bp = Blueprint("shares", __name__, url_prefix="/api")

MAX_EXPIRY_DAYS = 365


def share_json(link: ShareLink) -> dict[str, Any]:
    state = link_state(link)
    shown = shown_version(link) if state == "active" else None
    pinned = db.session.get(ModelVersion, link.model_id) if link.model_id is not None else None
    return {
        "token": link.token,
        "url": f"/s/{link.token}",
        "follows_published": link.model_id is None,
        "model": version_summary(pinned) if pinned else None,
        "shows": version_summary(shown) if shown else None,
        "state": state,
        "created": timestamp(link.created),
        "expires": timestamp(link.expires) if link.expires else None,
        "revoked": timestamp(link.revoked) if link.revoked else None,
        "approved": link.approved,
    }


def needs_approval(project_id: int) -> bool:
    """Whether the project's classroom asks its teacher to approve share links first."""
    place = membership(project_id)
    if place is None:
        return False
    classroom = db.session.get(Classroom, place.classroom_id)
    return bool((classroom.settings or {}).get("share_approval", True))


@bp.post("/models/<model_id>/shares")
@requires("edit_project", MODEL)
def create_share(version: ModelVersion):
    """Make a read-only link to this version, or to whichever version is published."""
    body = json_body() if request.content_length else {}
    follow = body.get("follow_published", False)
    if not isinstance(follow, bool):
        raise FieldInvalid("follow_published", "must be true or false")
    days = body.get("expires_in_days")
    expires = None
    if days is not None:
        days = int_field(days, "expires_in_days")
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            raise FieldInvalid("expires_in_days", f"must be from 1 to {MAX_EXPIRY_DAYS}")
        expires = utcnow() + timedelta(days=days)
    if follow and published_version(version.project_id) is None:
        version.published = True  # a link that follows the published version needs one
    link = ShareLink(
        token=new_token(),
        project_id=version.project_id,
        model_id=None if follow else version.id,
        expires=expires,
        approved=False if needs_approval(version.project_id) else None,
    )
    db.session.add(link)
    db.session.commit()
    return share_json(link), 201, {"Location": f"/s/{link.token}"}


@bp.get("/projects/<project_id>/shares")
@requires("read_project", PROJECT)
def list_shares(project: Project):
    """The project's share links, newest first, revoked and expired ones included."""
    links = db.session.scalars(
        select(ShareLink)
        .where(ShareLink.project_id == project.id)
        .order_by(ShareLink.created.desc(), ShareLink.id.desc())
    )
    return {"shares": [share_json(link) for link in links]}


@bp.delete("/shares/<token>")
@requires("moderate", SHARE_LINK, hidden=True)
def revoke_share(link: ShareLink):
    """Revoke a link: its page and model files answer 410 Gone from now on."""
    # Another project's owner is told no such link exists, so this route cannot tell a guesser
    # which tokens exist.
    if link.revoked is None:
        link.revoked = utcnow()
        db.session.commit()
    return "", 204
