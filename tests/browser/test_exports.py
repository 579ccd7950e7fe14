"""Every export format, run by its usage snippet, classifies pictures as the studio does.

One module-scoped model serves every test: the studio's own modules (backbone.js, trainer.js) train
a head in Chromium on a project's pictures and give their probabilities for held-out pictures;
then each format is downloaded from the API and run by the usage snippet the API gives the
page (ExportList.js shows it), exactly as shown: the Python ones with plain Keras, TensorFlow
and LiteRT in a folder holding the download and photo.jpg, the TF.js one as a page of its own.
"""

import base64
import contextlib
import io
import json
import re
import time
import zipfile
from pathlib import Path
from urllib.request import Request, urlopen

import numpy as np
import pytest

from tests.conftest import Api

from .conftest import BUILT_BACKBONES, REPO, LiveServer
from .media import png_bytes, scene

CLASSES = {"Disc": "disc", "Stripes": "stripes", "Checks": "checks"}
TRAIN_PER_CLASS = 8
TEST_PER_CLASS = 5
BLENDS = 5  # pictures half one scene, half another: probabilities far from 0 and 1
TOLERANCE = 0.02
INT8_AGREEMENT = 0.95
# The TF.js snippet prints the best class and its probability: one clear picture and three
# blends, whose probabilities are far from 0 and 1, each mixing another pair of classes.
TFJS_PICTURES = [0, 3 * TEST_PER_CLASS, 3 * TEST_PER_CLASS + 1, 3 * TEST_PER_CLASS + 2]
# The snippet's page classifies the next picture: its <img> shows photo.jpg afresh and its own
# script runs again, whole (model, metadata, picture, prediction). A page load per picture
# would compile TF.js's WebGL shaders anew each time, seconds apiece.
RERUN_SNIPPET = """async (picture) => {
  const image = document.getElementById('photo');
  image.src = `photo.jpg?picture=${picture}`;
  await image.decode();
  const script = document.createElement('script');
  script.textContent = [...document.scripts].find((s) => !s.src).textContent;
  document.body.append(script);
}"""

# A bare page on the app's origin with plain TF.js: the studio's modules load into it as in the
# studio, to train the head and give the studio's probabilities.
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


def snippet_of(studio, fmt: str) -> dict:
    """The format's export entry as the API gives it to the page: filename, snippet, ..."""
    return next(e for e in studio["model"]["exports"] if e["format"] == fmt)


def run_python_snippet(snippet: str, folder: Path, pictures: list[bytes]) -> np.ndarray:
    """Probabilities [pictures, classes] from a Python snippet run as shown, in `folder`.

    The first picture, saved as photo.jpg, runs the whole snippet; each further picture runs
    the snippet's own lines from reading photo.jpg to the end, so the model loads once.
    """
    per_picture = snippet[snippet.index("\npixels = ") + 1 :]
    namespace: dict = {}
    rows = []
    with contextlib.chdir(folder):
        for number, picture in enumerate(pictures):
            Path("photo.jpg").write_bytes(picture)  # Pillow reads it by its content
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(snippet if number == 0 else per_picture, namespace)  # noqa: S102
            probabilities = np.asarray(namespace["probabilities"], dtype=np.float64)
            best = namespace["labels"][int(probabilities.argmax())]
            assert printed.getvalue().splitlines()[-1].startswith(f"{best} "), printed.getvalue()
            rows.append(probabilities)
    return np.stack(rows)


def test_savedmodel_export_runs_its_snippet(studio, tmp_path, record_property):
    export = snippet_of(studio, "savedmodel")
    with zipfile.ZipFile(io.BytesIO(download(studio, "savedmodel"))) as archive:
        archive.extractall(tmp_path)
    metadata = json.loads((tmp_path / "saved_model" / "metadata.json").read_text())
    assert metadata["labels"] == list(CLASSES)
    probabilities = run_python_snippet(export["snippet"], tmp_path, studio["pictures"])
    compare(studio, "savedmodel", probabilities, record_property)


def test_keras_export_runs_its_snippet(studio, tmp_path, record_property):
    # keras.models.load_model in safe mode: the file needs no code of ours.
    export = snippet_of(studio, "keras")
    (tmp_path / export["filename"]).write_bytes(download(studio, "keras"))
    probabilities = run_python_snippet(export["snippet"], tmp_path, studio["pictures"])
    compare(studio, "keras", probabilities, record_property)


@pytest.mark.parametrize("fmt", ["tflite", "tflite-int8"])
def test_tflite_exports_run_their_snippet_in_litert(studio, fmt, tmp_path, record_property):
    export = snippet_of(studio, fmt)
    (tmp_path / export["filename"]).write_bytes(download(studio, fmt))
    probabilities = run_python_snippet(export["snippet"], tmp_path, studio["pictures"])
    compare(studio, fmt, probabilities, record_property)


def test_tfjs_export_runs_its_snippet_as_a_page(studio, browser, tmp_path, record_property):
    # Through the share link this time: a friend's download is the same file.
    with zipfile.ZipFile(io.BytesIO(download(studio, "tfjs", share=True))) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path)
    assert {"model.json", "metadata.json"} <= names and any(n.endswith(".bin") for n in names)
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert metadata["backbone_id"] == studio["model"]["backbone_id"]
    assert metadata["image_size"] == 224 and metadata["input"]["range"] == [0, 255]
    assert set(metadata["versions"]) >= {"tensorflow", "keras", "tensorflowjs"}
    snippet = snippet_of(studio, "tfjs")["snippet"]
    # The snippet loads TF.js from a CDN: the same file the studio serves from node_modules.
    cdn = re.search(
        r'<script src="(https://[^"]+/@tensorflow/tfjs@([^/]+)/dist/tf.min.js)"', snippet
    )
    tfjs = REPO / "node_modules" / "@tensorflow" / "tfjs"
    assert cdn and cdn.group(2) == json.loads((tfjs / "package.json").read_text())["version"]

    server = studio["server"]
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    current = {}

    def serve(route):
        name = route.request.url.rsplit("/plain/", 1)[1].split("?")[0]
        if name == "index.html":  # the snippet is the whole page
            return route.fulfill(body=snippet, content_type="text/html")
        if name == "photo.jpg":
            body = current["picture"]
        else:
            body = (tmp_path / Path(name).name).read_bytes()
        return route.fulfill(body=body, headers={"Cache-Control": "no-store"})

    page.route(cdn.group(1), lambda route: route.fulfill(path=tfjs / "dist" / "tf.min.js"))
    page.route(f"{server.url}/plain/*", serve)
    labels = list(CLASSES)
    answers = []
    for number, index in enumerate(TFJS_PICTURES):
        current["picture"] = studio["pictures"][index]
        printed = lambda message: re.fullmatch(r"\S+ [0-9.e-]+", message.text) is not None  # noqa: E731
        with page.expect_console_message(printed, timeout=120_000) as message:
            if number == 0:
                page.goto(f"{server.url}/plain/index.html")
            else:
                page.evaluate(RERUN_SNIPPET, number)
        label, probability = message.value.text.split(" ")
        answers.append((index, label, float(probability)))
    context.close()
    assert not errors, errors
    expected = studio["expected"]
    difference = max(abs(p - expected[i].max()) for i, _, p in answers)
    figures = {**studio["figures"]["tfjs"], "max_difference": round(difference, 4),
               "pictures": len(answers)}  # fmt: skip
    print(f"export tfjs: {figures}")
    record_property("export_tfjs", json.dumps(figures))
    assert all(label == labels[expected[i].argmax()] for i, label, _ in answers), answers
    assert difference <= TOLERANCE, figures
