"""Model versions and share links: who may see which version, and what a link shows now."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .db import db
from .models import GoneShareLink, ModelVersion, ShareLink, utcnow
from .tokens import TOKEN, hash_token

# One answer for every link that does not exist, whatever its shape, so guesses learn nothing.
NO_SUCH_LINK = "No share link here."


@dataclass(frozen=True)
class LinkState:
    """A share link looked up by its token: gone (revoked or expired) or showing a version."""

    link: ShareLink
    gone: bool
    version: ModelVersion | None  # None: it follows the published version and none is published


def link_state(link: ShareLink) -> str:
    """'revoked', 'expired', 'pending' (waiting for a teacher's approval) or 'active'."""
    if link.revoked is not None:
        return "revoked"
    if link.expires is not None and link.expires <= utcnow():
        return "expired"
    if link.approved is False:
        return "pending"
    return "active"


def was_deleted(token: str) -> bool:
    """Whether the token is of a link deleted with its student or classroom (410, not 404)."""
    if not TOKEN.fullmatch(token):
        return False
    return db.session.get(GoneShareLink, hash_token(token)) is not None


def find_link(token: str) -> ShareLink | None:
    if not TOKEN.fullmatch(token):
        return None
    return db.session.scalar(select(ShareLink).where(ShareLink.token == token))


def resolve_link(token: str) -> LinkState | None:
    """What a share token shows now; None when no such link exists."""
    from .classrooms import project_expired  # classrooms reads links through this module

    link = find_link(token)
    if link is None:
        return None
    # A link of an expired classroom's project is gone at once, before the purge deletes it.
    if link_state(link) != "active" or project_expired(link.project_id):
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


def gallery_version(project_id: int) -> ModelVersion | None:
    """The version a project shows in its class gallery: its published one, else its newest."""
    return db.session.scalar(
        select(ModelVersion)
        .where(ModelVersion.project_id == project_id)
        .order_by(ModelVersion.published.desc(), ModelVersion.number.desc())
        .limit(1)
    )


def version_summary(version: ModelVersion) -> dict[str, Any]:
    return {"id": version.public_id, "number": version.number}


def public_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """A version's scores as a share link may show them: numbers and tables of numbers only.

    Metrics are free-form records from the page; dropping every string and object on the way
    out means no id of a class, sample or job can leave through them.
    """

    def numeric(value: Any) -> bool:
        if isinstance(value, list):
            return all(numeric(item) for item in value)
        return isinstance(value, int | float) and not isinstance(value, bool)

    return {key: value for key, value in (metrics or {}).items() if numeric(value)}
