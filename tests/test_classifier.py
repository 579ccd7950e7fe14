"""The export classifier never uses other weights than the backbone's own."""

import json
from pathlib import Path

import pytest

from converters.classifier import ExportUnavailable, backbone_weights
from converters.head import HeadError, parse_head, predict

from .conftest import serialized_head

BUILT = sorted(
    (Path(__file__).resolve().parents[1] / "build" / "backbones").glob("*/metadata.json")
)


@pytest.fixture
def metadata() -> dict:
    if not BUILT:
        pytest.fail("No exported backbone in build/backbones: run `make install` first.")
    return json.loads(BUILT[-1].read_text())


def test_the_backbones_own_weights_are_found_again(metadata):
    assert backbone_weights(metadata).sha256 == metadata["weights_sha256"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"weights_sha256": "0" * 64}, "are not the ones"),
        ({"weights_source": "file"}, "cannot be found again"),
        ({"weights_source": "random"}, "cannot be found again"),
    ],
)
def test_other_or_unknown_weights_are_refused(metadata, change, reason):
    with pytest.raises(ExportUnavailable, match=reason):
        backbone_weights({**metadata, **change})


def test_a_head_predicts_as_trainer_js_does():
    head = parse_head(serialized_head(4, 3, hidden=5, preprocess="sqrt-l2"), 3, 4)
    rows = predict(head, [[1, 4, 9, 0], [0, 0, 0, 0]])
    assert rows.shape == (2, 3) and abs(rows.sum(axis=1) - 1).max() < 1e-6
    with pytest.raises(HeadError, match="numClasses"):
        parse_head(serialized_head(4, 3), 2, 4)
