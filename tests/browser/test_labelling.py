"""A student sorts pictures: the unlabelled tray, moving, deleting, class edits, folder uploads."""

from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import wait_until
from .media import write_pictures


def saved_thumbs(container):
    return container.locator(".thumb[data-status=saved]")


def wait_until_saved(page: Page) -> None:
    wait_until(page, "document.body.dataset.pendingUploads === '0'")


def class_card(page: Page, name: str):
    return page.locator(".class-card").filter(has=page.locator(f'input.class-name[value="{name}"]'))


def test_student_sorts_pictures_between_classes(page: Page, live_server, tmp_path: Path):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start a new project").click()
    page.wait_for_url("**/p/**")
    cards = page.locator(".class-card")
    tray = page.locator(".unlabelled-tray")
    first, second = cards.nth(0), cards.nth(1)

    discs = write_pictures(tmp_path / "discs", "disc", 3, first_seed=1)
    first.locator("input[type=file]").set_input_files([str(p) for p in discs])
    stripes = write_pictures(tmp_path / "stripes", "stripes", 3, first_seed=1)
    tray.locator("input[type=file]:not([webkitdirectory])").set_input_files(
        [str(p) for p in stripes]
    )
    wait_until_saved(page)
    expect(saved_thumbs(first)).to_have_count(3)
    expect(saved_thumbs(tray)).to_have_count(3)

    # Select two unlabelled pictures and move them to Class 2.
    saved_thumbs(tray).nth(0).click()
    saved_thumbs(tray).nth(1).click()
    expect(page.locator(".selection-toolbar")).to_contain_text("2 selected")
    page.get_by_label("Move selected to…").select_option(label="Class 2")
    expect(saved_thumbs(second)).to_have_count(2)
    expect(saved_thumbs(tray)).to_have_count(1)

    # Drag the last one onto Class 1, with both on screen as a student would have them (the
    # tray sits more than a default viewport's height below the first class).
    page.set_viewport_size({"width": 1280, "height": 1000})
    first.evaluate("card => card.scrollIntoView({ block: 'start' })")
    expect(saved_thumbs(tray).nth(0)).to_be_in_viewport()
    saved_thumbs(tray).nth(0).drag_to(first)
    expect(saved_thumbs(first)).to_have_count(4)
    expect(saved_thumbs(tray)).to_have_count(0)

    # Delete one picture of Class 1.
    saved_thumbs(first).nth(0).click()
    page.get_by_role("button", name="Delete selected").click()
    expect(saved_thumbs(first)).to_have_count(3)

    # Delete Class 2, then undo: the class and its pictures come back.
    page.get_by_role("button", name="Delete class Class 2").click()
    expect(cards).to_have_count(1)
    expect(saved_thumbs(tray)).to_have_count(2)
    page.get_by_role("button", name="Undo").click()
    expect(cards).to_have_count(2)
    expect(saved_thumbs(cards.nth(1))).to_have_count(2)
    expect(saved_thumbs(tray)).to_have_count(0)

    # Rename Class 1 and move it below Class 2.
    first.locator(".class-name").fill("Discs")
    first.locator(".class-name").press("Enter")
    page.get_by_role("button", name="Move Discs down").click()
    expect(cards.nth(1).locator(".class-name")).to_have_value("Discs")

    # A folder of class folders makes one class per folder.
    animals = tmp_path / "animals"
    write_pictures(animals / "cats", "checks", 2, first_seed=10)
    write_pictures(animals / "dogs", "stripes", 3, first_seed=10)
    tray.locator("input[webkitdirectory]").set_input_files(str(animals))
    expect(cards).to_have_count(4)
    wait_until_saved(page)

    expected = {"Class 2": 2, "Discs": 3, "cats": 2, "dogs": 3}
    page.reload()
    expect(cards).to_have_count(4)
    names = [cards.nth(i).locator(".class-name").input_value() for i in range(4)]
    assert names == list(expected)
    for i, count in enumerate(expected.values()):
        expect(saved_thumbs(cards.nth(i))).to_have_count(count)

    # The server agrees.
    project_id, fragment = page.url.split("/p/")[1].split("#")
    owner = {"Authorization": f"Bearer {fragment.removeprefix('owner=')}"}
    project = page.request.get(f"{live_server.url}/api/projects/{project_id}", headers=owner).json()
    assert {c["name"]: c["sample_count"] for c in project["classes"]} == expected
    assert project["unlabelled_count"] == 0


def test_holding_space_on_a_focused_card_records(page: Page, live_server):
    """Keyboard users record by holding Space on a class card (Chromium's fake webcam)."""
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start a new project").click()
    page.wait_for_url("**/p/**")
    card = page.locator(".class-card").nth(0)
    card.focus()
    page.keyboard.down(" ")
    expect(card.locator("button.record")).to_have_text("Recording…")
    page.wait_for_timeout(1000)
    page.keyboard.up(" ")
    wait_until_saved(page)
    assert saved_thumbs(card).count() >= 3
