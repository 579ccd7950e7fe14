"""The block editor at /blocks/ with any Teachable Machine link: a model served from another
origin with CORS headers, as Teachable Machine serves its own (tm_model.py, a hand-set model that
tells media.py's red "disc" scene from its blue and yellow "stripes"): its classes in the block
menus, and "classify (costume | backdrop)" on a sprite's costume and the stage's backdrop.

And the share page's "Use in Scratch" link to it. A Snapclass link trained in the page, opened
from the studio's "Use in Scratch", with the camera, the pictures as costumes and a saved
project, is test_share.py's.
"""

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, Page, expect

from tests.conftest import Api, serialized_head

from .blocks_helpers import (
    LOADED_LABELS,
    SPRITE,
    TITLE_FIELD,
    menu_labels,
    open_from_computer,
    saying_project,
)
from .conftest import REPO, wait_until
from .tm_model import LABELS, ModelServer, write_tm_model


def test_blocks_use_a_teachable_machine_model_from_another_origin(
    browser: Browser, live_server, tmp_path: Path
):
    with ModelServer(write_tm_model(tmp_path / "tm")) as models:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
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
        assert menu_labels(page, LABELS[0]) == LABELS

        # classify (costume | backdrop), as the block runs it for the sprite.
        project = tmp_path / "saying.sb3"
        project.write_bytes(saying_project(LABELS[1]))
        open_from_computer(page, project)
        wait_until(page, f"{SPRITE}?.getName() === 'Speaker'")
        blocks = "window.snapclassBlocks.blocks"
        classify = f"what => {blocks}.classifyPicture({{PICTURE: what}}, {{target: {SPRITE}}})"
        assert page.evaluate(classify, "costume") == "stripes"
        assert page.evaluate(classify, "backdrop") == "disc"
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


def test_the_editor_speaks_the_language_chosen_in_snapclass(live_server, page: Page):
    """Snapclass's language menu keeps its choice in localStorage: the editor takes it where it
    has it (Brazilian Portuguese), in its menu bar too."""
    # The top page only: the editor's sandboxed frames have no storage to write.
    top_only = "if (window === window.top) localStorage.setItem('snapclass.language', 'pt-BR')"
    page.add_init_script(top_only)
    page.goto(f"{live_server.url}/blocks/")
    expect(page.get_by_text("Arquivo", exact=True)).to_be_visible()
    assert page.evaluate("window.snapclassBlocks.store.getState().locales.locale") == "pt-br"
    # No model yet: the catalogue's untitled project, in Brazilian Portuguese.
    untitled = json.loads((REPO / "static/i18n/pt-BR.json").read_text())["blocks.untitled"]
    expect(page.locator(TITLE_FIELD)).to_have_value(untitled)
