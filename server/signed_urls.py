"""Signed, expiring picture URLs, like an object store's pre-signed URLs.

A picture's URL carries `expires` (a Unix time) and `sig`, an HMAC-SHA256 over the sample id and
that time with the server's secret key, so an `<img>` tag can show a private picture without
sending a header, and a copied URL stops working after a while (an hour by default). Expiry
times are rounded up to a step, so a page that lists the same pictures twice gets the same URLs
and the browser's cache is reused.
"""

import base64
import hashlib
import hmac
import math
import re
import time

from flask import current_app

ROUNDING_SECONDS = 600
EXPIRES = re.compile(r"[0-9]{1,12}")
BAD_SIGNATURE = "This picture link is not valid."
EXPIRED = "This picture link has expired: reload the page to get a new one."


def _mac(message: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _signature(sample_id: str, expires: int, holder: str = "") -> str:
    return _mac(f"image:{sample_id}:{expires}" + (f":{holder}" if holder else ""))


def picture_etag(sha256: str) -> str:
    """The ETag of a stored picture: it changes with the bytes, as their sha256 does, but tells
    whoever holds a picture URL nothing about them (a bare sha256 would let one check a guess
    of the picture, or find the same picture in another project)."""
    return _mac(f"etag:{sha256}")


def url_expiry(now: float | None = None) -> int:
    """When the picture URLs signed now expire (rounded up to ROUNDING_SECONDS, so URLs signed
    within one such window are the same and a browser's cache keeps them)."""
    now = time.time() if now is None else now
    lifetime = current_app.config["IMAGE_URL_SECONDS"]
    return math.ceil((now + lifetime) / ROUNDING_SECONDS) * ROUNDING_SECONDS


def image_url(
    sample_id: str, now: float | None = None, holder: str = "", viewer: str | None = None
) -> str:
    """A URL of the sample's picture that works, without a token, for IMAGE_URL_SECONDS; with
    a `holder` (a classroom student's token hash), only while that token is theirs. A class
    project's picture URL names its `viewer` (`for=`: "teacher" or a student's public id), whose
    token hash is its holder."""
    expires = url_expiry(now)
    signature = _signature(sample_id, expires, holder)
    url = f"/api/samples/{sample_id}/image?expires={expires}&sig={signature}"
    return url + (f"&for={viewer}" if viewer is not None else "")


def check(
    sample_id: str, expires: str, signature: str, now: float | None = None, holder: str = ""
) -> str | None:
    """None when the signature is good and current; else why not (BAD_SIGNATURE or EXPIRED)."""
    # ASCII digits only: str.isdigit also takes '²', which int() refuses; and compare_digest
    # refuses a str that is not ASCII, so such a signature is compared as UTF-8 bytes.
    if not EXPIRES.fullmatch(expires):
        return BAD_SIGNATURE
    expected = _signature(sample_id, int(expires), holder).encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        return BAD_SIGNATURE
    now = time.time() if now is None else now
    return EXPIRED if int(expires) <= now else None


def seconds_left(expires: str, now: float | None = None) -> int:
    """How long a checked URL stays valid: what a browser may cache it for."""
    now = time.time() if now is None else now
    return max(0, int(expires) - int(now))
