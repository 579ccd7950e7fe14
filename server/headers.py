"""Headers every response carries, error pages and files included.

- `X-Content-Type-Options: nosniff`: a browser never guesses a picture or a JSON answer to be a
  page or a script.
- `Referrer-Policy: no-referrer`: no URL of ours (an id, a share token) leaks to another site.
- A Content-Security-Policy on every HTML answer: the pages set their own (server/pages.py); any
  other HTML, such as Flask's own 404 and 405 pages, gets one that allows nothing to run.
- `Strict-Transport-Security` on HTTPS answers when Snapclass serves a certificate the school
  supplied (TLS_CERT): browsers then never try plain HTTP to it again. Never with the
  self-signed certificate: browsers ignore HSTS after a certificate warning or on a bare
  address, and a pinned self-signed certificate that is later made anew would lock students out.
- No version strings: Flask's development server would name Werkzeug's and Python's versions in
  `Server`; Gunicorn names only itself.
"""

from flask import Flask, Response, current_app, request
from werkzeug.serving import WSGIRequestHandler

from .isolation import cross_origin_isolation_headers

LOCKED_DOWN_POLICY = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SERVER_NAME = "snapclass"
SCRIPT_TYPES = {"text/javascript", "application/javascript"}
# A year, as browsers' preload lists ask; without includeSubDomains, which would bind every
# other server of the school's domain too.
HSTS = "max-age=31536000"


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", LOCKED_DOWN_POLICY)
    if response.mimetype in SCRIPT_TYPES:
        # A worker started from a script is only allowed in a cross-origin isolated page when the
        # script itself asks for the same isolation (server/isolation.py).
        response.headers.update(cross_origin_isolation_headers())
    if current_app.config["TLS_CERT"] and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response of the app."""
    app.after_request(add_security_headers)
    # Replaces "Werkzeug/x.y Python/x.y" with a plain name (the development server only).
    WSGIRequestHandler.version_string = lambda handler: SERVER_NAME
