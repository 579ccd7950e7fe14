"""How the studio copes with big projects: time to open, time to prepare, JS heap, DOM nodes.

For each size (500 / 2,000 / 5,000 pictures in 10 classes by default) a generated project
(benchmarks/large_project.py) is opened in headless Chromium twice:
- opened: its embeddings already stored on the server (a project reopened), until every
  picture is ready for training;
- from scratch: no stored embedding, so the page's worker runs the backbone on every picture.
Reported per run: seconds until the classes are drawn and until every picture is ready, the
page's JS heap (CDP JSHeapUsedSize) and its DOM nodes and <img> elements at the end.

With --map, the lesson's map of pictures is then drawn with PCA and with UMAP (the layout's
radio button): seconds until every picture is placed, and the page's long tasks meanwhile (the
longest, and their sum: the time the page could not answer a click), from a PerformanceObserver.

    python -m benchmarks.studio_scale [--sizes 500 2000 5000] [--skip-scratch] [--map]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.large_project import make_project
from tests.browser.conftest import BUILT_BACKBONES, LiveServer, launch_chromium, wait_until

RESULTS = Path(__file__).resolve().parents[1] / "build" / "benchmarks"


def page_metrics(page) -> dict:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    cdp.detach()
    return {
        "heap_mb": round(metrics["JSHeapUsedSize"] / 2**20, 1),
        "dom_nodes": page.evaluate("document.getElementsByTagName('*').length"),
        "images": page.evaluate("document.images.length"),
    }


# Long tasks (> 50 ms on the page's thread) from now on, kept on window for the benchmark to read.
WATCH_LONG_TASKS = """() => {
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
  }).observe({ type: 'longtask' });
}"""
LONG_TASKS = """() => {
  const tasks = window.longTasks.splice(0);
  return { longest: Math.max(0, ...tasks), total: tasks.reduce((a, b) => a + b, 0) };
}"""


def measure_map(page, pictures: int) -> dict:
    """Seconds to place every picture on the lesson's map by PCA, then by UMAP, and the page's
    long tasks during each."""
    page.locator(".learn-panel summary").click()
    page.evaluate(WATCH_LONG_TASKS)
    result = {}
    for layout in ("pca", "umap"):
        page.evaluate(LONG_TASKS)  # forget what came before
        started = time.monotonic()
        if layout == "pca":
            page.get_by_role("tab", name="Map of your pictures").click()
        else:
            page.locator("input[name=map-layout][value=umap]").check()
        placed = f"n => document.querySelectorAll('.map[data-layout={layout}] .dot').length === n"
        wait_until(page, placed, pictures, timeout=3600)
        seconds = time.monotonic() - started
        tasks = page.evaluate(LONG_TASKS)
        result[layout] = {
            "seconds": round(seconds, 1),
            "longest_task_ms": round(tasks["longest"]),
            "long_tasks_ms": round(tasks["total"]),
        }
    return result


def measure(
    browser, server: LiveServer, pictures: int, classes: int, stored: bool, map_too: bool = False
) -> dict:
    project = make_project(server.app, pictures, classes, embeddings=stored)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    started = time.monotonic()
    page.goto(project.studio_url(server.url))
    drawn = (
        "n => [...document.querySelectorAll('.sample-grid')]"
        ".reduce((sum, g) => sum + Number(g.dataset.count || 0), 0) === n"
    )
    wait_until(page, drawn, pictures, timeout=3600)
    opened = time.monotonic() - started
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'", timeout=3600)
    ready = time.monotonic() - started
    result = {
        "pictures": pictures,
        "stored_embeddings": stored,
        "drawn_s": round(opened, 1),
        "ready_s": round(ready, 1),
        "computed": int(page.locator("body").get_attribute("data-embeddings-computed")),
        "prepared_by": page.locator("body").get_attribute("data-embedding-backend"),
        **page_metrics(page),
    }
    if map_too:
        result["map"] = measure_map(page, pictures)
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument(
        "--skip-scratch", action="store_true", help="only projects with stored embeddings"
    )
    parser.add_argument("--map", action="store_true", help="also time the lesson's map")
    parser.add_argument("--json", type=Path, default=RESULTS / "studio_scale.json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        with LiveServer(Path(data), BUILT_BACKBONES) as server:
            for size in args.sizes:
                for stored in (True, False) if not args.skip_scratch else (True,):
                    row = measure(browser, server, size, args.classes, stored, args.map)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
        browser.close()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2))
    print(
        "| pictures | embeddings | classes drawn | all ready | computed here "
        "| JS heap | DOM nodes | <img> |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        kind = "stored" if r["stored_embeddings"] else "from scratch"
        print(
            f"| {r['pictures']} | {kind} | {r['drawn_s']} s | {r['ready_s']} s | {r['computed']} "
            f"| {r['heap_mb']} MB | {r['dom_nodes']} | {r['images']} |"
        )


if __name__ == "__main__":
    main()
