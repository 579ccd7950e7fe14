"""Embeddings: a backbone's feature vectors of a sample, computed in the browser and kept here
so a reopened project need not compute them again. Storing them is an upsert, one sample's or a
batch's at a time, all or nothing (server/api/embeddings.py parses the bytes)."""

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from .db import db
from .errors import FieldInvalid, NotFound
from .models import Embedding, Project, Sample

FLOAT32_BYTES = 4


def check_finite(data: bytes) -> None:
    """FieldInvalid on NaN or infinity, which would poison every model trained on them."""
    if not np.isfinite(np.frombuffer(data, dtype="<f4")).all():
        raise FieldInvalid("body", "embeddings must be finite numbers (no NaN or infinity)")


def store_embeddings(backbone_id: str, rows: list[tuple[int, bytes, int]]) -> list[int]:
    """Insert or replace each (sample row id, vectors, count) for the backbone, and commit;
    return the row ids of the samples that were gone, with nothing stored, or [] once stored.

    One upsert: two requests storing the same sample's embedding at once both succeed (the
    later one's is kept) instead of the second failing on the unique constraint. A sample
    deleted by another request after the caller found it fails the foreign key; then the whole
    upsert is rolled back, so a batch is stored entirely or not at all.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Embedding)
    statement = statement.on_conflict_do_update(
        index_elements=[Embedding.sample_id, Embedding.backbone_id],
        set_={"vectors": statement.excluded.vectors, "count": statement.excluded.count},
    )
    values = [
        {"sample_id": sample_id, "backbone_id": backbone_id, "vectors": data, "count": count}
        for sample_id, data, count in rows
    ]
    try:
        db.session.execute(statement, values)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        wanted = [sample_id for sample_id, _, _ in rows]
        there = set(db.session.scalars(select(Sample.id).where(Sample.id.in_(wanted))))
        gone = [sample_id for sample_id in wanted if sample_id not in there]
        if not gone:
            raise  # not a deleted sample: a fault to report
        return gone
    return []


def store_batch(
    project: Project, backbone_id: str, ids: list[str], counts: list[int], data: bytes, size: int
) -> None:
    """Store the vectors of samples of the project (`counts[i]` vectors of `size` float32 each
    for `ids[i]`, one after the other in `data`), all or nothing; NotFound names the samples
    that are not (or no longer) in the project."""
    samples = dict(
        db.session.execute(
            select(Sample.public_id, Sample.id).where(
                Sample.project_id == project.id, Sample.public_id.in_(ids)
            )
        ).all()
    )
    missing_samples([sample_id for sample_id in ids if sample_id not in samples])
    rows, start = [], 0
    for sample_id, count in zip(ids, counts, strict=True):
        end = start + count * size * FLOAT32_BYTES
        rows.append((samples[sample_id], data[start:end], count))
        start = end
    gone = set(store_embeddings(backbone_id, rows))
    # Deleted by another request between the lookup above and the write.
    missing_samples([sample_id for sample_id in ids if samples[sample_id] in gone])


def missing_samples(missing: list[str]) -> None:
    """404 naming the batch's samples that are not (or no longer) in the project, if any."""
    if missing:
        # Most often pictures deleted while their embeddings were on the way: the ids let the
        # sender drop those and send the others again.
        raise NotFound(
            f"{len(missing)} of these samples are not in this project; nothing was stored.",
            missing_ids=missing,
        )
