"""Who may do what: the server's one access decision.

Every route declares, next to its definition, the action it performs and the resource it acts on:

    @bp.patch("/<project_id>")
    @requires("edit_project", PROJECT)
    def rename_project(project): ...

`requires` loads the resource named in the URL (404 when there is none), reads the request's
credential, asks `allowed(credential, action, resource)` and answers 401/403/404/410 when the
answer is no. The declaration stays on the view (`view.access`), so the OpenAPI document's
`security` and the tests' route lists are read from it instead of being kept by hand.

Credentials are bearer secrets, stored only as sha256 (server/credentials.py reads them from a
request). Adding a kind of credential means adding it there and a rule here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn

from flask import current_app
from sqlalchemy import select

from . import ratelimits
from .credentials import Credential, current_credential
from .db import db
from .models import Job, ModelVersion, Project, Sample
from .problems import abort_problem
from .sharing import NO_SUCH_LINK, find_link

# RFC 6750: a 401 names the scheme the client should use.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="snapclass"'}
SEND_TOKEN = "Send the project's owner token as 'Authorization: Bearer <token>'."


@dataclass(frozen=True)
class ResourceKind:
    """A kind of thing a URL names: which URL variable holds its id, and how to load it."""

    name: str
    url_arg: str
    view_arg: str
    load: Callable[[str], Any]


def _by_public_id(model) -> Callable[[str], Any]:
    return lambda public_id: db.session.scalar(select(model).where(model.public_id == public_id))


PROJECT = ResourceKind("project", "project_id", "project", _by_public_id(Project))
SAMPLE = ResourceKind("sample", "sample_id", "sample", _by_public_id(Sample))
MODEL = ResourceKind("model", "model_id", "version", _by_public_id(ModelVersion))
JOB = ResourceKind("job", "job_id", "job", _by_public_id(Job))
SHARE_LINK = ResourceKind("share link", "token", "link", find_link)
NOT_FOUND = {
    "project": "No project with this id.",
    "sample": "No sample with this id.",
    "model": "No model with this id.",
    "job": "No job with this id.",
    "share link": NO_SUCH_LINK,
}


@dataclass(frozen=True)
class Access:
    """A route's declaration: its action, the kind of resource in its URL, its rate limit."""

    action: str
    on: ResourceKind | None
    hidden: bool  # a refused credential is told the resource does not exist (404), not 403
    limit: str | None  # a limit of server/ratelimits.py counted per client address


# What each action lets do; `allowed` below is the rule of each.
ACTIONS = {
    "public": "anyone: pages, the API's description, the backbones",
    "create_project": "anyone, a limited number of times per client address",
    "read_project": "read a project: classes, pictures, embeddings, models, jobs, its zip",
    "edit_project": "change a project or anything in it",
    "read_model": "read one model version: its description, files and exports",
    "view_image": "read one picture's bytes",
}
# The credentials that `allowed` may grant each action to.
GRANTS = {
    "public": {"none", "owner", "share", "signed_image", "invalid"},
    "create_project": {"none", "owner", "share", "signed_image", "invalid"},
    "read_project": {"owner"},
    "edit_project": {"owner"},
    "read_model": {"owner", "share"},
    "view_image": {"owner", "signed_image"},
}


def project_of(resource: Any) -> int | None:
    """The database id of the project a resource belongs to."""
    if resource is None:
        return None
    if isinstance(resource, Project):
        return resource.id
    return resource.project_id


def allowed(credential: Credential, action: str, resource: Any) -> bool:
    """Whether `credential` may perform `action` on `resource` (a loaded row, or None)."""
    if action not in GRANTS:
        raise ValueError(f"unknown action {action!r}")
    if credential.kind not in GRANTS[action]:
        return False
    if action in ("public", "create_project"):
        return True
    if credential.kind == "owner":
        return credential.project_id == project_of(resource)
    if credential.kind == "share":
        version = credential.shown_version
        return (
            isinstance(resource, ModelVersion)
            and version is not None
            and (version.id == resource.id)
        )
    if credential.kind == "signed_image":
        return (
            credential.problem is None
            and isinstance(resource, Sample)
            and credential.sample_public_id == resource.public_id
        )
    return False


def refuse(credential: Credential, access: Access) -> NoReturn:
    """Stop a request that `allowed` refused, with the answer its credential calls for."""
    kind = credential.kind
    if kind == "none":
        abort_problem(401, SEND_TOKEN, CHALLENGE)
    if kind == "invalid":
        abort_problem(401, credential.problem or "The token is not valid.", CHALLENGE)
    if kind in GRANTS[access.action]:
        # The right kind of credential, but unknown, no longer valid, or for something else.
        if kind == "share" and credential.link is None:
            abort_problem(404, NO_SUCH_LINK)
        if kind == "share" and credential.gone:
            abort_problem(410, "This share link was withdrawn by its owner or has expired.")
        if kind == "signed_image" and credential.problem:
            abort_problem(403, credential.problem)
    if access.hidden:
        abort_problem(404, NOT_FOUND[access.on.name])
    abort_problem(403, "This credential does not give access to this.")


def requires(
    action: str, on: ResourceKind | None = None, hidden: bool = False, limit: str | None = None
):
    """Declare a view's action, resource and rate limit; the view receives the loaded resource."""
    if action not in GRANTS:
        raise ValueError(f"unknown action {action!r}")
    access = Access(action, on, hidden, limit)

    def decorate(view):
        @wraps(view)
        def checked(**kwargs):
            if limit is not None:
                ratelimits.spend(limit)
            resource = None
            if on is not None:
                resource = on.load(kwargs.pop(on.url_arg))
                if resource is None:
                    abort_problem(404, NOT_FOUND[on.name])
                kwargs[on.view_arg] = resource
            credential = current_credential()
            if not allowed(credential, action, resource):
                refuse(credential, access)
            return view(**kwargs)

        checked.access = access
        return checked

    return decorate


def access_of(endpoint: str) -> Access | None:
    """The declaration of the view behind an endpoint of the current app (None: undeclared)."""
    return getattr(current_app.view_functions.get(endpoint), "access", None)
