"""QR codes as SVG, for a projector (the join URL) or a phone (a student or pairing link).

The text comes in a POST body, never in the URL: a student's or a phone's link holds a secret,
and URLs end up in access logs.
"""

import io

import segno
from flask import Blueprint

from ..policy import requires
from .common import json_body, text_field

bp = Blueprint("qr", __name__, url_prefix="/api")

TEXT_MAX = 500


@bp.post("/qr")
@requires("public")
def qr_code():
    """The QR code of a short text (a URL) as an SVG image."""
    text = text_field(json_body().get("text"), "text", TEXT_MAX)
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return out.getvalue(), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "no-store"}
