"""`flask --app server clean-pictures`: cut the metadata out of pictures stored before every
upload was kept as pixels only (server/pixels_only.py).

Each stored picture that still carries more than its pixels is written again without it, under
the sha256 of its new bytes, and every sample that named the old bytes is moved to the new ones
in one commit; the old blob then goes once no sample uses it. The pixels are the same, so the
samples' embeddings, labels and models stay as they are. A project that already holds the clean
picture as another sample keeps that one, and the copy with metadata is deleted.
"""

import hashlib
import logging

import click
from flask import Flask
from sqlalchemy import select

from .db import db, write_turn
from .models import Sample
from .pixels_only import pixels_only
from .storage import blob_store, blobs_then_rows, delete_unreferenced

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
log = logging.getLogger(__name__)


def clean_stored_pictures() -> int:
    """Rewrite every stored picture that carries metadata; how many were rewritten."""
    store = blob_store()
    stored = db.session.execute(select(Sample.sha256, Sample.mime_type).distinct()).all()
    db.session.rollback()  # no transaction held while reading files
    cleaned = 0
    for sha256, mime_type in stored:
        if mime_type not in FORMATS or not store.exists(sha256):
            continue
        data = store.read(sha256)
        try:
            clean = pixels_only(data, FORMATS[mime_type])
        except ValueError as error:
            log.warning("picture %s left as it is: %s", sha256, error)
            continue
        if clean != data:
            move_samples(sha256, clean)
            cleaned += 1
    return cleaned


def move_samples(old_sha256: str, clean: bytes) -> None:
    """Store `clean`, point the samples of `old_sha256` at it, then drop the old blob if unused."""
    new_sha256 = hashlib.sha256(clean).hexdigest()
    with blobs_then_rows({new_sha256: clean}):
        for sample in db.session.scalars(select(Sample).where(Sample.sha256 == old_sha256)).all():
            twin = db.session.scalar(
                select(Sample.id).where(
                    Sample.project_id == sample.project_id, Sample.sha256 == new_sha256
                )
            )
            if twin is None:
                sample.sha256 = new_sha256
            else:
                db.session.delete(sample)
    with write_turn():
        delete_unreferenced([old_sha256])
        db.session.commit()


def register_clean_pictures_command(app: Flask) -> None:
    @app.cli.command("clean-pictures")
    def clean_pictures_command():
        """Cut metadata (EXIF, XMP, IPTC, comments, text, appended data) out of stored pictures."""
        click.echo(f"cleaned {clean_stored_pictures()} stored pictures")
