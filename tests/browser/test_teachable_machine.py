"""Teachable Machine links load in Teachable Machine's own loaders, from a page of another origin.

The loaders' pages are served by a second local server (another port, so another origin than
Snapclass's); they load `@teachablemachine/image` 0.8.5 on TF.js 1.3.1, ml5 and p5 from
Snapclass's /vendor/ (npm packages) and the model from the link's `/s/<token>/tm/`, as any
page elsewhere would. Two versions of one project are shared:

- a browser-tier version on MobileNetV2 (the default network), its head fitted by the page's
  recipe (sqrt-l2 rows, whitening folded into the kernel; server/finetune/model.py fit_head,
  the NumPy copy of trainer.js) on the pictures' Keras embeddings;
- a fine-tuned version, made by a tiny fine-tuning job (96 px, 1 epoch) on the server's most
  accurate network, EfficientNet-Lite0.

Each is compared on 20 generated photos with its own Keras export (the `keras` download, fed
as the Keras snippet feeds it): the same top class on all, probabilities within 0.05.
"""

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import numpy as np
import pytest

from converters.preprocessing import square_picture
from tests.conftest import Api

from .conftest import BUILT_BACKBONES, LiveServer
from .media import png_bytes, scene

CLASSES = {"Disc": "disc", "Stripes": "stripes", "Checks": "checks"}
TRAIN_PER_CLASS = 8
TINY_JOB = {"input_size": 96, "epochs": 1, "batch_size": 8}
JOB_TIMEOUT_S = 400
TOLERANCE = 0.05


def photo(kinds: tuple[str, ...], seed: int, size: tuple[int, int]) -> bytes:
    """A generated photo of `size` (width, height): one scene, or two blended half and half
    (so probabilities lie between 0 and 1), cropped from a larger square."""
    width, height = size
    side = max(width, height)
    pixels = np.mean([scene(kind, seed + n, side).astype(np.float32) for n, kind in
                      enumerate(kinds)], axis=0)  # fmt: skip
    top, left = (side - height) // 2, (side - width) // 2
    return png_bytes(pixels[top : top + height, left : left + width].astype(np.uint8))


def photos(size: tuple[int, int]) -> list[bytes]:
    """20 photos: four clear ones of each class, and eight blends of two classes."""
    kinds = list(CLASSES.values())
    clear = [photo((kind,), 500 + n, size) for kind in kinds for n in range(4)]
    blends = [photo((kinds[n % 3], kinds[(n + 1) % 3]), 700 + 10 * n, size) for n in range(8)]
    return clear + blends


class OtherOrigin:
    """A second local server: the loaders' pages and photos, on another port than Snapclass."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body, kind = files.get(self.path.split("?")[0], (b"not here", "text/plain"))
                self.send_response(200 if self.path.split("?")[0] in files else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, body: bytes | str, kind: str = "text/html") -> str:
        self.files[path] = (body.encode() if isinstance(body, str) else body, kind)
        return self.url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()  # http.server's serve_forever leaves its socket open


def fitted_head(server: LiveServer, backbone_id: str, pictures: list[bytes], labels: list[int]):
    """A head fitted by the page's recipe on the pictures' embeddings (and their mirrors)."""
    from converters.backbone import backbone_from
    from converters.classifier import backbone_weights
    from server.backbone_files import load_backbone
    from server.finetune.model import fit_head

    with server.app.app_context():
        metadata = load_backbone(backbone_id)
    backbone = backbone_from(backbone_weights(metadata), metadata["input_size"])
    squares = np.stack([square_picture(p, metadata["input_size"]) for p in pictures])
    batch = np.concatenate([squares, squares[:, :, ::-1]]) / 127.5 - 1
    embeddings = backbone.predict(batch, verbose=0)
    return fit_head(embeddings, np.array(labels * 2), len(CLASSES))


def serialize(head) -> dict:
    """A head in trainer.js serializeHead's JSON."""
    import base64

    def floats(values) -> str:
        return base64.b64encode(np.asarray(values, "<f4").tobytes()).decode()

    layers = [{"units": int(layer.kernel.shape[1]), "activation": layer.activation,
               "kernelShape": list(layer.kernel.shape), "kernel": floats(layer.kernel),
               "bias": floats(layer.bias)} for layer in head.layers]  # fmt: skip
    return {"format": "snapclass-head", "version": 1, "inputDim": head.input_dim,
            "numClasses": head.num_classes, "preprocess": head.preprocess,
            "layers": layers}  # fmt: skip


def fine_tuned_version(api: Api, project: dict) -> dict:
    started = api.client.post(
        f"/api/projects/{project['id']}/finetune", json=TINY_JOB, headers=api.auth(project)
    )
    assert started.status_code == 202, started.json
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while (job := api.get(project, f"/api/jobs/{started.json['id']}").json)["state"] != "succeeded":
        assert job["state"] not in ("failed", "cancelled"), job
        assert time.monotonic() < deadline, job
        time.sleep(1)
    return job["model"]


def keras_probabilities(server: LiveServer, project: dict, model_id: str, pictures) -> np.ndarray:
    """The version's Keras export, fed as its usage snippet feeds it (centre square, 224)."""
    import keras

    url = f"{server.url}/api/models/{model_id}/export?format=keras"
    request = Request(url, headers=Api.auth(project))
    with urlopen(request, timeout=600) as response, io.BytesIO(response.read()) as data:
        path = Path(server.app.config["DATA_DIR"]) / f"{model_id}.keras"
        path.write_bytes(data.getvalue())
    model = keras.models.load_model(path)
    batch = np.stack([square_picture(picture, 224) for picture in pictures])
    return model.predict(batch, verbose=0)


@pytest.fixture(scope="module")
def links(tmp_path_factory):
    """Snapclass with a project's browser-trained and fine-tuned versions, each shared; the
    other origin; and the photos."""
    with LiveServer(tmp_path_factory.mktemp("teachable"), BUILT_BACKBONES) as server:
        api = Api(server.app.test_client())
        project = api.create_project(title="Shapes", classes=list(CLASSES))
        pictures, labels = [], []
        for index, cls in enumerate(project["classes"]):
            batch = [png_bytes(scene(CLASSES[cls["name"]], seed)) for seed in range(8)]
            api.add_samples(project, *batch, class_id=cls["id"])
            pictures += batch
            labels += [index] * len(batch)
        default = json.load(urlopen(f"{server.url}/api/backbones"))["default"]
        head = fitted_head(server, default, pictures, labels)
        browser_version = api.save_model(project, head=serialize(head), backbone_id=default)
        fine_tuned = fine_tuned_version(api, project)
        other = OtherOrigin()
        square, wide = photos((224, 224)), photos((320, 240))
        versions = {}
        for name, model in (("browser", browser_version), ("fine-tuned", fine_tuned)):
            token = api.share(project, model)["token"]
            versions[name] = {
                "model": model,
                "token": token,
                "base": f"{server.url}/s/{token}/tm/",
                "keras": keras_probabilities(server, project, model["id"], wide),
                "keras_square": keras_probabilities(server, project, model["id"], square),
            }
        photo_urls = {
            "wide": [other.add(f"/wide-{n}.png", p, "image/png") for n, p in enumerate(wide)],
            "square": [other.add(f"/square-{n}.png", p, "image/png") for n, p in enumerate(square)],
        }
        yield {"server": server, "api": api, "project": project, "versions": versions,
               "other": other, "photos": photo_urls}  # fmt: skip
        other.close()


TM_PAGE = """<!doctype html><meta charset="utf-8"><title>tmImage</title>
<script src="{vendor[tfjs1]}tf.min.js"></script>
<script src="{vendor[teachablemachine-image]}teachablemachine-image.min.js"></script>"""

# half: compute in half floats, as TF.js's WebGL backend does on devices that cannot render to
# float32 textures (many tablets and phones).
TM_PREDICT = """async ([base, photos, half]) => {
  if (half) tf.ENV.set('WEBGL_FORCE_F16_TEXTURES', true);
  const model = await tmImage.load(base + 'model.json', base + 'metadata.json');
  const out = [];
  for (const url of photos) {
    const image = new Image();
    image.src = url;
    await image.decode();
    out.push((await model.predict(image)).map((p) => [p.className, p.probability]));
  }
  const float32 = tf.ENV.getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  const labels = model.getClassLabels();
  return { tfjs: tf.version.tfjs, backend: tf.getBackend(), float32, labels, out };
}"""

ML5_PAGE = """<!doctype html><meta charset="utf-8"><title>ml5</title>
<script src="{vendor[ml5]}ml5.min.js"></script>"""

ML5_CLASSIFY = """async ([modelUrl, photos]) => {
  // Without p5 on the page, ml5's constructors return promises.
  const classifier = await ml5.imageClassifier(modelUrl);
  const out = [];
  for (const url of photos) {
    const image = new Image();
    image.src = url;
    await image.decode();
    const results = await classifier.classify(image);
    out.push(results.map((r) => [r.label, r.confidence]));
  }
  return out;
}"""


def vendor_urls(links) -> dict[str, str]:
    server = links["server"]
    return {name: server.url + url for name, url in server.app.config["VENDOR_URLS"].items()}


def open_page(browser, url: str):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(240_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return context, page, errors


@pytest.mark.parametrize(
    ("name", "half"), [("browser", False), ("fine-tuned", False), ("browser", True)]
)
def test_teachable_machine_image_loads_the_link_and_agrees_with_keras(
    links, browser, name, half, record_property
):
    version = links["versions"][name]
    page_url = links["other"].add(f"/tm-{name}.html", TM_PAGE.format(vendor=vendor_urls(links)))
    context, page, errors = open_page(browser, page_url)
    started = time.monotonic()
    answer = page.evaluate(TM_PREDICT, [version["base"], links["photos"]["wide"], half])
    seconds = time.monotonic() - started
    context.close()
    assert not errors, errors
    assert answer["tfjs"] == "1.3.1" and answer["float32"] is not half
    labels = list(CLASSES)
    assert answer["labels"] == labels
    got = np.array([[p for _, p in row] for row in answer["out"]])
    assert all([n for n, _ in row] == labels for row in answer["out"])
    expected = version["keras"]
    difference = float(np.abs(got - expected).max())
    name += " half-float" if half else ""
    figures = {"backend": answer["backend"], "photos": len(got), "max_difference":
               round(difference, 4), "seconds": round(seconds, 1),
               "keras_top_probability_min": round(float(expected.max(1).min()), 3)}  # fmt: skip
    print(f"tmImage {name}: {figures}")
    record_property(f"tm_image_{name}", json.dumps(figures))
    assert (got.argmax(1) == expected.argmax(1)).all(), (got, expected)
    assert difference <= TOLERANCE, figures
    # The photos test something: each class is some photo's top class.
    assert set(expected.argmax(1)) == {0, 1, 2}


def test_ml5_image_classifier_loads_the_link_and_agrees_with_keras(links, browser):
    version = links["versions"]["browser"]
    page_url = links["other"].add("/ml5.html", ML5_PAGE.format(vendor=vendor_urls(links)))
    context, page, errors = open_page(browser, page_url)
    answer = page.evaluate(
        ML5_CLASSIFY, [version["base"] + "model.json", links["photos"]["square"]]
    )
    context.close()
    assert not errors, errors
    labels = list(CLASSES)
    expected = version["keras_square"]
    tops = [row[0][0] for row in answer]
    assert tops == [labels[i] for i in expected.argmax(1)]
    difference = max(abs(row[0][1] - expected[n].max()) for n, row in enumerate(answer))
    print(f"ml5: photos {len(answer)}, top probability max difference {difference:.4f}")


def test_the_files_are_kept_and_answer_any_origin(links):
    server, version = links["server"], links["versions"]["browser"]
    for filename in ("model.json", "metadata.json", "weights.bin"):
        url = f"{server.url}/s/{version['token']}/tm/{filename}"
        with urlopen(url) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
            etag = response.headers["ETag"]
        # Built once: the same bytes again, answered 304 to a browser that has them.
        again = Request(url, headers={"If-None-Match": etag})
        with pytest.raises(HTTPError) as answer:
            urlopen(again)
        # urllib raises a 304 as an error that holds the open answer: closed here, or its socket
        # is found unclosed whenever the garbage collector next runs, in whatever test that is.
        with answer.value as not_modified:
            assert not_modified.code == 304
    metadata = json.load(urlopen(f"{server.url}/s/{version['token']}/tm/metadata.json"))
    assert metadata["labels"] == list(CLASSES) and metadata["imageSize"] == 224
    assert metadata["packageName"] == "@teachablemachine/image"
    topology = json.load(urlopen(f"{server.url}/s/{version['token']}/tm/model.json"))
    kinds = {layer["class_name"] for layer in topology["modelTopology"]["config"]["layers"]}
    assert not kinds & {"Lambda", "Rescaling", "TFOpLambda"}
    dtypes = {w["dtype"] for w in topology["weightsManifest"][0]["weights"]}
    assert dtypes == {"float32"}


def test_the_share_page_shows_the_link_and_the_sketch(links, browser):
    version = links["versions"]["browser"]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{links['server'].url}/s/{version['token']}")
    field = page.locator(".teachable-link .tm-url")
    field.wait_for()
    assert field.input_value() == version["base"]
    assert page.locator(".teachable-link h3").inner_text() == "Teachable Machine link"
    assert "Scratch" in page.locator(".teachable-link .hint").first.inner_text()
    page.get_by_text("Use in p5.js").click()
    shown = page.locator(".p5-sketch pre").inner_text()
    shared = json.load(urlopen(f"{links['server'].url}/s/{version['token']}/model.json"))
    assert shown.strip() == shared["teachable_machine"]["p5_snippet"].strip()
    context.close()


P5_DRAWN = """() => {
  window.drawnTexts = [];
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.drawnTexts.push(String(text));
    return fillText.call(this, text, ...rest);
  };
}"""


def test_the_p5_sketch_runs_as_shown_and_draws_a_class_name(links, browser):
    version = links["versions"]["browser"]
    server = links["server"]
    shared = json.load(urlopen(f"{server.url}/s/{version['token']}/model.json"))
    sketch = shared["teachable_machine"]["p5_snippet"]
    assert "cdn" not in sketch and "https://" not in sketch
    assert f"{server.url}/vendor/" in sketch and version["base"] in sketch
    url = links["other"].add("/sketch.html", sketch)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Records what the sketch draws as text; the sketch itself runs as shown.
    page.add_init_script(f"({P5_DRAWN})()")
    page.goto(url)
    deadline = time.monotonic() + 240
    drawn: list[str] = []
    while not set(drawn) & set(CLASSES):
        assert time.monotonic() < deadline, (drawn[-5:], errors)
        page.wait_for_timeout(250)
        drawn = page.evaluate("window.drawnTexts")
    context.close()
    assert not errors, errors
