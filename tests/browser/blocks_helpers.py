"""What the block editor's browser tests share: a project whose sprite says the class the
camera sees, reading what the editor's VM holds, and the editor's File menu."""

import hashlib
import io
import json
import time
import zipfile
from pathlib import Path

from playwright.sync_api import Page

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
COUNTER = "times seen"
COUNTED = (
    f"window.snapclassBlocks.vm.runtime.getTargetForStage().lookupVariableById('{COUNTER}').value"
)
SAID = f"{SPRITE}?.getCustomState('Scratch.looks')?.text ?? null"
LOADED_LABELS = "window.snapclassBlocks?.blocks?.model?.labels ?? null"


def saying_project(counted: str) -> bytes:
    """An .sb3 whose sprite, on the green flag, turns the camera on and forever says the class
    the camera sees, and counts in COUNTER the times the camera comes to see class `counted`;
    written here as the editor's File menu would read any .sb3."""

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
        # when the camera sees [counted]: change [times seen] by 1
        "hat": {"opcode": "snapclass_whenCameraSees", "next": "count", "parent": None,
                "inputs": {"CLASS": [1, "hatMenu"]}, "fields": {}, "shadow": False,
                "topLevel": True, "x": 300, "y": 20},
        "hatMenu": {"opcode": "snapclass_menu_classes", "next": None, "parent": "hat",
                    "inputs": {}, "fields": {"classes": [counted, None]}, "shadow": True,
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


def words_said(page: Page, count: int = 3, timeout: float = 40) -> list[str]:
    """What the sprite says, sampled every 100 ms, in order, without repeats: the first `count`
    (or fewer, when its words stop changing for `timeout` seconds)."""
    said: list[str] = []
    deadline = time.monotonic() + timeout
    while len(said) < count and time.monotonic() < deadline:
        text = page.evaluate(SAID)
        if text and (not said or said[-1] != text):
            said.append(text)
        page.wait_for_timeout(100)
    return said


TITLE_FIELD = "[class*='menu-bar'] input[class*='title-field']"


def editor_title(page: Page) -> str:
    return page.locator(TITLE_FIELD).input_value()


def menu_labels(page: Page, first_label: str) -> list[str]:
    """The labels of the first class menu in the Snapclass category's blocks."""
    page.locator(".blocklyToolboxCategory", has_text="Snapclass").click()
    page.locator(".blocklyFlyout .blocklyDropdownText", has_text=first_label).first.click()
    menu = page.locator(".blocklyDropDownDiv .blocklyMenuItem")
    menu.first.wait_for()
    labels = menu.all_inner_texts()
    page.keyboard.press("Escape")
    return labels


def save_to_computer(page: Page, path: Path) -> dict:
    """Save the project with the File menu; its stage's comments."""
    page.get_by_text("File", exact=True).click()
    with page.expect_download() as download:
        page.get_by_text("Save to your computer").click()
    download.value.save_as(path)
    with zipfile.ZipFile(path) as sb3:
        return json.loads(sb3.read("project.json"))["targets"][0]["comments"]
