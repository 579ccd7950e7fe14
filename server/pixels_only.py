"""Pictures stored as pixels only: every segment that is not needed to draw the pixels is cut
out, without decoding, and nothing after the image's end is kept.

The rule, one for every format: keep what the decoder needs to draw the same pixels in the same
colours (frame, tables, scans, palette, transparency, colour profile and gamma), drop
everything else (EXIF with its GPS position, XMP, IPTC, comments, text chunks, thumbnails,
unknown chunks) and any bytes after the image's end (a JPEG+ZIP polyglot). The entropy-coded or
compressed picture data is copied as it is, so the pixels are identical and embeddings computed
from the upload stay valid. A picture whose EXIF turns it (orientation other than 1) is instead
turned upright and re-encoded by server/images.py, and the result passes through here too.

Each walk reads every byte once (linear in the file), and a file that does not follow its
format's structure raises ValueError.
"""

import struct

# JPEG markers: start of image, end of image, start of scan; markers with no length.
SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
STANDALONE = {0x01, *range(0xD0, 0xD8)}
APP0, APP2, APP14, COM = 0xE0, 0xE2, 0xEE, 0xFE
ICC_PROFILE = b"ICC_PROFILE\0"
# A JFIF header with no thumbnail: "JFIF\0", version, units, densities, thumbnail size 0x0.
JFIF_LENGTH = 16

# PNG chunks that decide the pixels or their colours; the rest (tEXt, zTXt, iTXt, eXIf, tIME,
# pHYs, private ones) are dropped. acTL/fcTL/fdAT are an animation's frames.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip

# WebP chunks of the image itself; EXIF, XMP and unknown chunks are dropped.
WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
VP8X_EXIF_AND_XMP_FLAGS = 0x08 | 0x04


def pixels_only(data: bytes, fmt: str) -> bytes:
    """The picture with every segment but its pixels' (and their colours') cut out."""
    return {"JPEG": _jpeg, "PNG": _png, "WEBP": _webp}[fmt](data)


def _jpeg_kept(marker: int, payload: bytes) -> bool:
    if marker == APP0:
        return payload.startswith(b"JFIF\0") and len(payload) + 2 == JFIF_LENGTH
    if marker == APP2:
        return payload.startswith(ICC_PROFILE)
    if marker == APP14:
        return payload.startswith(b"Adobe")  # how the decoder converts its colours
    return not (0xE0 <= marker <= 0xEF or marker == COM)


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out, position, end = [b"\xff\xd8"], 2, len(data)
    while True:
        if position >= end or data[position] != 0xFF:
            raise ValueError("a JPEG segment does not start with a marker")
        while position + 1 < end and data[position + 1] == 0xFF:
            position += 1  # fill bytes before a marker
        if position + 1 >= end:
            raise ValueError("a JPEG without its end marker")
        marker = data[position + 1]
        if marker == EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)  # whatever follows the end is not kept
        if marker in STANDALONE or marker == SOI:
            out.append(data[position : position + 2])
            position += 2
            continue
        if position + 4 > end:
            raise ValueError("a JPEG segment is cut short")
        (length,) = struct.unpack_from(">H", data, position + 2)
        segment_end = position + 2 + length
        if length < 2 or segment_end > end:
            raise ValueError("a JPEG segment runs past the file's end")
        if _jpeg_kept(marker, data[position + 4 : segment_end]):
            out.append(data[position:segment_end])
        position = segment_end
        if marker == SOS:
            scan_end = _scan_end(data, position)
            out.append(data[position:scan_end])
            position = scan_end


def _scan_end(data: bytes, position: int) -> int:
    """Where a scan's entropy-coded data ends: at the first marker that is not a restart
    marker or a stuffed zero (0xFF00)."""
    end = len(data)
    while True:
        position = data.find(b"\xff", position)
        if position == -1 or position + 1 >= end:
            raise ValueError("a JPEG scan has no end")
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1
            continue
        return position


def _png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out, position, end = [PNG_SIGNATURE], len(PNG_SIGNATURE), len(data)
    while position + 12 <= end:
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        chunk_end = position + 12 + length
        if chunk_end > end:
            raise ValueError("a PNG chunk runs past the file's end")
        if kind in PNG_KEPT:
            out.append(data[position:chunk_end])
        position = chunk_end
        if kind == b"IEND":
            return b"".join(out)  # whatever follows the end is not kept
    raise ValueError("a PNG without its end chunk")


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data) or riff_size < 4:
        raise ValueError("a WebP file shorter than it says")
    chunks, position = [], 12
    while position + 8 <= end:
        kind = data[position : position + 4]
        (length,) = struct.unpack_from("<I", data, position + 4)
        chunk_end = position + 8 + length + (length & 1)  # chunks are padded to even sizes
        if chunk_end > end:
            raise ValueError("a WebP chunk runs past the file's end")
        if kind == b"VP8X" and length >= 1:
            flags = data[position + 8] & ~VP8X_EXIF_AND_XMP_FLAGS
            chunks.append(data[position : position + 8] + bytes([flags]))
            chunks.append(data[position + 9 : chunk_end])
        elif kind in WEBP_KEPT:
            chunks.append(data[position:chunk_end])
        position = chunk_end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body  # bytes after the RIFF's end are cut
