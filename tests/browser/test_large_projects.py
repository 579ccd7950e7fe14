"""Projects of thousands of pictures: the studio draws only what is on screen, keeps its memory
bounded, trains, and answers clicks while it works; preparing pictures runs in a Web Worker."""

import time

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from benchmarks.large_project import make_project
from server.db import db
from server.models import Embedding, Project, Sample

from .conftest import wait_until

HEAP_LIMIT_BYTES = 500 * 2**20
MAX_IMAGES = 1000
CLICK_LIMIT_MS = 200

# Milliseconds from a click on a thumbnail until the page shows it selected (or unselected).
CLICK_A_THUMB = """async () => {
  const thumb = document.querySelector('.class-card .thumb[data-status=saved]');
  const started = performance.now();
  const shown = new Promise((resolve) => new MutationObserver((_, observer) => {
    observer.disconnect();
    resolve();
  }).observe(thumb, { attributes: true, attributeFilter: ['aria-pressed'] }));
  thumb.click();
  await shown;
  return performance.now() - started;
}"""

# Scrolls every class's thumbnails from top to bottom, a box at a time; returns the most <img>
# elements the page held at any step.
SCROLL_EVERY_CLASS = """async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  let most = document.images.length;
  for (const grid of document.querySelectorAll('.class-card .sample-grid')) {
    grid.scrollIntoView({ block: 'center' });
    for (let top = 0; top <= grid.scrollHeight; top += grid.clientHeight) {
      grid.scrollTop = top;
      await frame();
      most = Math.max(most, document.images.length);
    }
  }
  return most;
}"""


def heap_bytes(page: Page) -> int:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    cdp.detach()
    return int(metrics["JSHeapUsedSize"])


def open_studio(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url)


def test_studio_opens_scrolls_and_trains_a_project_of_5000_pictures(page: Page, live_server):
    project = make_project(live_server.app, pictures=5000, classes=10)
    open_studio(page, project.studio_url(live_server.url))
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'", timeout=300)
    expect(page.locator(".status-line")).to_contain_text("Pictures ready for training.")
    assert page.locator("body").get_attribute("data-embeddings-computed") == "0"
    counts = page.locator(".class-card .sample-grid").evaluate_all(
        "grids => grids.map((g) => Number(g.dataset.count))"
    )
    assert counts == [500] * 10
    clicks = [page.evaluate(CLICK_A_THUMB)]

    most_images = page.evaluate(SCROLL_EVERY_CLASS)
    assert most_images < MAX_IMAGES, f"{most_images} <img> elements while scrolling"
    clicks.append(page.evaluate(CLICK_A_THUMB))
    heaps = [heap_bytes(page)]

    page.get_by_text("Advanced settings").click()
    page.locator("#setting-epochs").fill("5")
    page.get_by_role("button", name="Train model").click()
    clicks.append(page.evaluate(CLICK_A_THUMB))
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=300_000)
    clicks.append(page.evaluate(CLICK_A_THUMB))
    heaps.append(heap_bytes(page))
    accuracy = page.locator(".val-accuracy").inner_text()
    assert int(accuracy.split(":")[1].strip(" %")) >= 90, accuracy
    assert max(heaps) < HEAP_LIMIT_BYTES, f"JS heap {[h // 2**20 for h in heaps]} MB"
    assert max(clicks) < CLICK_LIMIT_MS, f"clicks answered in {clicks} ms"


def test_pictures_are_prepared_in_a_worker_while_the_page_answers(page: Page, live_server):
    project = make_project(live_server.app, pictures=200, classes=4, embeddings=False)
    open_studio(page, project.studio_url(live_server.url))
    wait_until(page, "document.body.dataset.embeddingBackend !== undefined", timeout=120)
    assert page.locator("body").get_attribute("data-embedding-backend").startswith("worker:")
    clicks = []
    while page.locator("body").get_attribute("data-embeddings-ready") != "true":
        clicks.append(page.evaluate(CLICK_A_THUMB))
        page.wait_for_timeout(250)
    assert page.locator("body").get_attribute("data-embeddings-computed") == "200"
    assert len(clicks) >= 5, "preparing 200 pictures was too quick to watch"
    assert max(clicks) < CLICK_LIMIT_MS, f"clicks answered in {clicks} ms while preparing"
    # Every computed pair reaches the server, a batch of them per request.
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'")
    stored = (
        select(func.count())
        .select_from(Embedding)
        .join(Sample)
        .join(Project)
        .where(Project.public_id == project.id)
    )
    with live_server.app.app_context():
        deadline = time.monotonic() + 30
        while db.session.scalar(stored) < 200:
            assert time.monotonic() < deadline, "the computed pairs never all reached the server"
            db.session.remove()
            time.sleep(0.5)
