"""The exported backbone, run by TF.js (WASM) in Chromium, embeds real photos as Keras does."""

import base64
import importlib.util
import io
import json
import statistics
from pathlib import Path
from urllib.request import urlopen

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from converters.backbone import backbone_from, export_backbone
from converters.weights import resolve_weights

from .conftest import LiveServer

# Real photos that scikit-image ships inside its wheel (grass.png is greyscale, given as RGB).
PHOTOS = (
    "astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
    "retina.jpg", "hubble_deep_field.jpg", "grass.png",
)  # fmt: skip
# float16 halves the download; float32 is the converter alone, so it should agree almost exactly.
MIN_COSINE = {"float16": 0.999, "float32": 0.9999}

PAGE = """<!doctype html><meta charset="utf-8"><title>check</title><link rel="icon" href="data:,">
<script src="{tfjs}tf.min.js"></script><script src="{wasm}tf-backend-wasm.min.js"></script>"""

START = """async ([wasmPath, modelBase, backend]) => {
  tf.wasm.setWasmPaths(wasmPath);
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
  const { loadBackbone } = await import('/static/js/backbone.js');
  const tensorsBefore = tf.memory().numTensors;
  window.backbone = await loadBackbone(modelBase);
  const warmUpMs = await window.backbone.warmUp();
  return { backend: tf.getBackend(), metadata: window.backbone.metadata, tensorsBefore, warmUpMs };
}"""

EMBED = """async (dataUrl) => {
  const image = new Image();
  image.src = dataUrl;
  await image.decode();
  const bitmap = await createImageBitmap(image);
  const tensors = tf.memory().numTensors;
  const started = performance.now();
  const vector = await window.backbone.embed(image);
  const embedMs = performance.now() - started;
  const pair = await window.backbone.embedMirrored(bitmap);
  bitmap.close();
  return {
    vector: Array.from(vector), pair: pair.map((v) => Array.from(v)), embedMs,
    isFloat32Array: vector instanceof Float32Array, leaked: tf.memory().numTensors - tensors,
  };
}"""

STOP = """() => { window.backbone.dispose(); return tf.memory().numTensors; }"""


def photo_folder() -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None:
        pytest.fail("scikit-image is missing: its sample photos are this test's input")
    return Path(spec.submodule_search_locations[0]) / "data"


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    """Each photo as uint8 RGB pixels; the browser gets the same pixels as a lossless PNG."""
    folder = photo_folder()
    return {name: np.asarray(Image.open(folder / name).convert("RGB")) for name in PHOTOS}


def data_url(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def preprocess(pixels: np.ndarray, size: int) -> np.ndarray:
    """The project's convention in Python: centre square, bilinear resize, x/127.5 - 1."""
    height, width, _ = pixels.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = pixels[top : top + side, left : left + side].astype("float32")
    return tf.image.resize(square, (size, size), antialias=False).numpy() / 127.5 - 1


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def default_backbone(base_url: str) -> dict:
    """The metadata of the backbone the app offers pages by default."""
    listing = json.load(urlopen(f"{base_url}/api/backbones"))
    return next(b["metadata"] for b in listing["backbones"] if b["id"] == listing["default"])


def second_backbone(base_url: str) -> dict:
    """The metadata of the MobileNetV2 export `make install` builds beside the default
    (EfficientNet-Lite0): "Faster" in the studio."""
    listing = json.load(urlopen(f"{base_url}/api/backbones"))
    found = [b["metadata"] for b in listing["backbones"]]
    found = [meta for meta in found if meta["architecture"] == "MobileNetV2"]
    if not found:
        pytest.fail("No MobileNetV2 backbone in build/backbones: run `make install` first.")
    return found[-1]


@pytest.fixture
def served(request, live_server, tmp_path, tmp_path_factory):
    """(server, metadata) for request.param: a quantization of the app's default backbone, or
    the second backbone (MobileNetV2, float16) as `make install` exports it."""
    if request.param == "mobilenetv2":
        yield live_server, second_backbone(live_server.url)
        return
    default = default_backbone(live_server.url)
    if request.param == "float16":  # the export `make install` builds, which the studio loads
        yield live_server, default
        return
    # Other quantizations of the same weights live in pytest's cache, so reruns reuse them.
    folder_name = f"snapclass-{request.param}-backbone"
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    root = cache.mkdir(folder_name) if cache else tmp_path_factory.mktemp(folder_name)
    folder = export_backbone(root, weights=default["weights_source"], quantization=request.param)
    with LiveServer(tmp_path / "data-for-export", root) as server:
        yield server, json.loads((folder / "metadata.json").read_text())


@pytest.fixture(scope="module")
def keras_embeddings(photos):
    """embeddings(metadata) -> (plain, mirrored) Keras embeddings of the photos, per weights."""
    cache = {}

    def embeddings(metadata: dict) -> tuple[np.ndarray, np.ndarray]:
        key = (metadata["weights_sha256"], metadata["input_size"])
        if key not in cache:
            info = resolve_weights(metadata["weights_source"], metadata["input_size"])
            assert info.sha256 == metadata["weights_sha256"], "the reference needs the same weights"
            model = backbone_from(info, metadata["input_size"])
            size = metadata["input_size"]
            batch = np.stack([preprocess(pixels, size) for pixels in photos.values()])
            # Called directly: predict() would trace a graph first, seconds for one batch.
            plain = np.asarray(model(batch, training=False))
            cache[key] = plain, np.asarray(model(batch[:, :, ::-1], training=False))
        return cache[key]

    return embeddings


def embed_in_browser(
    page, server: LiveServer, metadata: dict, photos: dict, backend: str = "wasm"
) -> tuple:
    """Load the backbone from the server in a page on a TF.js backend and embed each photo."""
    vendor = server.app.config["VENDOR_URLS"]
    # A bare page of the app's own origin, so that scripts, modules and weights load as in the app.
    html = PAGE.format(tfjs=vendor["tfjs"], wasm=vendor["tfjs-backend-wasm"])
    page.route(
        f"{server.url}/backbone-check",
        lambda route: route.fulfill(body=html, content_type="text/html"),
    )
    page.goto(f"{server.url}/backbone-check")
    backbone_url = f"/backbones/{metadata['id']}/"
    started = page.evaluate(START, [vendor["tfjs-backend-wasm"], backbone_url, backend])
    results = [page.evaluate(EMBED, data_url(pixels)) for pixels in photos.values()]
    return started, results, page.evaluate(STOP)


@pytest.mark.parametrize("served", ["float16", "float32", "mobilenetv2"], indirect=True)
def test_browser_embeddings_match_keras_on_real_photos(
    served, page, photos, keras_embeddings, request, record_property
):
    server, metadata = served
    quantization = request.node.callspec.params["served"].replace("mobilenetv2", "float16")
    assert metadata["quantization"] == quantization

    started, results, tensors_after_dispose = embed_in_browser(page, server, metadata, photos)
    assert started["backend"] == "wasm"
    assert started["metadata"] == metadata
    assert all(r["isFloat32Array"] and r["leaked"] == 0 for r in results)
    assert tensors_after_dispose == started["tensorsBefore"]

    expected, expected_mirrored = keras_embeddings(metadata)
    plain = [cosine(r["vector"], e) for r, e in zip(results, expected, strict=True)]
    mirrored = [cosine(r["pair"][1], e) for r, e in zip(results, expected_mirrored, strict=True)]
    bitmap_vs_image = [cosine(r["pair"][0], r["vector"]) for r in results]
    milliseconds = statistics.median(r["embedMs"] for r in results)
    summary = (
        f"{quantization} {metadata['name']} {metadata['id']} vs Keras on {len(results)} photos: "
        f"cosine mean "
        f"{np.mean(plain):.6f} min {min(plain):.6f}, mirrored mean {np.mean(mirrored):.6f} min "
        f"{min(mirrored):.6f}; median {milliseconds:.1f} ms per image on {started['backend']} "
        f"(warm-up {started['warmUpMs']:.0f} ms)"
    )
    print(summary)
    record_property(f"backbone_{quantization}", summary)
    assert min(plain) >= MIN_COSINE[quantization], summary
    assert min(mirrored) >= MIN_COSINE[quantization], summary
    # An ImageBitmap (what the studio passes) and an <img> of the same picture embed alike.
    assert min(bitmap_vs_image) >= 0.99999, bitmap_vs_image


def test_embeddings_are_the_same_on_every_backend_here(live_server, page, photos, record_property):
    """Whichever backend the page picks, a picture gets the same embedding: WASM (the default
    here), WebGL (SwiftShader on this machine) and TF.js's plain-JavaScript cpu backend."""
    metadata = default_backbone(live_server.url)
    one_photo = dict(list(photos.items())[:1])  # software WebGL and cpu are slow
    vectors = {}
    for backend in ("wasm", "webgl", "cpu"):
        started, results, _ = embed_in_browser(page, live_server, metadata, one_photo, backend)
        assert started["backend"] == backend
        vectors[backend] = [r["vector"] for r in results] + [r["pair"][1] for r in results]
    agreement = {
        backend: min(cosine(a, b) for a, b in zip(vectors["wasm"], vectors[backend], strict=True))
        for backend in ("webgl", "cpu")
    }
    record_property("backend_agreement", agreement)
    assert all(value >= 0.9999 for value in agreement.values()), agreement
