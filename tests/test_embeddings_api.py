"""Embeddings: the page computes a sample's vectors once and keeps them on the server."""

import base64
import math
import struct

import pytest


def floats(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def vectors(count: int, size: int, start: float = 0.0) -> bytes:
    """`count` little-endian float32 vectors of `size` numbers."""
    return floats(*(start + i / 8 for i in range(count * size)))


def embedding_url(sample: dict, backbone_id: str) -> str:
    return f"/api/samples/{sample['id']}/embeddings/{backbone_id}"


@pytest.fixture
def sample(api, project, image) -> dict:
    (sample,) = api.add_samples(project, image())
    return sample


@pytest.fixture
def put(client, api, project, backbone):
    """put(sample, data, backbone_id=the fake backbone) -> response."""

    def put(sample: dict, data: bytes, backbone_id: str = backbone.id):
        return client.put(embedding_url(sample, backbone_id), data=data, headers=api.auth(project))

    return put


@pytest.mark.parametrize("count", [1, 2])
def test_page_stores_and_reads_back_a_samples_embedding(api, project, backbone, sample, put, count):
    data = vectors(count, backbone.embedding_size)
    assert put(sample, data).status_code == 204
    stored = api.get(project, embedding_url(sample, backbone.id))
    assert stored.status_code == 200
    assert stored.mimetype == "application/octet-stream"
    assert stored.data == data


def test_storing_again_replaces_the_embedding(api, project, backbone, sample, put, stored):
    size = backbone.embedding_size
    put(sample, vectors(2, size))
    put(sample, vectors(1, size, start=5.0))
    assert api.get(project, embedding_url(sample, backbone.id)).data == vectors(1, size, start=5.0)
    assert stored()["rows"]["Embedding"] == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda size: b"",
        lambda size: b"\0",
        lambda size: vectors(1, size)[:-4],
        lambda size: vectors(1, size) + b"\0\0\0\0",
        lambda size: vectors(3, size),
        lambda size: floats(math.nan, *[0.0] * (size - 1)),
        lambda size: floats(0.0, -math.inf, *[0.0] * (2 * size - 2)),
    ],
    ids=["empty", "one byte", "one float short", "one float long", "three vectors", "nan", "inf"],
)
def test_embedding_of_wrong_length_or_not_finite_is_refused(
    backbone, sample, put, problem, stored, make
):
    before = stored()
    problem(put(sample, make(backbone.embedding_size)), 400)
    assert stored() == before


def test_embedding_for_unknown_backbone_is_not_found(api, project, backbone, sample, put, problem):
    data = vectors(1, backbone.embedding_size)
    for backbone_id in ("feedfacefeedface", "..", "a.b"):
        problem(put(sample, data, backbone_id), 404)
    problem(api.get(project, embedding_url(sample, "feedfacefeedface")), 404)


def test_missing_embedding_is_not_found(api, project, backbone, sample, problem):
    problem(api.get(project, embedding_url(sample, backbone.id)), 404)


def test_backbone_with_random_weights_takes_no_embeddings(sample, put, add_backbone, problem):
    add_backbone("00000000deadbeef", weights_source="random", embedding_size=4)
    problem(put(sample, floats(1, 2, 3, 4), "00000000deadbeef"), 404)


def test_project_embeddings_come_back_together_by_sample(
    api, project, image, backbone, put, add_backbone
):
    add_backbone("bbbbbbbbbbbbbbbb", embedding_size=4)
    first, second, third = api.add_samples(
        project, image(color=(1, 1, 1)), image(color=(2, 2, 2)), image(color=(3, 3, 3))
    )
    size = backbone.embedding_size
    put(first, vectors(1, size))
    put(second, vectors(2, size, 1.0))
    put(third, floats(1, 2, 3, 4), "bbbbbbbbbbbbbbbb")

    url = f"/api/projects/{project['id']}/embeddings?backbone={backbone.id}"
    body = api.get(project, url).json
    assert body["backbone_id"] == backbone.id
    assert body["dim"] == size
    decoded = {sid: base64.b64decode(b64) for sid, b64 in body["embeddings"].items()}
    assert decoded == {first["id"]: vectors(1, size), second["id"]: vectors(2, size, 1.0)}


def test_embeddings_go_with_their_sample(client, api, project, backbone, sample, put, stored):
    put(sample, vectors(1, backbone.embedding_size))
    client.delete(
        f"/api/projects/{project['id']}/samples/{sample['id']}", headers=api.auth(project)
    )
    assert stored()["rows"]["Embedding"] == 0


@pytest.mark.parametrize("query, status", [("", 400), ("?backbone=", 400), ("?backbone=nope", 404)])
def test_project_embeddings_need_a_known_backbone(api, project, problem, query, status):
    problem(api.get(project, f"/api/projects/{project['id']}/embeddings{query}"), status)
