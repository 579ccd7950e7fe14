"""converters/teachable.py: the Teachable Machine model loads in TF.js 1.3.1 (the npm alias
`tfjs-1.3.1`, run in Node on its cpu backend) and computes what the Keras classifier does."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from converters.classifier import backbone_weights, classifier_network
from converters.head import DenseLayer, Head
from converters.teachable import (
    RAMP_GAIN,
    TM_OFFSET,
    TM_SCALE,
    WEIGHTS_FILE,
    classifier_parts,
    piecewise_sqrt,
    teachable_model,
)

REPO = Path(__file__).resolve().parents[1]
BUILT = REPO / "build" / "backbones"
TFJS_1_3_1 = REPO / "node_modules" / "tfjs-1.3.1" / "dist" / "tf.min.js"

# Loads model.json and weights.bin from a folder, predicts the pictures of pictures.bin (already
# scaled as Teachable Machine's loaders scale them), prints the probabilities.
PREDICT = """
const [library, folder] = process.argv.slice(-2);
const tf = require(library);
const fs = require('fs');
const bytes = (name) => { const b = fs.readFileSync(`${folder}/${name}`);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };
(async () => {
  const json = JSON.parse(fs.readFileSync(`${folder}/model.json`));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
    weightData: bytes('weights.bin') }));
  const input = tf.tensor(new Float32Array(bytes('pictures.bin')), [2, 224, 224, 3]);
  console.log(JSON.stringify({ version: tf.version.tfjs,
    probabilities: await model.predict(input).array() }));
})().catch((error) => { console.error(error); process.exit(1); });
"""


def random_head(preprocess: str, hidden: int, classes: int = 3) -> Head:
    rng = np.random.default_rng(1)
    sizes = [1280, *([hidden] if hidden else []), classes]
    layers = tuple(
        DenseLayer(rng.normal(0, 1, (a, b)).astype(np.float32),
                   rng.normal(0, 1, b).astype(np.float32),
                   "softmax" if b == classes else "relu")
        for a, b in zip(sizes, sizes[1:], strict=False)
    )  # fmt: skip
    return Head(1280, classes, preprocess, layers)


def test_the_square_root_is_within_its_stated_error():
    values = np.concatenate([np.linspace(1e-5, 6, 200_000), np.geomspace(1e-5, 6, 10_000)])
    relative = np.abs(piecewise_sqrt(values) - np.sqrt(values)) / np.sqrt(values)
    assert relative.max() < 5e-4
    tiny = np.linspace(0, 1e-5, 1000)
    assert np.abs(piecewise_sqrt(tiny) - np.sqrt(tiny)).max() < 3e-4
    assert piecewise_sqrt(np.array([0.0]))[0] == 0
    # The first of the two steps of each slope keeps 6 x it a finite half float (TF.js's WebGL
    # on devices without float32 textures).
    assert 6 * RAMP_GAIN < 65504


@pytest.mark.slow
@pytest.mark.parametrize(
    ("architecture", "preprocess", "hidden"),
    [("MobileNetV2", "sqrt-l2", 0), ("EfficientNet-Lite0", "l2", 8)],
)
def test_tfjs_1_3_1_loads_it_and_agrees_with_keras(architecture, preprocess, hidden, tmp_path):
    if not TFJS_1_3_1.is_file():
        pytest.fail("node_modules/tfjs-1.3.1 is missing: run `make install` (npm ci).")
    # The exported backbone's real weights: a network with random weights gives embeddings
    # near 1e-11, where no trained network's are.
    found = [json.loads(p.read_text()) for p in sorted(BUILT.glob("*/metadata.json"))]
    metadata = next((m for m in found if m["architecture"] == architecture), None)
    if metadata is None:
        pytest.fail(f"No {architecture} backbone in build/backbones: run `make install` first.")
    head = random_head(preprocess, hidden)
    classifier, embedder = classifier_network(224, 3, head, backbone_weights(metadata))
    rng = np.random.default_rng(2)
    pictures = rng.uniform(0, 255, (2, 224, 224, 3)).round().astype(np.float32)
    expected = classifier.predict(pictures, verbose=0)
    embeddings = embedder.predict(pictures, verbose=0)
    assert embeddings.mean() > 0.01 and (embeddings >= 0).all()  # a test of something

    backbone, parts = classifier_parts(classifier)
    assert parts.preprocess == preprocess and len(parts.layers) == len(head.layers)
    model_json, weights = teachable_model(backbone, parts)
    kinds = {layer["class_name"] for layer in model_json["modelTopology"]["config"]["layers"]}
    assert not kinds & {"Lambda", "Rescaling", "TFOpLambda"}
    assert model_json["weightsManifest"][0]["paths"] == [WEIGHTS_FILE]
    (tmp_path / "model.json").write_text(json.dumps(model_json))
    (tmp_path / WEIGHTS_FILE).write_bytes(weights)
    scaled = pictures * TM_SCALE + TM_OFFSET  # what @teachablemachine/image and ml5 feed
    (tmp_path / "pictures.bin").write_bytes(scaled.astype("<f4").tobytes())
    run = subprocess.run(
        ["node", "-", str(TFJS_1_3_1), str(tmp_path)],
        input=PREDICT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["version"] == "1.3.1"
    got = np.array(answer["probabilities"])
    assert np.abs(got - expected).max() < 2e-3, (got, expected)


def test_the_heads_preprocessing_and_weights_are_read_from_a_classifier():
    head = random_head("none", 0)
    classifier, _ = classifier_network(96, 3, head)
    backbone, parts = classifier_parts(classifier)
    assert parts.preprocess == "none"
    np.testing.assert_array_equal(parts.layers[0].kernel, head.layers[0].kernel)
