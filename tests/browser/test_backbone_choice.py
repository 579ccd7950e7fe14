"""A new project starts on EfficientNet-Lite0 ("More accurate") and the studio says so in one
line; a student switches its image model to "Faster": the studio prepares the pictures again with
MobileNetV2 (keeping them on the server under its id), leaves the head trained on
EfficientNet-Lite0 behind, trains on the new model, and a link to that version runs on it.
A head trained but not saved is lost by a switch, so then the studio asks first."""

import json
import os
import re
import time
from pathlib import Path
from urllib.request import Request, urlopen

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from server.db import db
from server.models import Embedding, Project

from .conftest import wait_until
from .media import write_pictures
from .test_studio import classify_file, start_project, wait_until_saved_and_prepared


def backbone_ids(base_url: str) -> dict[str, str]:
    with urlopen(f"{base_url}/api/backbones") as response:
        listed = json.load(response)["backbones"]
    # The studio offers the newest export of each architecture (older ones may stay on disk).
    listed.sort(key=lambda b: b["metadata"]["created"])
    return {b["metadata"]["architecture"]: b["id"] for b in listed}


def embeddings_by_backbone(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Embedding.backbone_id, func.count()).group_by(Embedding.backbone_id)
        )
        return dict(rows.all())


def wait_for_stored_embeddings(page: Page, app, expected: dict[str, int]) -> None:
    """The page sends the embeddings it computed in batches, a moment after they are ready."""
    deadline = time.monotonic() + 30
    while (stored := embeddings_by_backbone(app)) != expected:
        assert time.monotonic() < deadline, stored
        page.wait_for_timeout(200)


def train(page: Page) -> None:
    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=60_000)


def train_and_save(page: Page, versions: int) -> str:
    """Train, save, and return the new version's id (the list shows the newest first)."""
    train(page)
    models = page.locator(".model-panel")
    models.get_by_role("button", name="Save this model").click()
    expect(models.locator(".model-version")).to_have_count(versions)
    return models.locator(".model-version").first.get_attribute("data-model-id")


def share_link(base_url: str, page: Page, model_id: str) -> str:
    """A link pinned to the version, made with the owner token the studio's address holds."""
    token = page.url.split("#owner=")[1]
    request = Request(
        f"{base_url}/api/models/{model_id}/shares",
        data=b"{}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urlopen(request) as response:
        return base_url + json.load(response)["url"]


def start_with_pictures(page: Page, base_url: str, tmp_path: Path) -> None:
    """A new project, two pictures in each of its two classes, saved and prepared."""
    start_project(page, base_url)
    cards = page.locator(".class-card")
    for card, kind in ((cards.nth(0), "disc"), (cards.nth(1), "checks")):
        pictures = write_pictures(tmp_path / kind, kind, 2, first_seed=1)
        card.locator("input[type=file]").set_input_files([str(p) for p in pictures])
    wait_until_saved_and_prepared(page)


def answer_dialogs(page: Page, accept: list[bool]) -> list[str]:
    """Answer the page's next dialogs in turn (True: OK); returns their messages as they come."""
    messages = []

    def answer(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept() if accept.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    return messages


def project_backbone(app) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Project.backbone_id))


def test_switching_to_faster_prepares_pictures_again_and_shares_on_it(
    browser: Browser, page: Page, live_server, tmp_path
):
    ids = backbone_ids(live_server.url)
    mobilenet, effnet = ids["MobileNetV2"], ids["EfficientNet-Lite0"]
    dialogs = answer_dialogs(page, [])  # a saved head: the switch asks nothing
    start_with_pictures(page, live_server.url, tmp_path)
    assert page.evaluate("document.body.dataset.backbone") == effnet
    wait_for_stored_embeddings(page, live_server.app, {effnet: 4})
    train_and_save(page, versions=1)
    preview_hint = page.locator(".preview-panel .hint").first
    expect(preview_hint).to_be_hidden()

    choice = page.locator(".backbone-choice")
    faster = choice.get_by_role("radio", name=re.compile("^Faster"))
    accurate = choice.get_by_role("radio", name=re.compile("^More accurate"))
    expect(accurate).to_be_checked()
    in_use = choice.locator(".backbone-in-use")
    expect(in_use).to_have_text(
        re.compile("^This project uses EfficientNet-Lite0, the more accurate")
    )
    expect(choice).to_contain_text(re.compile(r"MobileNetV2, \d+\.\d MB download"))
    expect(choice).to_contain_text(re.compile(r"EfficientNet-Lite0, \d+\.\d MB download"))
    if folder := os.environ.get("SNAPCLASS_SCREENSHOTS"):
        choice.screenshot(path=str(Path(folder) / "backbone-choice.png"))

    with page.expect_navigation():  # saved on the project, then the studio starts again
        faster.click()
    wait_until(page, "id => document.body.dataset.backbone === id", mobilenet)
    assert dialogs == []
    expect(faster).to_be_checked()
    expect(in_use).to_have_text(re.compile(r"^This project uses MobileNetV2, the smaller download"))
    expect(page.locator(".model-panel .model-version")).to_have_count(1)
    wait_until_saved_and_prepared(page)
    assert page.evaluate("document.body.dataset.embeddingsComputed") == "4"
    wait_for_stored_embeddings(page, live_server.app, {mobilenet: 4, effnet: 4})
    # The EfficientNet-Lite0 version stays saved, but its head means nothing on MobileNetV2.
    expect(preview_hint).to_be_visible()

    model_id = train_and_save(page, versions=2)
    held_out = write_pictures(tmp_path / "held", "checks", 1, first_seed=500)[0]
    assert classify_file(page, held_out) == "Class 2"
    # "How it works" looks inside MobileNetV2's own layers.
    page.locator(".learn-panel summary").click()
    expect(page.locator(".inside-steps .feature-map")).to_have_count(16, timeout=30_000)
    if folder:
        page.locator(".inside-steps").screenshot(path=str(Path(folder) / "inside-mobilenet.png"))

    friend = browser.new_context().new_page()
    fetched = []
    friend.on("request", lambda request: fetched.append(request.url))
    friend.goto(share_link(live_server.url, page, model_id))
    wait_until(friend, "document.body.dataset.backend !== undefined", timeout=60)
    assert f"{live_server.url}/backbones/{mobilenet}/model.json" in fetched
    assert not any(f"/backbones/{effnet}/" in url for url in fetched)
    assert classify_file(friend, held_out) == "Class 2"
    friend.context.close()


def test_switching_with_a_trained_head_not_saved_asks_first(page: Page, live_server, tmp_path):
    ids = backbone_ids(live_server.url)
    mobilenet, effnet = ids["MobileNetV2"], ids["EfficientNet-Lite0"]
    start_with_pictures(page, live_server.url, tmp_path)
    train(page)
    choice = page.locator(".backbone-choice")
    faster = choice.get_by_role("radio", name=re.compile("^Faster"))
    accurate = choice.get_by_role("radio", name=re.compile("^More accurate"))
    expect(accurate).to_be_checked()
    saved = []
    page.on("request", lambda r: saved.append(r.url) if r.method == "PATCH" else None)

    dialogs = answer_dialogs(page, [False, True])
    faster.click()  # cancelled: nothing changes
    assert len(dialogs) == 1 and "not saved" in dialogs[0]
    expect(accurate).to_be_checked()
    expect(faster).not_to_be_checked()
    expect(faster).to_be_enabled()
    page.wait_for_timeout(500)  # a switch would have saved the project's backbone by now
    assert saved == []
    assert project_backbone(live_server.app) == effnet  # the default it was made with
    assert page.evaluate("document.body.dataset.backbone") == effnet
    expect(page.locator(".train-status")).to_contain_text("Trained in")
    expect(page.locator(".preview-panel .hint").first).to_be_hidden()  # the head previews
    expect(page.get_by_role("button", name="Save this model")).to_be_enabled()

    with page.expect_navigation():  # accepted: saved on the project, the studio starts again
        faster.click()
    assert len(dialogs) == 2
    wait_until(page, "id => document.body.dataset.backbone === id", mobilenet)
    expect(faster).to_be_checked()
    assert project_backbone(live_server.app) == mobilenet
