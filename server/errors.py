"""Why the server refuses something, said by its domain modules without knowing HTTP.

Domain modules (images, archive, uploads, exports, fine-tuning, ...) raise these; the one
handler in server/problems.py turns each into a problem-details answer with its class's status
and title. Blueprints under server/api/ parse requests and let these pass through.
"""

from http import HTTPStatus
from typing import Any


class DomainError(Exception):
    """A refusal: `detail` says why in words for the user; `extras` join the problem body
    (e.g. "errors": [...]); `headers` join the answer (e.g. Retry-After)."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, detail: str, headers: dict[str, str] | None = None, **extras: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extras = extras

    @property
    def title(self) -> str:
        return self.status.phrase


class Invalid(DomainError):
    """The input is malformed or breaks a rule of its own (bad field, corrupt picture)."""

    status = HTTPStatus.BAD_REQUEST


class FieldInvalid(Invalid):
    """One named field of the input is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])
        self.field = field


class Unauthorized(DomainError):
    """No credential, or one that matches nothing; `headers` carry the challenge."""

    status = HTTPStatus.UNAUTHORIZED


class Forbidden(DomainError):
    """A valid credential that does not give access to this."""

    status = HTTPStatus.FORBIDDEN


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND


class Gone(DomainError):
    """It existed and has ended: a withdrawn link, an expired classroom."""

    status = HTTPStatus.GONE


class Conflict(DomainError):
    """The request is fine, but the state of things refuses it (a job already running)."""

    status = HTTPStatus.CONFLICT


class TooLarge(DomainError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class UriTooLong(DomainError):
    status = HTTPStatus.REQUEST_URI_TOO_LONG


class UnsupportedType(DomainError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class NotReady(DomainError):
    """Well-formed, but the data is not ready for it (too few pictures to fine-tune)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY


class TooMany(DomainError):
    """A rate limit is used up; headers say when to try again."""

    status = HTTPStatus.TOO_MANY_REQUESTS


class Unavailable(DomainError):
    """The server cannot do it now (a full queue, an unreachable broker)."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
