"""A small Teachable Machine image model, written by hand for the block editor's tests, and a
server that serves it from another origin with CORS headers as a Teachable Machine link does.

The model is a stock TF.js layers Sequential (global average pooling, then a softmax Dense) whose
weights are set, not trained: it compares the picture's mean red and blue, which tells media.py's
red "disc" scene from its blue and yellow "stripes" scene. Input: [null, 224, 224, 3] in [-1, 1].
"""

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

LABELS = ["disc", "stripes"]


def write_tm_model(folder: Path, name: str = "Disc or stripes") -> Path:
    """Write model.json, weights.bin and metadata.json of the model into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    k = 10.0  # disc scenes have mean (red - blue) about 0.9 in [-1, 1], stripes about -0.3
    kernel = np.array([[k, -k], [0, 0], [-k, k]], dtype="<f4")
    bias = np.array([-0.3 * k, 0.3 * k], dtype="<f4")
    (folder / "weights.bin").write_bytes(kernel.tobytes() + bias.tobytes())
    dense = {
        "name": "dense",
        "trainable": True,
        "units": len(LABELS),
        "activation": "softmax",
        "use_bias": True,
        "kernel_initializer": {"class_name": "Zeros", "config": {}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    pool = {
        "name": "pool",
        "trainable": True,
        "batch_input_shape": [None, 224, 224, 3],
        "dtype": "float32",
        "data_format": "channels_last",
    }
    model = {
        "format": "layers-model",
        "generatedBy": "snapclass tests",
        "convertedBy": None,
        "modelTopology": {
            "class_name": "Sequential",
            "config": {
                "name": "sequential",
                "layers": [
                    {"class_name": "GlobalAveragePooling2D", "config": pool},
                    {"class_name": "Dense", "config": dense},
                ],
            },
            "keras_version": "2.15.0",
            "backend": "tensorflow",
        },
        "weightsManifest": [
            {
                "paths": ["weights.bin"],
                "weights": [
                    {"name": "dense/kernel", "shape": [3, 2], "dtype": "float32"},
                    {"name": "dense/bias", "shape": [2], "dtype": "float32"},
                ],
            }
        ],
    }
    (folder / "model.json").write_text(json.dumps(model))
    metadata = {"labels": LABELS, "imageSize": 224, "modelName": name, "tmVersion": "2.4.7"}
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


class CorsHandler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


class ModelServer:
    """Serve a folder on a free port of 127.0.0.1 with CORS headers, in a thread."""

    def __init__(self, folder: Path) -> None:
        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(CorsHandler, directory=str(folder))
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ModelServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()  # http.server's serve_forever leaves its socket open
        self.thread.join()
