"""A classifier as a Teachable Machine model: a TF.js *layers* model that TF.js 1.3.1 loads.

Teachable Machine's loaders (`@teachablemachine/image` 0.8.5 on TF.js 1.3.1, ml5's
`imageClassifier`, and the tools built on them) read `model.json` with `tf.loadLayersModel`,
crop and resize the picture to 224 x 224 themselves and feed `x / 127 - 1`. Keras 3 cannot
write a layers model that TF.js loads (docs/architecture.md), so this module writes the Keras-2
topology itself, from stock layers that TF.js 1.3.1 knows, with float32 weights:

    input t = x/127 - 1 [batch, 224, 224, 3]
    -> DepthwiseConv2D 1x1 "tm_input_scale": t to the scaling the backbone expects
       (x/127.5 - 1, composed with the backbone's own leading Rescaling: EfficientNet-Lite0's
       (x - 127)/128)
    -> the backbone's layers (BatchNormalization folded into convolutions,
       converters/inference_graph.py), global average pooled: e [batch, 1280], e >= 0
    -> the head's preprocessing (converters/head.py):
         sqrt-l2: sqrt(e) as a sum of SQRT_KNOTS clamped ramps (1x1 convolutions and
                  ReLU(max 1); below 0.05 % relative error from 1e-5 up), then unit length
         l2:      unit length
       Unit length and the first Dense layer together are a Dot(normalize=True) of the rows with
       each unit's weight column, times the column's length, plus its bias.
    -> the head's other Dense layers -> softmax probabilities [batch, classes]

`teachable_model` returns (model.json as a dict, the weights file's bytes).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from converters.head import Head
from converters.inference_graph import fold_for_inference

WEIGHTS_FILE = "weights.bin"
IMAGE_SIZE = 224
# Teachable Machine's loaders feed x/127 - 1 (x RGB 0..255).
TM_SCALE, TM_OFFSET = 1 / 127, -1.0
# The backbones take x/127.5 - 1 (converters/preprocessing.py).
BACKBONE_SCALE, BACKBONE_OFFSET = 1 / 127.5, -1.0
# sqrt on [0, SQRT_MAX] in pieces: [0, SQRT_FIRST], then geometric up to SQRT_MAX. Embeddings are
# averages of ReLU6 outputs, so 0 <= e <= 6.
SQRT_KNOTS = 128
SQRT_FIRST = 1e-6
SQRT_MAX = 6.0
# A ramp's slope (1 / its piece's width, up to 1e7) is applied in two clamped steps, the first
# at most RAMP_GAIN: TF.js's WebGL backend computes in half floats on devices that cannot
# render to float32 textures, whose largest number is 65504, and 6 x 1e7 would overflow there.
RAMP_GAIN = 5000.0


class TeachableUnavailable(ValueError):
    """The network holds a layer with no stock TF.js 1.3.1 equivalent written here."""


def sqrt_knots() -> np.ndarray:
    """0, then SQRT_KNOTS geometric knots from SQRT_FIRST to SQRT_MAX."""
    ratio = (SQRT_MAX / SQRT_FIRST) ** (1 / (SQRT_KNOTS - 1))
    return np.concatenate([[0.0], SQRT_FIRST * ratio ** np.arange(SQRT_KNOTS)])


def piecewise_sqrt(values: np.ndarray) -> np.ndarray:
    """What the model's square root computes, in NumPy (for checks and the stated error)."""
    knots = sqrt_knots()
    widths = np.diff(knots)
    ramps = np.clip((values[..., None] - knots[:-1]) / widths, 0, 1)
    return ramps @ np.diff(np.sqrt(knots))


class TopologyWriter:
    """Collects Keras-2 layer configs, their inbound nodes and their weights in order."""

    def __init__(self) -> None:
        self.layers: list[dict[str, Any]] = []
        self.weights: list[tuple[str, np.ndarray]] = []

    def add(self, name: str, class_name: str, config: dict, inputs: list[str], weights=()):
        self.layers.append(
            {
                "name": name,
                "class_name": class_name,
                "config": {"name": name, "trainable": False, "dtype": "float32", **config},
                "inbound_nodes": [[[source, 0, 0, {}] for source in inputs]] if inputs else [],
            }
        )
        for weight_name, value in weights:
            self.weights.append((f"{name}/{weight_name}", np.asarray(value, dtype=np.float32)))
        return name

    def dense(self, name, source, kernel, bias=None, activation="linear") -> str:
        weights = [("kernel", kernel)] + ([("bias", bias)] if bias is not None else [])
        config = {"units": int(kernel.shape[1]), "activation": activation,
                  "use_bias": bias is not None}  # fmt: skip
        return self.add(name, "Dense", config, [source], weights)

    def conv1x1(self, name, source, kernel, bias=None, depthwise=False) -> str:
        config = {"kernel_size": [1, 1], "strides": [1, 1], "padding": "valid",
                  "data_format": "channels_last", "dilation_rate": [1, 1],
                  "activation": "linear", "use_bias": bias is not None}  # fmt: skip
        if depthwise:
            config["depth_multiplier"] = 1
            weights = [("depthwise_kernel", kernel)]
        else:
            config["filters"] = int(kernel.shape[-1])
            weights = [("kernel", kernel)]
        weights += [("bias", bias)] if bias is not None else []
        kind = "DepthwiseConv2D" if depthwise else "Conv2D"
        return self.add(name, kind, config, [source], weights)

    def reshape(self, name, source, shape) -> str:
        return self.add(name, "Reshape", {"target_shape": list(shape)}, [source])

    def model_json(self, name: str, inputs: list[str], outputs: list[str]) -> dict:
        topology = {
            "class_name": "Model",
            "config": {
                "name": name,
                "layers": self.layers,
                "input_layers": [[layer, 0, 0] for layer in inputs],
                "output_layers": [[layer, 0, 0] for layer in outputs],
            },
            "keras_version": "2.2.4-tf",
            "backend": "tensorflow",
        }
        manifest = [
            {"name": name, "shape": list(value.shape), "dtype": "float32"}
            for name, value in self.weights
        ]
        return {
            "format": "layers-model",
            "generatedBy": "Snapclass",
            "convertedBy": "Snapclass (converters/teachable.py)",
            "modelTopology": topology,
            "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": manifest}],
        }

    def weights_bytes(self) -> bytes:
        return b"".join(value.astype("<f4").tobytes() for _, value in self.weights)


def inbound_names(layer_config: dict) -> list[str]:
    """The names of the layers feeding a layer, from a Keras 3 functional config."""
    names: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                names.append(value["config"]["keras_history"][0])
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for node in layer_config.get("inbound_nodes", []):
        walk(node.get("args", ()))
    return names


def pair(value) -> list[int]:
    return [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)] * 2


def layer_config(layer: keras.layers.Layer) -> tuple[str, dict, list[tuple[str, np.ndarray]]]:
    """(class name, Keras-2 config, named weights) of one backbone layer."""
    kind = type(layer).__name__
    values = [np.asarray(keras.ops.convert_to_numpy(w), np.float32) for w in layer.weights]
    if kind in ("Conv2D", "DepthwiseConv2D"):
        if pair(layer.dilation_rate) != [1, 1] or getattr(layer, "groups", 1) != 1:
            raise TeachableUnavailable(f"{layer.name}: dilated or grouped convolution")
        config = {"kernel_size": pair(layer.kernel_size), "strides": pair(layer.strides),
                  "padding": layer.padding, "data_format": "channels_last",
                  "dilation_rate": [1, 1], "activation": layer.activation.__name__,
                  "use_bias": layer.use_bias}  # fmt: skip
        if kind == "Conv2D":
            config["filters"] = layer.filters
            names = ["kernel", "bias"]
        else:
            config["depth_multiplier"] = layer.depth_multiplier
            names = ["depthwise_kernel", "bias"]
        return kind, config, list(zip(names, values, strict=False))
    if kind == "BatchNormalization":
        config = {"axis": -1, "momentum": 0.99, "epsilon": float(layer.epsilon),
                  "center": layer.center, "scale": layer.scale}  # fmt: skip
        names = (["gamma"] if layer.scale else []) + (["beta"] if layer.center else [])
        names += ["moving_mean", "moving_variance"]
        return kind, config, list(zip(names, values, strict=True))
    if kind == "ReLU":
        if float(layer.negative_slope) != 0 or float(layer.threshold) != 0:
            raise TeachableUnavailable(f"{layer.name}: a leaky or thresholded ReLU")
        max_value = None if layer.max_value is None else float(layer.max_value)
        return kind, {"max_value": max_value}, []
    if kind == "ZeroPadding2D":
        padding = [[int(a), int(b)] for a, b in layer.padding]
        return kind, {"padding": padding, "data_format": "channels_last"}, []
    if kind == "Add":
        return kind, {}, []
    if kind == "GlobalAveragePooling2D":
        if layer.keepdims:
            raise TeachableUnavailable(f"{layer.name}: keepdims")
        return kind, {"data_format": "channels_last"}, []
    raise TeachableUnavailable(f"{layer.name}: no TF.js 1.3.1 layer for {kind}")


def write_backbone(writer: TopologyWriter, backbone: keras.Model) -> str:
    """The backbone's layers after the input scaling; returns the name of its pooled output."""
    if tuple(backbone.input_shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE, 3):
        raise TeachableUnavailable(f"the network takes {backbone.input_shape[1:]}, not 224 x 224")
    folded = fold_for_inference(backbone)
    configs = folded.get_config()["layers"]
    by_name = {layer.name: layer for layer in folded.layers}
    input_name = configs[0]["name"]
    # Leading Rescaling layers compose with Teachable Machine's scaling into one affine map:
    # t = x/127 - 1, so x/127.5 - 1 = t * 127/127.5 + (127/127.5 - 1).
    scale = BACKBONE_SCALE / TM_SCALE
    offset = -TM_OFFSET * scale + BACKBONE_OFFSET
    renamed = {input_name: "tm_input_scale"}
    start = 1
    while configs[start]["class_name"] == "Rescaling":
        layer = by_name[configs[start]["name"]]
        factor = float(layer.scale)
        scale, offset = factor * scale, factor * offset + float(layer.offset)
        renamed[configs[start]["name"]] = "tm_input_scale"
        start += 1
    writer.add(
        input_name,
        "InputLayer",
        {"batch_input_shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3], "sparse": False},
        [],
    )
    writer.conv1x1(
        "tm_input_scale", input_name, np.full((1, 1, 3, 1), scale), np.full(3, offset), True
    )
    last = "tm_input_scale"
    for config in configs[start:]:
        layer = by_name[config["name"]]
        kind, keras2, weights = layer_config(layer)
        sources = [renamed.get(name, name) for name in inbound_names(config)]
        last = writer.add(layer.name, kind, keras2, sources, weights)
    # The square root's pieces cover 0..SQRT_MAX: the pooled values must lie there.
    relu = by_name[configs[-2]["name"]]
    bounded = isinstance(relu, keras.layers.ReLU) and relu.max_value is not None
    if kind != "GlobalAveragePooling2D" or not bounded or float(relu.max_value) > SQRT_MAX:
        raise TeachableUnavailable("the network does not end in ReLU6 and average pooling")
    return last


def write_head(writer: TopologyWriter, source: str, head: Head) -> str:
    """The head's preprocessing and Dense layers on the pooled embedding; returns the output."""
    dim = head.input_dim
    rows = source
    if head.preprocess == "sqrt-l2":
        knots = sqrt_knots()
        widths = np.diff(knots)
        column = writer.reshape("tm_sqrt_column", rows, [dim, 1, 1])
        # clamp((e - t) * g1, 0, 1) then clamp(. * g2, 0, 1) is clamp((e - t) / width, 0, 1)
        # when g1 * g2 = 1 / width and g2 >= 1.
        first = np.minimum(1 / widths, RAMP_GAIN)
        ramps = writer.conv1x1(
            "tm_sqrt_ramps", column, first.reshape(1, 1, 1, -1), -knots[:-1] * first
        )
        ramps = writer.add("tm_sqrt_clamp", "ReLU", {"max_value": 1.0}, [ramps])
        second = (1 / widths) / first
        ramps = writer.conv1x1("tm_sqrt_steepen", ramps, second.reshape(1, 1, -1, 1), None, True)
        clamped = writer.add("tm_sqrt_clamp_again", "ReLU", {"max_value": 1.0}, [ramps])
        steps = np.diff(np.sqrt(knots)).reshape(1, 1, -1, 1)
        summed = writer.conv1x1("tm_sqrt_sum", clamped, steps)
        rows = writer.reshape("tm_sqrt", summed, [dim])
    layers = list(head.layers)
    if head.preprocess != "none":
        # unit length, then the first layer: |w_j| * cos(rows, w_j) + b_j for each unit j.
        first = layers.pop(0)
        kernel = first.kernel
        units = kernel.shape[1]
        lengths = np.linalg.norm(kernel, axis=0)
        one = writer.dense("tm_one", rows, np.zeros((dim, 1)), np.ones(1))
        columns = writer.dense("tm_unit_columns", one, kernel.T.reshape(1, units * dim))
        columns = writer.reshape("tm_unit_columns_matrix", columns, [units, dim])
        row = writer.reshape("tm_row", rows, [1, dim])
        cosines = writer.add(
            "tm_cosines", "Dot", {"axes": [2, 2], "normalize": True}, [row, columns]
        )
        cosines = writer.reshape("tm_cosines_flat", cosines, [units])
        bias = first.bias if first.bias is not None else np.zeros(units)
        activation = "softmax" if not layers else "relu"
        rows = writer.dense("head_0", cosines, np.diag(lengths), bias, activation)
    for index, layer in enumerate(layers, start=len(head.layers) - len(layers)):
        activation = "softmax" if layer.activation == "softmax" else "relu"
        rows = writer.dense(f"head_{index}", rows, layer.kernel, layer.bias, activation)
    return rows


def teachable_model(
    backbone: keras.Model, head: Head, name: str = "snapclass"
) -> tuple[dict, bytes]:
    """(model.json, weights.bin) of the Teachable Machine model of a backbone and head."""
    if head.preprocess not in ("none", "l2", "sqrt-l2"):
        raise TeachableUnavailable(f"no stock layers for the head's {head.preprocess!r}")
    writer = TopologyWriter()
    pooled = write_backbone(writer, backbone)
    output = write_head(writer, pooled, head)
    image = writer.layers[0]["name"]
    return writer.model_json(name, [image], [output]), writer.weights_bytes()


def classifier_parts(classifier: keras.Model) -> tuple[keras.Model, Head]:
    """(backbone, head) of a classifier built by converters/classifier.py classifier_network,
    e.g. a fine-tuned version's .keras file; its head's preprocessing read from its ops."""
    from converters.head import DenseLayer
    from converters.preprocessing import OFFSET, SCALE

    kinds = [type(operation).__name__ for operation in classifier.operations]
    rescaling = next(op for op in classifier.operations if type(op).__name__ == "Rescaling")
    if not np.isclose(float(rescaling.scale), SCALE) or float(rescaling.offset) != OFFSET:
        raise TeachableUnavailable("the classifier does not scale pictures as x/127.5 - 1")
    backbone = next(op for op in classifier.operations if isinstance(op, keras.Model))
    preprocess = "sqrt-l2" if "Sign" in kinds else "l2" if "TrueDivide" in kinds else "none"
    dense = [op for op in classifier.operations if isinstance(op, keras.layers.Dense)]
    layers = []
    for layer in dense:
        values = [np.asarray(keras.ops.convert_to_numpy(w), np.float32) for w in layer.weights]
        activation = layer.activation.__name__
        layers.append(DenseLayer(values[0], values[1] if len(values) > 1 else None, activation))
    head = Head(layers[0].kernel.shape[0], layers[-1].kernel.shape[1], preprocess, tuple(layers))
    return backbone, head
