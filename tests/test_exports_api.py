"""Exports and share files of fine-tuned (server-tier) versions, whose model files are stored."""

import hashlib
import io
import json
import zipfile

import pytest

from server.db import db
from server.models import ModelVersion, Project
from server.storage import blob_store

KERAS_FILE = b"PK fake .keras file of a whole classifier"
GRAPH = {"format": "graph-model", "weightsManifest": [{"paths": ["group1-shard1of1.bin"]}]}
SHARD = b"\0\1\2\3"


@pytest.fixture
def fine_tuned(app, api, project) -> dict:
    """A server-tier version, as the fine-tuning job stores one: a .keras file and TF.js files."""
    with app.app_context():
        store = blob_store()
        row = db.session.scalar(db.select(Project).where(Project.public_id == project["id"]))
        version = ModelVersion(
            project_id=row.id,
            number=1,
            tier="server",
            backbone_id="0123456789abcdef",
            labels=[{"class_id": c["id"], "name": c["name"]} for c in project["classes"]],
            artifacts={
                "keras": store.put(KERAS_FILE),
                "tfjs/model.json": store.put(json.dumps(GRAPH).encode()),
                "tfjs/group1-shard1of1.bin": store.put(SHARD),
            },
            published=True,
        )
        db.session.add(version)
        db.session.commit()
        return {"id": version.public_id}


def test_a_fine_tuned_versions_keras_file_is_served_as_stored(api, project, fine_tuned, client):
    url = f"/api/models/{fine_tuned['id']}/export?format=keras"
    with client.get(url, headers=api.auth(project)) as response:
        assert response.status_code == 200 and response.data == KERAS_FILE
        assert response.headers["Content-Disposition"] == "attachment; filename=fruit-v1.keras"
        assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_fine_tuned_versions_tfjs_zip_holds_its_files_and_metadata(
    api, project, fine_tuned, client
):
    url = f"/api/models/{fine_tuned['id']}/export?format=tfjs"
    with client.get(url, headers=api.auth(project)) as response:
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["group1-shard1of1.bin", "metadata.json", "model.json"]
    assert archive.read("group1-shard1of1.bin") == SHARD
    metadata = json.loads(archive.read("metadata.json"))
    assert metadata["labels"] == ["Apple", "Banana"] and metadata["tier"] == "server"
    assert metadata["input"]["range"] == [0, 255] and metadata["image_size"] == 32


def test_the_share_page_runs_a_fine_tuned_version_from_its_graph_model(
    api, project, fine_tuned, client
):
    token = api.share(project, fine_tuned, follow_published=True)["token"]
    description = client.get(f"/s/{token}/model.json").json
    assert description["graph_model_url"] == f"/s/{token}/tfjs/model.json"
    assert "head" not in description
    graph = client.get(f"/s/{token}/tfjs/model.json")
    assert graph.json == GRAPH and graph.headers["Cache-Control"] == "no-cache"
    shard = client.get(f"/s/{token}/tfjs/group1-shard1of1.bin")
    assert shard.data == SHARD
    assert shard.headers["ETag"].strip('"') == hashlib.sha256(SHARD).hexdigest()
    again = client.get(
        f"/s/{token}/tfjs/group1-shard1of1.bin", headers={"If-None-Match": shard.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get(f"/s/{token}/tfjs/../../model.json").status_code == 404


def test_an_export_that_cannot_be_rebuilt_faithfully_is_refused(api, project, client, problem):
    # The fake backbone's weights came from a local file that cannot be found again.
    model = api.save_model(project)
    url = f"/api/models/{model['id']}/export?format=keras"
    assert (
        "cannot be exported" in problem(client.get(url, headers=api.auth(project)), 409)["detail"]
    )
