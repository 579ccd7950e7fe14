"""Blobs in an S3-compatible object store, tested against moto's server mode: a local S3 API
over real HTTP that boto3 talks to exactly as it would to MinIO or Amazon S3."""

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import boto3
import numpy as np
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from server.db import db
from server.finetune.dataset import load_labelled
from server.models import Project
from server.object_store import S3BlobStore
from tests.test_serve import free_port

BUCKET = "snapclass-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield BUCKET
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def object_keys(endpoint: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_blobs_are_objects_named_by_their_sha256_under_the_prefix(s3_endpoint, bucket):
    store = S3BlobStore(f"s3://{bucket}/class-7b", s3_endpoint)
    sha256 = store.put(b"a picture")
    assert sha256 == hashlib.sha256(b"a picture").hexdigest()
    assert store.put(b"a picture") == sha256
    assert object_keys(s3_endpoint) == [f"class-7b/{sha256[:2]}/{sha256[2:]}"]
    assert store.exists(sha256) and store.read(sha256) == b"a picture"
    assert store.sendable(sha256).read() == b"a picture"
    store.delete(sha256)
    assert not store.exists(sha256)
    with pytest.raises(FileNotFoundError):
        store.read(sha256)
    with pytest.raises(ValueError):
        store.key("../../etc/passwd")


@pytest.mark.parametrize("url", ["s3://", "https://bucket/x", "bucket/prefix"])
def test_a_store_url_must_name_a_bucket(url):
    with pytest.raises(ValueError):
        S3BlobStore(url)


@pytest.fixture
def s3_app(make_app, s3_endpoint, bucket):
    return make_app(BLOB_STORE=f"s3://{bucket}/pictures", S3_ENDPOINT_URL=s3_endpoint)


def test_pictures_go_to_the_object_store_and_back(s3_app, s3_endpoint, image):
    client = s3_app.test_client()
    project = client.post("/api/projects", json={"title": "S3", "classes": ["A"]}).json
    auth = {"Authorization": f"Bearer {project['owner_token']}"}
    picture = image(color=(10, 200, 30))
    response = client.post(
        f"/api/projects/{project['id']}/samples",
        data={"file": [(io.BytesIO(picture), "p.png", "image/png")]},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    (sample,) = response.json["samples"]
    sha256 = hashlib.sha256(picture).hexdigest()
    assert object_keys(s3_endpoint) == [f"pictures/{sha256[:2]}/{sha256[2:]}"]
    assert not list((Path(s3_app.config["DATA_DIR"]) / "blobs").rglob("*"))
    with client.get(sample["image_url"]) as answer:
        assert answer.status_code == 200 and answer.data == picture
        assert sha256 not in answer.headers["ETag"]
    assert client.delete(f"/api/projects/{project['id']}", headers=auth).status_code == 204
    assert object_keys(s3_endpoint) == []


def test_fine_tuning_reads_its_pictures_from_the_object_store(s3_app, image):
    """What a Celery worker does with the same settings: load the project's labelled pictures."""
    client = s3_app.test_client()
    project = client.post("/api/projects", json={"title": "S3", "classes": ["A", "B"]}).json
    auth = {"Authorization": f"Bearer {project['owner_token']}"}
    colours = {"A": (250, 0, 0), "B": (0, 0, 250)}
    for cls in project["classes"]:
        response = client.post(
            f"/api/projects/{project['id']}/samples",
            data={
                "file": [(io.BytesIO(image(color=colours[cls["name"]])), "p.png", "")],
                "class_id": str(cls["id"]),
            },
            headers=auth,
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.json
    with s3_app.app_context():
        row = db.session.scalar(select(Project).where(Project.public_id == project["id"]))
        labelled = load_labelled(row, 16)
    assert labelled.images.shape == (2, 16, 16, 3)
    red, blue = labelled.images[list(labelled.labels).index(0)], labelled.images[1]
    assert np.abs(red.mean(axis=(0, 1)) - [250, 0, 0]).max() < 3
    assert np.abs(blue.mean(axis=(0, 1)) - [0, 0, 250]).max() < 3
