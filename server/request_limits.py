"""Hard caps on what a request may make the server parse, checked before any view runs.

Every parser of untrusted bytes runs in time linear in its input and stops at a cap: JSON bodies
(server/jsonlimits.py: size, depth, then the parse), multipart forms (Werkzeug's parser, at most
Flask's MAX_FORM_PARTS, 1,000 parts, and MAX_FORM_MEMORY_SIZE, 500 kB of fields that are not
files), binary embedding batches (server/api/embeddings.py), zips (server/archive.py: entry
count and declared sizes before any entry is read), pictures (server/images.py: Pillow reads
the header, the pixel count is checked before decoding), and query strings (here: at most
MAX_QUERY_BYTES, the request line Gunicorn accepts anyway).
"""

from flask import Flask, request

from .errors import UriTooLong

MAX_QUERY_BYTES = 4096


def refuse_long_query() -> None:
    if len(request.query_string) > MAX_QUERY_BYTES:
        raise UriTooLong(f"The query string is longer than {MAX_QUERY_BYTES} bytes.")


def register_request_limits(app: Flask) -> None:
    app.before_request(refuse_long_query)
