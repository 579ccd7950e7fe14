"""Decode and check uploaded images by their content; keep their pixels only, upright."""

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from .errors import Invalid, TooLarge, UnsupportedType
from .pixels_only import pixels_only

# Pillow format -> MIME type; the only formats we accept.
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ORIENTATION = 0x0112  # the EXIF tag that says how to turn the picture to view it


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    sha256: str
    width: int
    height: int
    mime_type: str


def sniff_format(data: bytes) -> str | None:
    """The format named by the file's signature, whatever its name or Content-Type claim."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_image(
    data: bytes, max_bytes: int, max_pixels: int, label: str = "file", name: str | None = None
) -> CheckedImage:
    """Validate an uploaded image; raise Invalid, TooLarge or UnsupportedType naming `label`
    in English, and `name` (the file's name, else `label`) for the pages' translated message.

    What is kept is the picture's pixels only (server/pixels_only.py): its metadata segments and
    anything after its end are cut out; a picture that EXIF turns is stored upright, re-encoded.
    """
    named = {"name": label if name is None else name}
    if not data:
        raise Invalid(f"{label} is empty.", code="image_empty", params=named)
    if len(data) > max_bytes:
        raise TooLarge(
            f"{label} is larger than {max_bytes} bytes.",
            code="image_too_large",
            params=named,
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedType(
            f"{label} is not a JPEG, PNG or WebP image.",
            code="image_unsupported",
            params=named,
        )
    try:
        # Pillow warns (and past twice its limit, raises) about decompression bombs; make the
        # warning an error too so a bomb is rejected instead of decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise TooLarge(
                        f"{label} has {width}x{height} pixels; the limit is {max_pixels}.",
                        code="image_too_many_pixels",
                        params=named,
                    )
                if image.getexif().get(ORIENTATION, 1) != 1:
                    image.load()  # decode every pixel now, so corrupt data fails here
                    return _upright(image, fmt)
            return _checked(pixels_only(data, fmt), fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge(
            f"{label} has too many pixels; the limit is {max_pixels}.",
            code="image_too_many_pixels",
            params=named,
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        # Pillow's own messages name Python objects; the student needs only this.
        raise Invalid(
            f"{label} is a truncated or corrupt image.",
            code="image_corrupt",
            params=named,
        ) from None


def _checked(data: bytes, fmt: str) -> CheckedImage:
    """The picture (pixels only already) once its data is known to decode. A JPEG is decoded at
    1/8 scale: libjpeg still reads and entropy-decodes all of the file's picture data, so
    truncated or corrupt data fails as in a full decode, but it skips most of the pixel work
    (the studio's pictures are JPEGs; this is the upload route's largest cost after the
    network)."""
    with Image.open(io.BytesIO(data), formats=[fmt]) as image:
        width, height = image.size
        if fmt == "JPEG":
            image.draft(image.mode, (1, 1))
        image.load()
    return CheckedImage(data, hashlib.sha256(data).hexdigest(), width, height, MIME_TYPES[fmt])


def _upright(image: Image.Image, fmt: str) -> CheckedImage:
    """The pixels turned as EXIF says, re-encoded with their colour profile only."""
    image = ImageOps.exif_transpose(image)
    image.info = {"icc_profile": image.info["icc_profile"]} if "icc_profile" in image.info else {}
    options = {"icc_profile": image.info.get("icc_profile")}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 95
    out = io.BytesIO()
    image.save(out, format=fmt, **{k: v for k, v in options.items() if v is not None})
    return _checked(pixels_only(out.getvalue(), fmt), fmt)
