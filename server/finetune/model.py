"""What fine-tuning does to the classifier, in backend-independent Keras 3.

The network itself is the exports' one (converters/classifier.py classifier_network): RGB
pictures 0..255 in, probabilities out. Here: the head a run starts from when the page sent
none, the head read back, which layers train, mixed precision, and the float32 copy that is
exported.
"""

import json
import re
from pathlib import Path

import keras
import numpy as np

from converters.backbone import architecture_of
from converters.classifier import ExportUnavailable, classifier_network
from converters.classifier import backbone_weights as find_backbone_weights
from converters.head import DenseLayer, Head, predict, preprocess_rows
from converters.weights import MOBILENET_V2, WeightsInfo

from . import FinetuneError

# The page's head recipe (trainer.js DEFAULT_SETTINGS), which fit_head follows: one file that
# both read, static/js/headRecipe.json.
HEAD_RECIPE_FILE = Path(__file__).resolve().parents[2] / "static" / "js" / "headRecipe.json"
_RECIPE = json.loads(HEAD_RECIPE_FILE.read_text())
PROTOTYPE_SCALE = float(_RECIPE["prototypeScale"])
HEAD_PREPROCESS = str(_RECIPE["preprocess"])
HEAD_STEPS = int(_RECIPE["epochs"])  # full-batch, so one step an epoch
HEAD_LEARNING_RATE = float(_RECIPE["learningRate"])
HEAD_WEIGHT_DECAY = float(_RECIPE["weightDecay"])
HEAD_WHITENING = int(_RECIPE["whitening"])  # leading within-class directions whitened
WHITENING_SHRINKAGE = float(_RECIPE["whiteningShrinkage"])
BLOCKS = 16  # inverted residual blocks: MobileNetV2's and EfficientNet-Lite0's alike


def backbone_weights(metadata: dict) -> WeightsInfo:
    """The exact weights file an exported backbone was made from."""
    try:
        return find_backbone_weights(metadata)
    except ExportUnavailable as error:
        raise FinetuneError(str(error)) from None


def backbone_of(model: keras.Model) -> keras.Model:
    return next(layer for layer in model.layers if isinstance(layer, keras.Model))


def fit_head(
    embeddings: np.ndarray, labels: np.ndarray, num_classes: int, steps: int = HEAD_STEPS
) -> Head:
    """A softmax head on frozen embeddings: the page's recipe (trainer.js DEFAULT_SETTINGS), in
    NumPy. Rows go through sqrt then unit length and are whitened by their shrunk within-class
    covariance (within_class_whitener, folded into the kernel as the page does); the head
    starts from the class means, logit_c = s * (x.m_c - |m_c|^2 / 2), then takes `steps`
    full-batch Adam steps on the cross-entropy plus HEAD_WEIGHT_DECAY / 2 * |W|^2."""
    rows = preprocess_rows(HEAD_PREPROCESS, np.asarray(embeddings, np.float32)).astype(np.float64)
    onehot = np.eye(num_classes)[labels]
    counts = np.maximum(onehot.sum(axis=0), 1)
    means = (onehot.T @ rows) / counts[:, None]
    whitener = within_class_whitener(rows - onehot @ means)
    # Training kernel w on whitened rows x M is training M w on the rows themselves.
    white_means = whitener @ means.T
    params = [white_means * PROTOTYPE_SCALE, -PROTOTYPE_SCALE / 2 * np.sum(white_means**2, 0)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    beta1, beta2, epsilon = 0.9, 0.999, 1e-7  # TF.js's tf.train.adam defaults
    for step in range(1, steps + 1):
        logits = rows @ (whitener @ params[0]) + params[1]
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        g = (probabilities - onehot) / len(rows)
        gradients = [whitener @ (rows.T @ g) + HEAD_WEIGHT_DECAY * params[0], g.sum(axis=0)]
        for param, gradient, moment in zip(params, gradients, moments, strict=True):
            moment[0] = beta1 * moment[0] + (1 - beta1) * gradient
            moment[1] = beta2 * moment[1] + (1 - beta2) * gradient**2
            rate = HEAD_LEARNING_RATE * np.sqrt(1 - beta2**step) / (1 - beta1**step)
            param -= rate * moment[0] / (np.sqrt(moment[1]) + epsilon)
    kernel, bias = (whitener @ params[0]).astype(np.float32), params[1].astype(np.float32)
    return Head(rows.shape[1], num_classes, HEAD_PREPROCESS, (DenseLayer(kernel, bias, "softmax"),))


def within_class_whitener(residuals: np.ndarray, directions: int = HEAD_WHITENING) -> np.ndarray:
    """(S / m)^(-1/2) as a [dim, dim] matrix, for rows minus their class means (whitening.js):
    C = R^T R / n, m = trace(C) / dim, S = shrinkage * m * I + (1 - shrinkage) * C with only C's
    `directions` leading eigenvectors kept (the rest of its spectrum taken to be m). Whitened
    rows keep about their length. The identity when the rows do not vary within classes."""
    count, dim = residuals.shape
    covariance = residuals.T @ residuals / count
    mean_variance = np.trace(covariance) / dim
    if not mean_variance > 0 or not np.isfinite(mean_variance):
        return np.eye(dim)
    values, vectors = np.linalg.eigh(covariance)  # ascending
    values, vectors = np.maximum(values[::-1][:directions], 0), vectors[:, ::-1][:, :directions]
    a = WHITENING_SHRINKAGE**-0.5
    s = (WHITENING_SHRINKAGE + (1 - WHITENING_SHRINKAGE) * values / mean_variance) ** -0.5
    return a * np.eye(dim) + (vectors * (s - a)) @ vectors.T


def current_head(model: keras.Model, preprocess: str) -> Head:
    """The classifier's head as it is now, in converters.head's form."""
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    layers = []
    for layer in dense:
        values = [keras.ops.convert_to_numpy(w).astype(np.float32) for w in layer.weights]
        bias = values[1] if len(values) > 1 else None
        layers.append(DenseLayer(values[0], bias, layer.activation.__name__))
    return Head(dense[0].kernel.shape[0], dense[-1].units, preprocess, tuple(layers))


def head_accuracy(head: Head, embeddings: np.ndarray, labels: np.ndarray) -> float | None:
    """Accuracy of a head alone on backbone embeddings (None without rows)."""
    if len(labels) == 0:
        return None
    return float(np.mean(np.argmax(predict(head, embeddings), axis=1) == labels))


def unfreeze_top_blocks(model: keras.Model, blocks: int) -> None:
    """Train the head and the backbone's top blocks (and its last 1x1 convolution: MobileNetV2's
    Conv_1, EfficientNet-Lite0's head_conv); BatchNorm stays frozen."""
    backbone = backbone_of(model)
    backbone.trainable = True
    for layer in backbone.layers:
        in_top = blocks > 0 and in_top_blocks(layer.name, blocks, architecture_of(backbone))
        layer.trainable = in_top and not isinstance(layer, keras.layers.BatchNormalization)


def in_top_blocks(name: str, blocks: int, architecture: str) -> bool:
    """Whether a backbone layer belongs to the top `blocks` blocks or what follows them."""
    if architecture == MOBILENET_V2:  # block_1 .. block_16, then Conv_1
        if name.startswith(("Conv_1", "out_relu")):
            return True
        return name.startswith("block_") and int(name.split("_")[1]) > BLOCKS - blocks
    # EfficientNet-Lite0: block0_… .. block15_…, then head_conv
    if name.startswith("head_"):
        return True
    number = re.match(r"block(\d+)_", name)
    return number is not None and int(number[1]) >= BLOCKS - blocks


def use_mixed_precision(model: keras.Model) -> None:
    """Compute the backbone in float16 (its variables stay float32); the head stays float32."""
    for layer in backbone_of(model).layers:
        layer.dtype_policy = "mixed_float16"


def gpu_present() -> bool:
    """Whether the Keras backend sees a GPU (keras.distribution knows; torch answers itself)."""
    try:
        devices = keras.distribution.list_devices()
    except (NotImplementedError, AttributeError, ValueError):
        import torch  # the torch backend has no keras.distribution

        return torch.cuda.is_available()
    return any(device.lower().startswith(("gpu", "cuda")) for device in devices)


def float32_copy(model: keras.Model, input_size: int, head: Head | None) -> keras.Model:
    """The same classifier in float32 with the trained weights, taking input_size pictures.

    The weights do not depend on the picture size (convolutions, then average pooling), so a
    model trained on small pictures still exports at the backbone's size.
    """
    architecture = architecture_of(backbone_of(model))
    copy, _ = classifier_network(
        input_size, model.output.shape[-1], head, architecture=architecture
    )
    copy.set_weights([keras.ops.convert_to_numpy(w).astype(np.float32) for w in model.weights])
    return copy
