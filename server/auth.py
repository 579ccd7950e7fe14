"""Owner tokens, and the one decision of who may read or change a project or sample."""

import hashlib
import hmac
import secrets

from flask import request
from sqlalchemy import select

from .db import db
from .models import Project, Sample
from .problems import abort_problem

# RFC 6750: a 401 names the scheme the client should use.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="snapclass"'}


def new_token() -> str:
    """A fresh owner token; only its hash is stored, so it is shown to the owner once."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, token_sha256: str) -> bool:
    """Compare in constant time so response timing says nothing about the stored hash."""
    return hmac.compare_digest(hash_token(token), token_sha256)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when absent or malformed."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def authorize(project: Project) -> None:
    """Allow a change to `project` only with its owner token: 401 without one, 403 if foreign."""
    token = bearer_token()
    if token is None:
        abort_problem(
            401, "Send the project's owner token as 'Authorization: Bearer <token>'.", CHALLENGE
        )
    if token_matches(token, project.owner_token_sha256):
        return
    other = db.session.scalar(
        select(Project.id).where(Project.owner_token_sha256 == hash_token(token))
    )
    if other is None:
        abort_problem(401, "The owner token is not valid.", CHALLENGE)
    abort_problem(403, "This owner token belongs to another project.")


def get_project(public_id: str, write: bool = False) -> Project:
    """The project with this id (404 if none); with write=True the caller must own it."""
    project = db.session.scalar(select(Project).where(Project.public_id == public_id))
    if project is None:
        abort_problem(404, f"No project with id {public_id!r}.")
    if write:
        authorize(project)
    return project


def get_sample(public_id: str, write: bool = False, project: Project | None = None) -> Sample:
    """The sample with this id, in `project` if given (else 404); write=True needs its owner."""
    sample = db.session.scalar(select(Sample).where(Sample.public_id == public_id))
    if sample is None or (project is not None and sample.project_id != project.id):
        abort_problem(404, f"No sample with id {public_id!r}.")
    if write:
        authorize(sample.project)
    return sample
