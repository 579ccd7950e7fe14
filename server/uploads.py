"""Turn uploaded files into checked images, then into sample rows and stored blobs."""

import hashlib
from typing import IO

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from .db import db
from .errors import Conflict
from .images import CheckedImage, check_image
from .models import Project, Sample, new_public_id, utcnow
from .storage import blobs_then_rows


def checked_uploads(project: Project, files: list[tuple[str, IO[bytes]]]) -> list[CheckedImage]:
    """Every uploaded (file name, stream), validated; one bad file rejects them all.

    Each file is hashed before it is decoded: a file sent twice, or one the project holds
    already, is never decoded again (its stored row says what it is).
    """
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    max_pixels = current_app.config["MAX_PIXELS"]
    read = [stream.read(max_bytes + 1) for _name, stream in files]
    hashes = [hashlib.sha256(data).hexdigest() for data in read]
    stored = {
        sample.sha256: sample
        for sample in db.session.scalars(
            select(Sample).where(Sample.project_id == project.id, Sample.sha256.in_(set(hashes)))
        )
    }
    checked: dict[str, CheckedImage] = {}
    for number, ((name, _), data, sha256) in enumerate(zip(files, read, hashes, strict=True), 1):
        if sha256 in checked:
            continue
        if sha256 in stored:
            row = stored[sha256]
            checked[sha256] = CheckedImage(data, sha256, row.width, row.height, row.mime_type)
            continue
        # The client's file name only labels error messages; it never becomes a path.
        shown = (name or "unnamed")[:100]
        label = f"File {number} ({shown!r})"
        checked[sha256] = check_image(data, max_bytes, max_pixels, label, shown)
    return [checked[sha256] for sha256 in hashes]


def add_samples(
    project: Project, images: list[CheckedImage], class_id: int | None, source: str
) -> list[Sample]:
    """One sample per image; an image already in the project gives back its existing sample."""
    try:
        return _insert_samples(project, images, class_id, source)
    except IntegrityError:
        # A concurrent upload of the same image won the race; now its row is there to reuse.
        pass
    try:
        return _insert_samples(project, images, class_id, source)
    except IntegrityError:
        raise Conflict("Other uploads of the same images are being saved; try again.") from None


def _insert_samples(
    project: Project, images: list[CheckedImage], class_id: int | None, source: str
) -> list[Sample]:
    """Write the blobs, then insert the rows and commit; on any failure undo both."""
    shas = {image.sha256 for image in images}
    query = select(Sample).where(Sample.project_id == project.id, Sample.sha256.in_(shas))
    by_sha = {sample.sha256: sample for sample in db.session.scalars(query)}
    new_images = {image.sha256: image for image in images if image.sha256 not in by_sha}
    rows = [
        {
            "public_id": new_public_id(),
            "project_id": project.id,
            "class_id": class_id,
            "sha256": sha256,
            "width": image.width,
            "height": image.height,
            "mime_type": image.mime_type,
            "source": source,
            "created": utcnow(),
        }
        for sha256, image in new_images.items()
    ]
    with blobs_then_rows({sha256: image.data for sha256, image in new_images.items()}):
        if rows:
            # One executemany without RETURNING: the ORM sends one INSERT per row (SQLite
            # cannot match the ids it generates to the rows of a multi-row INSERT), and the
            # rows are read back below anyway.
            db.session.execute(insert(Sample), rows)
    # The commit expired the rows found above; one query loads them and the new ones.
    by_sha = {sample.sha256: sample for sample in db.session.scalars(query)}
    return [by_sha[image.sha256] for image in images]
