"""The block editor at /blocks/ with a Teachable Machine model: the model's classes in the block
menus, a project whose sprite says the class the camera sees (the words change when the fake
camera's picture does), and a project saved to the computer that reopens with its model.

And the share page's "Use in Scratch" link to it.

The model (tm_model.py) is served from another origin with CORS headers, as a Teachable Machine
link is; the fake camera plays a video alternating the two scenes the model tells apart.
"""

import hashlib
import io
import json
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page

from tests.conftest import Api, serialized_head

from .conftest import launch_chromium, wait_until
from .media import write_webcam_video
from .tm_model import LABELS, ModelServer, write_tm_model

# The sprite is blue and yellow like the "stripes" scene, the backdrop red like "disc".
COSTUME = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
    '<rect width="40" height="20" fill="#1e3cd2"/>'
    '<rect y="20" width="40" height="20" fill="#e6e678"/>'
    "</svg>"
)
BACKDROP = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360">'
    '<rect width="480" height="360" fill="#c81e28"/></svg>'
)
SPRITE = "window.snapclassBlocks.vm.runtime.targets.find(t => !t.isStage)"
COUNTER = "stripes seen"
COUNTED = (
    f"window.snapclassBlocks.vm.runtime.getTargetForStage().lookupVariableById('{COUNTER}').value"
)
SAID = f"{SPRITE}?.getCustomState('Scratch.looks')?.text ?? null"
LOADED_LABELS = "window.snapclassBlocks?.blocks?.model?.labels ?? null"


def saying_project() -> bytes:
    """An .sb3 whose sprite, on the green flag, turns the camera on and forever says the class
    the camera sees; written here as the editor's File menu would read any .sb3."""

    def costume(svg: str, centre: int) -> dict:
        asset_id = hashlib.md5(svg.encode()).hexdigest()
        return {"name": "c", "assetId": asset_id, "md5ext": f"{asset_id}.svg", "dataFormat": "svg",
                "rotationCenterX": centre, "rotationCenterY": centre}  # fmt: skip

    blocks = {
        "flag": {
            "opcode": "event_whenflagclicked",
            "next": "camera",
            "parent": None,
            "inputs": {},
            "fields": {},
            "shadow": False,
            "topLevel": True,
            "x": 20,
            "y": 20,
        },
        "camera": {
            "opcode": "snapclass_setCamera",
            "next": "forever",
            "parent": "flag",
            "inputs": {},
            "fields": {"STATE": ["on", None]},
            "shadow": False,
            "topLevel": False,
        },
        "forever": {
            "opcode": "control_forever",
            "next": None,
            "parent": "camera",
            "inputs": {"SUBSTACK": [2, "say"]},
            "fields": {},
            "shadow": False,
            "topLevel": False,
        },
        "say": {
            "opcode": "looks_say",
            "next": None,
            "parent": "forever",
            "inputs": {"MESSAGE": [3, "seen", [10, ""]]},
            "fields": {},
            "shadow": False,
            "topLevel": False,
        },
        "seen": {
            "opcode": "snapclass_classSeen",
            "next": None,
            "parent": "say",
            "inputs": {},
            "fields": {},
            "shadow": False,
            "topLevel": False,
        },
        # when the camera sees [stripes]: change [stripes seen] by 1
        "hat": {"opcode": "snapclass_whenCameraSees", "next": "count", "parent": None,
                "inputs": {"CLASS": [1, "hatMenu"]}, "fields": {}, "shadow": False,
                "topLevel": True, "x": 300, "y": 20},
        "hatMenu": {"opcode": "snapclass_menu_classes", "next": None, "parent": "hat",
                    "inputs": {}, "fields": {"classes": ["stripes", None]}, "shadow": True,
                    "topLevel": False},
        "count": {"opcode": "data_changevariableby", "next": None, "parent": "hat",
                  "inputs": {"VALUE": [1, [4, "1"]]}, "fields": {"VARIABLE": [COUNTER, COUNTER]},
                  "shadow": False, "topLevel": False},
    }  # fmt: skip
    common = {
        "variables": {},
        "lists": {},
        "broadcasts": {},
        "comments": {},
        "currentCostume": 0,
        "sounds": [],
        "volume": 100,
    }
    project = {
        "targets": [
            {
                **common,
                "isStage": True,
                "name": "Stage",
                "variables": {COUNTER: [COUNTER, 0]},
                "costumes": [costume(BACKDROP, 240)],
                "blocks": {},
                "layerOrder": 0,
                "tempo": 60,
            },
            {
                **common,
                "isStage": False,
                "name": "Speaker",
                "costumes": [costume(COSTUME, 20)],
                "blocks": blocks,
                "layerOrder": 1,
                "visible": True,
                "x": 0,
                "y": 0,
                "size": 100,
                "direction": 90,
                "draggable": False,
                "rotationStyle": "all around",
            },
        ],
        "monitors": [],
        "extensions": ["snapclass"],
        "meta": {"semver": "3.0.0", "vm": "0.2.0", "agent": ""},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as sb3:
        sb3.writestr("project.json", json.dumps(project))
        for svg in (COSTUME, BACKDROP):
            sb3.writestr(f"{hashlib.md5(svg.encode()).hexdigest()}.svg", svg)
    return out.getvalue()


def open_from_computer(page: Page, path: Path) -> None:
    page.get_by_text("File", exact=True).click()
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Load from your computer").click()
    chooser.value.set_files(str(path))


def words_said(page: Page, seconds: float) -> list[str]:
    """What the sprite says, sampled every 100 ms, in order, without repeats."""
    said: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = page.evaluate(SAID)
        if text and (not said or said[-1] != text):
            said.append(text)
        page.wait_for_timeout(100)
    return said


@pytest.fixture
def camera_browser(playwright_instance, tmp_path: Path):
    """Chromium whose fake camera alternates the model's two scenes, 2 s each, at the 480 x 360
    the editor's camera asks for at least."""
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


def test_blocks_use_a_teachable_machine_model_and_keep_it_in_the_saved_project(
    camera_browser, live_server, tmp_path: Path
):
    with ModelServer(write_tm_model(tmp_path / "tm")) as models:
        context = camera_browser.new_context(
            permissions=["camera"], accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        link = f"{models.url}model.json"
        page.goto(f"{live_server.url}/blocks/#model={link}")
        wait_until(page, LOADED_LABELS)
        assert page.evaluate(LOADED_LABELS) == LABELS
        assert "Disc or stripes" in page.locator(".blocks-status").inner_text()
        assert page.locator("#logo_img").is_hidden()  # no Scratch logo

        # The class names are in the block menus.
        page.locator(".blocklyToolboxCategory", has_text="Snapclass").click()
        page.locator(".blocklyFlyout .blocklyDropdownText", has_text=LABELS[0]).first.click()
        menu = page.locator(".blocklyDropDownDiv .blocklyMenuItem")
        menu.first.wait_for()
        assert menu.all_inner_texts() == LABELS
        page.keyboard.press("Escape")

        # A project whose sprite says the class the camera sees: the words follow the camera.
        project = tmp_path / "saying.sb3"
        project.write_bytes(saying_project())
        open_from_computer(page, project)
        wait_until(page, f"{SPRITE}?.getName() === 'Speaker'")
        # classify (costume | backdrop), as the block runs it for the sprite.
        blocks = "window.snapclassBlocks.blocks"
        classify = f"what => {blocks}.classifyPicture({{PICTURE: what}}, {{target: {SPRITE}}})"
        assert page.evaluate(classify, "costume") == "stripes"
        assert page.evaluate(classify, "backdrop") == "disc"
        page.locator("img[title='Go']").click()
        said = words_said(page, seconds=9)
        assert set(said) == set(LABELS), said
        assert len(said) >= 3, f"the words should change with each scene: {said}"
        # The hat fired each time the camera came to see stripes, not at every frame.
        changes_to_stripes = sum(1 for word in said if word == "stripes")
        assert 1 <= page.evaluate(COUNTED) <= changes_to_stripes + 1

        # Saved to the computer, the project carries the model's link and opens with it again.
        page.get_by_text("File", exact=True).click()
        with page.expect_download() as download:
            page.get_by_text("Save to your computer").click()
        saved = tmp_path / "saved.sb3"
        download.value.save_as(saved)
        with zipfile.ZipFile(saved) as sb3:
            stage = json.loads(sb3.read("project.json"))["targets"][0]
        assert any(link in comment["text"] for comment in stage["comments"].values())

        again = context.new_page()
        again.on("pageerror", lambda error: errors.append(str(error)))
        again.goto(f"{live_server.url}/blocks/")
        again.wait_for_selector(".blocklyWorkspace")
        assert again.evaluate(LOADED_LABELS) is None
        open_from_computer(again, saved)
        wait_until(again, LOADED_LABELS)
        assert again.evaluate(LOADED_LABELS) == LABELS
        assert errors == []
        context.close()


def test_the_share_page_opens_its_model_in_the_block_editor(live_server, page: Page):
    client = live_server.app.test_client()
    listing = client.get("/api/backbones").json
    backbone = next(b["metadata"] for b in listing["backbones"] if b["id"] == listing["default"])
    api = Api(client)
    project = api.create_project("Shapes", ["Disc", "Stripes"])
    head = serialized_head(backbone["embedding_size"], 2, preprocess="sqrt-l2")
    link = api.share(project, api.save_model(project, head=head, backbone_id=backbone["id"]))
    page.goto(live_server.url + link["url"])
    use_in_scratch = page.get_by_role("link", name="Use in Scratch")
    href = use_in_scratch.get_attribute("href")
    editor = urlsplit(href)
    assert editor.path == "/blocks/"
    tm_folder = f"{live_server.url}/s/{link['token']}/tm/"
    assert parse_qs(editor.fragment) == {"model": [tm_folder]}
