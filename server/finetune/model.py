"""The classifier that fine-tuning trains: backbone + head, in backend-independent Keras 3.

The same form as converters/classifier.py builds from a browser head (same layer names):
RGB pictures 0..255 in, Rescaling to x/127.5 - 1, the MobileNetV2 backbone pooled to 1280
numbers, the head's preprocessing (signed square root and/or unit length), its Dense layers,
probabilities out. Only the training keeps the backbone's BatchNorm in inference mode.
"""

import keras
import numpy as np

from converters.classifier import INPUT_NAME, OUTPUT_NAME, ExportUnavailable
from converters.classifier import backbone_weights as find_backbone_weights
from converters.head import DenseLayer, Head, predict
from converters.weights import WeightsInfo, load_into

from . import FinetuneError

# The browser's head recipe starts from the class means at this logit scale (trainer.js).
PROTOTYPE_SCALE = 10.0
BLOCKS = 16  # MobileNetV2's inverted residual blocks are block_1 .. block_16


def backbone_weights(metadata: dict) -> WeightsInfo:
    """The exact weights file an exported backbone was made from."""
    try:
        return find_backbone_weights(metadata)
    except ExportUnavailable as error:
        raise FinetuneError(str(error)) from None


def build_classifier(
    input_size: int, num_classes: int, head: Head | None, weights: WeightsInfo | None = None
) -> tuple[keras.Model, keras.Model]:
    """(classifier, embedder): the full classifier, and its layers up to the backbone's output.

    `head` (a browser head) gives the head's form and first values; without one the head is a
    unit-length embedding and one softmax layer. `weights` fills the backbone (None: random,
    for a copy that gets its weights set afterwards).
    """
    backbone = keras.applications.MobileNetV2(
        input_shape=(input_size, input_size, 3),
        alpha=1.0,
        include_top=False,
        weights=None,
        pooling="avg",
    )
    if weights is not None:
        load_into(backbone, weights)
    image = keras.Input((input_size, input_size, 3), name=INPUT_NAME)
    scaled = keras.layers.Rescaling(1 / 127.5, offset=-1, name="scale_to_minus1_1")(image)
    # training=False keeps BatchNormalization in inference mode even while its block trains:
    # batch statistics of a few dozen classroom pictures would wreck the ImageNet ones.
    embedding = backbone(scaled, training=False)
    preprocess = head.preprocess if head else "l2"
    units = [layer.kernel.shape[1] for layer in head.layers] if head else [num_classes]
    x = embedding
    if preprocess == "sqrt-l2":  # keras.ops, not a Lambda: loading needs no code of ours
        x = keras.ops.sign(x) * keras.ops.sqrt(keras.ops.abs(x))
    if preprocess != "none":
        x = keras.layers.UnitNormalization(name="unit_length", dtype="float32")(x)
    for index, count in enumerate(units):
        last = index == len(units) - 1
        x = keras.layers.Dense(
            count,
            activation="softmax" if last else "relu",
            use_bias=head.layers[index].bias is not None if head else True,
            name=OUTPUT_NAME if last else f"head_{index}",
            dtype="float32",  # probabilities stay float32 under mixed precision
        )(x)
    if units[-1] != num_classes:
        raise FinetuneError(f"the browser head has {units[-1]} outputs, not {num_classes}")
    model = keras.Model(image, x, name="snapclass_classifier")
    for index, layer in enumerate(head.layers if head else ()):
        dense = model.get_layer(OUTPUT_NAME if index == len(units) - 1 else f"head_{index}")
        dense.set_weights([layer.kernel] + ([layer.bias] if layer.bias is not None else []))
    return model, keras.Model(image, embedding, name="snapclass_embedder")


def backbone_of(model: keras.Model) -> keras.Model:
    return next(layer for layer in model.layers if isinstance(layer, keras.Model))


def start_head_from_class_means(
    model: keras.Model, embeddings: np.ndarray, labels: np.ndarray
) -> None:
    """The browser recipe's start: logit_c = s * (x.m_c - |m_c|^2 / 2) on unit embeddings."""
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    means = np.stack([unit[labels == c].mean(axis=0) for c in range(model.output.shape[-1])])
    kernel = (means.T * PROTOTYPE_SCALE).astype(np.float32)
    bias = (-PROTOTYPE_SCALE / 2 * np.sum(means**2, axis=1)).astype(np.float32)
    model.get_layer(OUTPUT_NAME).set_weights([kernel, bias])


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
    """Train the head and the backbone's top blocks (and Conv_1); BatchNorm stays frozen."""
    backbone = backbone_of(model)
    backbone.trainable = True
    first = BLOCKS + 1 - blocks
    for layer in backbone.layers:
        name = layer.name
        in_top = blocks > 0 and (
            name.startswith(("Conv_1", "out_relu"))
            or (name.startswith("block_") and int(name.split("_")[1]) >= first)
        )
        layer.trainable = in_top and not isinstance(layer, keras.layers.BatchNormalization)


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
    copy, _ = build_classifier(input_size, model.output.shape[-1], head)
    copy.set_weights([keras.ops.convert_to_numpy(w).astype(np.float32) for w in model.weights])
    return copy
