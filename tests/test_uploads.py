"""Uploads: images are checked by content and size; a bad upload changes nothing at all."""

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError

from server import storage, uploads
from server.errors import DomainError
from server.images import check_image


def test_student_uploads_images_of_each_accepted_type(client, api, project, image):
    files = [
        (image("JPEG", color=(10, 20, 30)), "a.jpg", "image/jpeg"),
        (image("PNG", color=(10, 20, 31)), "b.png", "image/png"),
        (image("WEBP", color=(10, 20, 32)), "c.webp", "image/webp"),
    ]
    apple = project["classes"][0]["id"]
    samples = api.add_samples(project, *files, class_id=apple, source="webcam")
    assert [s["mime_type"] for s in samples] == ["image/jpeg", "image/png", "image/webp"]
    for sample, (data, _, mime) in zip(samples, files, strict=True):
        assert sample["sha256"] == hashlib.sha256(data).hexdigest()
        assert (sample["width"], sample["height"], sample["class_id"]) == (40, 30, apple)
        assert sample["source"] == "webcam"
        with client.get(sample["image_url"]) as stored:
            assert stored.status_code == 200
            assert stored.mimetype == mime
            assert stored.data == data


def test_upload_without_class_is_unlabelled_and_from_upload(api, project, image):
    (sample,) = api.add_samples(project, image())
    assert sample["class_id"] is None
    assert sample["source"] == "upload"


def test_type_comes_from_content_not_name_or_content_type(api, project, image):
    (sample,) = api.add_samples(project, (image("PNG"), "notes.txt", "text/plain"))
    assert sample["mime_type"] == "image/png"


def test_blobs_are_stored_by_hash_in_two_level_folders(app, api, project, image):
    data = image()
    (sample,) = api.add_samples(project, data)
    digest = hashlib.sha256(data).hexdigest()
    blob = Path(app.config["DATA_DIR"]) / "blobs" / digest[:2] / digest[2:]
    assert blob.read_bytes() == data


def encoded(fmt: str, size=(64, 64), noisy: bool = False) -> bytes:
    """An image in `fmt`; a noisy one does not compress, so damage hits real pixel data."""
    if noisy:
        pixels = hashlib.shake_256(b"noise").digest(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels)
    else:
        image = Image.new("RGB", size, (90, 120, 150))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def pixel_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that claims width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def garbled(data: bytes) -> bytes:
    return data[:100] + bytes(b ^ 0xFF for b in data[100:300]) + data[300:]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
# case: (make the file, name it claims, Content-Type it claims, expected status)
BAD_FILES = {
    "gif named .jpg": (lambda: encoded("GIF"), "cat.jpg", "image/jpeg", 415),
    "bmp named .png": (lambda: encoded("BMP"), "cat.png", "image/png", 415),
    "html named .png": (lambda: b"<html><script>1</script>", "x.png", "image/png", 415),
    "svg": (lambda: SVG, "a.svg", "image/svg+xml", 415),
    "empty": (lambda: b"", "empty.jpg", "image/jpeg", 400),
    "truncated jpeg": (lambda: cut(encoded("JPEG")), "t.jpg", "image/jpeg", 400),
    "truncated png": (lambda: cut(encoded("PNG", noisy=True)), "t.png", "image/png", 400),
    "corrupt png data": (lambda: garbled(encoded("PNG", noisy=True)), "c.png", "image/png", 400),
    "corrupt jpeg header": (lambda: garbled(encoded("JPEG")), "c.jpg", "image/jpeg", 400),
    "png signature only": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "s.png", "image/png", 400),
    "over the pixel limit": (lambda: pixel_bomb(7000, 7000), "big.png", "image/png", 413),
    "pillow bomb warning": (lambda: pixel_bomb(10_000, 10_000), "bomb.png", "image/png", 413),
    "pillow bomb error": (lambda: pixel_bomb(50_000, 50_000), "bomb.png", "image/png", 413),
}


def bad_file(case: str) -> tuple[tuple[bytes, str, str], int]:
    make, name, content_type, status = BAD_FILES[case]
    return (make(), name, content_type), status


def fully_decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as picture:
            picture.load()
        return True
    except (OSError, SyntaxError, ValueError, EOFError):
        return False


def passes_the_upload_check(data: bytes) -> bool:
    try:
        check_image(data, 10_000_000, 10_000_000)
        return True
    except DomainError:
        return False


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_without_metadata_passes_the_check_exactly_when_it_fully_decodes(progressive):
    """Such JPEGs are checked at 1/8 scale, which reads all their data as a full decode does:
    every cut and damaged copy of one is accepted or refused as a full decode would."""
    rng = np.random.default_rng(7)
    noise = Image.fromarray(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=85, progressive=progressive)
    data = out.getvalue()
    copies = [data[:cut] for cut in range(4, len(data), len(data) // 40)]
    for position in rng.integers(2, len(data), 60):
        damaged = bytearray(data)
        damaged[position] ^= 1 << int(rng.integers(8))
        copies.append(bytes(damaged))
    verdicts = [(fully_decodes(copy), passes_the_upload_check(copy)) for copy in copies]
    assert all(full == checked for full, checked in verdicts)
    assert 0 < sum(not checked for _, checked in verdicts) < len(copies)  # both kinds occur


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_rejected_and_nothing_is_stored(api, project, image, problem, stored, case):
    file, status = bad_file(case)
    api.add_samples(project, image(color=(9, 9, 9)))  # an earlier good upload must survive
    before = stored()
    problem(api.upload(project, file), status)
    assert stored() == before


@pytest.mark.parametrize("case", BAD_FILES)
def test_one_bad_file_rejects_the_whole_request(api, project, image, problem, stored, case):
    file, status = bad_file(case)
    before = stored()
    response = api.upload(project, image(color=(1, 1, 1)), file, image(color=(2, 2, 2)))
    assert problem(response, status)["detail"].startswith("File 2 ")
    assert stored() == before


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_bomb_is_refused_where_warnings_are_ignored(api, project, problem, stored):
    # Production does not turn warnings into errors as this test suite does.
    before = stored()
    problem(api.upload(project, pixel_bomb(10_000, 10_000)), 413)
    assert stored() == before


def test_file_larger_than_the_upload_limit_is_too_large(make_app, image, problem):
    app = make_app(MAX_UPLOAD_BYTES=1000)
    client = app.test_client()
    project = client.post("/api/projects", json={"title": "T"}).json
    big = encoded("PNG", (40, 40), noisy=True)
    assert len(big) > 1000
    response = client.post(
        f"/api/projects/{project['id']}/samples",
        data={"file": [(io.BytesIO(big), "big.png", "image/png")]},
        headers={"Authorization": f"Bearer {project['owner_token']}"},
    )
    assert "1000 bytes" in problem(response, 413)["detail"]


def test_request_larger_than_the_request_limit_is_too_large(make_app, problem):
    app = make_app(MAX_REQUEST_BYTES=5000)
    client = app.test_client()
    project = client.post("/api/projects", json={"title": "T"}).json
    response = client.post(
        f"/api/projects/{project['id']}/samples",
        data={"file": [(io.BytesIO(encoded("PNG", (60, 60), noisy=True)), "big.png", "image/png")]},
        headers={"Authorization": f"Bearer {project['owner_token']}"},
    )
    problem(response, 413)
    assert not (Path(app.config["DATA_DIR"]) / "blobs").exists()


def test_pixel_limit_is_a_setting(make_app, image, problem):
    app = make_app(MAX_PIXELS=100)
    client = app.test_client()
    project = client.post("/api/projects", json={"title": "T"}).json
    response = client.post(
        f"/api/projects/{project['id']}/samples",
        data={"file": [(io.BytesIO(image(size=(11, 10))), "a.png", "image/png")]},
        headers={"Authorization": f"Bearer {project['owner_token']}"},
    )
    assert "11x10" in problem(response, 413)["detail"]


@pytest.mark.parametrize(
    "form, field",
    [
        ({"source": "camera"}, "source"),
        ({"class_id": "abc"}, "class_id"),
        ({"class_id": "999999"}, "class_id"),
    ],
)
def test_invalid_form_fields_reject_the_upload(api, project, image, problem, stored, form, field):
    before = stored()
    body = problem(api.upload(project, image(), **form), 400)
    assert body["errors"][0]["field"] == field
    assert stored() == before


def test_request_without_files_is_refused(client, api, project, problem):
    response = client.post(
        f"/api/projects/{project['id']}/samples",
        data={"source": "upload"},
        headers=api.auth(project),
        content_type="multipart/form-data",
    )
    assert problem(response, 400)["errors"][0]["field"] == "file"


def test_exif_orientation_is_applied_before_storing(client, api, project, image):
    upload = image("JPEG", size=(40, 20), orientation=6)
    (sample,) = api.add_samples(project, (upload, "phone.jpg", "image/jpeg"))
    assert (sample["width"], sample["height"]) == (20, 40)
    stored = api.image_data(sample)
    assert stored != upload
    assert sample["sha256"] == hashlib.sha256(stored).hexdigest()
    with Image.open(io.BytesIO(stored)) as upright:
        assert upright.size == (20, 40)
        assert upright.getexif().get(0x0112, 1) == 1


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_exif_orientation_is_applied_to_png_and_webp_too(client, api, project, image, fmt):
    (sample,) = api.add_samples(project, image(fmt, size=(40, 20), orientation=8))
    assert (sample["width"], sample["height"]) == (20, 40)
    with Image.open(io.BytesIO(api.image_data(sample))) as upright:
        assert upright.format == fmt
        assert upright.size == (20, 40)


def test_upright_image_keeps_its_size_and_loses_its_exif(client, api, project, image):
    upload = image("JPEG", size=(40, 20), orientation=1)
    (sample,) = api.add_samples(project, upload)
    assert (sample["width"], sample["height"]) == (40, 20)
    with Image.open(io.BytesIO(api.image_data(sample))) as stored:
        assert stored.size == (40, 20) and not stored.getexif()


def test_same_image_twice_gives_the_existing_sample(api, project, image, stored):
    data = image(color=(5, 6, 7))
    (first,) = api.add_samples(project, data)
    second, third = api.add_samples(project, data, (data, "again.png", "image/png"))
    assert first["id"] == second["id"] == third["id"]
    assert api.project(project)["sample_count"] == 1
    assert len(stored()["blob_files"]) == 1


def test_same_image_in_two_projects_shares_one_blob(api, project, image, stored):
    data = image(color=(5, 6, 7))
    (mine,) = api.add_samples(project, data)
    (theirs,) = api.add_samples(api.create_project(), data)
    assert mine["id"] != theirs["id"]
    assert stored()["rows"]["Sample"] == 2
    assert len(stored()["blob_files"]) == 1


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/tmp/evil.png", "..\\..\\boot.ini", "a/../../b.png"]
)
def test_file_names_never_become_paths(tmp_path, app, api, project, image, name):
    (sample,) = api.add_samples(project, (image(), name, "image/png"))
    data_dir = Path(app.config["DATA_DIR"])
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    digest = sample["sha256"]
    assert data_dir / "blobs" / digest[:2] / digest[2:] in files
    assert not any(p.name in ("passwd", "evil.png", "boot.ini", "b.png") for p in files)
    assert not Path("/tmp/evil.png").exists()


def test_failed_blob_write_leaves_no_row_blob_or_temp_file(make_app, image, problem, monkeypatch):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    project = client.post("/api/projects", json={"title": "T"}).json
    auth = {"Authorization": f"Bearer {project['owner_token']}"}
    url = f"/api/projects/{project['id']}/samples"

    def upload(*colors):
        files = [(io.BytesIO(image(color=c)), "x.png", "image/png") for c in colors]
        return client.post(url, data={"file": files}, headers=auth)

    assert upload((1, 1, 1)).status_code == 201
    calls = []

    def replace_twice_then_fail(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("disk full")
        return original_replace(src, dst)

    original_replace = storage.os.replace
    monkeypatch.setattr(storage.os, "replace", replace_twice_then_fail)
    problem(upload((2, 2, 2), (3, 3, 3)), 500)
    monkeypatch.undo()

    blobs = Path(app.config["DATA_DIR"]) / "blobs"
    assert len([p for p in blobs.rglob("*") if p.is_file()]) == 1
    assert client.get(f"/api/projects/{project['id']}", headers=auth).json["sample_count"] == 1


def race_lost(times: int, real):
    """Stand-in for uploads._insert_samples that loses the insert race `times` times first."""
    calls = []

    def insert(*args):
        calls.append(args)
        if len(calls) <= times:
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
        return real(*args)

    return insert


def test_upload_racing_a_twin_upload_reuses_its_sample(api, project, image, monkeypatch):
    monkeypatch.setattr(uploads, "_insert_samples", race_lost(1, uploads._insert_samples))
    (sample,) = api.add_samples(project, image())
    assert api.project(project)["sample_count"] == 1
    assert sample["width"] == 40


def test_upload_losing_the_race_twice_asks_to_try_again(api, project, image, problem, monkeypatch):
    monkeypatch.setattr(uploads, "_insert_samples", race_lost(2, uploads._insert_samples))
    problem(api.upload(project, image()), 409)
