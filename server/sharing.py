"""Model versions and share links: who may see which version, and what a link shows now."""

import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import select

from .auth import authorize
from .db import db
from .models import ModelVersion, Project, ShareLink, utcnow
from .problems import abort_problem

# 32 random bytes: 256 bits, written in 43 URL-safe characters.
SHARE_TOKEN_BYTES = 32
SHARE_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# One answer for every link that does not exist, whatever its shape, so guesses learn nothing.
NO_SUCH_LINK = "No share link here."


def new_share_token() -> str:
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


@dataclass(frozen=True)
class LinkState:
    """A share link looked up by its token: gone (revoked or expired) or showing a version."""

    link: ShareLink
    gone: bool
    version: ModelVersion | None  # None: it follows the published version and none is published


def link_state(link: ShareLink) -> str:
    """'revoked', 'expired' or 'active'."""
    if link.revoked is not None:
        return "revoked"
    if link.expires is not None and link.expires <= utcnow():
        return "expired"
    return "active"


def find_link(token: str) -> ShareLink | None:
    if not SHARE_TOKEN.fullmatch(token):
        return None
    return db.session.scalar(select(ShareLink).where(ShareLink.token == token))


def resolve_link(token: str) -> LinkState | None:
    """What a share token shows now; None when no such link exists."""
    link = find_link(token)
    if link is None:
        return None
    if link_state(link) != "active":
        return LinkState(link, True, None)
    return LinkState(link, False, shown_version(link))


def shown_version(link: ShareLink) -> ModelVersion | None:
    """The version a link shows: its pinned one, or its project's published one."""
    if link.model_id is not None:
        return db.session.get(ModelVersion, link.model_id)
    return published_version(link.project_id)


def published_version(project_id: int) -> ModelVersion | None:
    return db.session.scalar(
        select(ModelVersion).where(
            ModelVersion.project_id == project_id, ModelVersion.published.is_(True)
        )
    )


def get_version(public_id: str, write: bool = False) -> ModelVersion:
    """The model version with this id (404 if none); write=True needs its project's owner."""
    version = db.session.scalar(select(ModelVersion).where(ModelVersion.public_id == public_id))
    if version is None:
        abort_problem(404, f"No model with id {public_id!r}.")
    if write:
        authorize(db.session.get(Project, version.project_id))
    return version


def get_readable_version(public_id: str) -> ModelVersion:
    """A version for its owner (bearer token) or for a live share link to it (?share=<token>).

    A share link answers 404 when unknown and 410 when revoked or expired, as its page does.
    """
    token = request.args.get("share")
    if token is None:
        return get_version(public_id, write=True)
    state = resolve_link(token)
    if state is None:
        abort_problem(404, NO_SUCH_LINK)
    if state.gone:
        abort_problem(410, "This share link was withdrawn by its owner or has expired.")
    if state.version is None or state.version.public_id != public_id:
        abort_problem(403, "This share link does not show this model.")
    return state.version


def version_summary(version: ModelVersion) -> dict[str, Any]:
    return {"id": version.public_id, "number": version.number}
