"""A student saves a trained model, shares it by link, uses it in the block editor, and revokes
the link.

The class names include `<img src=x onerror=alert(1)>`: it must show as text in the studio, the
share page, the export snippets and the block editor, and never run.

The fake camera alternates media.py's "disc" and "stripes" scenes (conftest camera_browser): the
share page's live predictions run on it, and in the block editor opened from the studio's "Use in
Scratch" a sprite says the class the camera sees, its words changing with the scene.
"""

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from playwright.sync_api import Browser, Page, expect

from tests.conftest import Api

from .blocks_helpers import (
    COUNTED,
    LOADED_LABELS,
    SPRITE,
    TITLE_FIELD,
    menu_labels,
    open_from_computer,
    save_to_computer,
    saying_project,
    words_said,
)
from .conftest import ConsoleErrors, wait_until
from .media import png_bytes, scene, write_pictures

XSS = "<img src=x onerror=alert(1)>"
KINDS = {"Disc": "disc", XSS: "stripes", "Checks": "checks"}
PER_CLASS = 6
HELD_OUT = 3


def open_page(browser: Browser, console_errors: ConsoleErrors, watch: bool = True) -> Page:
    """A page in a fresh browser profile (no owner token anywhere) that notes any dialog."""
    context = browser.new_context(permissions=["camera"], viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    if watch:
        console_errors.watch(page)
    page.on("dialog", lambda dialog: console_errors.append(f"dialog: {dialog.message}"))
    return page


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot when SNAPCLASS_SCREENSHOTS names a folder, to look at by eye."""
    folder = os.environ.get("SNAPCLASS_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def no_injected_images(page: Page) -> None:
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], img:not([src])').length") == 0


def use_in_scratch(studio: Page, live_server, project: dict, link: str, tmp_path: Path) -> None:
    """The studio's "Use in Scratch" beside the version opens the block editor with the model of
    the share link, the project's title, and its pictures as costumes; a project whose sprite
    says the class the camera sees follows the camera; saved, it reopens with the model."""
    errors: list[str] = []
    with studio.context.expect_page() as opened:
        studio.locator(".model-version .use-in-scratch").click()
    editor = opened.value
    editor.set_default_timeout(60_000)
    editor.on("pageerror", lambda error: errors.append(str(error)))
    assert urlsplit(editor.url).path == "/blocks/"
    wait_until(editor, LOADED_LABELS)
    assert editor.evaluate(LOADED_LABELS) == list(KINDS)
    expect(editor.locator(TITLE_FIELD)).to_have_value("Shapes")  # not the editor's default
    assert menu_labels(editor, "Disc") == list(KINDS)
    assert editor.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    # The pictures, offered to this browser (it holds the project's link): all of them.
    assert editor.evaluate("window.snapclassBlocks.pictures") == PER_CLASS * len(KINDS)

    sb3 = tmp_path / "saying.sb3"
    sb3.write_bytes(saying_project(counted=XSS))
    open_from_computer(editor, sb3)
    wait_until(editor, f"{SPRITE}?.getName() === 'Speaker'")
    editor.locator("img[title='Go']").click()
    said = words_said(editor)
    assert set(said) == {"Disc", XSS}, said
    assert len(said) >= 3, f"the words should change with each scene: {said}"
    # The hat fired each time the camera came to see the stripes, not at every frame.
    assert 1 <= editor.evaluate(COUNTED) <= said.count(XSS) + 1

    # A picture of the Disc class becomes the sprite's costume, which the model calls Disc.
    editor.locator(".blocks-pictures summary").click()
    screenshot(editor, "blocks-pictures")
    editor.locator(".blocks-pictures section").first.locator(".blocks-picture").first.click()
    wait_until(editor, f"{SPRITE}.getCostumes().length === 2")
    assert editor.evaluate(f"{SPRITE}.getCostumes()[1].name") == "Disc 1"
    blocks = "window.snapclassBlocks.blocks"
    classify = f"{blocks}.classifyPicture({{PICTURE: 'costume'}}, {{target: {SPRITE}}})"
    assert editor.evaluate(classify) == "Disc"

    tm_folder = f"{link}/tm/"
    comments = save_to_computer(editor, tmp_path / "saved.sb3")
    assert any(tm_folder in comment["text"] for comment in comments.values())

    # Reopened in another browser profile, with the project's id but not its credential: the
    # model comes back from the project, the pictures are not offered.
    other = studio.context.browser.new_context()
    again = other.new_page()
    again.set_default_timeout(60_000)
    again.on("pageerror", lambda error: errors.append(str(error)))
    again.goto(f"{live_server.url}/blocks/#project={project['id']}")
    again.wait_for_selector(".blocklyWorkspace")
    wait_until(again, "window.snapclassBlocks?.pictures !== undefined")
    assert again.evaluate("window.snapclassBlocks.pictures") == 0
    assert again.evaluate(LOADED_LABELS) is None
    open_from_computer(again, tmp_path / "saved.sb3")
    wait_until(again, LOADED_LABELS)
    assert again.evaluate(LOADED_LABELS) == list(KINDS)
    other.close()
    editor.close()
    assert errors == []


def try_picture(page: Page, path: Path) -> str:
    page.locator(".preview-panel input[type=file]").set_input_files(str(path))
    predicted = "name => document.querySelector('.preview-panel').dataset.predictedFor === name"
    wait_until(page, predicted, path.name)
    return page.locator(".preview-panel").get_attribute("data-top")


def test_student_shares_a_model_by_link_uses_it_in_blocks_and_revokes_it(
    camera_browser: Browser, live_server, tmp_path: Path, console_errors: ConsoleErrors
):
    browser = camera_browser
    api = Api(live_server.app.test_client())
    project = api.create_project(title="Shapes", classes=list(KINDS))
    for cls in project["classes"]:
        for seed in range(PER_CLASS):
            # One picture per request: the test client spools bodies over 500 KB to a temp file
            # that it never closes.
            picture = png_bytes(scene(KINDS[cls["name"]], seed))
            api.add_samples(project, picture, class_id=cls["id"])

    studio = open_page(browser, console_errors)
    studio.goto(f"{live_server.url}/p/{project['id']}#owner={project['owner_token']}")
    wait_until(studio, "document.body.dataset.embeddingsReady === 'true'", timeout=120)
    studio.get_by_role("button", name="Train model").click()
    expect(studio.locator(".train-status")).to_contain_text("Trained in", timeout=120_000)

    held_out = {
        name: write_pictures(tmp_path / "held", kind, HELD_OUT, first_seed=700)
        for name, kind in KINDS.items()
    }
    in_studio = {path: try_picture(studio, path) for paths in held_out.values() for path in paths}
    assert all(in_studio[p] == name for name, paths in held_out.items() for p in paths), in_studio

    models = studio.locator(".model-panel")
    models.get_by_role("button", name="Save this model").click()
    expect(models.locator(".model-version")).to_have_count(1)
    expect(models.locator(".model-version")).to_contain_text("Published")
    models.get_by_role("button", name="Create a share link").click()
    expect(models.locator(".share-link")).to_have_count(1)
    link = models.locator(".share-url").input_value()
    assert link.startswith(f"{live_server.url}/s/")
    # Its Teachable Machine files are built on their first request (tens of seconds): asked for
    # now, they are built while the friend below uses the share page.
    warm_up = threading.Thread(target=lambda: urlopen(f"{link}/tm/model.json").close())
    warm_up.start()

    # Exports' snippets show the class names as text.
    snippets = models.locator(".export-format .snippet")
    expect(snippets).to_have_count(5)
    for index in range(5):
        snippets.nth(index).locator("summary").click()
    keras_snippet = models.locator(".export-format[data-format=keras] pre").inner_text()
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in keras_snippet
    expect(studio.locator(".class-name").nth(1)).to_have_value(XSS)
    no_injected_images(studio)
    screenshot(studio, "share-studio")

    # A friend opens the link: a fresh profile, with no owner token.
    friend = open_page(browser, console_errors)
    friend.goto(link)
    wait_until(friend, "document.body.dataset.backend !== undefined", timeout=120)
    expect(friend.locator(".shared-name")).to_have_text("Shapes")
    assert friend.evaluate("crossOriginIsolated") is True
    expect(friend.locator(".shared-classes li")).to_have_text(list(KINDS))
    html = friend.content()
    assert project["owner_token"] not in html and project["id"] not in html
    assert not friend.evaluate("Object.keys(localStorage).length")
    shared = {path: try_picture(friend, path) for path in in_studio}
    assert shared == in_studio
    expect(friend.locator(".preview-panel .prediction-name")).to_have_text(list(KINDS))
    no_injected_images(friend)
    screenshot(friend, "share-page")

    # Live webcam predictions, then the back camera (shown unmirrored).
    friend.get_by_role("button", name="Turn webcam on").click()
    frames = "Number(document.querySelector('.preview-panel').dataset.frames || 0)"
    wait_until(friend, f"{frames} >= 3")
    friend.get_by_role("button", name="Switch camera").click()
    expect(friend.locator(".camera-panel")).to_have_attribute("data-facing", "environment")
    expect(friend.locator(".camera-panel video")).not_to_have_class("mirrored")
    started = friend.evaluate(frames)
    wait_until(friend, f"{frames} >= {started + 3}")
    friend.context.close()

    warm_up.join()
    use_in_scratch(studio, live_server, project, link, tmp_path)

    # The owner revokes the link: the page says the model was withdrawn, its files are gone.
    models.get_by_role("button", name="Revoke this link").click()
    expect(models.locator(".share-link")).to_have_attribute("data-state", "revoked")
    later = open_page(browser, console_errors, watch=False)
    response = later.goto(link)
    assert response.status == 410
    expect(later.locator("h1")).to_have_text("This model was withdrawn")
    expect(later.locator(".share-message")).to_contain_text("Ask them for a new link")
    screenshot(later, "share-withdrawn")
    for path in ("/model.json", "/tfjs/model.json"):
        assert later.request.get(link + path).status == 410
    model_id = models.locator(".model-version").get_attribute("data-model-id")
    token = link.rsplit("/", 1)[1]
    export = later.request.get(f"{live_server.url}/api/models/{model_id}?share={token}")
    assert export.status == 410
    later.context.close()

    studio.context.close()
    assert not console_errors, "\n".join(console_errors)
    owner = {"Authorization": f"Bearer {project['owner_token']}"}
    with urlopen(
        Request(f"{live_server.url}/api/projects/{project['id']}", headers=owner)
    ) as answer:
        assert answer.status == 200  # the project itself is untouched
