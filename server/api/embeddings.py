"""Embeddings: the backbone's feature vectors of a sample, computed in the browser, kept here."""

import base64

import numpy as np
from flask import Blueprint, Response, request
from sqlalchemy import select

from ..backbone_files import get_backbone
from ..db import db
from ..models import Embedding, Project, Sample
from ..policy import PROJECT, SAMPLE, requires
from ..problems import abort_problem, field_error

bp = Blueprint("embeddings", __name__, url_prefix="/api")

FLOAT32_BYTES = 4
# Vector 0 embeds the image as stored; the optional vector 1 embeds its horizontal mirror.
VECTOR_COUNTS = (1, 2)


def vector_count(length: int, size: int) -> int:
    """How many vectors `length` bytes hold; 400 unless exactly 1 or 2 vectors of `size` floats."""
    count, rest = divmod(length, size * FLOAT32_BYTES)
    if rest or count not in VECTOR_COUNTS:
        abort_problem(
            400,
            f"Send 1 or 2 vectors of {size} little-endian float32 numbers "
            f"({size * FLOAT32_BYTES} or {2 * size * FLOAT32_BYTES} bytes); got {length} bytes.",
        )
    return count


def check_finite(data: bytes) -> None:
    """400 on NaN or infinity, which would poison every model trained on them."""
    if not np.isfinite(np.frombuffer(data, dtype="<f4")).all():
        field_error("body", "embeddings must be finite numbers (no NaN or infinity)")


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
    embedding = db.session.scalar(
        select(Embedding).where(
            Embedding.sample_id == sample.id, Embedding.backbone_id == backbone_id
        )
    )
    if embedding is None:
        embedding = Embedding(sample_id=sample.id, backbone_id=backbone_id)
        db.session.add(embedding)
    embedding.vectors, embedding.count = data, count
    db.session.commit()
    return "", 204


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
        abort_problem(404, f"This sample has no embedding for backbone {backbone_id!r}.")
    return Response(vectors, mimetype="application/octet-stream")


@bp.get("/projects/<project_id>/embeddings")
@requires("read_project", PROJECT)
def project_embeddings(project: Project):
    """Every stored embedding of a project's samples for one backbone, base64 by sample id."""
    backbone_id = request.args.get("backbone")
    if not backbone_id:
        field_error("backbone", "name the backbone: ?backbone=<id>")
    size = get_backbone(backbone_id)["embedding_size"]
    rows = db.session.execute(
        select(Sample.public_id, Embedding.vectors)
        .join(Embedding, Embedding.sample_id == Sample.id)
        .where(Sample.project_id == project.id, Embedding.backbone_id == backbone_id)
    )
    embeddings = {sid: base64.b64encode(vectors).decode("ascii") for sid, vectors in rows}
    return {"backbone_id": backbone_id, "dim": size, "embeddings": embeddings}
