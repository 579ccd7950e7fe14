"""The browser's trained head (static/js/trainer.js serializeHead) read and checked in Python.

Serialized head: {"format": "snapclass-head", "version": 1, "inputDim", "numClasses",
"preprocess": "none" | "l2" | "sqrt-l2" (older heads: "normalize": bool), "layers": [{"units",
"activation": "relu" | "softmax", "kernelShape": [in, out], "kernel": base64 float32 LE,
"bias": base64 | null}]}. No TensorFlow here: the server checks heads on every save.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import numpy as np

HEAD_FORMAT = "snapclass-head"
PREPROCESSING = ("none", "l2", "sqrt-l2")
MAX_LAYERS = 4
MAX_UNITS = 4096
# The smallest length a row is divided by (an all-zero embedding stays zero).
UNIT_EPSILON = 1e-12


class HeadError(ValueError):
    """A serialized head that is malformed or does not fit its labels and backbone."""


@dataclass(frozen=True)
class DenseLayer:
    kernel: np.ndarray  # float32 [inputs, units]
    bias: np.ndarray | None  # float32 [units]
    activation: str


@dataclass(frozen=True)
class Head:
    input_dim: int
    num_classes: int
    preprocess: str
    layers: tuple[DenseLayer, ...]


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise HeadError(f"{name} must be an integer from {low} to {high}")
    return value


def _floats(text: Any, count: int, name: str) -> np.ndarray:
    if not isinstance(text, str):
        raise HeadError(f"{name} must be base64 text")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise HeadError(f"{name} is not valid base64") from None
    if len(data) != 4 * count:
        raise HeadError(f"{name} holds {len(data) // 4} numbers, expected {count}")
    values = np.frombuffer(data, dtype="<f4").astype(np.float32)
    if not np.isfinite(values).all():
        raise HeadError(f"{name} has NaN or infinite numbers")
    return values


def parse_head(data: Any, num_classes: int | None = None, input_dim: int | None = None) -> Head:
    """Decode and check a serialized head; optionally against the label count and embedding size."""
    if not isinstance(data, dict) or data.get("format") != HEAD_FORMAT or data.get("version") != 1:
        raise HeadError(f"not a Snapclass head (format {HEAD_FORMAT!r}, version 1)")
    dim = _int(data.get("inputDim"), "inputDim", 1, 1 << 16)
    classes = _int(data.get("numClasses"), "numClasses", 2, 1000)
    if input_dim is not None and dim != input_dim:
        raise HeadError(f"inputDim is {dim}; the backbone gives {input_dim} numbers")
    if num_classes is not None and classes != num_classes:
        raise HeadError(f"numClasses is {classes}, but there are {num_classes} labels")
    preprocess = data.get("preprocess")
    if preprocess is None:
        preprocess = "l2" if data.get("normalize") is True else "none"
    if preprocess not in PREPROCESSING:
        raise HeadError(f"preprocess must be one of {', '.join(PREPROCESSING)}")
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list) or not 1 <= len(raw_layers) <= MAX_LAYERS:
        raise HeadError(f"layers must be a list of 1 to {MAX_LAYERS} layers")
    layers, inputs = [], dim
    for index, raw in enumerate(raw_layers):
        name = f"layers[{index}]"
        if not isinstance(raw, dict):
            raise HeadError(f"{name} must be an object")
        units = _int(raw.get("units"), f"{name}.units", 1, MAX_UNITS)
        if raw.get("kernelShape") != [inputs, units]:
            raise HeadError(f"{name}.kernelShape must be [{inputs}, {units}]")
        last = index == len(raw_layers) - 1
        activation = raw.get("activation")
        if activation != ("softmax" if last else "relu"):
            raise HeadError(f"{name}.activation must be {'softmax' if last else 'relu'}")
        kernel = _floats(raw.get("kernel"), inputs * units, f"{name}.kernel").reshape(inputs, units)
        bias = raw.get("bias")
        bias = None if bias is None else _floats(bias, units, f"{name}.bias")
        layers.append(DenseLayer(kernel, bias, activation))
        inputs = units
    if inputs != classes:
        raise HeadError(f"the last layer has {inputs} units, but numClasses is {classes}")
    return Head(dim, classes, preprocess, tuple(layers))


def preprocess_rows(preprocess: str, rows, ops=np):
    """What a head does to [n, dim] embeddings before its first layer (as trainer.js does).

    The one Python form of this arithmetic: `ops` is NumPy here and keras.ops inside the
    exported classifiers (converters/classifier.py), which share the names used below.
    """
    if preprocess == "sqrt-l2":
        rows = ops.sign(rows) * ops.sqrt(ops.abs(rows))
    if preprocess != "none":
        norm = ops.sqrt(ops.sum(rows * rows, axis=1, keepdims=True))
        rows = rows / ops.maximum(norm, UNIT_EPSILON)
    return rows


def predict(head: Head, embeddings: np.ndarray) -> np.ndarray:
    """Class probabilities [n, classes] for [n, dim] embeddings, in numpy."""
    rows = preprocess_rows(head.preprocess, np.asarray(embeddings, dtype=np.float32))
    for layer in head.layers:
        rows = rows @ layer.kernel + (0 if layer.bias is None else layer.bias)
        if layer.activation == "relu":
            rows = np.maximum(rows, 0)
        else:
            rows = np.exp(rows - rows.max(axis=1, keepdims=True))
            rows = rows / rows.sum(axis=1, keepdims=True)
    return rows
