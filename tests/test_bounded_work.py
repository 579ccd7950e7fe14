"""Bounded work per request: every parser that sees a stranger's bytes (JSON bodies, multipart
forms, binary embedding batches, zip entries, picture headers, query strings) refuses an
adversarial input of 10 kB to 1 MB with a 4xx, in time that grows linearly with its size.

Times are compared, never checked against a clock: ten times the input may take at most
LINEAR_SLACK times ten times as long (a quadratic parser takes a hundred times as long; the
JSON pre-scan that restarted at every quote took 0.3 s on 10 kB and 30 s on 100 kB).
"""

import io
import struct
import time
import zipfile
import zlib
from collections.abc import Callable

import pytest

from .conftest import BACKBONE_ID

SIZES = (10_000, 100_000, 1_000_000)
LINEAR_SLACK = 3
REPEATS = 3
# Below this a measurement is the test client's own overhead and the machine's noise, not the
# parser's work: a smaller time counts as this much when it divides a larger one.
RESOLUTION_S = 0.005

Send = Callable[[bytes], object]
# Werkzeug's form parser leaves the in-memory files of the parts it read unclosed when it stops
# at the part limit; the garbage collector closes them.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def app(make_app):
    """The module's app: no rate limit gets in the way of the repeated requests."""
    return make_app(RATE_LIMIT_FAILED_CREDENTIALS="100000/minute", RATE_LIMIT_CREATE="100000/hour")


def v1_body(size: int) -> bytes:
    """An unterminated JSON string of escaped quotes: `"\\"\\"\\"...`."""
    return b'"' + b'\\"' * ((size - 1) // 2)


def brackets_in_escapes(size: int) -> bytes:
    """The V1 body with a bracket after every escaped quote, behind 40 real openings: the
    nesting scan must cut the whole unterminated string out in one pass."""
    return b"[" * 40 + b'"' + b'\\"[' * ((size - 41) // 3)


def deep_nesting(size: int) -> bytes:
    return b"[" * size


def long_escapes(size: int) -> bytes:
    return b'{"text": "' + b"\\u00e9" * ((size - 12) // 6) + b'"}'


def lone_surrogates(size: int) -> bytes:
    return b'{"title": "' + b"\\ud800" * ((size - 13) // 6) + b'"}'


def many_objects(size: int) -> bytes:
    return b'{"title": "x", "classes": [' + b"{}," * (size // 3) + b"{}]}"


def multipart(parts: list[tuple[str, bytes]], boundary: bytes = b"b0undary") -> bytes:
    out = io.BytesIO()
    for name, data in parts:
        out.write(b"--" + boundary + b"\r\n")
        out.write(f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode())
        out.write(b"Content-Type: image/png\r\n\r\n" + data + b"\r\n")
    out.write(b"--" + boundary + b"--\r\n")
    return out.getvalue()


def tiny_parts(size: int) -> bytes:
    one = len(multipart([("x", b"x")])) - len(b"--b0undary--\r\n")
    return multipart([("x", b"x")] * (size // one))


def zip_of_tiny_entries(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        number = 0
        # Each entry: a local header (30 bytes, the name, the byte) and a directory record (46
        # bytes and the name), then the directory's end (22 bytes).
        while out.tell() + (number + 1) * 54 + 22 < size:
            archive.writestr(f"f{number:07}", b"x")
            number += 1
    return out.getvalue()


def zip_with_huge_declared_sizes(size: int) -> bytes:
    """A zip whose central directory claims each entry is 4 GB once uncompressed."""
    data = bytearray(zip_of_tiny_entries(size))
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into("<I", data, start + 24, 0xFFFF_FFF0)
        start += 4
    return bytes(data)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_of_text_chunks(size: int) -> bytes:
    """A PNG header followed by tiny text chunks and no pixels at all."""
    head = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
    chunk = png_chunk(b"tEXt", b"k\0v")
    return head + chunk * ((size - len(head)) // len(chunk))


def jpeg_of_comments(size: int) -> bytes:
    """A JPEG start followed by tiny comment segments and no frame."""
    segment = b"\xff\xfe\x00\x03c"
    return b"\xff\xd8" + segment * ((size - 2) // len(segment))


def webp_of_chunks(size: int) -> bytes:
    """A WebP container of tiny unknown chunks and no image."""
    chunk = b"ABCD" + struct.pack("<I", 2) + b"xy"
    body = b"WEBP" + chunk * ((size - 12) // len(chunk))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def embedding_batch(size: int) -> bytes:
    """A batch whose header is as long as allowed and nested deeper than allowed."""
    header = min(size - 4, 16 * 1024)
    return struct.pack("<I", header) + b"[" * header + b"\0" * (size - 4 - header)


def post_json(client, url: str) -> Send:
    return lambda body: client.post(url, data=body, content_type="application/json")


def post_multipart(client, url: str, headers: dict | None = None) -> Send:
    return lambda body: client.post(
        url,
        data=body,
        headers=headers or {},
        content_type="multipart/form-data; boundary=b0undary",
    )


def upload_one(client, url: str, headers: dict) -> Send:
    """Send the body as the one file of a multipart upload."""
    send = post_multipart(client, url, headers)
    return lambda body: send(multipart([("picture", body)]))


def timed(send: Send, body: bytes) -> float:
    """The quickest of REPEATS answers to `body`, each of which must be a 4xx."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = send(body)
        best = min(best, time.perf_counter() - started)
        assert 400 <= response.status_code < 500, (len(body), response.status_code)
        response.close()
    return best


def assert_linear(send: Send, make_body: Callable[[int], bytes]) -> None:
    times: dict[int, float] = {}
    for size in SIZES:
        times[size] = timed(send, make_body(size))
        if len(times) > 1:
            smaller = SIZES[SIZES.index(size) - 1]
            ratio = times[size] / max(times[smaller], RESOLUTION_S)
            assert ratio < LINEAR_SLACK * size / smaller, times


JSON_CASES = {
    "V1 body to /api/qr": ("/api/qr", v1_body),
    "V1 body to /api/classrooms": ("/api/classrooms", v1_body),
    "V1 body to /api/classrooms/join": ("/api/classrooms/join", v1_body),
    "deep nesting": ("/api/projects", deep_nesting),
    "brackets in escapes": ("/api/projects", brackets_in_escapes),
    "long escapes": ("/api/qr", long_escapes),
    "lone surrogates": ("/api/projects", lone_surrogates),
    "many small objects": ("/api/projects", many_objects),
}


@pytest.mark.parametrize("case", JSON_CASES)
def test_json_bodies_are_refused_in_linear_time(client, case):
    url, make_body = JSON_CASES[case]
    assert_linear(post_json(client, url), make_body)


PICTURE_CASES = {"PNG": png_of_text_chunks, "JPEG": jpeg_of_comments, "WebP": webp_of_chunks}


@pytest.mark.parametrize("case", PICTURE_CASES)
def test_picture_headers_are_refused_in_linear_time(client, api, case):
    project = api.create_project()
    url = f"/api/projects/{project['id']}/samples"
    assert_linear(upload_one(client, url, api.auth(project)), PICTURE_CASES[case])


def test_many_tiny_multipart_parts_are_refused_in_linear_time(client, api):
    project = api.create_project()
    url = f"/api/projects/{project['id']}/samples"
    assert_linear(post_multipart(client, url, api.auth(project)), tiny_parts)


@pytest.mark.parametrize("make_zip", [zip_of_tiny_entries, zip_with_huge_declared_sizes])
def test_adversarial_zips_are_refused_in_linear_time(client, make_zip):
    send = upload_one(client, "/api/projects/import", {})
    assert_linear(send, make_zip)


def test_binary_embedding_batches_are_refused_in_linear_time(client, api):
    project = api.create_project()
    url = f"/api/projects/{project['id']}/embeddings/{BACKBONE_ID}"
    client = client

    def send(body: bytes):
        return client.put(
            url, data=body, headers=api.auth(project), content_type="application/octet-stream"
        )

    assert_linear(send, embedding_batch)


def test_long_query_strings_are_refused_in_linear_time(client, api):
    project = api.create_project()
    client = client

    def send(query: bytes):
        url = f"/api/projects/{project['id']}/embeddings?{query.decode()}"
        return client.get(url, headers=api.auth(project))

    assert_linear(send, lambda size: b"a=1&" * (size // 4))


def test_a_deeply_nested_embedding_batch_header_is_refused(client, api, project, problem):
    header = b"[" * 3000 + b"]" * 3000
    response = client.put(
        f"/api/projects/{project['id']}/embeddings/{BACKBONE_ID}",
        data=struct.pack("<I", len(header)) + header,
        headers=api.auth(project),
        content_type="application/octet-stream",
    )
    assert "deeper" in problem(response, 400)["detail"]
