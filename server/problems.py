"""The one place that builds JSON API errors: RFC 9457 problem details.

Domain modules, blueprints and the access policy raise server/errors.py's exceptions; werkzeug
raises its own HTTPExceptions (an unknown URL, a method not allowed). The handlers below
turn every error under /api into `application/problem+json` with one shape:
{"type", "title", "status", "detail", "code"} plus optional extras such as "errors": [...] and
"params" (the values the code's translated message names; server/problem_codes.py).
"""

from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from .errors import DomainError
from .problem_codes import code_of_status

API_PREFIX = "/api/"
PROBLEM_MIMETYPE = "application/problem+json"


def problem_response(
    status: int,
    detail: str,
    headers: dict | None = None,
    *,
    title: str = "",
    code: str | None = None,
    **extras: Any,
) -> Response:
    """Build a problem-details response; every /api error goes through here."""
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code or code_of_status(status),
        **extras,
    }
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.update(headers or {})
    return response


def _handle_http_exception(error: HTTPException):
    if not request.path.startswith(API_PREFIX) or error.code is None or error.code < 400:
        return error  # pages keep Flask's HTML errors; redirects stay redirects
    headers = {}
    if error.code == 405:
        headers = {"Allow": ", ".join(getattr(error, "valid_methods", None) or [])}
    detail = error.description
    if error.code == 500:
        detail = "Something went wrong on the server; try again later."
    return problem_response(error.code, detail, headers)


def _handle_domain_error(error: DomainError):
    if not request.path.startswith(API_PREFIX):  # a page: Flask's HTML error of that status
        page_error = HTTPException(error.detail)
        page_error.code = int(error.status)
        return page_error
    status, headers = int(error.status), error.headers
    return problem_response(
        status, error.detail, headers, title=error.title, code=error.code, **error.extras
    )


def register_error_handlers(app: Flask) -> None:
    """Send every error under /api as a problem (unhandled exceptions arrive as 500 here)."""
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DomainError, _handle_domain_error)
