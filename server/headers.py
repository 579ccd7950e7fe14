"""Headers every response carries, error pages and files included.

- `X-Content-Type-Options: nosniff`: a browser never guesses a picture or a JSON answer to be a
  page or a script.
- `Referrer-Policy: no-referrer`: no URL of ours (an id, a share token) leaks to another site.
- A Content-Security-Policy on every HTML answer: the pages set their own (server/pages.py); any
  other HTML, such as Flask's own 404 and 405 pages, gets one that allows nothing to run.
- No version strings: Flask's development server would name Werkzeug's and Python's versions in
  `Server`; Gunicorn names only itself.
"""

from flask import Flask, Response
from werkzeug.serving import WSGIRequestHandler

LOCKED_DOWN_POLICY = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SERVER_NAME = "snapclass"


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", LOCKED_DOWN_POLICY)
    return response


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response of the app."""
    app.after_request(add_security_headers)
    # Replaces "Werkzeug/x.y Python/x.y" with a plain name (the development server only).
    WSGIRequestHandler.version_string = lambda handler: SERVER_NAME
