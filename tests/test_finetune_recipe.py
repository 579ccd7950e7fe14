"""The fine-tuning recipe: a check run on the page's split, then a final run on every picture,
each from a head fitted on frozen embeddings unless the page sent its own."""

import json
import shutil
import subprocess

import keras
import numpy as np
import pytest

from converters.head import DenseLayer, Head, predict
from server.errors import FieldInvalid
from server.finetune import model as recipe
from server.finetune.dataset import Labelled, held_out_digest, split
from server.finetune.model import (
    HEAD_PREPROCESS,
    WHITENING_SHRINKAGE,
    backbone_of,
    current_head,
    fit_head,
    gpu_present,
    within_class_whitener,
)
from server.finetune.settings import FinetuneSettings, parse_settings
from server.finetune.train import BLEND_BELOW_PER_CLASS, blend_share, blend_toward_start, train

TINY = FinetuneSettings(input_size=96, epochs=1, batch_size=8)


def pictures(per_class: int, classes: int = 2) -> Labelled:
    """Random pictures, `per_class` of each class (a random backbone: only shapes matter)."""
    rng = np.random.default_rng(0)
    count = per_class * classes
    return Labelled(
        images=rng.uniform(0, 255, (count, 96, 96, 3)).astype(np.float32),
        labels=np.repeat(np.arange(classes), per_class).astype(np.int32),
        ids=[f"sample{i}" for i in range(count)],
        class_labels=[{"class_id": f"c{c}", "name": f"class {c}"} for c in range(classes)],
    )


def agrees_with_head(model: keras.Model, preprocess: str) -> bool:
    """Whether the model's output is its own head, with this preprocessing, on its backbone's
    embeddings (the model made takes the backbone's 224-pixel pictures)."""
    probe = np.random.default_rng(3).uniform(0, 255, (2, 224, 224, 3)).astype(np.float32)
    scale = model.get_layer("scale_to_minus1_1")
    embeddings = keras.ops.convert_to_numpy(backbone_of(model)(scale(probe)))
    expected = predict(current_head(model, preprocess), embeddings)
    return np.allclose(keras.ops.convert_to_numpy(model(probe)), expected, atol=1e-5)


def positive_rows(rng, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative rows (like pooled ReLU features) of 3 classes, each a little higher in its
    own dimension than in 15 others of noise."""
    labels = np.arange(count) % 3
    rows = np.abs(rng.normal(0, 1, (count, 16)))
    rows[np.arange(count), labels] += 1.5
    return rows.astype(np.float32), labels


def cross_entropy(head: Head, rows: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.mean(np.log(predict(head, rows)[np.arange(len(labels)), labels])))


def test_the_page_and_fine_tuning_read_one_head_recipe():
    """The page's DEFAULT_SETTINGS (as Node imports trainer.js) and fit_head's constants are
    the numbers of the one file both read, static/js/headRecipe.json."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing: the studio's JavaScript tests need it too.")
    script = """
    const { DEFAULT_SETTINGS, WHITENING_SHRINKAGE } = await import(process.argv[1]);
    console.log(JSON.stringify({ ...DEFAULT_SETTINGS, whiteningShrinkage: WHITENING_SHRINKAGE }));
    """
    trainer = recipe.HEAD_RECIPE_FILE.with_name("trainer.js")
    result = subprocess.run(
        [node, "--input-type=module", "-e", script, str(trainer)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    page = json.loads(result.stdout)
    server = {
        "epochs": recipe.HEAD_STEPS,
        "learningRate": recipe.HEAD_LEARNING_RATE,
        "weightDecay": recipe.HEAD_WEIGHT_DECAY,
        "prototypeScale": recipe.PROTOTYPE_SCALE,
        "preprocess": recipe.HEAD_PREPROCESS,
        "whitening": recipe.HEAD_WHITENING,
        "whiteningShrinkage": recipe.WHITENING_SHRINKAGE,
    }
    shared = json.loads(recipe.HEAD_RECIPE_FILE.read_text())
    assert {key: page[key] for key in server} == server
    assert {key: shared[key] for key in server} == server
    # fit_head takes one Adam step an epoch: the page's default batch holds a project whole.
    assert page["batchSize"] >= 16384


def test_a_fitted_head_starts_from_the_class_means_and_lowers_the_loss():
    rng = np.random.default_rng(2)
    rows, labels = positive_rows(rng, 90)
    head = fit_head(rows, labels, 3)
    start = fit_head(rows, labels, 3, steps=0)  # the class-mean start alone
    assert head.preprocess == HEAD_PREPROCESS and head.layers[0].kernel.shape == (16, 3)
    assert cross_entropy(head, rows, labels) < cross_entropy(start, rows, labels) - 0.1
    fresh, truth = positive_rows(rng, 300)
    assert np.mean(np.argmax(predict(head, fresh), axis=1) == truth) > 0.75  # chance: 1 in 3


def test_the_whitener_weighs_down_the_directions_pictures_of_one_class_vary_in():
    rng = np.random.default_rng(4)
    dim = 32
    residuals = rng.normal(0, 1, (400, dim))
    residuals[:, 3] *= 6  # lighting, say: a large spread within every class, along one axis
    whitener = within_class_whitener(residuals, directions=4)
    assert np.allclose(whitener, whitener.T)
    identity_share = WHITENING_SHRINKAGE**-0.5
    # Along the wide direction rows shrink; across the others they keep about their length.
    assert whitener[3, 3] < 0.7 * identity_share
    others = np.delete(np.diag(whitener), 3)
    assert np.all(others > 0.8 * identity_share) and np.all(others < 1.1 * identity_share)
    # Rows that do not vary within their classes are left as they are.
    assert np.array_equal(within_class_whitener(np.zeros((10, dim))), np.eye(dim))


def test_a_job_checks_on_the_pages_held_out_pictures_then_trains_on_every_picture():
    data = pictures(per_class=6)
    reports = []
    trained = train(data, TINY, None, None, reports.append, lambda: False)
    runs = {(r["run"], r["runs"]) for r in reports if r.get("phase") == "training"}
    assert runs == {(1, 2), (2, 2)}
    # Where it trains, said in every report from the start, and in the metrics.
    device = "gpu" if gpu_present() else "cpu"
    assert [r.get("device") for r in reports] == [device] * len(reports)
    assert trained.metrics["device"] == device
    train_rows, val_rows = split(data.ids, data.labels, TINY.seed)
    metrics = trained.metrics
    assert metrics["check_train_count"] == len(train_rows) == 10
    assert metrics["train_count"] == 12 and metrics["val_count"] == len(val_rows) == 2
    assert metrics["blend"] == 0.5  # both runs: 6 pictures a class is a small project
    assert metrics["val_digest"] == held_out_digest([data.ids[row] for row in val_rows])
    assert 0 <= metrics["val_accuracy"] <= 1 and 0 <= metrics["start_val_accuracy"] <= 1
    assert len(trained.history) == TINY.epochs and "val_accuracy" in trained.history[0]
    # Without a head from the page, the model made keeps the fitted head's preprocessing.
    assert agrees_with_head(trained.model, HEAD_PREPROCESS)
    assert not agrees_with_head(trained.model, "l2")


def test_a_project_too_small_to_hold_pictures_out_trains_once_from_the_pages_head():
    data = pictures(per_class=4)  # fewer than 5 a class: the page holds none out either
    rng = np.random.default_rng(2)
    layer = DenseLayer(rng.normal(0, 0.1, (1280, 2)).astype(np.float32), None, "softmax")
    head = Head(1280, 2, "l2", (layer,))
    reports = []
    trained = train(data, TINY, None, head, reports.append, lambda: False)
    assert {(r["run"], r["runs"]) for r in reports if r.get("phase") == "training"} == {(1, 1)}
    metrics = trained.metrics
    assert metrics["val_accuracy"] is None and metrics["check_train_count"] is None
    assert metrics["train_count"] == 8 and metrics["val_count"] == 0
    # The model made has the page head's form: unit length only, no bias.
    dense = trained.model.get_layer("probabilities")
    assert len(dense.weights) == 1
    assert agrees_with_head(trained.model, "l2")


def test_blending_keeps_a_share_of_the_way_the_weights_moved():
    layer = keras.layers.Dense(2)
    model = keras.Sequential([keras.Input((3,)), layer])
    start = [keras.ops.convert_to_numpy(v) for v in model.trainable_weights]
    trained = [value + 1.0 for value in start]
    for share, expected in ((1.0, trained), (0.5, [v + 0.5 for v in start]), (0.0, start)):
        model.set_weights(trained)
        blend_toward_start(model, start, share)
        for variable, want in zip(model.trainable_weights, expected, strict=True):
            assert np.allclose(keras.ops.convert_to_numpy(variable), want)


def test_small_projects_blend_by_default_and_a_blend_asked_for_is_kept():
    classes = 10
    small, large = (BLEND_BELOW_PER_CLASS - 1) * classes, BLEND_BELOW_PER_CLASS * classes
    default = parse_settings({})
    assert default.blend is None and parse_settings({"blend": None}).blend is None
    assert blend_share(default, small, classes) == 0.5
    assert blend_share(default, large, classes) == 1.0
    asked = parse_settings({"blend": 0.3})
    assert blend_share(asked, small, classes) == blend_share(asked, large, classes) == 0.3
    assert parse_settings({"blend": 1}).blend == 1.0
    for wrong in (1.5, -0.1, "half", True):
        with pytest.raises(FieldInvalid):
            parse_settings({"blend": wrong})


def test_a_job_queued_before_an_upgrade_keeps_its_settings_without_the_old_ones():
    stored = {"epochs": 7, "batch_size": 4, "patience": 3, "seed": 2}  # patience: gone since
    settings = FinetuneSettings.from_json(stored)
    assert (settings.epochs, settings.batch_size, settings.seed) == (7, 4, 2)
    assert settings.blend is None
