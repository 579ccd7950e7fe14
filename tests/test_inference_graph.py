"""Folding batch norms and paddings into convolutions before TF.js conversion."""

import json
from collections import Counter

import keras
import numpy as np
import pytest

from converters.classifier import classifier_network
from converters.efficientnet_lite import efficientnet_lite0
from converters.inference_graph import fold_for_inference, same_padding
from converters.tfjs import export_graph_model


def images(count: int, size: int, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (count, size, size, 3)).astype("float32")


def trained_looking(model: keras.Model, seed: int = 0) -> keras.Model:
    """Give every BatchNormalization statistics far from identity, as trained ones are."""
    rng = np.random.default_rng(seed)
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            values = [rng.uniform(0.5, 2, n)] if layer.scale else []
            values += [rng.normal(0, 0.5, n)] if layer.center else []
            values += [rng.normal(0, 0.3, n), rng.uniform(0.2, 3, n)]
            layer.set_weights([v.astype("float32") for v in values])
    return model


def layer_types(model: keras.Model) -> list[str]:
    return [type(layer).__name__ for layer in model._flatten_layers(include_self=False)]


def small_network() -> keras.Model:
    """Each case the folding meets: foldable and not."""
    x_in = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", use_bias=False, name="stem")(x_in)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    x = keras.layers.ReLU(6.0)(x)
    # 'same' padding written out, as Keras's MobileNetV2 and EfficientNet-Lite0 do: folds.
    x = keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name="pad_same")(x)
    x = keras.layers.DepthwiseConv2D(3, 2, depth_multiplier=2, use_bias=False, name="dw")(x)
    x = keras.layers.BatchNormalization(name="dw_bn")(x)
    shortcut = x
    # Symmetric padding is not 'same' at stride 2: stays a layer of its own.
    y = keras.layers.ZeroPadding2D(1, name="pad_symmetric")(x)
    y = keras.layers.Conv2D(16, 3, 2, use_bias=True, name="conv_bias")(y)
    y = keras.layers.BatchNormalization(center=False, name="conv_bn")(y)
    # A convolution whose output feeds two layers keeps its batch norm.
    z = keras.layers.Conv2D(16, 1, use_bias=False, name="shared")(shortcut)
    z2 = keras.layers.BatchNormalization(name="shared_bn")(z)
    z = keras.layers.Add(name="add")([z, z2])
    z = keras.layers.BatchNormalization(name="after_add_bn")(z)  # no convolution before it
    out = keras.layers.Concatenate()(
        [keras.layers.GlobalAveragePooling2D()(y), keras.layers.GlobalAveragePooling2D()(z)]
    )
    return keras.Model(x_in, out)


def test_same_padding_follows_tensorflow():
    assert same_padding(112, 3, 2) == (0, 1)
    assert same_padding(113, 3, 2) == (1, 1)
    assert same_padding(56, 5, 2) == (1, 2)
    assert same_padding(14, 5, 1) == (2, 2)
    assert same_padding(7, 1, 1) == (0, 0)


def test_folding_keeps_the_function_and_removes_what_it_can():
    model = trained_looking(small_network())
    folded = fold_for_inference(model)
    x = images(3, 16)
    np.testing.assert_allclose(folded.predict(x, verbose=0), model.predict(x, verbose=0), atol=2e-5)
    names = {layer.name for layer in folded.layers}
    assert {"stem_bn", "dw_bn", "conv_bn", "pad_same"}.isdisjoint(names)
    assert {"pad_symmetric", "shared_bn", "after_add_bn"} <= names
    assert folded.get_layer("dw").padding == "same" and folded.get_layer("dw").use_bias
    assert folded.get_layer("pad_symmetric").padding == ((1, 1), (1, 1))
    # The original is untouched: it can still be trained.
    assert model.get_layer("stem").bias is None
    assert len(model.get_layer("stem_bn").get_weights()) == 4


def test_a_classifier_folds_inside_its_nested_backbone():
    model, _ = classifier_network(96, 4)
    trained_looking(model)
    folded = fold_for_inference(model)
    assert "BatchNormalization" in layer_types(model)
    assert "BatchNormalization" not in layer_types(folded)
    assert "ZeroPadding2D" not in layer_types(folded)
    x = images(2, 96) * 127.5 + 127.5  # the classifier takes pixels 0..255
    np.testing.assert_allclose(folded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


@pytest.mark.slow
def test_exported_efficientnet_has_only_fused_convolutions(tmp_path):
    model = trained_looking(efficientnet_lite0(96))
    out = export_graph_model(model, tmp_path / "tfjs", "float32")
    nodes = json.loads((out / "model.json").read_text())["modelTopology"]["node"]
    ops = Counter(node["op"] for node in nodes if node["op"] != "Const")
    # Every convolution carries its bias and ReLU6; one Mul and one AddV2 are the input's
    # rescaling, the other adds are the skip connections.
    assert set(ops) == {
        "Placeholder", "_FusedConv2D", "FusedDepthwiseConv2dNative", "Mul", "AddV2", "Mean",
        "Identity",
    }, ops  # fmt: skip
    assert ops["Mul"] == 1 and ops["FusedDepthwiseConv2dNative"] == 16
