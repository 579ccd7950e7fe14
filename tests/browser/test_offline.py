"""Pictures survive a server that stops: kept on the device (IndexedDB) the moment they are
taken, sent when the server is back, deleted from the device once it has them, never twice.
On localhost the service worker also loads the studio and share pages while the server is down."""

import json
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from ..conftest import Api, serialized_head
from .conftest import CHROMIUM, CHROMIUM_ARGS, wait_until
from .test_studio import start_project

CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

# How many pictures wait in this browser's IndexedDB (devicePictures.js), all projects together.
WAITING_ON_DEVICE = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('snapclass');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  if (!db.objectStoreNames.contains('pictures')) { db.close(); return 0; }
  const count = await new Promise((ok, no) => {
    const r = db.transaction('pictures').objectStore('pictures').count();
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  db.close();
  return count;
}"""


# The SHA-256 of every picture waiting there, with its class: what the server must end with.
PICTURES_ON_DEVICE = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('snapclass');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const records = await new Promise((ok, no) => {
    const r = db.transaction('pictures').objectStore('pictures').getAll();
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  db.close();
  const { pictureDigest } = await import('/static/js/digest.js');
  return Promise.all(records.map(async (r) => [await pictureDigest(r.blob), r.classId]));
}"""


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


def kept_by_the_worker(page: Page, cache: str, path: str) -> None:
    """Wait until the service worker controls the page and its cache `cache` holds `path`."""
    wait_until(page, "Boolean(navigator.serviceWorker.controller)")
    held = "([cache, path]) => caches.open(cache).then((c) => c.match(path)).then(Boolean)"
    wait_until(page, held, [cache, path])


def test_the_studio_keeps_working_and_loads_again_while_the_server_is_down(
    playwright_instance, offline_server, tmp_path, console_errors
):
    server = offline_server
    context = open_profile(playwright_instance, tmp_path / "profile")
    page = context.new_page()
    page.set_default_timeout(60_000)
    console_errors.watch(page)
    start_project(page, server.url)
    project_url = page.url
    project_path = project_url.split(server.url)[1].split("#")[0]
    # The worker Workbox generated holds the studio's page and the list of image models.
    kept_by_the_worker(page, "snapclass-pages", project_path)
    kept_by_the_worker(page, "snapclass-backbones", "/api/backbones")
    # Installable: Chromium finds nothing missing in the manifest, its icons or the worker.
    installability = context.new_cdp_session(page).send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == []
    page.get_by_role("button", name="Turn webcam on").click()
    server.stop()

    cards = page.locator(".class-card")
    taken = record(page, cards.nth(0), 10) + record(page, cards.nth(1), 10)
    assert taken >= 20
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

    # The browser closed and opened again later, the server still down: the worker gives the
    # page, the device its copy of the project, the pictures waiting and the head trained here.
    context.close()
    context = open_profile(playwright_instance, tmp_path / "profile")
    page = context.new_page()
    page.set_default_timeout(60_000)
    console_errors.watch(page)
    page.goto(project_url)
    expect(page.get_by_text("this is the copy of the project kept on this device")).to_be_visible()
    wait_until(page, f"document.querySelectorAll('.thumb').length === {taken}")
    cards, preview = page.locator(".class-card"), page.locator(".preview-panel")
    # Each in its class: the first card's pictures were taken first.
    class_ids = list(dict.fromkeys(class_id for _, class_id in waiting))
    per_class = [sum(1 for _, c in waiting if c == class_id) for class_id in class_ids]
    assert [cards.nth(i).locator(".thumb").count() for i in range(2)] == per_class
    page.get_by_role("button", name="Turn webcam on").click()
    wait_until(page, f"{frames} >= 5")
    expect(preview.locator(".prediction")).to_have_count(2)

    server.start()
    wait_until(page, "document.body.dataset.pendingUploads === '0'", timeout=90)
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === 0)")
    stored = samples_on_server(server.url, project_url)
    assert len(stored) == len(pictures)
    assert {s["sha256"]: s["class_id"] for s in stored} == pictures
    assert page.locator(".thumb[data-status=saved]").count() == len(pictures)
    # The worker kept no answer that needs a credential: pages, files and the public list only.
    assert [path for path in cached_paths(page) if path.startswith("/api/")] == ["/api/backbones"]
    context.close()
    assert not console_errors, "\n".join(console_errors)


def cached_paths(page: Page) -> list[str]:
    """The path of every request the service worker's caches hold."""
    return page.evaluate(
        """async () => {
        const paths = [];
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
        }
        return paths;
      }"""
    )


def test_a_share_link_works_offline_once_opened_and_stops_once_revoked(
    playwright_instance, offline_server, tmp_path
):
    server = offline_server
    client = server.app.test_client()
    api = Api(client)
    project = api.create_project("Fruit", ["Apple", "Banana"])
    backbone_id = client.get("/api/backbones").json["default"]
    model = api.save_model(project, head=serialized_head(1280, 2), backbone_id=backbone_id)
    token = api.share(project, model)["token"]
    context = open_profile(playwright_instance, tmp_path / "profile")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/s/{token}")
    kept_by_the_worker(page, "snapclass-shares", f"/s/{token}")
    kept_by_the_worker(page, "snapclass-shares", f"/s/{token}/model.json")

    # Opened once, it works with the server down: its page, its model and the network.
    server.stop()
    page.reload()
    expect(page.locator(".shared-name")).to_have_text("Fruit")
    wait_until(page, "document.body.dataset.backend !== undefined")
    expect(page.locator(".status-line")).not_to_contain_text("could not")

    # Revoked meanwhile: back online, the link stops working and its model's copy is replaced
    # by the answer that says it is gone, so offline it stays withdrawn.
    server.start()
    revoked = client.delete(f"/api/shares/{token}", headers=api.auth(project))
    assert revoked.status_code == 204
    page.reload()
    expect(page.get_by_text("This model was withdrawn")).to_be_visible()
    gone = f"caches.open('snapclass-shares').then((c) => c.match('/s/{token}/model.json'))"
    wait_until(page, f"{gone}.then((r) => r?.status === 410)")
    server.stop()
    page.reload()
    expect(page.get_by_text("This model was withdrawn")).to_be_visible()
    expect(page.locator(".shared-name")).to_have_count(0)
    context.close()


def test_pictures_waiting_for_a_deleted_project_are_deleted_from_the_device(
    browser, restartable_server
):
    server = restartable_server
    context = browser.new_context(permissions=["camera"], viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    start_project(page, server.url)
    project_id = page.url.split("/p/")[1].split("#")[0]
    token = page.url.split("#owner=")[1]
    page.get_by_role("button", name="Turn webcam on").click()
    server.stop()
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
    profile = tmp_path / "profile"
    context = open_profile(playwright_instance, profile)
    page = context.new_page()
    page.set_default_timeout(60_000)
    start_project(page, server.url)
    project_url = page.url
    page.get_by_role("button", name="Turn webcam on").click()
    server.stop()
    taken = record(page, page.locator(".class-card").nth(0), 3)
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === {taken})")
    context.close()

    # A shared computer: the next person forgets the project from the home page.
    server.start()
    context = open_profile(playwright_instance, profile)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("button", name="Forget Shapes").click()
    wait_until(page, f"({WAITING_ON_DEVICE})().then((n) => n === 0)")
    context.close()
    assert samples_on_server(server.url, project_url) == []


def test_a_phones_pictures_wait_on_it_while_the_server_is_down(browser, restartable_server):
    server = restartable_server
    api = Api(server.app.test_client())
    project = api.create_project("Recycling", ["paper", "plastic"])
    plastic = project["classes"][1]["id"]
    pairing = api.client.post(
        f"/api/projects/{project['id']}/classes/{plastic}/pairings", headers=api.auth(project)
    )
    context = browser.new_context(permissions=["camera"])
    phone = context.new_page()
    phone.goto(server.url + pairing.json["url"])
    wait_until(phone, "document.querySelector('video')?.readyState >= 2")
    server.stop()
    for _ in range(2):
        phone.get_by_role("button", name="Take a picture").click()
    sent = phone.get_by_test_id("phone-sent")
    expect(sent).to_contain_text("2 pictures wait on this phone")
    wait_until(phone, f"({WAITING_ON_DEVICE})().then((n) => n === 2)")

    server.start()
    expect(sent).to_have_text("2 pictures sent", timeout=30_000)
    wait_until(phone, f"({WAITING_ON_DEVICE})().then((n) => n === 0)")
    stored = api.get(project, f"/api/projects/{project['id']}/samples").json["samples"]
    assert [s["class_id"] for s in stored] == [plastic, plastic]
    context.close()
