"""Projects: a teacher starts one, the studio reads it, renames it, deletes it."""

import pytest


def test_teacher_creates_project_and_gets_owner_token_once(client, api):
    response = client.post(
        "/api/projects", json={"title": "  Fruit  ", "classes": ["Apple", "Pear"]}
    )
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/projects/{body['id']}"
    assert body["title"] == "Fruit"
    assert len(body["owner_token"]) >= 40
    assert [(c["name"], c["position"], c["sample_count"]) for c in body["classes"]] == [
        ("Apple", 0, 0),
        ("Pear", 1, 0),
    ]
    assert body["created"].endswith("Z")
    again = api.get(body, f"/api/projects/{body['id']}")
    assert again.status_code == 200
    assert "owner_token" not in again.json
    assert {k: v for k, v in body.items() if k != "owner_token"} == again.json


def test_project_without_classes_starts_empty(api):
    project = api.create_project(classes=())
    assert project["classes"] == []
    assert project["sample_count"] == project["unlabelled_count"] == 0


def test_owner_token_is_stored_only_as_a_hash(app, project):
    from server.db import db
    from server.models import Project

    with app.app_context():
        stored = db.session.scalars(db.select(Project)).one()
        assert project["owner_token"] not in stored.owner_token_sha256
        assert len(stored.owner_token_sha256) == 64


def test_each_project_gets_its_own_unguessable_id_and_token(api):
    first, second = api.create_project(), api.create_project()
    assert first["id"] != second["id"]
    assert first["owner_token"] != second["owner_token"]
    assert len(first["id"]) >= 20


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "classes": "Apple"}, "classes"),
        ({"title": "ok", "classes": ["Apple", "Apple"]}, "classes"),
        ({"title": "ok", "classes": ["x" * 81]}, "classes"),
        ({"title": "ok", "classes": [3]}, "classes"),
    ],
)
def test_invalid_new_project_is_refused_with_the_field_named(client, problem, body, field):
    body = problem(client.post("/api/projects", json=body), 400)
    assert body["errors"][0]["field"] == field


def test_owner_renames_project(client, api, project):
    response = client.patch(
        f"/api/projects/{project['id']}", json={"title": "Fruit salad"}, headers=api.auth(project)
    )
    assert response.status_code == 200
    assert response.json["title"] == "Fruit salad"
    assert api.project(project)["title"] == "Fruit salad"


def test_project_counts_samples_per_class_and_unlabelled(api, project, image):
    apple, banana = (c["id"] for c in project["classes"])
    api.add_samples(project, image(color=(1, 1, 1)), image(color=(2, 2, 2)), class_id=apple)
    api.add_samples(project, image(color=(3, 3, 3)))
    body = api.project(project)
    assert [c["sample_count"] for c in body["classes"]] == [2, 0]
    assert body["unlabelled_count"] == 1
    assert body["sample_count"] == 3


def test_deleting_project_removes_its_rows_and_blobs(app, client, api, project, image, stored):
    api.add_samples(project, image(color=(1, 2, 3)), image(color=(4, 5, 6)))
    other = api.create_project(title="Other")
    api.add_samples(other, image(color=(7, 8, 9)))
    assert len(stored()["blob_files"]) == 3

    response = client.delete(f"/api/projects/{project['id']}", headers=api.auth(project))
    assert response.status_code == 204
    assert api.get(project, f"/api/projects/{project['id']}").status_code == 404
    state = stored()
    assert state["rows"] == {"Project": 1, "ProjectClass": 2, "Sample": 1, "Embedding": 0}
    assert len(state["blob_files"]) == 1
    assert api.project(other)["sample_count"] == 1


def test_unknown_project_is_not_found(client, problem):
    problem(client.get("/api/projects/no-such-project"), 404)


def test_project_keeps_the_backbone_it_was_made_with_until_its_owner_chooses_another(
    client, api, project, backbone, add_backbone
):
    # EfficientNet-Lite0 arrives after the project was made: the project stays on its network,
    # and only projects made from now on start on the new default.
    add_backbone("e" * 16, architecture="EfficientNet-Lite0", created="2025-01-01T00:00:00Z")
    assert api.project(project)["backbone_id"] == backbone.id
    other = api.create_project()
    assert other["backbone_id"] == "e" * 16
    response = client.patch(
        f"/api/projects/{project['id']}", json={"backbone_id": "e" * 16}, headers=api.auth(project)
    )
    assert response.status_code == 200
    assert response.json["backbone_id"] == "e" * 16
    assert api.project(project)["backbone_id"] == "e" * 16
    assert api.project(project)["title"] == project["title"]


def test_a_new_project_starts_on_efficientnet_lite0_and_faster_is_one_patch_away(
    client, api, add_backbone
):
    add_backbone("a" * 16, architecture="MobileNetV2", created="2027-01-01T00:00:00Z")
    add_backbone("b" * 16, architecture="EfficientNet-Lite0", created="2026-01-01T00:00:00Z")
    made = api.create_project()
    assert made["backbone_id"] == "b" * 16
    response = client.patch(
        f"/api/projects/{made['id']}", json={"backbone_id": "a" * 16}, headers=api.auth(made)
    )
    assert response.json["backbone_id"] == "a" * 16
    assert api.project(made)["backbone_id"] == "a" * 16


def test_a_chosen_backbone_the_server_no_longer_has_gives_way_to_the_default(
    client, api, project, backbone, add_backbone
):
    folder = add_backbone("e" * 16, created="2025-01-01T00:00:00Z")
    client.patch(
        f"/api/projects/{project['id']}", json={"backbone_id": "e" * 16}, headers=api.auth(project)
    )
    (folder / "metadata.json").unlink()
    assert api.project(project)["backbone_id"] == backbone.id


@pytest.mark.parametrize("choice", ["ffffffffffffffff", "../backbones", 5, None, "random"])
def test_only_a_backbone_the_server_offers_can_be_chosen(
    client, api, problem, project, add_backbone, choice
):
    add_backbone("random", weights_source="random")
    response = client.patch(
        f"/api/projects/{project['id']}",
        json={"title": "Renamed", "backbone_id": choice},
        headers=api.auth(project),
    )
    assert problem(response, 400)["errors"][0]["field"] == "backbone_id"
    assert api.project(project)["title"] == project["title"]
