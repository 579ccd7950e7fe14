"""Teachable Machine project files (.tm) in and out: POST /api/projects/import takes one as it
takes a project zip, and GET /api/projects/<id>/archive?format=tm writes one."""

import io
import json
import zipfile

import numpy as np
from PIL import Image

from .conftest import Api
from .test_archive_api import import_zip, pictures_by_class

# Class names in four scripts, as a student might name them in Teachable Machine.
CLASS_NAMES = ["Кошка", "犬", "قطة", "Ελέφαντας"]
MANIFEST = {
    "type": "image",
    "version": "2.4.10",
    "appdata": {"publishResults": {}, "trainEpochs": 50, "trainBatchSize": 16,
                "trainLearningRate": 0.001},
}  # fmt: skip


def photo(seed: int, size=(224, 224)) -> bytes:
    """A JPEG like Teachable Machine's own samples: 224 x 224, different for every seed."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).resize(size).save(out, format="JPEG", quality=90)
    return out.getvalue()


def teachable_file(pictures: dict[str, list[bytes]], manifest=MANIFEST) -> bytes:
    """A .tm as Teachable Machine writes it: <class>-!-<n>.jpg from 0 in each class, classes in
    turn, then manifest.json, all at the zip's top (names in UTF-8)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, files in pictures.items():
            for number, data in enumerate(files):
                archive.writestr(f"{name}-!-{number}.jpg", data)
        if manifest is not None:
            archive.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


def decoded(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB")).tobytes()


def test_a_teachable_machine_project_imports_with_every_picture_in_its_class(api, client):
    pictures = {name: [photo(10 * i + n) for n in range(3 + i)] for i, name in
                enumerate(CLASS_NAMES)}  # fmt: skip
    response = import_zip(client, teachable_file(pictures), "My animals.tm")
    assert response.status_code == 201, response.json
    project = response.json
    assert project["title"] == "My animals"
    assert [c["name"] for c in project["classes"]] == CLASS_NAMES
    assert project["imported"] == {"classes": 4, "samples": 18, "skipped": [], "skipped_count": 0}
    found = pictures_by_class(api, project)
    assert set(found) == set(CLASS_NAMES)  # nothing unlabelled
    for name, files in pictures.items():
        assert [decoded(data) for data in found[name]] == [decoded(data) for data in files]


def test_pictures_are_ordered_by_their_number_not_by_the_zips_order(api, client):
    first, second, third = photo(1), photo(2), photo(3)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", json.dumps(MANIFEST))
        for number, data in ((2, third), (0, first), (1, second)):
            archive.writestr(f"Class 1-!-{number}.jpg", data)
        archive.writestr("Class 2-!-0.jpg", photo(4))
    response = import_zip(client, out.getvalue(), "project.tm")
    assert response.status_code == 201, response.json
    found = pictures_by_class(api, response.json)
    assert [decoded(d) for d in found["Class 1"]] == [decoded(d) for d in (first, second, third)]


def test_a_project_exported_as_tm_comes_back_identical(api, client, image):
    project = api.create_project(title="Round trip", classes=["Кошка", "犬", "a/b"])
    for index, cls in enumerate(project["classes"]):
        api.add_samples(project, *[photo(100 * index + n) for n in range(3)], class_id=cls["id"])
    url = f"/api/projects/{project['id']}/archive?format=tm"
    with client.get(url, headers=api.auth(project)) as response:
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert response.headers["Content-Disposition"] == "attachment; filename=round-trip.tm"
        data = response.data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    # Laid out as Teachable Machine writes it; a slash in a class name would make a folder.
    assert names == [f"{c}-!-{n}.jpg" for c in ("Кошка", "犬", "a_b") for n in range(3)] + [
        "manifest.json"
    ]
    assert manifest["type"] == "image" and manifest["version"].startswith("2.4.")
    assert isinstance(manifest["appdata"], dict)

    response = import_zip(client, data, "round-trip.tm")
    assert response.status_code == 201, response.json
    copy = response.json
    assert [c["name"] for c in copy["classes"]] == ["Кошка", "犬", "a_b"]
    original, returned = pictures_by_class(api, project), pictures_by_class(api, copy)
    original["a_b"] = original.pop("a/b")
    assert {k: [decoded(d) for d in v] for k, v in returned.items()} == {
        k: [decoded(d) for d in v] for k, v in original.items()
    }


def test_png_pictures_go_into_a_tm_as_jpeg(api, client, image):
    project = api.create_project(title="Mixed", classes=["One", "Two"])
    api.add_samples(
        project, image("PNG", color=(10, 200, 30)), class_id=project["classes"][0]["id"]
    )
    api.add_samples(project, image("PNG", color=(1, 2, 3)))  # unlabelled: no place in a .tm
    with client.get(f"/api/projects/{project['id']}/archive?format=tm",
                    headers=api.auth(project)) as response:  # fmt: skip
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["One-!-0.jpg", "manifest.json"]
    with Image.open(io.BytesIO(archive.read("One-!-0.jpg"))) as picture:
        assert picture.format == "JPEG"
        assert np.abs(np.asarray(picture, float) - (10, 200, 30)).max() <= 3


def test_bad_tm_files_are_refused_and_nothing_is_stored(client, problem, stored):
    before = stored()
    pictures = {"Cat": [photo(1)]}
    pose = {**MANIFEST, "type": "pose"}
    detail = problem(import_zip(client, teachable_file(pictures, pose), "poses.tm"), 400)["detail"]
    assert "pose" in detail
    problem(import_zip(client, teachable_file(pictures, manifest=None), "project.tm"), 400)
    problem(import_zip(client, teachable_file({}, MANIFEST), "empty.tm"), 400)
    problem(import_zip(client, b"PK\x03\x04 truncated", "broken.tm"), 415)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", "{not json")
        archive.writestr("Cat-!-0.jpg", photo(2))
    problem(import_zip(client, out.getvalue(), "project.tm"), 400)
    climbing = teachable_file({"../../Cat": [photo(3)]})
    problem(import_zip(client, climbing, "project.tm"), 400)
    assert stored() == before


def test_files_of_a_tm_that_are_not_its_pictures_are_listed_as_skipped(client):
    buffer = io.BytesIO(teachable_file({"Cat": [photo(1), b"not a picture"]}))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("notes.txt", b"hello")
    response = import_zip(client, buffer.getvalue(), "project.tm")
    assert response.status_code == 201, response.json
    imported = response.json["imported"]
    assert imported["samples"] == 1 and imported["skipped_count"] == 2, imported
    assert {s["file"] for s in imported["skipped"]} == {"Cat-!-1.jpg", "notes.txt"}


def test_a_classroom_student_starts_a_project_from_a_tm(api, client):
    classroom = api.start_classroom()
    student = api.join(classroom, "Sam")
    data = teachable_file({"Кошка": [photo(1)], "犬": [photo(2)]})
    response = client.post(
        "/api/projects/import",
        data={"file": (io.BytesIO(data), "animals.tm")},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {student['student_token']}"},
    )
    assert response.status_code == 201, response.json
    assert "owner_token" not in response.json
    home = client.get(
        "/api/student", headers={"Authorization": f"Bearer {student['student_token']}"}
    )
    assert [p["title"] for p in home.json["student"]["projects"]] == ["animals"]
    as_student = {"owner_token": student["student_token"], **response.json}
    assert set(pictures_by_class(Api(client), as_student)) == {"Кошка", "犬"}
