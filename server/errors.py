"""Why the server refuses something, said by its domain modules without knowing HTTP.

Domain modules (images, archive, uploads, exports, fine-tuning, ...) raise these; the one
handler in server/problems.py turns each into a problem-details answer with its class's status
and title, and a stable `code` that pages translate (the catalogues' `error.<code>`, OpenAPI's
Problem schema lists them): the class's own code, or a more precise one given where it is raised,
with the `params` its message needs. Blueprints under server/api/ parse requests and let these
pass through.
"""

from http import HTTPStatus
from typing import Any


class DomainError(Exception):
    """A refusal: `detail` says why in English; `code` names it for the pages (one of
    problem_codes.CODES), `params` the values its translated message needs; `extras` join the
    problem body (e.g. "errors": [...]); `headers` join the answer (e.g. Retry-After)."""

    status = HTTPStatus.BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        detail: str,
        headers: dict[str, str] | None = None,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        **extras: Any,
    ):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.code = code or type(self).code
        self.extras = extras | ({"params": params} if params else {})

    @property
    def title(self) -> str:
        return self.status.phrase


class Invalid(DomainError):
    """The input is malformed or breaks a rule of its own (bad field, corrupt picture)."""

    status = HTTPStatus.BAD_REQUEST


class FieldInvalid(Invalid):
    """One named field of the input is wrong."""

    def __init__(self, field: str, message: str, **kwargs: Any):
        super().__init__(
            f"{field}: {message}", errors=[{"field": field, "message": message}], **kwargs
        )
        self.field = field


class Unauthorized(DomainError):
    """No credential, or one that matches nothing; `headers` carry the challenge."""

    status = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"


class Forbidden(DomainError):
    """A valid credential that does not give access to this."""

    status = HTTPStatus.FORBIDDEN
    code = "forbidden"


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"


class Gone(DomainError):
    """It existed and has ended: a withdrawn link, an expired classroom."""

    status = HTTPStatus.GONE
    code = "gone"


class Conflict(DomainError):
    """The request is fine, but the state of things refuses it (a job already running)."""

    status = HTTPStatus.CONFLICT
    code = "conflict"


class TooLarge(DomainError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "too_large"


class UriTooLong(DomainError):
    status = HTTPStatus.REQUEST_URI_TOO_LONG
    code = "uri_too_long"


class UnsupportedType(DomainError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_type"


class NotReady(DomainError):
    """Well-formed, but the data is not ready for it (too few pictures to fine-tune)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "not_ready"


class TooMany(DomainError):
    """A rate limit is used up; headers say when to try again."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "too_many"


class Unavailable(DomainError):
    """The server cannot do it now (a full queue, an unreachable broker)."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "unavailable"
