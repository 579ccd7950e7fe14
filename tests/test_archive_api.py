"""Project files: a project as a zip of class folders, and a new project from any such zip."""

import io
import json
import zipfile

import pytest


def archive_of(api, project) -> bytes:
    url = f"/api/projects/{project['id']}/archive"
    with api.client.get(url, headers=api.auth(project)) as response:  # closes the streamed file
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert response.headers["Content-Disposition"].startswith("attachment")
        return response.data


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def import_zip(client, data: bytes, name: str = "project.zip"):
    return client.post(
        "/api/projects/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def pictures_by_class(api, project: dict) -> dict[str | None, list[bytes]]:
    """Each class's name (None: unlabelled) -> its pictures' bytes, in upload order."""
    names = {c["id"]: c["name"] for c in api.project(project)["classes"]}
    listing = api.get(project, f"/api/projects/{project['id']}/samples?per_page=500").json
    found: dict[str | None, list[bytes]] = {}
    for sample in listing["samples"]:
        found.setdefault(names.get(sample["class_id"]), []).append(api.image_data(sample))
    return found


def test_a_ten_class_project_comes_back_identical_from_its_zip(api, client, image):
    names = [f"Class {n}" for n in range(1, 9)] + ["<img src=x onerror=alert(1)>", "a/../b"]
    project = api.create_project(title="Ten", classes=names)
    formats = ["PNG", "JPEG", "WEBP"]
    for index, cls in enumerate(project["classes"]):
        files = [image(formats[(index + k) % 3], color=(index * 20, k * 60, 7)) for k in range(2)]
        api.add_samples(project, *files, class_id=cls["id"])
    api.add_samples(project, image(color=(1, 2, 3)))  # one unlabelled picture
    data = archive_of(api, project)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        description = json.loads(archive.read("project.json"))
        entries = archive.namelist()
    assert [c["name"] for c in description["classes"]] == names
    assert all(".." not in name.split("/") and not name.startswith("/") for name in entries)

    response = import_zip(client, data)
    assert response.status_code == 201, response.json
    copy = response.json
    assert copy["title"] == "Ten" and copy["owner_token"] != project["owner_token"]
    assert [c["name"] for c in copy["classes"]] == names
    assert copy["imported"] == {"classes": 10, "samples": 21, "skipped": [], "skipped_count": 0}
    assert pictures_by_class(api, copy) == pictures_by_class(api, project)


def test_a_projects_chosen_backbone_comes_back_from_its_zip_where_the_server_has_it(
    api, client, image, backbone, add_backbone
):
    add_backbone("e" * 16, created="2025-01-01T00:00:00Z")
    project = api.create_project()
    client.patch(
        f"/api/projects/{project['id']}", json={"backbone_id": "e" * 16}, headers=api.auth(project)
    )
    api.add_samples(project, image())
    data = archive_of(api, project)
    assert import_zip(client, data).json["backbone_id"] == "e" * 16
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        description = json.loads(archive.read("project.json"))
    elsewhere = io.BytesIO()
    with zipfile.ZipFile(elsewhere, "w") as archive:
        archive.writestr("project.json", json.dumps({**description, "backbone_id": "f" * 16}))
        for sample in description["samples"]:
            archive.writestr(sample["path"], zipfile.ZipFile(io.BytesIO(data)).read(sample["path"]))
    assert import_zip(client, elsewhere.getvalue()).json["backbone_id"] == backbone.id


def test_any_zip_of_class_folders_becomes_a_project(client, image, api):
    data = zip_bytes(
        {
            "pets/cat/1.png": image(color=(200, 0, 0)),
            "pets/cat/2.jpg": image("JPEG", color=(190, 0, 0)),
            "pets/dog/a.webp": image("WEBP", color=(0, 0, 200)),
            "pets/dog/notes.txt": b"good dogs",
            "pets/dog/copy.png": image(color=(200, 0, 0)),
            "pets/.DS_Store": b"\0\0",
            "__MACOSX/pets/cat/._1.png": b"resource fork",
        }
    )
    response = import_zip(client, data, "animals.zip")
    assert response.status_code == 201, response.json
    project = response.json
    assert project["title"] == "pets"
    assert [(c["name"], c["sample_count"]) for c in project["classes"]] == [("cat", 2), ("dog", 1)]
    skipped = {s["file"]: s["reason"] for s in project["imported"]["skipped"]}
    assert set(skipped) == {"dog/notes.txt", "dog/copy.png"}
    assert "not a JPEG, PNG or WebP" in skipped["dog/notes.txt"]
    assert "same picture as cat/1.png" in skipped["dog/copy.png"]
    owner = {"Authorization": f"Bearer {project['owner_token']}"}
    assert client.post(f"/api/projects/{project['id']}/classes", json={"name": "bird"},
                       headers=owner).status_code == 201  # fmt: skip


@pytest.mark.parametrize(
    "name", ["../evil/1.png", "/etc/cron.d/x.png", "cats/../../x.png", "C:/Windows/x.png"]
)
def test_a_zip_whose_names_climb_out_is_refused(client, image, problem, stored, name):
    before = stored()
    data = zip_bytes({"cats/1.png": image(), name: image(color=(0, 9, 9))})
    assert "outside" in problem(import_zip(client, data), 400)["detail"]
    assert stored() == before


def test_zip_bombs_are_refused_before_decompressing(make_app, image, problem):
    app = make_app(MAX_IMPORT_BYTES=100_000, MAX_IMPORT_FILES=5)
    client = app.test_client()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cats/1.png", b"\0" * 1_000_000)  # 1 MB of zeros: about 1 KB zipped
    assert len(bomb.getvalue()) < 5000
    assert "uncompressed" in problem(import_zip(client, bomb.getvalue()), 413)["detail"]
    many = zip_bytes({f"cats/{n}.png": image(color=(n, 0, 0)) for n in range(6)})
    assert "entries" in problem(import_zip(client, many), 413)["detail"]


def test_a_zip_without_pictures_or_a_non_zip_is_refused(client, problem, stored):
    before = stored()
    problem(import_zip(client, zip_bytes({"readme.txt": b"hello"})), 400)
    problem(import_zip(client, b"PK\x03\x04 truncated"), 415)
    assert stored() == before


def test_an_import_that_fails_midway_leaves_nothing(client, image, stored, monkeypatch):
    from server import storage

    before = stored()
    calls = []

    def replace_once_then_fail(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(src, dst)

    original = storage.os.replace
    monkeypatch.setattr(storage.os, "replace", replace_once_then_fail)
    data = zip_bytes({"a/1.png": image(color=(1, 1, 1)), "b/2.png": image(color=(2, 2, 2))})
    with pytest.raises(OSError):
        import_zip(client, data)
    assert stored() == before
