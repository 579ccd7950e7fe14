"""Fine-tuning and the exports see a picture alike and build one network, with one head."""

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from converters.head import parse_head, predict
from server.db import db
from server.exports import Builder
from server.finetune.dataset import load_labelled
from server.models import ModelVersion, Project

from .browser.media import png_bytes, scene
from .conftest import Api, serialized_head

BUILT = sorted(
    (Path(__file__).resolve().parents[1] / "build" / "backbones").glob("*/metadata.json")
)


def test_fine_tuning_and_int8_calibration_prepare_a_picture_alike(app):
    """The fine-tuning data and the exports' pictures are the same tensors, bit for bit."""
    api = Api(app.test_client())
    project = api.create_project(classes=["wide", "tall"])
    pictures = [
        png_bytes(scene("disc", 1, 90)[:, 10:80]),  # 90 x 70: cropped top and bottom
        png_bytes(np.ascontiguousarray(scene("stripes", 2, 90)[5:85])),  # 80 x 90
    ]
    for cls, picture in zip(project["classes"], pictures, strict=True):
        api.add_samples(project, picture, class_id=cls["id"])
    model = api.save_model(project)
    with app.app_context():
        row = db.session.scalar(select(Project).where(Project.public_id == project["id"]))
        version = db.session.scalar(
            select(ModelVersion).where(ModelVersion.public_id == model["id"])
        )
        builder = Builder(version)
        size = builder.backbone["input_size"]
        fine_tuning = load_labelled(row, size).images
        exporting = np.stack(builder.calibration_images())
    assert fine_tuning.shape == exporting.shape == (2, size, size, 3)
    assert fine_tuning.dtype == exporting.dtype == np.float32
    assert np.array_equal(fine_tuning, exporting)


def structure(model) -> list[tuple[str, list[tuple[int, ...]]]]:
    """Each operation of the model in order, with the shapes of its weights."""
    return [
        (type(op).__name__, [tuple(w.shape) for w in getattr(op, "weights", [])])
        for op in model.operations
    ]


def test_fine_tuning_and_exports_build_the_same_network():
    """A browser head exported, and the network fine-tuning trains and exports, are one."""
    if not BUILT:
        pytest.fail("No exported backbone in build/backbones: run `make install` first.")
    from converters.classifier import backbone_weights, build_classifier, classifier_network
    from converters.preprocessing import square_picture
    from server.finetune.model import float32_copy

    metadata = json.loads(BUILT[-1].read_text())
    size, dim = metadata["input_size"], metadata["embedding_size"]
    head = parse_head(serialized_head(dim, 3, hidden=8, preprocess="sqrt-l2"), 3, dim)
    exported = build_classifier(head, metadata)
    tuned, embedder = classifier_network(size, 3, head, backbone_weights(metadata))
    copy = float32_copy(tuned, size, head)  # what a fine-tuning job exports
    assert structure(exported) == structure(tuned) == structure(copy)
    picture = square_picture(png_bytes(scene("disc", 3, 300)), size)[None]
    # Called directly, not through predict(), which traces a graph per model: seconds apiece.
    answers = [np.asarray(model(picture, training=False)) for model in (exported, tuned, copy)]
    assert np.array_equal(answers[0], answers[1]) and np.array_equal(answers[0], answers[2])
    # The head's arithmetic in NumPy (what the server checks heads with) gives the same.
    alone = predict(head, np.asarray(embedder(picture, training=False)))
    assert np.abs(alone - answers[0]).max() < 1e-5
