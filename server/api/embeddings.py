"""Embeddings: the backbone's feature vectors of a sample, computed in the browser, kept here
(one sample's at a time, or many of a project's in one batch) and read back a page at a time
(binary) when a project is reopened."""

import json
import struct

import numpy as np
from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from ..backbone_files import get_backbone
from ..db import db
from ..embeddings import FLOAT32_BYTES, check_finite, store_batch, store_embeddings
from ..errors import FieldInvalid, Invalid, NotFound, TooLarge
from ..jsonlimits import JsonRejected, loads_limited
from ..models import Embedding, Project, Sample
from ..policy import NOT_FOUND, PROJECT, SAMPLE, requires
from .paging import after_cursor, cursor_arg, encode_cursor, size_arg

bp = Blueprint("embeddings", __name__, url_prefix="/api")

# Vector 0 embeds the image as stored; the optional vector 1 embeds its horizontal mirror.
VECTOR_COUNTS = (1, 2)
# A page of a project's embeddings: float32 as stored, or float16 at half the bytes (its
# rounding, under 0.05 %, is smaller than the float16 backbone's own difference from Keras).
DTYPES = {"float32": "<f4", "float16": "<f2"}
MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 500
HEADER_LENGTH_BYTES = 4
# A batch PUT: the studio sends 10-30 pictures' pairs at once (static/js/embeddingSender.js);
# 100 pairs of 1,280-float vectors are 1 MB, and the header of their ids a few KB.
MAX_PER_BATCH = 100
MAX_BATCH_HEADER_BYTES = 16 * 1024
BINARY = "application/octet-stream"


def vector_count(length: int, size: int) -> int:
    """How many vectors `length` bytes hold; 400 unless exactly 1 or 2 vectors of `size` floats."""
    count, rest = divmod(length, size * FLOAT32_BYTES)
    if rest or count not in VECTOR_COUNTS:
        raise Invalid(
            f"Send 1 or 2 vectors of {size} little-endian float32 numbers "
            f"({size * FLOAT32_BYTES} or {2 * size * FLOAT32_BYTES} bytes); got {length} bytes.",
        )
    return count


@bp.put("/samples/<sample_id>/embeddings/<backbone_id>")
@requires("edit_project", SAMPLE)
def put_embedding(sample: Sample, backbone_id: str):
    """Store (or replace) a sample's embedding for a backbone: raw float32 bytes."""
    size = get_backbone(backbone_id)["embedding_size"]
    if request.content_length is not None:
        vector_count(request.content_length, size)  # refuse before reading a wrong-sized body
    data = request.get_data(cache=False)
    count = vector_count(len(data), size)
    check_finite(data)
    if store_embeddings(backbone_id, [(sample.id, data, count)]):
        raise NotFound(NOT_FOUND["sample"])  # deleted since `requires` loaded it
    return "", 204


@bp.put("/projects/<project_id>/embeddings/<backbone_id>")
@requires("edit_project", PROJECT)
def put_embeddings(project: Project, backbone_id: str):
    """Store (or replace) many samples' embeddings for a backbone in one transaction: a body
    like a page of them (embedding_page), float32, its header {ids, counts}."""
    size = get_backbone(backbone_id)["embedding_size"]
    most = HEADER_LENGTH_BYTES + MAX_BATCH_HEADER_BYTES + MAX_PER_BATCH * 2 * size * FLOAT32_BYTES
    if request.content_length is not None and request.content_length > most:
        raise TooLarge(f"Send at most {MAX_PER_BATCH} samples' embeddings ({most} bytes) at once.")
    ids, counts, data = read_batch(request.get_data(cache=False), size)
    check_finite(data)
    store_batch(project, backbone_id, ids, counts, data, size)
    return "", 204


def read_batch(body: bytes, size: int) -> tuple[list[str], list[int], bytes]:
    """(sample ids, vector counts, the float32 bytes) of a batch; 400 unless it is well formed:
    distinct ids, 1 or 2 vectors each, exactly as many numbers as the counts say."""
    if len(body) < HEADER_LENGTH_BYTES:
        raise FieldInvalid("body", "starts with the header's length (uint32, little-endian)")
    (length,) = struct.unpack_from("<I", body)
    if length > min(MAX_BATCH_HEADER_BYTES, len(body) - HEADER_LENGTH_BYTES):
        raise FieldInvalid(
            "body", f"the header's length must be at most {MAX_BATCH_HEADER_BYTES} and the body's"
        )
    try:
        header = loads_limited(
            body[HEADER_LENGTH_BYTES : HEADER_LENGTH_BYTES + length],
            current_app.config["MAX_JSON_DEPTH"],
        )
    except JsonRejected as error:
        raise FieldInvalid(
            "header", f'must be UTF-8 JSON: {{"ids": [...], "counts": [...]}}; it {error}'
        ) from error
    ids = header.get("ids") if isinstance(header, dict) else None
    counts = header.get("counts") if isinstance(header, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise FieldInvalid("ids", "must be a list of sample ids")
    if not 1 <= len(ids) <= MAX_PER_BATCH:
        raise FieldInvalid("ids", f"must name 1 to {MAX_PER_BATCH} samples")
    if len(set(ids)) != len(ids):
        raise FieldInvalid("ids", "must not name a sample twice")
    if (
        not isinstance(counts, list)
        or len(counts) != len(ids)
        or not all(type(c) is int and c in VECTOR_COUNTS for c in counts)
    ):
        raise FieldInvalid(
            "counts", "must give 1 or 2 vectors for each sample, in the order of ids"
        )
    data = body[HEADER_LENGTH_BYTES + length :]
    expected = sum(counts) * size * FLOAT32_BYTES
    if len(data) != expected:
        raise FieldInvalid(
            "body",
            f"after the header, {sum(counts)} vectors of {size} little-endian float32 numbers "
            f"({expected} bytes); got {len(data)} bytes",
        )
    return ids, counts, data


@bp.get("/samples/<sample_id>/embeddings/<backbone_id>")
@requires("read_project", SAMPLE)
def read_embedding(sample: Sample, backbone_id: str):
    """A sample's embedding for a backbone, as the float32 bytes that were stored."""
    get_backbone(backbone_id)
    vectors = db.session.scalar(
        select(Embedding.vectors).where(
            Embedding.sample_id == sample.id, Embedding.backbone_id == backbone_id
        )
    )
    if vectors is None:
        raise NotFound(f"This sample has no embedding for backbone {backbone_id!r}.")
    return Response(vectors, mimetype="application/octet-stream")


@bp.get("/projects/<project_id>/embeddings")
@requires("read_project", PROJECT)
def project_embeddings(project: Project):
    """A page of a project's stored embeddings for one backbone, oldest sample first, binary."""
    backbone_id = request.args.get("backbone")
    if not backbone_id:
        raise FieldInvalid("backbone", "name the backbone: ?backbone=<id>")
    dtype = request.args.get("dtype", "float32")
    if dtype not in DTYPES:
        raise FieldInvalid("dtype", f"must be one of {', '.join(DTYPES)}")
    per_page = size_arg("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    size = get_backbone(backbone_id)["embedding_size"]
    query = (
        select(Sample.public_id, Sample.created, Embedding.vectors, Embedding.count)
        .join(Embedding, Embedding.sample_id == Sample.id)
        .where(Sample.project_id == project.id, Embedding.backbone_id == backbone_id)
    )
    rows = db.session.execute(after_cursor(query, cursor_arg()).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    header = {
        "backbone_id": backbone_id,
        "dim": size,
        "dtype": dtype,
        "ids": [row.public_id for row in rows],
        "counts": [row.count for row in rows],
        "next_cursor": encode_cursor(rows[-1].created, rows[-1].public_id) if more else None,
    }
    vectors = np.frombuffer(b"".join(row.vectors for row in rows), dtype="<f4")
    return Response(embedding_page(header, vectors.astype(DTYPES[dtype])), mimetype=BINARY)


def embedding_page(header: dict, vectors: np.ndarray) -> bytes:
    """The page's bytes: header length (uint32, little-endian), the JSON header padded with
    spaces so the numbers start on an 8-byte boundary, then the numbers."""
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(HEADER_LENGTH_BYTES + len(text)) % 8)
    return struct.pack("<I", len(text)) + text + vectors.tobytes()
