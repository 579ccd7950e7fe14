"""Export a Keras 3 model as a TF.js graph model: SavedModel, then the tensorflowjs converter.

Keras 3 models saved as TF.js *layers* models do not load in TF.js 4.22 (docs/architecture.md),
so every model Snapclass serves (the backbone, fine-tuned classifiers, exports) goes through a
SavedModel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import keras

from converters.inference_graph import fold_for_inference

QUANTIZATIONS = ("float32", "float16", "uint8")

# Runs in a child process: importing tensorflowjs prints a banner on stdout and loads ydf.
CONVERT_SCRIPT = """
import sys
from tensorflowjs.converters import convert_tf_saved_model
saved, out, quantization = sys.argv[1:]
dtype_map = {"float16": {"float16": ["*"]}, "uint8": {"uint8": ["*"]}}.get(quantization)
convert_tf_saved_model(
    saved, out, signature_def="serving_default", saved_model_tags="serve",
    quantization_dtype_map=dtype_map,
)
"""


def export_graph_model(keras_model: keras.Model, out_dir: str | Path, quantization: str) -> Path:
    """Write keras_model to out_dir as model.json + weight shards; return out_dir.

    quantization: "float32" (exact), "float16" (half the size) or "uint8" (a quarter; it
    ruins MobileNetV2's embeddings, so the backbone never uses it). out_dir must be new or empty.
    What is converted is `fold_for_inference`'s copy: the same function in fewer operations.
    """
    check_quantization(quantization)
    # Beside the output, so a caller's work folder (the server's lives in its data folder and is
    # swept after a crash) holds every temporary file.
    parent = Path(out_dir).resolve().parent
    with tempfile.TemporaryDirectory(prefix="snapclass-savedmodel-", dir=parent) as work:
        saved = Path(work) / "saved_model"
        fold_for_inference(keras_model).export(saved, format="tf_saved_model", verbose=False)
        return convert_saved_model(saved, out_dir, quantization)


def convert_saved_model(saved_model: str | Path, out_dir: str | Path, quantization: str) -> Path:
    """Convert a SavedModel's serving_default signature into a TF.js graph model in out_dir.

    model.json is written with sorted keys, so the same weights give the same bytes on every run.
    """
    check_quantization(quantization)
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    command = [sys.executable, "-c", CONVERT_SCRIPT, str(saved_model), str(out_dir), quantization]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"tensorflowjs conversion failed:\n{result.stderr[-2000:]}")
    model_json = out_dir / "model.json"
    # The converter writes protobuf maps (node attrs) in no fixed order.
    model_json.write_text(json.dumps(json.loads(model_json.read_text()), sort_keys=True))
    return out_dir


def check_quantization(quantization: str) -> None:
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, not {quantization!r}")
