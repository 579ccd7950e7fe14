"""The fine-tuning data agree with the page: the same resize, and the same validation split."""

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from converters.preprocessing import resize_bilinear, square_picture
from server.finetune.dataset import held_out_digest, split, validation_count

from .browser.media import png_bytes, scene

REPO = Path(__file__).resolve().parent.parent


def test_resize_matches_tensorflows_bilinear_with_half_pixel_centres():
    import tensorflow as tf

    pixels = np.random.default_rng(0).integers(0, 256, (37, 53, 3)).astype(np.float32)
    for height, width in ((96, 96), (20, 11), (37, 53)):
        expected = tf.image.resize(pixels, (height, width), method="bilinear", antialias=False)
        assert np.allclose(resize_bilinear(pixels, height, width), expected.numpy(), atol=1e-3)


def test_a_picture_is_cropped_to_its_centre_square():
    wide = np.zeros((60, 100, 3), np.uint8)
    wide[:, 20:80] = 255  # the centre square is all white, the sides black
    out = io.BytesIO()
    Image.fromarray(wide).save(out, format="PNG")
    square = square_picture(out.getvalue(), 30)
    assert square.shape == (30, 30, 3) and square.dtype == np.float32 and square.min() == 255
    assert square_picture(png_bytes(scene("disc", 0, 50)), 24).shape == (24, 24, 3)


@pytest.mark.parametrize(("n", "held"), [(1, 0), (4, 0), (5, 1), (10, 2), (16, 2), (17, 3)])
def test_validation_counts_follow_the_page(n, held):
    assert validation_count(n) == held


def test_the_split_is_the_pages_split(tmp_path):
    """Both tiers hold out the same pictures, so their validation accuracies compare, and both
    fingerprint them alike, so the studio can tell when they are the same pictures."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing: the studio's JavaScript tests need it too.")
    rng = np.random.default_rng(1)
    ids = [f"id-{rng.integers(1 << 40):x}" for _ in range(60)]
    labels = rng.integers(0, 3, len(ids)).astype(np.int32)
    script = """
    const { heldOutDigest, splitSamples } = await import(process.argv[1]);
    const { ids, labels, seed } = JSON.parse(process.argv[2]);
    const classes = [0, 1, 2].map((id) => ({ id, name: `c${id}`, position: id }));
    const vector = new Float32Array(1);
    const samples = ids.map((id, i) => ({ id, classId: labels[i], embedding: vector }));
    const { train, validation } = splitSamples(classes, samples, { seed });
    const digest = await heldOutDigest(validation.map((s) => s.id));
    console.log(JSON.stringify([train.map((s) => s.id), validation.map((s) => s.id), digest]));
    """
    for seed in (0, 7):
        payload = json.dumps({"ids": ids, "labels": labels.tolist(), "seed": seed})
        result = subprocess.run(
            [node, "--input-type=module", "-e", script,
             str(REPO / "static/js/dataset.js"), payload],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        page_train, page_validation, page_digest = json.loads(result.stdout)
        train, validation = split(ids, labels, seed)
        assert [ids[row] for row in validation] == page_validation
        assert [ids[row] for row in train] == page_train
        assert held_out_digest([ids[row] for row in validation]) == page_digest
    assert held_out_digest(["b", "a"]) == held_out_digest(["a", "b"]) != held_out_digest(["a"])
