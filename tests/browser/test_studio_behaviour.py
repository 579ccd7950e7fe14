"""The studio's smaller promises: recording keeps pace while pictures are prepared, the page has a
heading, says when pictures are ready, keeps ten classes inside their panel, shows every saved
version's accuracy, keeps keyboard focus through redraws, frees captured pictures, and a
reopened project previews its saved model."""

import time
from pathlib import Path

from playwright.sync_api import Page, expect

from benchmarks.large_project import make_project

from .conftest import wait_until
from .media import write_pictures
from .test_studio import classify_file

# Object URLs the page made and has not revoked: each holds a picture in memory.
COUNT_OBJECT_URLS = """
window.__liveObjectUrls = new Set();
const create = URL.createObjectURL.bind(URL);
const revoke = URL.revokeObjectURL.bind(URL);
URL.createObjectURL = (blob) => {
  const url = create(blob);
  window.__liveObjectUrls.add(url);
  return url;
};
URL.revokeObjectURL = (url) => {
  window.__liveObjectUrls.delete(url);
  revoke(url);
};
"""


def test_holding_record_for_3_seconds_takes_25_pictures_while_earlier_ones_are_prepared(
    page: Page, live_server
):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start a new project").click()
    page.wait_for_url("**/p/**")
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'", timeout=120)
    card = page.locator(".class-card").nth(0)
    page.get_by_role("button", name="Turn webcam on").click()
    wait_until(page, "document.querySelector('.camera-panel video').readyState >= 2")
    card.get_by_role("button", name="Hold to record").hover()
    page.mouse.down()
    deadline = time.monotonic() + 3
    prepared_meanwhile = False
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        prepared_meanwhile |= (
            int(page.locator("body").get_attribute("data-embeddings-computed")) > 0
        )
    page.mouse.up()
    taken = int(card.locator(".sample-grid").get_attribute("data-count"))
    assert taken >= 25, f"{taken} pictures in 3 s"
    assert prepared_meanwhile, "no picture was prepared while recording"
    wait_until(page, "document.body.dataset.pendingUploads === '0'")


def test_ten_classes_train_save_and_come_back(page: Page, live_server, tmp_path: Path):
    project = make_project(live_server.app, pictures=60, classes=10)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.add_init_script(COUNT_OBJECT_URLS)
    page.goto(project.studio_url(live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text(project_title(project))
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'", timeout=120)
    expect(page.locator(".status-line")).to_contain_text("Pictures ready for training.")

    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=120_000)
    expect(page.locator(".confusion tbody tr")).to_have_count(10)
    overflow = page.locator(".train-panel").evaluate(
        "panel => panel.scrollWidth - panel.clientWidth"
    )
    assert overflow <= 0, f"the confusion matrix sticks out of its panel by {overflow} px"

    page.get_by_role("button", name="Save this model").click()
    version = page.locator(".model-version")
    expect(version).to_have_count(1)
    expect(version).to_contain_text("% validation accuracy")

    # Keyboard focus stays on a version while a picture lands and is prepared.
    version.locator(".version-name").focus()
    [upload] = write_pictures(tmp_path / "new", "disc", 1, first_seed=7)
    page.locator(".class-card").nth(0).locator("input[type=file]").set_input_files(str(upload))
    wait_until(page, "document.body.dataset.pendingUploads === '0'")
    wait_until(page, "document.body.dataset.embeddingsComputed === '1'", timeout=60)
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'")
    assert page.evaluate("document.activeElement.classList.contains('version-name')")
    # Saved and prepared, the uploaded picture's own copy is let go.
    wait_until(page, "window.__liveObjectUrls.size === 0")

    # Reopened, the project previews its saved model without training again.
    page.reload()
    expect(page.get_by_role("button", name="Try an image")).to_be_enabled(timeout=60_000)
    expect(page.locator(".train-status")).to_have_text("")
    [picture] = write_pictures(tmp_path / "try", "disc", 1, first_seed=8)
    assert classify_file(page, picture).startswith("Class ")


def project_title(project) -> str:
    return f"{project.pictures} pictures"
