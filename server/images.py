"""Decode and check uploaded images by their content; apply EXIF orientation."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from .errors import Invalid, TooLarge, UnsupportedType

# Pillow format -> MIME type; the only formats we accept.
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


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


def check_image(data: bytes, max_bytes: int, max_pixels: int, label: str = "file") -> CheckedImage:
    """Validate an uploaded image; raise Invalid, TooLarge or UnsupportedType naming `label`."""
    if not data:
        raise Invalid(f"{label} is empty.")
    if len(data) > max_bytes:
        raise TooLarge(f"{label} is larger than {max_bytes} bytes.")
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedType(f"{label} is not a JPEG, PNG or WebP image.")
    try:
        # Pillow warns (and past twice its limit, raises) about decompression bombs; make the
        # warning an error too so a bomb is rejected instead of decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise TooLarge(
                        f"{label} has {width}x{height} pixels; the limit is {max_pixels}."
                    )
                if fmt == "JPEG" and not _has_metadata(image):
                    return _checked_jpeg(image, data)
                image.load()  # decode every pixel now, so truncated or corrupt data fails here
                return _upright(image, data, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge(f"{label} has too many pixels; the limit is {max_pixels}.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow's own messages name Python objects; the student needs only this.
        raise Invalid(f"{label} is a truncated or corrupt image.") from None


def _has_metadata(image: Image.Image) -> bool:
    """EXIF (GPS position, camera, date, orientation) or XMP."""
    return bool(image.getexif() or image.info.get("xmp"))


def _checked_jpeg(image: Image.Image, data: bytes) -> CheckedImage:
    """A JPEG kept as it is, checked by decoding it at 1/8 scale: libjpeg still reads and
    entropy-decodes all of the file's picture data, so truncated or corrupt data fails as in a
    full decode, but it skips most of the pixel work (the studio's pictures are JPEGs with no
    metadata; this is the upload route's largest cost after the network)."""
    width, height = image.size
    image.draft(image.mode, (1, 1))
    image.load()
    return CheckedImage(data, hashlib.sha256(data).hexdigest(), width, height, "image/jpeg")


def _upright(image: Image.Image, data: bytes, fmt: str) -> CheckedImage:
    """Keep the original bytes, unless they carry metadata (EXIF: GPS position, camera, date,
    orientation; XMP): then store the pixels, upright, re-encoded without it."""
    if _has_metadata(image):
        image = ImageOps.exif_transpose(image)
        data = _encode(image, fmt)
    return CheckedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=image.width,
        height=image.height,
        mime_type=MIME_TYPES[fmt],
    )


def _encode(image: Image.Image, fmt: str) -> bytes:
    # EXIF is dropped with the orientation it held; the colour profile is kept.
    options = {"icc_profile": image.info.get("icc_profile")}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 95
    out = io.BytesIO()
    image.save(out, format=fmt, **{k: v for k, v in options.items() if v is not None})
    return out.getvalue()
