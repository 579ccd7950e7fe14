"""Export a fine-tuned classifier with TensorFlow: a .keras file and a TF.js graph model.

Training may run on any Keras backend; the TF.js export needs TensorFlow's SavedModel. Under
the tensorflow backend it happens in this process, otherwise in a child process started with
KERAS_BACKEND=tensorflow that reads the .keras file (a backend-independent format):

    python -m server.finetune.export MODEL.keras OUT_DIR
"""

import os
import subprocess
import sys
from pathlib import Path

import keras

from converters.classifier import TFJS_QUANTIZATION, export_keras, load_keras
from converters.tfjs import export_graph_model

from . import FinetuneError


def export_files(model: keras.Model, work: Path) -> dict[str, bytes]:
    """{"keras": bytes of the .keras file, "tfjs/<name>": bytes of each TF.js file}."""
    keras_bytes = export_keras(model)
    tfjs = work / "tfjs"
    if keras.backend.backend() == "tensorflow":
        export_graph_model(model, tfjs, TFJS_QUANTIZATION)
    else:
        keras_file = work / "model.keras"
        keras_file.write_bytes(keras_bytes)
        command = [sys.executable, "-m", "server.finetune.export", str(keras_file), str(tfjs)]
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise FinetuneError(f"the TF.js export failed: {result.stderr[-1000:]}")
    files = {"keras": keras_bytes}
    for path in sorted(tfjs.iterdir()):
        files[f"tfjs/{path.name}"] = path.read_bytes()
    return files


def main(argv: list[str] | None = None) -> None:
    keras_file, out_dir = (argv or sys.argv[1:])[:2]
    export_graph_model(load_keras(Path(keras_file).read_bytes()), out_dir, TFJS_QUANTIZATION)


if __name__ == "__main__":
    main()
