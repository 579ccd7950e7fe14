"""The block editor's cold load: bytes transferred and time until it is usable, from localhost.

    python -m benchmarks.blocks_editor_load [--visits 3] [--seconds 5] [--json FILE]

Each visit opens /blocks/#model=<a Teachable Machine link> in a fresh Chromium profile (empty
cache) and then again in a new tab of the same profile (the HTTP cache in play). The model is the
browser tests' two-class Teachable Machine model (tests/browser/tm_model.py), served from another
port with CORS headers. Measured on the page's clock from navigation start, polled every 50 ms:
- editor ready: the starting project is in the editor (its workspace drawn, its sprite loaded);
- model ready: the model's labels are in the blocks' menus.
Bytes are every byte received (DevTools Network.loadingFinished). Last, in the cold page, the
camera (Chromium's fake one, a 480x360 video) is turned on through the blocks for --seconds and
the predictions a second counted. Targets: editor ready under 5 s cold; 10 predictions a second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks import harness
from benchmarks.harness import BenchServer
from benchmarks.share_cold_start import Traffic
from tests.browser.conftest import launch_chromium
from tests.browser.media import write_webcam_video
from tests.browser.tm_model import ModelServer, write_tm_model

READY_TARGET_MS = 5000
PREDICTIONS_TARGET = 10
EDITOR_READY = (
    "document.querySelector('.blocklyWorkspace') !== null"
    " && window.snapclassBlocks?.vm?.runtime.targets.length >= 2"
)
MODEL_READY = "(window.snapclassBlocks?.blocks?.model?.labels?.length ?? 0) > 0"


def mark(page, expression: str, timeout: float = 120) -> float:
    """The page's clock (ms from navigation start) when expression first holds, polled at 50 ms."""
    deadline = time.monotonic() + timeout
    while True:
        answer = page.evaluate(f"({expression}) ? performance.now() : null")
        if answer is not None:
            return round(answer, 1)
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(50)


def bytes_by_kind(traffic: Traffic) -> dict[str, int]:
    kinds = {"editor bundle": 0, "editor's other files": 0, "TF.js": 0, "model": 0, "Snapclass": 0}
    for request, size in traffic.bytes.items():
        url = traffic.urls.get(request, "")
        if url.endswith("/scratch-gui-standalone.js"):
            kinds["editor bundle"] += size
        elif "/blocks/editor/" in url:
            kinds["editor's other files"] += size
        elif "/vendor/tfjs" in url:
            kinds["TF.js"] += size
        elif "/blocks/" in url or "/static/" in url:
            kinds["Snapclass"] += size
        else:
            kinds["model"] += size
    return kinds


def visit(context, url: str) -> tuple[dict, object]:
    page = context.new_page()
    page.set_default_timeout(120_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    traffic = Traffic(page)
    page.goto(url)
    editor_ms = mark(page, EDITOR_READY)
    model_ms = mark(page, MODEL_READY)
    page.wait_for_timeout(300)  # requests still finishing
    if errors:
        raise RuntimeError(f"the editor failed: {errors}")
    result = {
        "bytes": traffic.total(),
        "requests": len(traffic.urls),
        "bytes_by_kind": bytes_by_kind(traffic),
        "editor_ready_ms": editor_ms,
        "model_ready_ms": model_ms,
    }
    return result, page


def predictions_per_second(page, seconds: float) -> float:
    page.evaluate("window.snapclassBlocks.blocks.setCamera({STATE: 'on'})")
    harness.wait_until(page, "window.snapclassBlocks.blocks.predictions > 0", timeout=60)
    first = page.evaluate("[window.snapclassBlocks.blocks.predictions, performance.now()]")
    page.wait_for_timeout(seconds * 1000)
    last = page.evaluate("[window.snapclassBlocks.blocks.predictions, performance.now()]")
    return round((last[0] - first[0]) / ((last[1] - first[1]) / 1000), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    before = harness.machine()
    cold, warm, rates = [], [], []
    with tempfile.TemporaryDirectory() as work, BenchServer(Path(work) / "data") as server:
        video = write_webcam_video(
            Path(work) / "camera.y4m", ["disc", "stripes"], frames_per_scene=20, size=(480, 360)
        )
        flags = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
        flags.append(f"--use-file-for-fake-video-capture={video}")
        with ModelServer(write_tm_model(Path(work) / "tm")) as models, sync_playwright() as pw:
            browser = launch_chromium(pw, flags)
            url = f"{server.url}/blocks/#model={models.url}model.json"
            for number in range(args.visits):
                context = browser.new_context(permissions=["camera"])
                result, page = visit(context, url)
                cold.append(result)
                rates.append(predictions_per_second(page, args.seconds))
                page.close()  # its camera loop would slow the second visit down
                warm.append(visit(context, url)[0])
                context.close()
                print(
                    f"  visit {number + 1}: cold {result['bytes'] / 1e6:.1f} MB, editor ready "
                    f"{result['editor_ready_ms']:.0f} ms, model {result['model_ready_ms']:.0f} ms;"
                    f" second visit {warm[-1]['bytes'] / 1e6:.2f} MB, "
                    f"{warm[-1]['editor_ready_ms']:.0f} ms; {rates[-1]} predictions/s",
                    flush=True,
                )
            chromium_version = browser.version
            browser.close()

    def median(visits, key):
        return statistics.median(v[key] for v in visits)

    summary = {
        name: {key: median(visits, key) for key in ("bytes", "editor_ready_ms", "model_ready_ms")}
        for name, visits in (("cold", cold), ("second_visit", warm))
    }
    summary["cold"]["bytes_by_kind"] = cold[0]["bytes_by_kind"]
    summary["predictions_per_second_median"] = statistics.median(rates)
    ready = summary["cold"]["editor_ready_ms"]
    verdicts = [
        harness.target_line(
            f"editor ready under {READY_TARGET_MS / 1000:.0f} s (cold, localhost)",
            ready < READY_TARGET_MS,
            f"{ready:.0f} ms ({ready / READY_TARGET_MS:.2f}x the target)",
        ),
        harness.target_line(
            f"{PREDICTIONS_TARGET} predictions a second from the camera",
            summary["predictions_per_second_median"] >= PREDICTIONS_TARGET,
            f"{summary['predictions_per_second_median']} a second",
        ),
    ]
    rows = [
        (
            name,
            f"{s['bytes'] / 1e6:.2f} MB",
            f"{s['editor_ready_ms']:.0f}",
            f"{s['model_ready_ms']:.0f}",
        )
        for name, s in (("cold", summary["cold"]), ("second visit", summary["second_visit"]))
    ]
    print(
        harness.markdown_table(["visit", "received", "editor ready (ms)", "model ready (ms)"], rows)
    )
    print(
        harness.markdown_table(["kind", "bytes (cold)"], summary["cold"]["bytes_by_kind"].items())
    )
    harness.print_targets(verdicts)
    path = harness.write_results(
        "blocks_editor_load",
        {
            "machine_before": before,
            "machine_after": harness.machine(),
            "chromium": chromium_version,
            "summary": summary,
            "targets": verdicts,
            "cold": cold,
            "second_visit": warm,
            "predictions_per_second": rates,
        },
        args.json,
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
