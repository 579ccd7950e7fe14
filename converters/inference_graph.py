"""A copy of a Keras model for inference only, with fewer and larger operations.

The TF.js converter fuses a convolution with a following BiasAdd and ReLU6 into one kernel,
but it leaves BatchNormalization after a depthwise convolution as a multiply and an add of
their own, and an explicit ZeroPadding2D as a pad of its own. In the browser's WASM backend
each is a pass over a whole feature map. This module rewrites the model before conversion:

- BatchNormalization that follows a convolution (and is the only user of its output) goes into
  the convolution's kernel and bias: scale = gamma / sqrt(variance + epsilon), kernel × scale,
  bias = (bias − mean) × scale + beta;
- ZeroPadding2D before a 'valid' convolution, when it pads exactly as 'same' would for that
  input (TensorFlow's rule: the odd pixel after), becomes the convolution's own 'same' padding.

The copy computes the same function up to float rounding (tests compare both on the same
inputs). It cannot be trained the way the original can (no BatchNormalization left), so it is
only made for exports that run inference: TF.js graph models.
"""

from __future__ import annotations

import keras
import numpy as np

CONVOLUTIONS = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)


def fold_for_inference(model: keras.Model) -> keras.Model:
    """A copy of `model` (and of functional models nested in it) with foldable layers folded."""
    norms = foldable_norms(model)  # BatchNormalization name -> convolution name
    pads = foldable_pads(model)  # ZeroPadding2D name -> convolution name
    biased = set(norms.values())
    same = set(pads.values())
    skipped = set(norms) | set(pads)

    def clone(layer):
        if isinstance(layer, keras.Model):
            return fold_for_inference(layer)
        config = layer.get_config()
        if layer.name in biased:
            config["use_bias"] = True
        if layer.name in same:
            config["padding"] = "same"
        return layer.__class__.from_config(config)

    def call(layer, *args, **kwargs):
        if layer.name in skipped:
            return args[0]
        return layer(*args, **kwargs)

    folded = keras.models.clone_model(model, clone_function=clone, call_function=call)
    norm_of = {conv: norm for norm, conv in norms.items()}
    for layer in model.layers:
        if layer.name in skipped or isinstance(layer, keras.Model) or not layer.weights:
            continue  # nested models were filled when they were cloned; inputs hold nothing
        target = folded.get_layer(layer.name)
        if layer.name in norm_of:
            target.set_weights(folded_weights(layer, model.get_layer(norm_of[layer.name])))
        else:
            target.set_weights(layer.get_weights())
    return folded


def foldable_norms(model: keras.Model) -> dict[str, str]:
    """BatchNormalization layers that can go into the convolution before them."""
    found = {}
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization) or not channels_last(layer):
            continue
        source = only_source(layer)
        if isinstance(source, CONVOLUTIONS) and only_user(source):
            found[layer.name] = source.name
    return found


def foldable_pads(model: keras.Model) -> dict[str, str]:
    """ZeroPadding2D layers whose padding the convolution after them can do as 'same'."""
    found = {}
    for layer in model.layers:
        if not isinstance(layer, keras.layers.ZeroPadding2D) or not only_user(layer):
            continue
        conv = layer._outbound_nodes[0].operation
        if not isinstance(conv, CONVOLUTIONS) or conv.padding != "valid":
            continue
        if tuple(conv.dilation_rate) != (1, 1) or conv.data_format != "channels_last":
            continue
        size = layer.input.shape[1:3]
        wanted = tuple(
            same_padding(n, k, s)
            for n, k, s in zip(size, conv.kernel_size, conv.strides, strict=True)
        )
        if None not in size and wanted == tuple(tuple(p) for p in layer.padding):
            found[layer.name] = conv.name
    return found


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) pixels TensorFlow's 'same' pads: the odd one goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def folded_weights(conv, norm) -> list[np.ndarray]:
    """The convolution's [kernel, bias] with the BatchNormalization after it folded in."""
    count = norm.moving_mean.shape[0]
    gamma = np.asarray(norm.gamma) if norm.scale else np.ones(count, "float32")
    beta = np.asarray(norm.beta) if norm.center else np.zeros(count, "float32")
    mean, variance = np.asarray(norm.moving_mean), np.asarray(norm.moving_variance)
    scale = gamma / np.sqrt(variance + norm.epsilon)
    kernel = np.asarray(conv.kernel)
    bias = np.asarray(conv.bias) if conv.use_bias else np.zeros(count, "float32")
    if isinstance(conv, keras.layers.DepthwiseConv2D):
        # (height, width, channels, multiplier): output channel c·multiplier + m.
        kernel = kernel * scale.reshape(1, 1, kernel.shape[2], kernel.shape[3])
    else:
        kernel = kernel * scale  # (height, width, in, out)
    return [kernel.astype("float32"), ((bias - mean) * scale + beta).astype("float32")]


def only_source(layer):
    """The layer whose output is this layer's only input (None when there are several)."""
    node = layer._inbound_nodes[0]
    if len(layer._inbound_nodes) != 1 or len(node.input_tensors) != 1:
        return None
    return node.input_tensors[0]._keras_history.operation


def only_user(layer) -> bool:
    """Whether the layer is called once and its output feeds exactly one layer."""
    return len(layer._inbound_nodes) == 1 and len(layer._outbound_nodes) == 1


def channels_last(norm) -> bool:
    return norm.axis in (-1, 3, [-1], [3])
