"""Every export format, loaded back outside Snapclass, classifies pictures as the studio does.

One module-scoped model serves every test: the studio's own modules (backbone.js, trainer.js) train
a head in Chromium on a project's pictures and give their probabilities for held-out pictures;
then each format is downloaded from the API and run by plain Keras, TensorFlow, the TFLite
interpreter or plain TF.js in a page that knows nothing of Snapclass.
"""

import base64
import io
import json
import time
import zipfile
from pathlib import Path
from urllib.request import Request, urlopen

import numpy as np
import pytest

from converters.classifier import load_image
from tests.conftest import Api

from .conftest import BUILT_BACKBONES, LiveServer
from .media import png_bytes, scene

CLASSES = {"Disc": "disc", "Stripes": "stripes", "Checks": "checks"}
TRAIN_PER_CLASS = 8
TEST_PER_CLASS = 5
BLENDS = 5  # pictures half one scene, half another: probabilities far from 0 and 1
TOLERANCE = 0.02
INT8_AGREEMENT = 0.95

# A bare page on the app's origin with plain TF.js: the studio's modules load into it as in the
# studio; and, knowing nothing of Snapclass, it runs the unzipped TF.js export.
BARE_PAGE = """<!doctype html><meta charset="utf-8"><title>bare</title>
<link rel="icon" href="data:,"><script src="{tfjs}tf.min.js"></script>
<script src="{wasm}tf-backend-wasm.min.js"></script>"""

STUDIO_TRAIN = """async ([wasmPath, backboneUrl, trainUrls, labels, numClasses]) => {
  tf.wasm.setWasmPaths(wasmPath);
  await tf.setBackend('wasm');
  const { loadBackbone } = await import('/static/js/backbone.js');
  const { trainHead, serializeHead } = await import('/static/js/trainer.js');
  window.backbone = await loadBackbone(backboneUrl);
  const bitmapOf = async (url) => createImageBitmap(await (await fetch(url)).blob());
  const rows = [];
  const rowLabels = [];
  for (const [index, url] of trainUrls.entries()) {
    const bitmap = await bitmapOf(url);
    for (const vector of await window.backbone.embedMirrored(bitmap)) {
      rows.push(vector);
      rowLabels.push(labels[index]);
    }
    bitmap.close();
  }
  const features = new Float32Array(rows.length * rows[0].length);
  rows.forEach((row, i) => features.set(row, i * row.length));
  const { head, metrics } = await trainHead({
    features, labels: Int32Array.from(rowLabels), numClasses,
  });
  window.head = head;
  return { head: serializeHead(head), metrics, backend: tf.getBackend() };
}"""

# What the studio's "try an image" does: createImageBitmap(file), embed, predict.
STUDIO_PREDICT = """async (dataUrls) => {
  const { predict } = await import('/static/js/trainer.js');
  const out = [];
  for (const url of dataUrls) {
    const bitmap = await createImageBitmap(await (await fetch(url)).blob());
    out.push(Array.from(predict(window.head, await window.backbone.embed(bitmap))));
    bitmap.close();
  }
  return out;
}"""

# The export's usage snippet, as a page that does not know Snapclass would run it.
PLAIN_PREDICT = """async ([wasmPath, dataUrls]) => {
  tf.wasm.setWasmPaths(wasmPath);
  await tf.setBackend('wasm');
  const model = await tf.loadGraphModel('./model.json');
  const { labels, image_size: size } = await (await fetch('./metadata.json')).json();
  const out = [];
  for (const url of dataUrls) {
    const image = new Image();
    image.src = url;
    await image.decode();
    out.push(tf.tidy(() => {
      const pixels = tf.browser.fromPixels(image);
      const [height, width] = pixels.shape;
      const side = Math.min(height, width);
      const square = pixels.slice(
        [Math.floor((height - side) / 2), Math.floor((width - side) / 2), 0], [side, side, 3]);
      const resized = tf.image.resizeBilinear(square, [size, size], false, true);
      return Array.from(model.predict(resized.expandDims(0)).dataSync());
    }));
  }
  return { labels, probabilities: out };
}"""


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def blend(first: str, second: str, seed: int) -> bytes:
    mixed = (scene(first, seed).astype(np.float32) + scene(second, seed + 1)) / 2
    return png_bytes(mixed.astype(np.uint8))


@pytest.fixture(scope="module")
def studio(tmp_path_factory, browser):
    """A live server with a saved model, its owner, a share token, the test pictures, and the
    studio's probabilities for them."""
    with LiveServer(tmp_path_factory.mktemp("exports"), BUILT_BACKBONES) as server:
        api = Api(server.app.test_client())
        project = api.create_project(title="Shapes", classes=list(CLASSES))
        train_urls, labels = [], []
        for index, cls in enumerate(project["classes"]):
            for seed in range(TRAIN_PER_CLASS):
                picture = png_bytes(scene(CLASSES[cls["name"]], seed))
                (sample,) = api.add_samples(project, picture, class_id=cls["id"])
                train_urls.append(sample["image_url"])
                labels.append(index)
        kinds = list(CLASSES.values())
        pictures = [
            png_bytes(scene(kind, 900 + n)) for kind in kinds for n in range(TEST_PER_CLASS)
        ] + [blend(kinds[n % 3], kinds[(n + 1) % 3], 950 + n) for n in range(BLENDS)]

        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(120_000)
        vendor = server.app.config["VENDOR_URLS"]
        html = BARE_PAGE.format(tfjs=vendor["tfjs"], wasm=vendor["tfjs-backend-wasm"])
        page.route(
            f"{server.url}/studio-check",
            lambda route: route.fulfill(body=html, content_type="text/html"),
        )
        page.goto(f"{server.url}/studio-check")
        listing = json.load(urlopen(f"{server.url}/api/backbones"))
        backbone_id = listing["default"]
        trained = page.evaluate(
            STUDIO_TRAIN,
            [vendor["tfjs-backend-wasm"], f"/backbones/{backbone_id}/", train_urls, labels, 3],
        )
        assert trained["backend"] == "wasm"
        expected = np.array(page.evaluate(STUDIO_PREDICT, [data_url(p) for p in pictures]))
        context.close()

        model = api.save_model(project, head=trained["head"], backbone_id=backbone_id)
        token = api.share(project, model)["token"]
        yield {
            "server": server,
            "project": project,
            "model": model,
            "token": token,
            "pictures": pictures,
            "images": np.stack([load_image(p, 224) for p in pictures]),
            "expected": expected,
            "figures": {},
        }


def download(studio, fmt: str, share: bool = False) -> bytes:
    """An export from the API, by owner token or share link; notes its size and time."""
    model_id = studio["model"]["id"]
    url = f"{studio['server'].url}/api/models/{model_id}/export?format={fmt}"
    headers = {"Authorization": f"Bearer {studio['project']['owner_token']}"}
    if share:
        url, headers = f"{url}&share={studio['token']}", {}
    started = time.monotonic()
    with urlopen(Request(url, headers=headers), timeout=600) as response:
        assert response.status == 200
        data = response.read()
    studio["figures"][fmt] = {"bytes": len(data), "seconds": round(time.monotonic() - started, 1)}
    return data


def compare(studio, fmt: str, probabilities: np.ndarray, record_property) -> None:
    expected = studio["expected"]
    assert probabilities.shape == expected.shape
    difference = float(np.abs(probabilities - expected).max())
    same_top = float(np.mean(probabilities.argmax(1) == expected.argmax(1)))
    figures = {**studio["figures"].get(fmt, {}), "max_difference": round(difference, 4),
               "same_top_class": same_top}  # fmt: skip
    print(f"export {fmt}: {figures}")
    record_property(f"export_{fmt}", json.dumps(figures))
    # The held-out pictures are classified right, and the blends are not all saturated.
    truth = np.repeat(np.arange(3), TEST_PER_CLASS)
    assert (expected[: len(truth)].argmax(1) == truth).all()
    assert expected[len(truth) :].max(1).min() < 0.95
    if fmt == "tflite-int8":
        assert same_top >= INT8_AGREEMENT, figures
    else:
        assert same_top == 1.0 and difference <= TOLERANCE, figures


def test_savedmodel_export_runs_in_tensorflow(studio, tmp_path, record_property):
    import tensorflow as tf

    with zipfile.ZipFile(io.BytesIO(download(studio, "savedmodel"))) as archive:
        archive.extractall(tmp_path)
    metadata = json.loads((tmp_path / "saved_model" / "metadata.json").read_text())
    assert metadata["labels"] == list(CLASSES)
    model = tf.saved_model.load(str(tmp_path / "saved_model"))
    probabilities = model.serve(tf.constant(studio["images"])).numpy()
    compare(studio, "savedmodel", probabilities, record_property)


def test_keras_export_loads_with_plain_keras(studio, tmp_path, record_property):
    import keras

    path = tmp_path / "model.keras"
    path.write_bytes(download(studio, "keras"))
    model = keras.models.load_model(path)  # safe mode: no code of ours is needed
    compare(studio, "keras", model.predict(studio["images"], verbose=0), record_property)


def tflite_probabilities(data: bytes, images: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_content=data)
    interpreter.allocate_tensors()
    (source,), (target,) = interpreter.get_input_details(), interpreter.get_output_details()
    rows = []
    for image in images:
        interpreter.set_tensor(source["index"], image[None].astype(np.float32))
        interpreter.invoke()
        rows.append(interpreter.get_tensor(target["index"])[0].copy())
    return np.stack(rows)


@pytest.mark.parametrize("fmt", ["tflite", "tflite-int8"])
def test_tflite_exports_run_in_the_tflite_interpreter(studio, fmt, record_property):
    data = download(studio, fmt)
    compare(studio, fmt, tflite_probabilities(data, studio["images"]), record_property)


def test_tfjs_export_runs_in_a_plain_tfjs_page(studio, browser, tmp_path, record_property):
    # Through the share link this time: a friend's download is the same file.
    with zipfile.ZipFile(io.BytesIO(download(studio, "tfjs", share=True))) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path)
    assert {"model.json", "metadata.json"} <= names and any(n.endswith(".bin") for n in names)
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["backbone_id"] == studio["model"]["backbone_id"]
    assert metadata["image_size"] == 224 and metadata["input"]["range"] == [0, 255]
    assert set(metadata["versions"]) >= {"tensorflow", "keras", "tensorflowjs"}
    snippet = next(e["snippet"] for e in studio["model"]["exports"] if e["format"] == "tfjs")
    assert "tf.loadGraphModel('./model.json')" in snippet  # what PLAIN_PREDICT does too

    server = studio["server"]
    vendor = server.app.config["VENDOR_URLS"]
    html = BARE_PAGE.format(tfjs=vendor["tfjs"], wasm=vendor["tfjs-backend-wasm"])
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(120_000)

    def serve(route):
        name = route.request.url.rsplit("/plain/", 1)[1]
        if name == "index.html":
            return route.fulfill(body=html, content_type="text/html")
        return route.fulfill(body=(tmp_path / Path(name).name).read_bytes())

    page.route(f"{server.url}/plain/*", serve)
    page.goto(f"{server.url}/plain/index.html")
    answer = page.evaluate(
        PLAIN_PREDICT, [vendor["tfjs-backend-wasm"], [data_url(p) for p in studio["pictures"]]]
    )
    context.close()
    assert answer["labels"] == list(CLASSES)
    compare(studio, "tfjs", np.array(answer["probabilities"]), record_property)
