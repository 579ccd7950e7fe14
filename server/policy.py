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
request): a project's owner token, a share link, a signed picture URL, and in classrooms a
student's token (their own projects), a teacher's (the whole classroom) and a phone's pairing
token (adding pictures to one class). Adding a kind of credential means adding it there, a
rule here, and how a classroom's end ends it (ENDINGS in tests/test_access_policy.py).

A class project (server/class_projects.py) is the classroom's, not a student's: its teacher reads,
changes, trains and saves it with the teacher token (`edit_project` on it, and on no student's
project); its students reach it only through its own routes (`read_class_project`: the counts,
their own pictures and the ones let through, never who added a classmate's; and
`work_in_class_project`: adding pictures, copying what they see into a project of their own),
never through the project routes, which would show every picture.

An expired classroom grants nothing from the moment it expires, whatever the purge schedule: its
students' and teacher's tokens, its pairings, its picture URLs (`Credential.expired`) and its
share links (server/sharing.py) are refused with 410.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn

from flask import current_app, g, request
from sqlalchemy import select

from . import ratelimits
from .classrooms import classroom_id_of_project, membership, touch
from .credentials import Credential, Presented, read_credential
from .db import db
from .errors import Forbidden, Gone, NotFound, Unauthorized
from .models import ClassProject, Classroom, Job, ModelVersion, Project, Sample
from .sharing import NO_SUCH_LINK, find_link, gallery_version

# RFC 6750: a 401 names the scheme the client should use.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="snapclass"'}
SEND_TOKEN = (
    "Send the project's owner token (or a student's or teacher's token) as "
    "'Authorization: Bearer <token>'."
)


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
CLASSROOM = ResourceKind("classroom", "classroom_id", "classroom", _by_public_id(Classroom))


def _class_project(public_id: str) -> ClassProject | None:
    return db.session.scalar(
        select(ClassProject)
        .join(Project, Project.id == ClassProject.project_id)
        .where(Project.public_id == public_id)
    )


CLASS_PROJECT = ResourceKind("class project", "class_project_id", "place", _class_project)
NOT_FOUND = {
    "class project": "No class project with this id.",
    "classroom": "No classroom with this id.",
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
    "moderate": "delete a picture or withdraw a share link: the project's own credential, or "
    "its classroom's teacher",
    "start_classroom": "anyone, a limited number of times per client address",
    "join_classroom": "anyone with a join code; failed joins are limited per client address",
    "read_board": "anyone with an open classroom's join code: its name and how many students "
    "joined, for the projector (no teacher token); wrong codes count as failed joins",
    "manage_classroom": "a classroom's teacher: its settings, students, assignments, zip, "
    "deletion, and approving its students' share links",
    "read_gallery": "a classroom's students and teacher: its assignments and gallery",
    "student_home": "a student: their classroom, its assignments and their projects",
    "add_pictures": "a paired phone: add pictures to its one class until the pairing ends",
    "read_class_project": "a classroom's students and teacher: a class project's classes and "
    "counts, and its pictures (the teacher: every one and who added it; a student: their own, "
    "the teacher's and those let through)",
    "work_in_class_project": "a classroom's student: add pictures to a class project, or copy "
    "what they see of it into a project of their own to train",
}
# Every kind of credential (server/credentials.py).
EVERYONE = {"none", "owner", "share", "signed_image", "invalid", "student", "teacher", "pairing"}
# Actions open to every credential, bar a student's or teacher's of an expired classroom and one
# that matches nothing (a deleted classroom's student token, a reissued link): that is refused
# (401, saying so) rather than taken for none, so the page it came from learns it is over.
ANYONE = ("create_project", "start_classroom", "join_classroom", "read_board")
VALID = EVERYONE - {"invalid"}
# The credentials that `allowed` may grant each action to.
GRANTS = {
    "public": EVERYONE,
    "create_project": VALID,
    "start_classroom": VALID,
    "join_classroom": VALID,
    "read_board": VALID,
    "read_project": {"owner", "student", "teacher"},
    # The teacher: the classroom's class projects only (train and save the class's versions).
    "edit_project": {"owner", "student", "teacher"},
    "moderate": {"owner", "student", "teacher"},
    "read_model": {"owner", "share", "student", "teacher"},
    "view_image": {"owner", "signed_image", "student", "teacher"},
    "manage_classroom": {"teacher"},
    "read_gallery": {"student", "teacher"},
    "student_home": {"student"},
    "add_pictures": {"pairing"},
    "read_class_project": {"student", "teacher"},
    "work_in_class_project": {"student"},
}


def current_credential() -> Credential:
    """The request's credential (read once per request)."""
    if "credential" not in g:
        g.credential = read_credential(
            Presented(
                authorization=request.headers.get("Authorization"),
                share=request.args.get("share"),
                signature=request.args.get("sig"),
                expires=request.args.get("expires", ""),
                sample_id=(request.view_args or {}).get("sample_id", ""),
                viewer=request.args.get("for"),
            )
        )
    return g.credential


def project_of(resource: Any) -> int | None:
    """The database id of the project a resource belongs to."""
    if resource is None:
        return None
    if isinstance(resource, Project):
        return resource.id
    return resource.project_id


def classroom_of(resource: Any) -> int | None:
    """The database id of the classroom a resource belongs to (None: no classroom's)."""
    if isinstance(resource, Classroom):
        return resource.id
    if isinstance(resource, ClassProject):
        return resource.classroom_id
    return classroom_id_of_project(project_of(resource)) if resource is not None else None


def is_class_project(resource: Any) -> bool:
    """Whether a resource is a class project or belongs to one."""
    return db.session.get(ClassProject, project_of(resource)) is not None


def allowed(credential: Credential, action: str, resource: Any) -> bool:
    """Whether `credential` may perform `action` on `resource` (a loaded row, or None)."""
    if action not in GRANTS:
        raise ValueError(f"unknown action {action!r}")
    if credential.kind not in GRANTS[action]:
        return False
    if action == "public":
        return True
    if credential.expired:
        return False  # an expired classroom grants nothing
    if action in ANYONE:
        return True
    if credential.kind == "student":
        return _student_may(credential, action, resource)
    if credential.kind == "teacher":
        # Every project of the classroom, to read and moderate; its settings and gallery; its
        # class projects to change too (a student's work is the student's to change).
        if classroom_of(resource) != credential.classroom_id:
            return False
        return action != "edit_project" or is_class_project(resource)
    if credential.kind == "pairing":
        return action == "add_pictures"
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


def _student_may(credential: Credential, action: str, resource: Any) -> bool:
    if action == "student_home":
        return True
    if action in ("read_gallery", "read_class_project", "work_in_class_project"):
        return classroom_of(resource) == credential.classroom_id
    place = membership(project_of(resource))
    if place is None or place.classroom_id != credential.classroom_id:
        return False
    if place.student_id == credential.student_id:
        return True  # all of their own projects, as an owner token does one
    # A classmate's model once it is published to the class gallery: the one version the
    # gallery shows, as a share link shows it; never its pictures or its other versions.
    return (
        action == "read_model"
        and place.published_to_class
        and isinstance(resource, ModelVersion)
        and resource.id == getattr(gallery_version(place.project_id), "id", None)
    )


def sees_public_view(credential: Credential, resource: Any) -> bool:
    """Whether the credential reads a model as a share link shows it: a share link's holder, or
    a classmate reading a model of the class gallery (not the student who made it)."""
    if credential.kind == "share":
        return True
    place = membership(project_of(resource)) if credential.kind == "student" else None
    return place is not None and place.student_id != credential.student_id


def refuse(credential: Credential, access: Access) -> NoReturn:
    """Stop a request that `allowed` refused, with the answer its credential calls for."""
    kind = credential.kind
    if kind == "none":
        raise Unauthorized(SEND_TOKEN, CHALLENGE)
    if kind == "invalid":
        raise Unauthorized(
            credential.problem or "The token is not valid.", CHALLENGE, code="token_invalid"
        )
    if credential.expired:
        raise Gone(
            "This classroom has expired; its data is being deleted.", code="classroom_expired"
        )
    if kind in GRANTS[access.action]:
        # The right kind of credential, but unknown, no longer valid, or for something else.
        if kind == "share" and credential.gone:
            raise Gone(
                "This share link was withdrawn, has expired, or waits for approval.",
                code="share_gone",
            )
        if kind == "share" and credential.link is None:
            raise NotFound(NO_SUCH_LINK, code="no_such_link")
        if kind == "signed_image" and credential.problem:
            raise Forbidden(credential.problem)
    if access.hidden:
        raise NotFound(NOT_FOUND[access.on.name])
    raise Forbidden("This credential does not give access to this.")


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
                    raise NotFound(NOT_FOUND[on.name])
                kwargs[on.view_arg] = resource
            credential = current_credential()
            if not allowed(credential, action, resource):
                refuse(credential, access)
            note_activity(credential)
            return view(**kwargs)

        checked.access = access
        return checked

    return decorate


def note_activity(credential: Credential) -> None:
    """A granted request of a classroom's student or teacher keeps its classroom's data from
    expiring. It commits (when the last note is older than ACTIVITY_RESOLUTION) before the view
    runs, while the session holds nothing else: after the view, a commit could also write what
    a view that failed half-way left in the session."""
    if credential.kind in ("student", "teacher") and not credential.expired:
        touch(credential.classroom_id, credential.student_id)


def access_of(endpoint: str) -> Access | None:
    """The declaration of the view behind an endpoint of the current app (None: undeclared)."""
    return getattr(current_app.view_functions.get(endpoint), "access", None)
