"""Model versions: save a trained head, list, publish, delete; exports' links and snippets."""

from pathlib import Path

import pytest

from .conftest import BACKBONE_ID, EMBEDDING_SIZE, concurrently, serialized_head

XSS = "<img src=x onerror=alert(1)>"


def blob_files(app) -> set[str]:
    blobs = Path(app.config["DATA_DIR"]) / "blobs"
    return {p.name for p in blobs.rglob("*") if p.is_file()}


def test_student_saves_versions_and_the_first_is_published(api, project, client):
    first = api.save_model(project, settings={"epochs": 40}, metrics={"valAccuracy": 0.9})
    second = api.save_model(project)
    assert (first["number"], second["number"]) == (1, 2)
    assert first["published"] and not second["published"]
    assert first["tier"] == "browser" and first["backbone_id"] == BACKBONE_ID
    assert first["labels"] == [{"class_id": c["id"], "name": c["name"]} for c in project["classes"]]
    assert first["settings"] == {"epochs": 40} and first["metrics"] == {"valAccuracy": 0.9}
    listing = api.get(project, f"/api/projects/{project['id']}/models").json["models"]
    assert [m["number"] for m in listing] == [2, 1]
    assert "owner_token" not in str(listing)


def test_a_reopened_project_reads_back_its_saved_head(api, project, client):
    head = serialized_head(EMBEDDING_SIZE, len(project["classes"]))
    version = api.save_model(project, head=head)
    url = f"/api/models/{version['id']}/files/head.json"
    with client.get(url, headers=api.auth(project)) as response:
        assert response.status_code == 200 and response.json == head
        assert response.headers["Cache-Control"] == "private, no-cache"
    assert client.get(url).status_code == 401
    assert client.get(f"/api/models/{version['id']}/files/model.json").status_code in (401, 404)


def test_publishing_moves_the_published_flag(api, project, client):
    first, second = api.save_model(project), api.save_model(project)
    response = client.post(f"/api/models/{second['id']}/publish", headers=api.auth(project))
    assert response.status_code == 200 and response.json["published"]
    listing = api.get(project, f"/api/projects/{project['id']}/models").json["models"]
    assert {m["id"]: m["published"] for m in listing} == {first["id"]: False, second["id"]: True}


def labels_of(project):
    return [{"class_id": c["id"], "name": c["name"]} for c in project["classes"]]


def head_with(**changes):
    head = serialized_head(EMBEDDING_SIZE, 2)
    layer_changes = changes.pop("layer", {})
    head.update(changes)
    head["layers"][0].update(layer_changes)
    return head


@pytest.mark.parametrize(
    ("field", "head", "labels"),
    [
        ("head", head_with(numClasses=3), None),
        ("head", head_with(inputDim=16), None),
        ("head", head_with(format="keras"), None),
        ("head", head_with(layer={"kernel": "not base64!"}), None),
        ("head", head_with(layer={"kernel": "AAAA"}), None),
        ("head", head_with(layer={"bias": "AADAfwAAwH8="}), None),  # NaN
        ("head", head_with(layer={"activation": "relu"}), None),
        ("head", head_with(preprocess="magic"), None),
        ("head", "a string", None),
        ("labels", None, "one"),
        ("labels", None, "duplicate"),
        ("labels", None, "foreign"),
    ],
)
def test_a_head_must_fit_its_labels_and_backbone(
    api, project, client, problem, field, head, labels
):
    good = labels_of(project)
    chosen = {
        None: good,
        "one": good[:1],
        "duplicate": [good[0], good[0]],
        "foreign": [good[0], {"class_id": 99999, "name": "Pear"}],
    }[labels]
    body = {"head": head or serialized_head(EMBEDDING_SIZE, len(chosen)), "labels": chosen,
            "backbone_id": BACKBONE_ID}  # fmt: skip
    response = client.post(f"/api/projects/{project['id']}/models", json=body,
                           headers=api.auth(project))  # fmt: skip
    assert problem(response, 400)["errors"][0]["field"] == field


def test_a_two_layer_head_is_accepted(api, project):
    head = serialized_head(EMBEDDING_SIZE, 2, preprocess="none", hidden=5)
    head["layers"][1]["bias"] = None  # Teachable Machine's output layer has no bias
    assert api.save_model(project, head=head)["number"] == 1


def test_an_unknown_backbone_is_refused(api, project, client, problem):
    body = {"head": serialized_head(EMBEDDING_SIZE, 2), "labels": labels_of(project),
            "backbone_id": "../../etc"}  # fmt: skip
    response = client.post(f"/api/projects/{project['id']}/models", json=body,
                           headers=api.auth(project))  # fmt: skip
    assert problem(response, 400)["errors"][0]["field"] == "backbone_id"


def test_a_version_is_read_by_its_owner_or_through_its_share_link(api, project, client, problem):
    model = api.save_model(project)
    problem(client.get(f"/api/models/{model['id']}"), 401)
    assert client.get(f"/api/models/{model['id']}", headers=api.auth(project)).status_code == 200
    link = api.share(project, model)
    shared = client.get(f"/api/models/{model['id']}?share={link['token']}")
    assert shared.status_code == 200
    assert all(link["token"] in e["url"] for e in shared.json["exports"])
    # A link holder sees what the model says, not the project's class ids or training settings.
    assert shared.json["labels"] == [{"name": c["name"]} for c in project["classes"]]
    assert "settings" not in shared.json
    other = api.save_model(project)
    problem(client.get(f"/api/models/{other['id']}?share={link['token']}"), 403)


def test_deleting_a_version_deletes_its_files_and_pinned_links(app, api, project, client):
    before = blob_files(app)
    model = api.save_model(project)
    link = api.share(project, model)
    assert len(blob_files(app) - before) == 1  # the head
    response = client.delete(f"/api/models/{model['id']}", headers=api.auth(project))
    assert response.status_code == 204
    assert blob_files(app) == before
    assert client.get(f"/s/{link['token']}/model.json").status_code == 404


def test_deleting_a_project_deletes_its_models_files(app, api, project, client):
    api.save_model(project)
    assert blob_files(app)
    assert client.delete(f"/api/projects/{project['id']}", headers=api.auth(project)).status_code
    assert blob_files(app) == set()


def test_each_export_has_a_snippet_where_class_names_stay_text(api, client):
    project = api.create_project(classes=[XSS, "Plain </script> & friends"])
    model = api.save_model(project)
    formats = {e["format"] for e in model["exports"]}
    assert formats == {"tfjs", "keras", "tflite", "tflite-int8", "savedmodel"}
    for export in model["exports"]:
        assert export["url"] == f"/api/models/{model['id']}/export?format={export['format']}"
        assert export["filename"].startswith("fruit-v1")
        snippet = export["snippet"]
        assert "<img src=x" not in snippet and "</script> &" not in snippet
        if export["format"] != "tfjs":  # the TF.js page reads its labels from metadata.json
            assert "\\u003cimg src=x onerror=alert(1)\\u003e" in snippet


def test_one_version_stays_published_when_publishes_race(app, api, project):
    versions = [api.save_model(project) for _ in range(6)]
    headers = api.auth(project)

    def publish(version):
        return lambda client: client.post(f"/api/models/{version['id']}/publish", headers=headers)

    responses = concurrently(app, [publish(version) for version in versions])
    assert {r.status_code for r in responses} <= {200, 409}
    assert any(r.status_code == 200 for r in responses)
    listing = api.client.get(f"/api/projects/{project['id']}/models", headers=headers).json
    published = [m["id"] for m in listing["models"] if m["published"]]
    assert len(published) == 1
