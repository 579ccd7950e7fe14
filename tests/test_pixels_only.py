"""Pictures are stored as pixels only: a GPS position or any other text in EXIF, XMP, IPTC, a
JPEG comment, PNG text chunks, WebP metadata chunks or bytes appended after the image never
reaches the blob store, through any upload route; the pixels are kept exactly."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import update

from server.db import db
from server.models import Sample
from server.pixels_only import pixels_only
from server.storage import blob_store, delete_unreferenced

from .conftest import BACKBONE_ID, EMBEDDING_SIZE
from .test_archive_api import import_zip

MARKER = b"GPS-51.5007N-0.1246W-HOME"
GPS_IFD = 0x8825
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><gps>' + MARKER + b"</gps></x:xmpmeta>"
APPENDED = b"PK\x03\x04" + MARKER * 4  # a zip's start after the image: a polyglot


def pixels() -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = MARKER.decode()  # camera make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 2.5), 3: "W", 4: (0.0, 7.0, 28.0)})
    return exif.tobytes()


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def marked_jpeg() -> bytes:
    out = io.BytesIO()
    pixels().save(out, format="JPEG", quality=90, exif=gps_exif(), comment=MARKER)
    data = out.getvalue()
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP)
    iptc = jpeg_segment(
        0xED, b"Photoshop 3.0\x008BIM\x04\x04\0\0\0\0\0\x20\x1c\x02\x5a\0\x19" + MARKER
    )
    return data[:2] + xmp + iptc + data[2:] + APPENDED


def marked_png(exif: bool = True) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", MARKER.decode())
    info.add_text("Comment", MARKER.decode(), zip=True)
    # Pillow calls this iTXt XMP; any other key is plain text.
    info.add_itxt("XML:com.adobe.xmp" if exif else "Location", XMP.decode())
    out = io.BytesIO()
    pixels().save(out, format="PNG", pnginfo=info, **({"exif": gps_exif()} if exif else {}))
    data = out.getvalue()
    # A compressed text chunk whose keyword is the marker, before the pixels.
    ztxt = png_chunk(b"zTXt", MARKER + b"\0\0" + zlib.compress(MARKER))
    return data[:33] + ztxt + data[33:] + APPENDED


def marked_webp() -> bytes:
    out = io.BytesIO()
    pixels().save(out, format="WEBP", lossless=True, exif=gps_exif(), xmp=XMP)
    return out.getvalue() + APPENDED


MARKED = {
    "JPEG": ("JPEG", marked_jpeg),
    "PNG": ("PNG", marked_png),
    # Text chunks alone, without EXIF or XMP, once made no re-encoding: stored as sent.
    "PNG without EXIF": ("PNG", lambda: marked_png(exif=False)),
    "WEBP": ("WEBP", marked_webp),
}
# What must not be in a stored picture besides the marker: the segments' own signatures.
SIGNATURES = [
    b"Exif\0",
    b"8BIM",
    b"xmpmeta",
    b"tEXt",
    b"zTXt",
    b"iTXt",
    b"eXIf",
    b"XMP ",
    b"PK\x03",
]


def blobs(app) -> list[bytes]:
    return [
        p.read_bytes() for p in (Path(app.config["DATA_DIR"]) / "blobs").rglob("*") if p.is_file()
    ]


def assert_pixels_only(app, sent: bytes, fmt: str, answered_sha256: str) -> None:
    (stored,) = blobs(app)
    assert MARKER not in stored
    for signature in SIGNATURES:
        assert signature not in stored, signature
    assert hashlib.sha256(stored).hexdigest() == answered_sha256
    with Image.open(io.BytesIO(sent)) as before, Image.open(io.BytesIO(stored)) as after:
        assert after.format == fmt
        assert np.array_equal(np.asarray(before.convert("RGB")), np.asarray(after.convert("RGB")))


def test_the_test_pictures_carry_the_marker_in_every_place():
    jpeg, png, webp = marked_jpeg(), marked_png(exif=False), marked_webp()
    assert jpeg.count(MARKER) >= 5 and jpeg.endswith(APPENDED)
    assert png.count(MARKER) >= 4 and png.endswith(APPENDED)
    assert webp.count(MARKER) >= 3 and webp.endswith(APPENDED)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.getexif().get_ifd(GPS_IFD) and image.info["comment"] == MARKER


@pytest.mark.parametrize("case", MARKED)
def test_a_studio_upload_is_stored_as_pixels_only(app, api, project, case):
    fmt, make = MARKED[case]
    sent = make()
    (sample,) = api.add_samples(project, (sent, f"p.{fmt.lower()}", "image/png"))
    assert_pixels_only(app, sent, fmt, sample["sha256"])
    assert api.image_data(sample) == blobs(app)[0]


@pytest.mark.parametrize("case", MARKED)
def test_an_imported_zip_picture_is_stored_as_pixels_only(app, client, case):
    fmt, make = MARKED[case]
    sent = make()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"Home/p.{fmt.lower()}", sent)
    response = import_zip(client, out.getvalue())
    assert response.status_code == 201, response.json
    headers = {"Authorization": f"Bearer {response.json['owner_token']}"}
    listing = client.get(f"/api/projects/{response.json['id']}/samples", headers=headers).json
    assert_pixels_only(app, sent, fmt, listing["samples"][0]["sha256"])


@pytest.mark.parametrize("case", MARKED)
def test_a_paired_phones_picture_is_stored_as_pixels_only(app, api, client, case):
    fmt, make = MARKED[case]
    student = api.join(api.start_classroom(), "Ana")
    work = api.student_project(student)
    url = f"/api/projects/{work['id']}/classes/{work['classes'][0]['id']}/pairings"
    pairing = client.post(url, headers=api.auth(work)).json
    phone = {"Authorization": f"Bearer {pairing['url'].split('#pair=')[1]}"}
    sent = make()
    files = {"file": [(io.BytesIO(sent), "p")]}
    response = client.post(
        "/api/pairing/samples", headers=phone, content_type="multipart/form-data", data=files
    )
    assert response.status_code == 201, response.json
    assert_pixels_only(app, sent, fmt, response.json["samples"][0]["sha256"])


@pytest.mark.parametrize("case", MARKED)
def test_cutting_metadata_twice_changes_nothing(case):
    fmt, make = MARKED[case]
    once = pixels_only(make(), fmt)
    assert pixels_only(once, fmt) == once


def test_a_rotated_photo_is_turned_and_stored_without_the_marker(app, api, project):
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = MARKER.decode()
    out = io.BytesIO()
    pixels().save(out, format="JPEG", exif=exif.tobytes(), comment=MARKER)
    (sample,) = api.add_samples(project, (out.getvalue() + APPENDED, "p.jpg", "image/jpeg"))
    assert (sample["width"], sample["height"]) == (48, 64)
    (stored,) = blobs(app)
    assert MARKER not in stored and b"Exif\0" not in stored


def test_pictures_stored_before_are_cleaned_by_a_command(app, api, project, runner):
    """A picture stored with its metadata (as older versions did) is rewritten without it: its
    samples move to the clean bytes, in every project, and keep their embeddings."""
    clean_one = MARKED["PNG without EXIF"][1]()
    (sample,) = api.add_samples(project, clean_one)
    other = api.create_project("Other")
    (twin,) = api.add_samples(other, clean_one)
    put = f"/api/samples/{sample['id']}/embeddings/{BACKBONE_ID}"
    vector = struct.pack(f"<{EMBEDDING_SIZE}f", *range(EMBEDDING_SIZE))
    assert api.client.put(put, data=vector, headers=api.auth(project)).status_code == 204
    # As an older version stored it: the bytes as sent, under their own sha256.
    dirty_sha256 = hashlib.sha256(clean_one).hexdigest()
    with app.app_context():
        blob_store().put(clean_one)
        db.session.execute(update(Sample).values(sha256=dirty_sha256))
        db.session.commit()
        delete_unreferenced([sample["sha256"]])
        db.session.commit()
    assert blobs(app) == [clean_one]

    result = runner.invoke(args=["clean-pictures"])
    assert result.exit_code == 0 and "cleaned 1 stored pictures" in result.output, result.output
    (stored,) = blobs(app)
    assert MARKER not in stored and hashlib.sha256(stored).hexdigest() == sample["sha256"]
    for owner, picture in ((project, sample), (other, twin)):
        listing = api.get(owner, f"/api/projects/{owner['id']}/samples").json["samples"]
        assert [(s["id"], s["sha256"]) for s in listing] == [(picture["id"], sample["sha256"])]
    assert api.get(project, put).data == vector
    assert api.image_data(sample) == stored
    assert "cleaned 0 stored pictures" in runner.invoke(args=["clean-pictures"]).output
