"""Pictures survive a server that stops: kept on the device (IndexedDB) the moment they are
taken, sent when the server is back, deleted from the device once it has them, never twice."""

import json
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .conftest import CHROMIUM, CHROMIUM_ARGS, wait_until
from .test_studio import start_project

CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

# The page's database 'snapclass' opened as `db`, and `done(request)`: its result as a promise.
OPEN_DEVICE_DB = """
  const done = (r) => new Promise((ok, no) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const db = await done(indexedDB.open('snapclass'));"""

# How many pictures wait in this browser's IndexedDB (devicePictures.js), all projects together.
WAITING_ON_DEVICE = (
    "async () => {"
    + OPEN_DEVICE_DB
    + """
  if (!db.objectStoreNames.contains('pictures')) { db.close(); return 0; }
  const count = await done(db.transaction('pictures').objectStore('pictures').count());
  db.close();
  return count;
}"""
)

# The SHA-256 of every picture waiting there, with its class: what the server must end with.
PICTURES_ON_DEVICE = (
    "async () => {"
    + OPEN_DEVICE_DB
    + """
  const records = await done(db.transaction('pictures').objectStore('pictures').getAll());
  db.close();
  const { pictureDigest } = await import('/static/js/digest.js');
  return Promise.all(records.map(async (r) => [await pictureDigest(r.blob), r.classId]));
}"""
)


def open_profile(playwright_instance, profile: Path) -> BrowserContext:
    """Chromium on a profile kept on disk: a later context on the same folder is the same browser
    opened again, with its IndexedDB."""
    return playwright_instance.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *CAMERA_ARGS],
        permissions=["camera"],
        viewport={"width": 1400, "height": 1000},
    )


def from_server(base_url: str, project_url: str, path: str = "") -> dict:
    """GET /api/projects/<id><path> with the project's owner token (from its edit link)."""
    project_id = project_url.split("/p/")[1].split("#")[0]
    token = project_url.split("#owner=")[1]
    request = urllib.request.Request(
        f"{base_url}/api/projects/{project_id}{path}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def samples_on_server(base_url: str, project_url: str) -> list[dict]:
    return from_server(base_url, project_url, "/samples?per_page=500")["samples"]


def record(page: Page, card, at_least: int) -> int:
    """Hold the card's record button until it shows `at_least` pictures; how many it took."""
    wait_until(page, "document.querySelector('.camera-panel video')?.readyState >= 2")
    card.get_by_role("button", name="Hold to record").hover()
    page.mouse.down()
    shown = "([card, n]) => card.querySelectorAll('.thumb').length >= n"
    wait_until(page, shown, [card.element_handle(), at_least])
    page.mouse.up()
    # Every frame grabbed is encoded and queued: then the queue holds all the pictures shown.
    pending = "Number(document.body.dataset.pendingUploads)"
    thumbs = "document.querySelectorAll('.thumb[data-status=pending]').length"
    try:
        wait_until(page, f"{pending} === {thumbs}", timeout=30)
    except TimeoutError:
        raise AssertionError(page.evaluate(f"[{pending}, {thumbs}]")) from None
    return card.locator(".thumb").count()


def studio_without_server(page: Page, server) -> str:
    """A new project in `page` with its webcam on, then the server stopped; its edit URL."""
    page.set_default_timeout(60_000)
    start_project(page, server.url)
    project_url = page.url
    page.get_by_role("button", name="Turn webcam on").click()
    server.stop()
    return project_url


def reopened_after_pictures_waited(playwright_instance, server, profile: Path, count: int):
    """On a browser profile kept in `profile`: a project whose first class records at least
    `count` pictures while the server is down, the browser closed with every one of them waiting
    on the device, then the server started again and the browser opened again on that profile.
    Returns (the reopened browser, the project's edit URL, how many pictures were taken)."""
    context = open_profile(playwright_instance, profile)
    page = context.new_page()
    project_url = studio_without_server(page, server)
    taken = record(page, page.locator(".class-card").nth(0), count)
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === {taken})")
    context.close()
    server.start()
    return open_profile(playwright_instance, profile), project_url, taken


def test_pictures_taken_while_the_server_is_down_upload_from_a_later_page(
    playwright_instance, restartable_server, tmp_path
):
    server = restartable_server
    context, project_url, taken = reopened_after_pictures_waited(
        playwright_instance, server, tmp_path / "profile", 6
    )
    assert samples_on_server(server.url, project_url) == []  # nothing sent before the page opens
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(project_url)
    card = page.locator(".class-card").nth(0)
    saved = "document.querySelector('.class-card')?.querySelectorAll('.thumb[data-status=saved]')"
    wait_until(page, f"{saved}?.length === {taken}")
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === 0)")
    stored = samples_on_server(server.url, project_url)
    first_class = from_server(server.url, project_url)["classes"][0]["id"]
    assert len(stored) == taken and len({s["id"] for s in stored}) == taken
    assert {s["class_id"] for s in stored} == {first_class}
    assert card.locator(".thumb").count() == taken
    context.close()


def test_the_studio_keeps_working_while_the_server_is_down(
    browser, restartable_server, console_errors
):
    server = restartable_server
    context = browser.new_context(permissions=["camera"], viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console_errors.watch(page)
    project_url = studio_without_server(page, server)

    cards = page.locator(".class-card")
    taken = record(page, cards.nth(0), 6) + record(page, cards.nth(1), 6)
    wait_until(page, f"document.body.dataset.pendingUploads === '{taken}'")
    expect(page.locator(".status-line")).to_contain_text(f"{taken} pictures wait on this device")
    # Prepared here and trainable at once: nothing waits for the server.
    wait_until(page, "!document.querySelector('.train-panel .reasons li')", timeout=120)
    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=120_000)
    preview = page.locator(".preview-panel")
    frames = "Number(document.querySelector('.preview-panel').dataset.frames || 0)"
    wait_until(page, f"{frames} >= 5")
    expect(preview.locator(".prediction")).to_have_count(2)
    # Saving the model needs the server: the studio says so plainly.
    page.get_by_role("button", name="Save this model").click()
    expect(page.get_by_text("The server cannot be reached").first).to_be_visible()
    # Closing the tab now would lose pictures: the studio asks first.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 30
    while not asked and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert asked == ["beforeunload"]
    assert not page.is_closed()
    waiting = page.evaluate(f"({PICTURES_ON_DEVICE})()")
    assert len(waiting) == taken
    # A camera may give the same frame twice: the project holds each picture once.
    pictures = {sha256: class_id for sha256, class_id in waiting}

    server.start()
    wait_until(page, "document.body.dataset.pendingUploads === '0'", timeout=90)
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === 0)")
    stored = samples_on_server(server.url, project_url)
    assert len(stored) == len(pictures)
    assert {s["sha256"]: s["class_id"] for s in stored} == pictures
    assert page.locator(".thumb[data-status=saved]").count() == len(pictures)
    context.close()
    assert not console_errors, "\n".join(console_errors)


def test_pictures_waiting_for_a_deleted_project_are_deleted_from_the_device(
    browser, restartable_server
):
    server = restartable_server
    context = browser.new_context(permissions=["camera"], viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    project_url = studio_without_server(page, server)
    project_id = project_url.split("/p/")[1].split("#")[0]
    token = project_url.split("#owner=")[1]
    taken = record(page, page.locator(".class-card").nth(0), 3)
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === {taken})")
    # Deleted (from another computer) while the server was out of this page's reach.
    deleted = server.app.test_client().delete(
        f"/api/projects/{project_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert deleted.status_code == 204

    server.start()
    # The next try is answered 404: the pictures are deleted from the device, not retried.
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === 0)", timeout=90)
    wait_until(page, "document.body.dataset.pendingUploads === '0'")
    said = "The pictures waiting on this device for it were deleted"
    expect(page.get_by_text(said)).to_be_visible()
    context.close()


def test_forgetting_a_project_deletes_its_pictures_waiting_on_the_device(
    playwright_instance, restartable_server, tmp_path
):
    server = restartable_server
    context, project_url, _ = reopened_after_pictures_waited(
        playwright_instance, server, tmp_path / "profile", 3
    )
    # A shared computer: the next person forgets the project from the home page.
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("button", name="Forget Shapes").click()
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === 0)")
    context.close()
    assert samples_on_server(server.url, project_url) == []
