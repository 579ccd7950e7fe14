"""The credential a request carries, read once per request.

A credential is one of: an owner token (`Authorization: Bearer <token>`), a share link's token
(`?share=<token>`, for a model's files and exports), or a signed picture URL (`?expires=&sig=`).
Tokens are compared by their sha256, the only form the database keeps. A request that carries a
credential which matches nothing counts as a failed attempt for its client address; too many of
those and the address is refused for a while (server/ratelimits.py).
"""

import hashlib
import secrets
from dataclasses import dataclass

from flask import g, request
from sqlalchemy import select

from . import ratelimits, signed_urls
from .db import db
from .models import ModelVersion, Project, ShareLink
from .sharing import resolve_link


@dataclass(frozen=True)
class Credential:
    """What a request proved: `kind` is none, invalid, owner, share or signed_image."""

    kind: str
    project_id: int | None = None
    link: ShareLink | None = None
    gone: bool = False
    shown_version: ModelVersion | None = None
    sample_public_id: str | None = None
    problem: str | None = None


NONE = Credential("none")


def new_token() -> str:
    """A fresh secret; only its hash is stored, so it is shown to its holder once."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when absent or malformed."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def current_credential() -> Credential:
    """The request's credential (cached for the request)."""
    if "credential" not in g:
        g.credential = _read_credential()
    return g.credential


def _read_credential() -> Credential:
    has_bearer = "Authorization" in request.headers
    share = request.args.get("share")
    signature = request.args.get("sig")
    if not has_bearer and share is None and signature is None:
        return NONE
    ratelimits.refuse_if_exhausted("failed_credentials")
    if has_bearer:
        credential = _bearer_credential()
    elif share is not None:
        credential = _share_credential(share)
    else:
        credential = _signed_credential(signature)
    if credential.kind == "invalid" or (credential.kind == "share" and credential.link is None):
        ratelimits.hit("failed_credentials")
    return credential


def _bearer_credential() -> Credential:
    token = bearer_token()
    if token is None:
        return Credential("invalid", problem="Send the token as 'Authorization: Bearer <token>'.")
    project_id = db.session.scalar(
        select(Project.id).where(Project.owner_token_sha256 == hash_token(token))
    )
    if project_id is not None:
        return Credential("owner", project_id=project_id)
    return Credential("invalid", problem="The token is not valid.")


def _share_credential(token: str) -> Credential:
    state = resolve_link(token)
    if state is None:
        return Credential("share")
    return Credential(
        "share",
        project_id=state.link.project_id,
        link=state.link,
        gone=state.gone,
        shown_version=state.version,
    )


def _signed_credential(signature: str) -> Credential:
    sample_id = (request.view_args or {}).get("sample_id", "")
    problem = signed_urls.check(sample_id, request.args.get("expires", ""), signature)
    if problem == signed_urls.BAD_SIGNATURE:
        return Credential("invalid", problem=problem)
    return Credential("signed_image", sample_public_id=sample_id, problem=problem)
