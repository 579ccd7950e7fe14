"""The fine-tuning data: a project's labelled pictures as arrays, and their split.

Pure NumPy and Pillow (no Keras), so the API can check a project without loading a framework.
Pictures go through the one preprocessing (converters/preprocessing.py square_picture), the
same the exports use, and stay RGB 0..255: the classifier scales them itself.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from converters.preprocessing import square_picture

from ..db import db
from ..models import Project, Sample
from ..storage import blob_store

# The browser's split (static/js/dataset.js DEFAULT_SPLIT), so both tiers score the same pictures.
VALIDATION_FRACTION = 0.15
MIN_SAMPLES_FOR_VALIDATION = 5
UINT32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Labelled:
    """A project's labelled pictures: images[n, size, size, 3] float32, labels[n], ids[n]."""

    images: np.ndarray
    labels: np.ndarray
    ids: list[str]
    class_labels: list[dict]  # [{"class_id", "name"}] in output order


def class_counts(project: Project) -> list[tuple[dict, int]]:
    """[({"class_id", "name"}, labelled picture count)] in the project's class order."""
    rows = db.session.execute(
        select(Sample.class_id, func.count())
        .where(Sample.project_id == project.id, Sample.class_id.is_not(None))
        .group_by(Sample.class_id)
    )
    counts = dict(rows.all())
    return [
        ({"class_id": c.public_id, "name": c.name}, counts.get(c.id, 0)) for c in project.classes
    ]


def trainability_problems(project: Project, min_per_class: int) -> list[str]:
    """Why this project cannot be fine-tuned now (an empty list when it can)."""
    counts = class_counts(project)
    problems = []
    if len(counts) < 2:
        problems.append("fine-tuning needs at least two classes")
    for label, count in counts:
        if count < min_per_class:
            problems.append(
                f"class {label['name']!r} has {count} pictures; fine-tuning needs at least "
                f"{min_per_class} in each class"
            )
    return problems


def load_labelled(project: Project, size: int) -> Labelled:
    """Every labelled picture of the project, decoded and resized, with labels in class order."""
    class_labels = [label for label, _ in class_counts(project)]
    index = {label["class_id"]: i for i, label in enumerate(class_labels)}
    samples = db.session.scalars(
        select(Sample)
        .where(Sample.project_id == project.id, Sample.class_id.is_not(None))
        .order_by(Sample.created, Sample.id)
    ).all()
    store = blob_store()
    # float32, as the network takes them: training would make this copy anyway.
    images = np.zeros((len(samples), size, size, 3), np.float32)
    for row, sample in enumerate(samples):
        images[row] = square_picture(store.read(sample.sha256), size)
    labels = np.array([index[s.class_public_id] for s in samples], np.int32)
    return Labelled(images, labels, [s.public_id for s in samples], class_labels)


def js_hash(text: str) -> int:
    """static/js/dataset.js hashString (FNV-1a, then a murmur finaliser) on 32-bit words."""
    value = 0x811C9DC5
    for char in text:
        value = ((value ^ ord(char)) * 0x01000193) & UINT32
    value = ((value ^ (value >> 16)) * 0x85EBCA6B) & UINT32
    value = ((value ^ (value >> 13)) * 0xC2B2AE35) & UINT32
    return value ^ (value >> 16)


def validation_count(n: int) -> int:
    """How many of a class's n pictures are held out (dataset.js validationCount)."""
    if n < MIN_SAMPLES_FOR_VALIDATION:
        return 0
    # JavaScript's Math.round rounds halves up; Python's round would round them to even.
    return min(n - 1, max(1, int(np.floor(n * VALIDATION_FRACTION + 0.5))))


def held_out_digest(ids: list[str]) -> str:
    """A fingerprint of a set of held-out pictures (sample ids), as dataset.js heldOutDigest
    makes it: the first 16 hex digits of SHA-256 of the sorted ids joined by newlines. Equal
    digests mean two scores were measured on the same pictures."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


def split(ids: list[str], labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train rows, validation rows), the same split the page makes for its head."""
    train, validation = [], []
    for label in np.unique(labels):
        rows = [int(row) for row in np.flatnonzero(labels == label)]
        rows.sort(key=lambda row: (js_hash(f"{seed}:{ids[row]}"), ids[row]))
        held = validation_count(len(rows))
        validation += rows[:held]
        train += rows[held:]
    return np.array(train, np.int64), np.array(validation, np.int64)
