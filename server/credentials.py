"""The credential a request carries, from what it presents (server/policy.py reads that from the
request, once per request).

A credential is one of: a bearer token (`Authorization: Bearer <token>`) of a project's owner, of a
classroom's student (all their projects) or teacher (the whole classroom), or of a phone paired
with one class of a project; a share link's token (`?share=<token>`, for a model's files and
exports); or a signed picture URL (`?expires=&sig=`).
Tokens are compared by their sha256, the only form the database keeps. A request that carries a
credential which matches nothing counts as a failed attempt for its client address; past the
limit, its failed attempts are refused (429) for a while (server/ratelimits.py), never a valid
credential it sends.
"""

from dataclasses import dataclass

from sqlalchemy import select

from . import classrooms, ratelimits, signed_urls
from .db import db
from .models import Classroom, ModelVersion, Pairing, Project, Sample, ShareLink, Student, utcnow
from .sharing import resolve_link, was_deleted
from .tokens import hash_token


@dataclass(frozen=True)
class Credential:
    """What a request proved: `kind` is none, invalid, owner, share, signed_image, student,
    teacher or pairing."""

    kind: str
    project_id: int | None = None
    classroom_id: int | None = None
    student_id: int | None = None
    class_id: int | None = None  # a pairing's class
    # A student's, teacher's, pairing's or picture URL's classroom whose data has expired.
    expired: bool = False
    link: ShareLink | None = None
    gone: bool = False
    shown_version: ModelVersion | None = None
    sample_public_id: str | None = None
    problem: str | None = None


NONE = Credential("none")
UNKNOWN_TOKEN = (
    "This token is not valid (any more): a student's link stops working when the teacher gives "
    "a new one, removes the student or deletes the classroom."
)


@dataclass(frozen=True)
class Presented:
    """What a request shows as its credential (server/policy.py reads it from the request)."""

    authorization: str | None = None  # the Authorization header
    share: str | None = None  # ?share=
    signature: str | None = None  # ?sig= of a picture URL
    expires: str = ""  # ?expires= of a picture URL
    sample_id: str = ""  # the picture the URL names, which its signature covers
    viewer: str | None = None  # ?for= of a class project's picture URL: whom it was given to


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when absent or malformed."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def read_credential(presented: Presented) -> Credential:
    """The credential a request presents; it writes nothing to the database."""
    share, signature = presented.share, presented.signature
    if presented.authorization is None and share is None and signature is None:
        return NONE
    if presented.authorization is not None:
        credential = _bearer_credential(presented.authorization)
    elif share is not None:
        credential = _share_credential(share)
    else:
        credential = _signed_credential(presented)
    unknown_link = credential.kind == "share" and credential.link is None and not credential.gone
    if credential.kind == "invalid" or unknown_link:
        ratelimits.spend("failed_credentials")
    return credential


def _bearer_credential(authorization: str) -> Credential:
    token = bearer_token(authorization)
    if token is None:
        return Credential("invalid", problem="Send the token as 'Authorization: Bearer <token>'.")
    project_id = db.session.scalar(
        select(Project.id).where(Project.owner_token_sha256 == hash_token(token))
    )
    if project_id is not None:
        return Credential("owner", project_id=project_id)
    return _classroom_credential(hash_token(token))


def _classroom_credential(sha256: str) -> Credential:
    student = db.session.scalar(select(Student).where(Student.token_sha256 == sha256))
    if student is not None:
        classroom = db.session.get(Classroom, student.classroom_id)
        return _member("student", classroom, student)
    classroom = db.session.scalar(select(Classroom).where(Classroom.teacher_token_sha256 == sha256))
    if classroom is not None:
        return _member("teacher", classroom, None)
    pairing = db.session.scalar(select(Pairing).where(Pairing.token_sha256 == sha256))
    if pairing is not None and pairing.expires > utcnow():
        return Credential(
            "pairing",
            project_id=pairing.project_id,
            class_id=pairing.class_id,
            expired=classrooms.project_expired(pairing.project_id),
        )
    if pairing is not None:
        return Credential("invalid", problem="This phone link has expired; show a new QR code.")
    return Credential("invalid", problem=UNKNOWN_TOKEN)


def _member(kind: str, classroom: Classroom, student: Student | None) -> Credential:
    # Reading writes nothing: the activity it proves is noted once the request is granted
    # (server/policy.py, `requires`).
    return Credential(
        kind,
        classroom_id=classroom.id,
        student_id=student.id if student else None,
        expired=classrooms.is_expired(classroom),
    )


def _share_credential(token: str) -> Credential:
    state = resolve_link(token)
    if state is None:
        return Credential("share", gone=was_deleted(token))
    return Credential(
        "share",
        project_id=state.link.project_id,
        link=state.link,
        gone=state.gone,
        shown_version=state.version,
    )


def _signed_credential(presented: Presented) -> Credential:
    sample_id = presented.sample_id
    project_id = db.session.scalar(select(Sample.project_id).where(Sample.public_id == sample_id))
    holder = classrooms.link_holder(project_id, presented.viewer) if project_id is not None else ""
    problem = signed_urls.check(sample_id, presented.expires, presented.signature, holder=holder)
    if problem == signed_urls.BAD_SIGNATURE:
        return Credential("invalid", problem=problem)
    expired = project_id is not None and classrooms.project_expired(project_id)
    return Credential("signed_image", sample_public_id=sample_id, problem=problem, expired=expired)
