"""How the studio copes with big projects: time to open, time to prepare, JS heap, DOM nodes.

For each size (500 / 2,000 / 5,000 pictures in 10 classes by default) a generated project
(benchmarks/large_project.py) is opened in headless Chromium twice:
- opened: its embeddings already stored on the server (a project reopened), until every
  picture is ready for training;
- from scratch: no stored embedding, so the page's worker runs the backbone on every picture.
Reported per run: seconds until the first picture is ready for training, until every picture
is listed and drawn, and until every picture is ready; the page's JS heap (CDP JSHeapUsedSize)
and its DOM nodes and <img> elements at the end; the machine's load average before and after.

With --map, the lesson's map of pictures is then drawn with PCA and with UMAP (the layout's
radio button): seconds until every picture is placed, and the page's long tasks meanwhile (the
longest, and their sum: the time the page could not answer a click), from a PerformanceObserver.

    python -m benchmarks.studio_scale [--sizes 500 2000 5000] [--skip-scratch] [--budget S] [--map]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
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


# Polled together, so each milestone is timed when it happens, whatever the order.
MILESTONES = ("first_ready", "drawn", "ready")
PROGRESS = """n => ({
  first_ready: Number(document.body.dataset.embeddingsDone || 0) > 0,
  drawn: [...document.querySelectorAll('.sample-grid')]
    .reduce((sum, g) => sum + Number(g.dataset.count || 0), 0) === n,
  ready: document.body.dataset.embeddingsReady === 'true',
})"""


def milestones(page, pictures: int, budget: float) -> dict[str, float]:
    """The monotonic time at which each milestone was first seen (polled every 50 ms), until
    all were seen or `budget` seconds have passed."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + budget
    while len(seen) < len(MILESTONES) and time.monotonic() < deadline:
        state = page.evaluate(PROGRESS, pictures)
        now = time.monotonic()
        for name in MILESTONES:
            if state[name] and name not in seen:
                seen[name] = now
        page.wait_for_timeout(50)
    return seen


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
    browser,
    server: LiveServer,
    pictures: int,
    classes: int,
    stored: bool,
    budget: float,
    map_too: bool = False,
) -> dict:
    project = make_project(server.app, pictures, classes, embeddings=stored)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    page.goto(project.studio_url(server.url))
    seen = milestones(page, pictures, budget)
    elapsed = time.monotonic() - started
    times = {name: round(seen[name] - started, 1) if name in seen else None for name in MILESTONES}
    prepared = int(page.locator("body").get_attribute("data-embeddings-done") or 0)
    result = {
        "pictures": pictures,
        "stored_embeddings": stored,
        "first_ready_s": times["first_ready"],
        "drawn_s": times["drawn"],
        "ready_s": times["ready"],
        # Stopped by the budget: how many were ready by then, and the pace since the first.
        "prepared": prepared,
        "elapsed_s": round(elapsed, 1),
        "pictures_per_s": round((prepared - 1) / max(elapsed - times["first_ready"], 1e-9), 2)
        if times["first_ready"] is not None and prepared > 1
        else None,
        "computed": int(page.locator("body").get_attribute("data-embeddings-computed")),
        "prepared_by": page.locator("body").get_attribute("data-embedding-backend"),
        **page_metrics(page),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
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
    parser.add_argument(
        "--budget",
        type=float,
        default=3600,
        help="seconds a project may take; past it the run reports how many pictures were ready",
    )
    parser.add_argument("--map", action="store_true", help="also time the lesson's map")
    parser.add_argument("--json", type=Path, default=RESULTS / "studio_scale.json")
    args = parser.parse_args()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        with LiveServer(Path(data), BUILT_BACKBONES) as server:
            for size in args.sizes:
                for stored in (True, False) if not args.skip_scratch else (True,):
                    row = measure(
                        browser, server, size, args.classes, stored, args.budget, args.map
                    )
                    print(json.dumps(row), flush=True)
                    rows.append(row)
                    # Written as it goes: a long run stopped early keeps what it measured.
                    args.json.write_text(json.dumps(rows, indent=2))
        browser.close()
    print(
        "| pictures | embeddings | first ready | all drawn | all ready | computed here "
        "| JS heap | DOM nodes | <img> | load average |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        kind = "stored" if r["stored_embeddings"] else "from scratch"
        ready = (
            f"{r['ready_s']} s"
            if r["ready_s"] is not None
            else f"stopped at {r['elapsed_s']} s: {r['prepared']} ready ({r['pictures_per_s']}/s)"
        )
        print(
            f"| {r['pictures']} | {kind} | {r['first_ready_s']} s | {r['drawn_s']} s "
            f"| {ready} | {r['computed']} | {r['heap_mb']} MB | {r['dom_nodes']} "
            f"| {r['images']} | {r['load_average'][0]}–{r['load_average'][1]} |"
        )


if __name__ == "__main__":
    main()
