"""Backbones: the page learns which feature extractor to load, and loads its files once."""

import json

import pytest


def test_page_lists_backbones_with_model_url_and_metadata(client, backbone):
    body = client.get("/api/backbones").json
    assert body["default"] == backbone.id
    (listed,) = body["backbones"]
    assert listed["id"] == backbone.id
    assert listed["model_url"] == f"/backbones/{backbone.id}/model.json"
    assert listed["metadata"]["embedding_size"] == backbone.embedding_size


def test_each_backbone_says_how_many_bytes_its_weights_download(client, add_backbone):
    folder = add_backbone("aaaaaaaaaaaaaaaa")
    (folder / "group1-shard2of2.bin").write_bytes(b"\0" * 5)
    manifest = [{"paths": ["group1-shard1of1.bin", "group1-shard2of2.bin"], "weights": []}]
    (folder / "model.json").write_text(json.dumps({"weightsManifest": manifest}))
    listed = {b["id"]: b for b in client.get("/api/backbones").json["backbones"]}
    assert listed["aaaaaaaaaaaaaaaa"]["download_bytes"] == 16 + 5


def test_newest_backbone_is_the_default(client, backbone, add_backbone):
    add_backbone("ffffffffffffffff", created="2025-01-01T00:00:00Z")
    add_backbone("1111111111111111", created="2027-01-01T00:00:00Z")
    body = client.get("/api/backbones").json
    assert body["default"] == "1111111111111111"
    assert [b["id"] for b in body["backbones"]] == sorted(
        ["ffffffffffffffff", "1111111111111111", backbone.id]
    )


def test_efficientnet_lite0_is_the_default_beside_a_newer_mobilenet(client, add_backbone):
    add_backbone("aaaaaaaaaaaaaaaa", architecture="MobileNetV2", created="2027-01-01T00:00:00Z")
    add_backbone(
        "bbbbbbbbbbbbbbbb", architecture="EfficientNet-Lite0", created="2026-06-01T00:00:00Z"
    )
    body = client.get("/api/backbones").json
    assert body["default"] == "bbbbbbbbbbbbbbbb"
    listed = {b["id"]: b["metadata"].get("architecture") for b in body["backbones"]}
    assert listed["bbbbbbbbbbbbbbbb"] == "EfficientNet-Lite0"


def test_the_studio_offers_the_newest_export_of_each_architecture_by_its_kind(
    client, backbone, add_backbone
):
    add_backbone("aaaaaaaaaaaaaaaa", architecture="MobileNetV2", created="2026-06-01T00:00:00Z")
    add_backbone("cccccccccccccccc", architecture="MobileNetV2", created="2026-01-01T00:00:00Z")
    add_backbone(
        "bbbbbbbbbbbbbbbb", architecture="EfficientNet-Lite0", created="2027-01-01T00:00:00Z"
    )
    add_backbone("dddddddddddddddd", architecture="ResNet50", created="2027-02-01T00:00:00Z")
    listed = {b["id"]: b["kind"] for b in client.get("/api/backbones").json["backbones"]}
    assert listed == {
        backbone.id: None,  # the fixture's backbone names no architecture
        "aaaaaaaaaaaaaaaa": "faster",
        "cccccccccccccccc": None,
        "bbbbbbbbbbbbbbbb": "moreAccurate",
        "dddddddddddddddd": None,
    }


def test_broken_or_random_weight_backbones_are_not_offered(
    client, backbone, add_backbone, backbone_dir
):
    add_backbone("2222222222222222", weights_source="random")
    add_backbone("3333333333333333", embedding_size="big")
    (backbone_dir / "4444444444444444").mkdir()
    (backbone_dir / "5555555555555555").mkdir()
    (backbone_dir / "5555555555555555" / "metadata.json").write_text("{not json")
    (backbone_dir / "README.txt").write_text("not a backbone")
    assert [b["id"] for b in client.get("/api/backbones").json["backbones"]] == [backbone.id]


def test_no_backbones_yet(make_app, tmp_path):
    client = make_app(BACKBONE_DIR=str(tmp_path / "missing")).test_client()
    assert client.get("/api/backbones").json == {"default": None, "backbones": []}


def test_backbone_files_are_served_and_cached_for_good(client, backbone):
    with client.get(f"/backbones/{backbone.id}/model.json") as response:
        assert response.status_code == 200
        assert json.loads(response.data) == {"format": "graph-model"}
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 31536000
    with client.get(f"/backbones/{backbone.id}/group1-shard1of1.bin") as response:
        assert response.data == b"\0" * 16


@pytest.mark.parametrize(
    "path",
    [
        "/backbones/{id}/../../secret.txt",
        "/backbones/{id}/%2e%2e/%2e%2e/secret.txt",
        "/backbones/{id}/..%2f..%2fsecret.txt",
        "/backbones/../secret.txt",
        "/backbones/..%2f/secret.txt",
        "/backbones/{id}//etc/passwd",
        "/backbones/{id}/nope.json",
        "/backbones/feedfacefeedface/model.json",
    ],
)
def test_backbone_files_cannot_reach_outside_their_folder(client, backbone, tmp_path, path):
    (tmp_path / "secret.txt").write_text("secret")
    path = path.format(id=backbone.id)
    # Werkzeug redirects doubled slashes to single ones; follow it to the final answer.
    with client.get(path, follow_redirects=True) as response:
        assert response.status_code == 404
        assert b"secret" not in response.data


def test_random_weight_backbone_files_are_not_served(client, add_backbone):
    add_backbone("2222222222222222", weights_source="random")
    assert client.get("/backbones/2222222222222222/model.json").status_code == 404
