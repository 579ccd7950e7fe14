"""Browser fixtures: the real app on a free port, driven by Debian's Chromium through Playwright."""

import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from server import create_app
from server.db import upgrade_database

from .media import write_webcam_video

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
BUILT_BACKBONES = REPO / "build" / "backbones"
EMBEDDINGS_PUT = re.compile(r"/api/projects/[^/]+/embeddings/[^/?]+$")
BUILT_SERVICE_WORKER = REPO / "build" / "service-worker"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser."""
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            # When Chromium drops a connection mid-response (a worker or page torn down while
            # its script streams), werkzeug's development server leaves that static file open.
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )


def served_app(data_dir: Path, backbone_dir: Path, service_worker: bool = False):
    """The app on its own data folder. Its pages register the service worker only where a test
    asks: each worker precaches 14 MB at its first visit, which every other test would pay for
    (and which would answer requests a test routes itself)."""
    worker_dir = str(BUILT_SERVICE_WORKER) if service_worker else ""
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "BACKBONE_DIR": str(backbone_dir),
            "SERVICE_WORKER_DIR": worker_dir,
        }
    )


class LiveServer:
    """The app served by werkzeug in a thread, with its own data folder."""

    def __init__(self, data_dir: Path, backbone_dir: Path) -> None:
        self.app = served_app(data_dir, backbone_dir)
        upgrade_database(self.app)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.thread.join()


class OneRequestPerConnection(WSGIRequestHandler):
    """HTTP/1.0: each connection closes after its answer, so a stopped server keeps no
    keep-alive connection answering; the browser's next request is refused, as by a dead server."""

    protocol_version = "HTTP/1.0"


class RestartableServer:
    """The app on a fixed port that a test stops (the port then refuses connections, unlike a
    browser's offline switch) and starts again with the same data folder and database."""

    def __init__(self, data_dir: Path, backbone_dir: Path, service_worker: bool = False) -> None:
        self.app = served_app(data_dir, backbone_dir, service_worker)
        upgrade_database(self.app)
        self.port = 0
        self.server = None
        self.thread = None
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=OneRequestPerConnection
        )
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def restartable_server(tmp_path: Path, backbone_dir: Path) -> Iterator[RestartableServer]:
    server = RestartableServer(tmp_path / "data", backbone_dir)
    yield server
    if server.thread.is_alive():
        server.stop()


@pytest.fixture
def offline_server(tmp_path: Path, backbone_dir: Path) -> Iterator[RestartableServer]:
    """A RestartableServer whose pages register the service worker `make install` generated."""
    script = BUILT_SERVICE_WORKER / "sw.js"
    if not script.is_file():
        pytest.fail("No service worker in build/service-worker: run `make install` first.")
    pages = [path for path in (REPO / "static").rglob("*") if "tests" not in path.parts]
    if max(path.stat().st_mtime for path in pages) > script.stat().st_mtime:
        pytest.fail("build/service-worker/sw.js is older than the pages: run `make install`.")
    server = RestartableServer(tmp_path / "data", backbone_dir, service_worker=True)
    yield server
    if server.thread.is_alive():
        server.stop()


@pytest.fixture(scope="session")
def backbone_dir() -> Path:
    """The backbone exported by the set-up (make install); browser tests need real weights."""
    if not any(BUILT_BACKBONES.glob("*/metadata.json")):
        pytest.fail("No exported backbone in build/backbones: run `make install` first.")
    return BUILT_BACKBONES


@pytest.fixture
def live_server(tmp_path: Path, backbone_dir: Path) -> Iterator[LiveServer]:
    """A fresh app with an empty database on a free port."""
    with LiveServer(tmp_path / "data", backbone_dir) as server:
        yield server


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        yield playwright


def launch_chromium(playwright, extra_args: list[str] = ()) -> Browser:
    """Start headless Chromium with the flags this machine needs (docs/architecture.md)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
    )


@pytest.fixture(scope="session")
def browser(playwright_instance) -> Iterator[Browser]:
    """Chromium with its built-in fake webcam, allowed without asking."""
    browser = launch_chromium(
        playwright_instance,
        ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
    )
    yield browser
    browser.close()


@pytest.fixture
def camera_browser(playwright_instance, tmp_path: Path) -> Iterator[Browser]:
    """Chromium whose fake camera alternates media.py's "disc" and "stripes" scenes, 2 s each,
    at the 480 x 360 the block editor's camera asks for at least."""
    video = write_webcam_video(
        tmp_path / "camera.y4m", ["disc", "stripes"], frames_per_scene=20, size=(480, 360)
    )
    browser = launch_chromium(
        playwright_instance,
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


def wait_until(page: Page, expression: str, arg=None, timeout: float = 60) -> None:
    """Poll a JavaScript expression until it is truthy.

    Playwright's wait_for_function evaluates its predicate with eval() in the page, which our
    Content-Security-Policy rightly forbids; page.evaluate runs outside the page's CSP.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


class ConsoleErrors(list):
    """Console errors and uncaught page errors seen during a test."""

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.append(f"pageerror: {error}"))
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        # A failed request logs "Failed to load resource" without its URL; _on_response has it.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.append(f"console: {message.text}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and not self._handled_race(response):
            self.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    @staticmethod
    def _handled_race(response: Response) -> bool:
        """A batch of embeddings that named a picture deleted while the batch was on its way.

        The server refuses the whole batch with 404 and the ids it no longer has; the page drops
        those and sends the rest again (embeddingSender.js, failureAction 'drop'). Any other 404,
        or one without the ids, is still an error.
        """
        if response.status != 404 or response.request.method != "PUT":
            return False
        if not EMBEDDINGS_PUT.search(response.url):
            return False
        try:
            missing = response.json().get("missing_ids")
        except Exception:  # noqa: BLE001 - no readable body: not the handled answer
            return False
        return isinstance(missing, list) and bool(missing)


@pytest.fixture
def patient_expect() -> Iterator[None]:
    """Playwright's expectations wait 20 s instead of 5, for tests where several browsers share
    two loaded cores (a module asks for it with `pytest.mark.usefixtures`)."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(autouse=True)
def close_left_contexts(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the shared browser, close any context it left open: a page left
    running (a poller, a webcam, a model predicting) would take CPU from every later test."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    """A page in a fresh browser profile; the test fails if the page logs an error."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    console_errors.watch(page)
    yield page
    context.close()
    assert not console_errors, "\n".join(console_errors)
