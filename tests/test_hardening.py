"""What a stranger could do to the server before: run it out of CPU, disk or memory, make it fail
with a 500, or read its internals. Each case is refused cheaply, with a problem, and stores
nothing."""

import io
import os
import struct
import threading
import time
import zipfile
import zlib
from pathlib import Path
from urllib.request import urlopen

import pytest
from PIL import Image
from werkzeug.serving import make_server

from server import archive, cleanup, create_app, images, uploads
from server.cleanup import BLOB_GRACE_SECONDS, WORK_GRACE_SECONDS, sweep
from server.finetune.job import QUEUED_RESTART_REASON

from .conftest import Api, queued_job
from .test_archive_api import import_zip, zip_bytes


def flat_png(width: int, height: int) -> bytes:
    """A valid single-colour PNG of any size: tiny on disk, huge once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress((b"\0" + b"\x10\x20\x30" * width) * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.fixture
def decodes(monkeypatch) -> list[int]:
    """Counts the pictures that uploads and imports decode."""
    count = [0]

    def counting_check(*args, **kwargs):
        count[0] += 1
        return images.check_image(*args, **kwargs)

    monkeypatch.setattr(uploads, "check_image", counting_check)
    monkeypatch.setattr(archive, "check_image", counting_check)
    return count


@pytest.fixture
def pixel_loads(monkeypatch) -> list[int]:
    """Counts pixel decoding by Pillow, wherever it happens."""
    count = [0]
    real = Image.Image.load

    def counting_load(self, *args, **kwargs):
        count[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "load", counting_load)
    return count


def test_a_picture_sent_fifty_times_is_decoded_once(api, project, image, decodes):
    picture = image(size=(300, 200), color=(9, 99, 199))
    before = decodes[0]
    samples = api.add_samples(project, *[picture] * 50)
    assert len({sample["id"] for sample in samples}) == 1
    assert decodes[0] - before == 1
    # Sent again later: the project has it already, so it is not decoded at all.
    api.add_samples(project, picture)
    assert decodes[0] - before == 1


def test_a_zip_of_identical_pictures_decodes_one(client, decodes):
    before = decodes[0]
    files = {f"Red/{n}.png": flat_png(64, 64) for n in range(300)}
    response = import_zip(client, zip_bytes(files))
    assert response.status_code == 201, response.json
    assert response.json["imported"]["samples"] == 1
    assert response.json["imported"]["skipped_count"] == 299
    assert decodes[0] - before == 1


def test_a_huge_picture_is_refused_from_its_header_without_decoding(
    api, project, problem, stored, pixel_loads
):
    state = stored()
    body = problem(api.upload(project, flat_png(6300, 6300)), 413)
    assert "6300x6300" in body["detail"]
    assert pixel_loads[0] == 0 and stored() == state


def test_a_twelve_megapixel_phone_photo_fits_the_default_limit(app):
    assert 4032 * 3024 <= app.config["MAX_PIXELS"] < 40_000_000


def test_a_corrupt_picture_error_names_no_python_object(api, project, problem):
    body = problem(api.upload(project, b"\x89PNG\r\n\x1a\n" + b"\0" * 40), 400)
    assert "object at 0x" not in body["detail"] and "BytesIO" not in body["detail"]


@pytest.mark.parametrize("nesting", ["[" * 100_000, '{"a":' * 100_000])
def test_deeply_nested_json_is_refused(client, problem, nesting):
    response = client.post("/api/projects", data=nesting, content_type="application/json")
    assert "deeper" in problem(response, 400)["detail"]


def test_a_project_has_at_most_a_hundred_classes(client, api, problem):
    names = [f"class {n}" for n in range(101)]
    assert "at most 100" in problem(client.post("/api/projects", json={
        "title": "Too many", "classes": names}), 400)["detail"]  # fmt: skip
    project = api.create_project(classes=names[:100])
    response = client.post(f"/api/projects/{project['id']}/classes", json={"name": "one more"},
                           headers=api.auth(project))  # fmt: skip
    problem(response, 409)


def snapclass_zip(description: str, files: dict[str, bytes] | None = None) -> bytes:
    # Deflated, so even a large project.json makes a small request: the test client spools a
    # request body over 500 kB to a temporary file that it never closes.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", description)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("samples", ["5", "true", '"x"', "{}"])
def test_a_project_file_with_a_strange_samples_field_still_imports(client, image, samples):
    description = '{"format": "snapclass-project", "title": "T", "samples": ' + samples + "}"
    response = import_zip(client, snapclass_zip(description, {"A/1.png": image()}))
    assert response.status_code == 201, response.json


def test_a_deeply_nested_project_file_is_refused(client, image, problem, stored):
    state = stored()
    nested = '{"format": "snapclass-project", "classes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = import_zip(client, snapclass_zip(nested, {"A/1.png": image()}))
    assert "deeper" in problem(response, 400)["detail"]
    assert stored() == state


def test_a_project_file_with_thirty_thousand_classes_is_refused_quickly(client, problem):
    classes = ",".join(f'{{"name": "c{n}", "folder": "c{n}"}}' for n in range(30_000))
    description = '{"format": "snapclass-project", "classes": [' + classes + "]}"
    started = time.monotonic()
    response = import_zip(client, snapclass_zip(description))
    assert "more than 100 classes" in problem(response, 400)["detail"]
    assert time.monotonic() - started < 5  # it was 11.6 s: the names were compared pairwise


def test_a_zip_whose_names_claim_utf8_but_are_not_is_refused(client, image, problem, stored):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("A/ok.png", image())
    data = bytearray(out.getvalue())
    # Flag bit 11 (names are UTF-8) on every entry, then a name byte that is not UTF-8.
    for signature, flag_offset, name_offset in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = data.find(signature)
        flags = struct.unpack_from("<H", data, at + flag_offset)[0] | 0x800
        struct.pack_into("<H", data, at + flag_offset, flags)
        data[at + name_offset + 2] = 0xFF
    state = stored()
    problem(import_zip(client, bytes(data)), 400)
    assert stored() == state


def test_project_creation_is_limited_per_address(make_app, problem):
    client = make_app(RATE_LIMIT_CREATE="3/hour").test_client()
    for _ in range(3):
        assert client.post("/api/projects", json={"title": "T"}).status_code == 201
    response = client.post("/api/projects", json={"title": "T"})
    problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert import_zip(client, b"not even a zip").status_code == 429


def test_a_project_keeps_a_bounded_number_of_versions(make_app, problem):
    api = Api(make_app(MAX_MODEL_VERSIONS=2).test_client())
    project = api.create_project()
    api.save_model(project)
    api.save_model(project)
    from .conftest import BACKBONE_ID, serialized_head

    labels = [{"class_id": c["id"], "name": c["name"]} for c in api.project(project)["classes"]]
    response = api.client.post(f"/api/projects/{project['id']}/models", headers=api.auth(project),
                               json={"head": serialized_head(8, 2), "labels": labels,
                                     "backbone_id": BACKBONE_ID})  # fmt: skip
    assert "at most 2" in problem(response, 409)["detail"]


def test_api_and_error_pages_carry_the_security_headers(client, project):
    for url in ("/api/projects/nope", "/no-such-page", "/api/backbones", "/"):
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        if response.mimetype == "text/html":
            assert "default-src" in response.headers["Content-Security-Policy"], url
    not_allowed = client.put("/")
    assert not_allowed.status_code == 405
    assert "default-src 'none'" in not_allowed.headers["Content-Security-Policy"]


def test_the_server_header_names_no_versions(app):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    with urlopen(f"http://127.0.0.1:{server.server_port}/api/backbones") as response:
        value = response.headers["Server"]
    thread.join(10)
    server.server_close()
    assert value == "snapclass"


def test_the_secret_key_is_made_once_and_kept(tmp_path, backbone_dir, migrated_database):
    import shutil

    data = tmp_path / "kept"
    data.mkdir()
    shutil.copy(migrated_database, data / "snapclass.sqlite3")
    settings = {"TESTING": True, "DATA_DIR": str(data), "BACKBONE_DIR": str(backbone_dir)}
    first, second = create_app(settings), create_app(settings)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (data / "secret_key").stat().st_mode & 0o077 == 0
    api = Api(first.test_client())
    project = api.create_project()
    (sample,) = api.add_samples(project, flat_png(8, 8))
    # A picture URL signed before a restart still opens after it.
    with second.test_client().get(sample["image_url"]) as response:
        assert response.status_code == 200


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweep_removes_what_a_crash_left_and_nothing_else(app, api, project, image):
    (sample,) = api.add_samples(project, image())
    blobs = Path(app.config["DATA_DIR"]) / "blobs"
    kept = blobs / sample["sha256"][:2] / sample["sha256"][2:]
    orphan = blobs / "ab" / ("c" * 62)
    fresh_orphan = blobs / "ab" / ("d" * 62)
    half_written = blobs / "ab" / ".tmp-x1y2"
    fresh_temp = blobs / "ab" / ".tmp-now"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    for path in (orphan, fresh_orphan, half_written, fresh_temp):
        path.write_bytes(b"left by a crash")
    for path in (kept, orphan, half_written):
        age(path, BLOB_GRACE_SECONDS + 60)
    work = Path(app.config["DATA_DIR"]) / "work"
    stale, busy = work / "snapclass-export-old", work / "snapclass-export-now"
    stale.mkdir(parents=True)
    busy.mkdir()
    age(stale, WORK_GRACE_SECONDS + 60)
    with app.app_context():
        report = sweep()
    assert (report.temporary_files, report.orphan_blobs, report.work_folders) == (1, 1, 1)
    assert kept.exists() and fresh_orphan.exists() and fresh_temp.exists() and busy.exists()
    assert not orphan.exists() and not half_written.exists() and not stale.exists()


def test_the_sweep_keeps_an_old_blob_that_an_upload_named_after_it_read_the_references(
    app, api, project, image, monkeypatch
):
    (sample,) = api.add_samples(project, image())
    blob = Path(app.config["DATA_DIR"]) / "blobs" / sample["sha256"][:2] / sample["sha256"][2:]
    age(blob, BLOB_GRACE_SECONDS + 60)
    # As if the upload's row were committed just after the sweep read the references.
    monkeypatch.setattr(cleanup, "referenced_blobs", set)
    with app.app_context():
        assert sweep().orphan_blobs == 0
    assert blob.exists()


def test_the_sweep_runs_from_the_command_line(app, runner):
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "removed 0 temporary files" in result.output


def test_a_job_only_queued_at_a_restart_fails_with_a_true_reason(make_app, api, project):
    job_id = queued_job(api.client.application, project["id"])
    again = make_app(DATA_DIR=api.client.application.config["DATA_DIR"])
    body = Api(again.test_client()).get(project, f"/api/jobs/{job_id}").json
    assert body["state"] == "failed" and body["error"] == QUEUED_RESTART_REASON


def test_the_fine_tuning_queue_is_bounded(make_app, problem, monkeypatch):
    app = make_app(FINETUNE_QUEUE_MAX=1)
    api = Api(app.test_client())
    project = api.create_project()
    queued_job(app, api.create_project()["id"])
    from server.finetune import start

    monkeypatch.setattr(start, "trainability_problems", lambda *args: [])
    monkeypatch.setattr(start, "class_counts", lambda project: [])
    response = api.client.post(f"/api/projects/{project['id']}/finetune", json={},
                               headers=api.auth(project))  # fmt: skip
    problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0
