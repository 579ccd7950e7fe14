"""Embeddings: the page computes a sample's vectors once and keeps them on the server."""

import json
import math
import struct

import numpy as np
import pytest
from sqlalchemy import delete

from server import embeddings
from server.api import embeddings as embeddings_api
from server.db import db
from server.models import Sample


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


def read_page(response) -> tuple[dict, dict[str, np.ndarray]]:
    """A page of a project's embeddings: its JSON header, and each sample's numbers by id."""
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/octet-stream"
    data = response.data
    (length,) = struct.unpack_from("<I", data)
    assert (4 + length) % 8 == 0
    header = json.loads(data[4 : 4 + length])
    numbers = np.frombuffer(
        data[4 + length :], dtype={"float32": "<f4", "float16": "<f2"}[header["dtype"]]
    )
    by_id, start = {}, 0
    for sample_id, count in zip(header["ids"], header["counts"], strict=True):
        by_id[sample_id] = numbers[start : start + count * header["dim"]]
        start += count * header["dim"]
    assert start == len(numbers)
    return header, by_id


def as_floats(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


@pytest.fixture
def embedded(api, project, image, backbone, put, add_backbone) -> list[tuple[dict, bytes]]:
    """Four samples, oldest first, three with this backbone's embedding (one or two vectors),
    one with another backbone's only."""
    add_backbone("bbbbbbbbbbbbbbbb", embedding_size=4)
    size = backbone.embedding_size
    samples = [api.add_samples(project, image(color=(n, n, n)))[0] for n in range(4)]
    stored = [vectors(1, size), vectors(2, size, 1.0), None, vectors(2, size, -3.0)]
    for sample, data in zip(samples, stored, strict=True):
        if data is None:
            put(sample, floats(1, 2, 3, 4), "bbbbbbbbbbbbbbbb")
        else:
            put(sample, data)
    return [(s, d) for s, d in zip(samples, stored, strict=True) if d is not None]


def embeddings_url(project: dict, backbone_id: str, query: str = "") -> str:
    return f"/api/projects/{project['id']}/embeddings?backbone={backbone_id}{query}"


def test_project_embeddings_come_back_a_page_at_a_time_in_binary(api, project, backbone, embedded):
    first = api.get(project, embeddings_url(project, backbone.id, "&per_page=2"))
    header, page = read_page(first)
    assert (header["backbone_id"], header["dim"], header["dtype"]) == (
        backbone.id,
        backbone.embedding_size,
        "float32",
    )
    assert header["ids"] == [s["id"] for s, _ in embedded[:2]]
    assert header["counts"] == [1, 2]
    assert header["next_cursor"]
    after = f"&per_page=2&after={header['next_cursor']}"
    header2, page2 = read_page(api.get(project, embeddings_url(project, backbone.id, after)))
    assert header2["ids"] == [embedded[2][0]["id"]]
    assert header2["next_cursor"] is None
    for sample, data in embedded:
        assert np.array_equal({**page, **page2}[sample["id"]], as_floats(data))


def test_one_page_holds_every_embedding_of_a_small_project(api, project, backbone, embedded):
    header, page = read_page(api.get(project, embeddings_url(project, backbone.id)))
    assert header["ids"] == [s["id"] for s, _ in embedded]
    assert header["next_cursor"] is None


def test_project_embeddings_in_float16_are_half_the_bytes_and_rounded(
    api, project, backbone, embedded
):
    whole = api.get(project, embeddings_url(project, backbone.id))
    half = api.get(project, embeddings_url(project, backbone.id, "&dtype=float16"))
    header, page = read_page(half)
    assert header["dtype"] == "float16"
    for sample, data in embedded:
        assert np.array_equal(page[sample["id"]], as_floats(data).astype(np.float16))
    numbers = len(whole.data) - 4 - struct.unpack_from("<I", whole.data)[0]
    assert len(half.data) - 4 - struct.unpack_from("<I", half.data)[0] == numbers // 2


def test_a_picture_deleted_while_paging_skips_no_other(client, api, project, backbone, embedded):
    header, _ = read_page(api.get(project, embeddings_url(project, backbone.id, "&per_page=1")))
    gone = embedded[0][0]["id"]
    client.delete(f"/api/projects/{project['id']}/samples/{gone}", headers=api.auth(project))
    rest = f"&per_page=1&after={header['next_cursor']}"
    header2, _ = read_page(api.get(project, embeddings_url(project, backbone.id, rest)))
    assert header2["ids"] == [embedded[1][0]["id"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("&per_page=0", "per_page"),
        ("&per_page=1001", "per_page"),
        ("&per_page=x", "per_page"),
        ("&dtype=float64", "dtype"),
        ("&after=", "after"),
        ("&after=bm90IGEgY3Vyc29y", "after"),
        ("&after=%%%", "after"),
    ],
)
def test_invalid_embedding_page_query_is_refused(api, project, backbone, problem, query, field):
    body = problem(api.get(project, embeddings_url(project, backbone.id, query)), 400)
    assert body["errors"][0]["field"] == field


@pytest.fixture
def deleted_before_write(monkeypatch):
    """deleted_before_write(*samples): the next embeddings write first deletes these samples'
    rows through a connection of its own and commits, as another request deleting them between
    the route's check and its write would."""

    def arrange(*samples: dict) -> None:
        write = embeddings_api.store_embeddings

        def delete_then_write(backbone_id: str, rows: list) -> list[int]:
            gone = [sample["id"] for sample in samples]
            with db.engine.begin() as connection:
                connection.execute(delete(Sample).where(Sample.public_id.in_(gone)))
            return write(backbone_id, rows)

        # The one sample's route calls it, and so does a batch's store (server/embeddings.py).
        monkeypatch.setattr(embeddings_api, "store_embeddings", delete_then_write)
        monkeypatch.setattr(embeddings, "store_embeddings", delete_then_write)

    return arrange


def test_a_sample_deleted_while_its_embedding_is_stored_is_not_found(
    backbone, sample, put, problem, stored, deleted_before_write
):
    before = stored()
    deleted_before_write(sample)
    assert problem(put(sample, vectors(1, backbone.embedding_size)), 404)["detail"] == (
        "No sample with this id."
    )
    rows = stored()["rows"]
    assert rows == {**before["rows"], "Sample": before["rows"]["Sample"] - 1}


def test_embeddings_go_with_their_sample(client, api, project, backbone, sample, put, stored):
    put(sample, vectors(1, backbone.embedding_size))
    client.delete(
        f"/api/projects/{project['id']}/samples/{sample['id']}", headers=api.auth(project)
    )
    assert stored()["rows"]["Embedding"] == 0


@pytest.mark.parametrize("query, status", [("", 400), ("?backbone=", 400), ("?backbone=nope", 404)])
def test_project_embeddings_need_a_known_backbone(api, project, problem, query, status):
    problem(api.get(project, f"/api/projects/{project['id']}/embeddings{query}"), status)


def batch(entries: list[tuple[str, bytes]], size: int, header: dict | None = None) -> bytes:
    """A batch PUT's body: the page layout, its header {ids, counts} (or `header` as given)."""
    header = header or {
        "ids": [sample_id for sample_id, _ in entries],
        "counts": [len(data) // (4 * size) for _, data in entries],
    }
    text = json.dumps(header).encode()
    text += b" " * (-(4 + len(text)) % 8)
    return struct.pack("<I", len(text)) + text + b"".join(data for _, data in entries)


def batch_url(project: dict, backbone_id: str) -> str:
    return f"/api/projects/{project['id']}/embeddings/{backbone_id}"


@pytest.fixture
def three(api, project, image) -> list[dict]:
    return [api.add_samples(project, image(color=(n, 0, 0)))[0] for n in range(3)]


def test_many_samples_embeddings_are_stored_in_one_request(
    client, api, project, backbone, three, put, stored
):
    size = backbone.embedding_size
    put(three[0], vectors(2, size, start=-9.0))  # replaced by the batch
    sent = [vectors(1, size), vectors(2, size, 1.0), vectors(2, size, 2.0)]
    body = batch([(s["id"], d) for s, d in zip(three, sent, strict=True)], size)
    response = client.put(batch_url(project, backbone.id), data=body, headers=api.auth(project))
    assert response.status_code == 204, response.data
    for sample, data in zip(three, sent, strict=True):
        assert api.get(project, embedding_url(sample, backbone.id)).data == data
    assert stored()["rows"]["Embedding"] == 3
    _, page = read_page(api.get(project, embeddings_url(project, backbone.id)))
    assert {i: d.tobytes() for i, d in page.items()} == {
        s["id"]: d for s, d in zip(three, sent, strict=True)
    }


BAD_BATCHES = {
    # name: (make(ids, size) -> body, status, the field named in the 400's errors)
    "no header length": (lambda ids, size: b"\0\0", 400, "body"),
    "header longer than body": (lambda ids, size: struct.pack("<I", 99) + b"{}", 400, "body"),
    "header not json": (lambda ids, size: struct.pack("<I", 4) + b"nope", 400, "header"),
    "no ids": (lambda ids, size: batch([], size, {"counts": []}), 400, "ids"),
    "empty": (lambda ids, size: batch([], size), 400, "ids"),
    "id twice": (lambda ids, size: batch([(ids[0], vectors(1, size))] * 2, size), 400, "ids"),
    "101 samples": (
        lambda ids, size: batch([(f"s{n}", vectors(1, size)) for n in range(101)], size),
        400,
        "ids",
    ),
    "three vectors": (lambda ids, size: batch([(ids[0], vectors(3, size))], size), 400, "counts"),
    "counts missing one": (
        lambda ids, size: batch([], size, {"ids": ids[:2], "counts": [1]}) + vectors(1, size),
        400,
        "counts",
    ),
    "one float short": (
        lambda ids, size: batch([(ids[0], vectors(1, size))], size)[:-4],
        400,
        "body",
    ),
    "nan": (
        lambda ids, size: batch(
            [(ids[0], vectors(1, size)), (ids[1], floats(math.nan, *[0.0] * (size - 1)))], size
        ),
        400,
        "body",
    ),
}


@pytest.mark.parametrize("name", BAD_BATCHES)
def test_a_malformed_batch_stores_nothing(
    client, api, project, backbone, three, problem, stored, name
):
    make, status, field = BAD_BATCHES[name]
    before = stored()
    body = make([s["id"] for s in three], backbone.embedding_size)
    response = client.put(batch_url(project, backbone.id), data=body, headers=api.auth(project))
    assert problem(response, status)["errors"][0]["field"] == field
    assert stored() == before


def test_a_batch_naming_another_projects_sample_stores_none_of_it(
    client, api, project, backbone, three, image, problem, stored
):
    other = api.create_project(title="Someone else's")
    (theirs,) = api.add_samples(other, image(color=(9, 9, 9)))
    size = backbone.embedding_size
    before = stored()
    entries = [(three[0]["id"], vectors(1, size)), (theirs["id"], vectors(1, size))]
    entries.append(("no-such-sample", vectors(2, size)))
    response = client.put(
        batch_url(project, backbone.id), data=batch(entries, size), headers=api.auth(project)
    )
    assert problem(response, 404)["missing_ids"] == [theirs["id"], "no-such-sample"]
    assert stored() == before


def test_a_sample_deleted_while_a_batch_is_stored_stores_none_of_it(
    client, api, project, backbone, three, put, problem, stored, deleted_before_write
):
    size = backbone.embedding_size
    put(three[0], vectors(1, size, start=-9.0))
    before = stored()["rows"]
    deleted_before_write(three[1])
    entries = [(sample["id"], vectors(2, size, start=n)) for n, sample in enumerate(three)]
    response = client.put(
        batch_url(project, backbone.id), data=batch(entries, size), headers=api.auth(project)
    )
    assert problem(response, 404)["missing_ids"] == [three[1]["id"]]
    assert stored()["rows"] == {**before, "Sample": before["Sample"] - 1}
    assert api.get(project, embedding_url(three[0], backbone.id)).data == vectors(1, size, -9.0)
    problem(api.get(project, embedding_url(three[2], backbone.id)), 404)


def test_a_batch_bigger_than_100_pairs_is_refused_unread(
    client, api, project, backbone, problem, stored
):
    size = backbone.embedding_size
    most = 4 + 16 * 1024 + 100 * 2 * size * 4
    before = stored()
    response = client.put(
        batch_url(project, backbone.id), data=b"\0" * (most + 1), headers=api.auth(project)
    )
    problem(response, 413)
    assert stored() == before


def test_a_batch_for_an_unknown_backbone_is_not_found(client, api, project, three, problem):
    body = batch([(three[0]["id"], floats(1, 2, 3, 4))], 4)
    response = client.put(
        batch_url(project, "feedfacefeedface"), data=body, headers=api.auth(project)
    )
    problem(response, 404)
