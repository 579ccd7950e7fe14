"""Gunicorn's access log, and the app's own error log, without share tokens or client addresses.

One line per request: method, path, status, bytes and milliseconds. The query string is never
written (`?share=<token>`, a picture URL's signature); the token segment of the paths that carry
one (`/s/<token>`, `/api/shares/<token>`) is replaced by `<token>`; the client's address is
written only when LOG_CLIENT_ADDRESSES is set (a school that must keep addresses says so).
Flask's line for an unhandled exception ("Exception on <path>") gets the same path.
"""

import re

from flask import Flask, request
from gunicorn.glogging import Logger

# Paths whose next segment is a share token.
TOKEN_PATH = re.compile(r"(^/s/|^/api/shares/)[^/]+")
FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
FORMAT_WITH_ADDRESS = "%(h)s " + FORMAT


def redact_path(path: str) -> str:
    """The path with any share token replaced by `<token>`."""
    return TOKEN_PATH.sub(r"\1<token>", path)


class RedactingLogger(Logger):
    """Gunicorn's logger, writing every access line's path through redact_path."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms["U"])
        return atoms


def access_log_options(log_addresses: bool) -> dict:
    """Gunicorn's settings for the access log."""
    return {
        "accesslog": "-",
        "access_log_format": FORMAT_WITH_ADDRESS if log_addresses else FORMAT,
        "logger_class": RedactingLogger,
    }


def register_redacted_error_log(app: Flask) -> None:
    """Log unhandled exceptions as Flask does, with the path through redact_path."""

    def log_exception(exc_info) -> None:
        path = redact_path(request.path)
        app.logger.error("Exception on %s [%s]", path, request.method, exc_info=exc_info)

    app.log_exception = log_exception
