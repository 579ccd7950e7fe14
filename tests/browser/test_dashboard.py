"""The teacher's dashboard with a class already at work (seeded through the API): a live refresh
draws again only the card of the student whose work changed, and the moderation view pages
every picture of the class, newest first, and deletes one."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Api, image_bytes

PER_PAGE = 48  # static/js/classroomCalls.js PICTURES_PER_PAGE


# Several browsers share two loaded cores: each expectation waits 20 s instead of 5.
pytestmark = pytest.mark.usefixtures("patient_expect")


def test_a_refresh_redraws_only_the_changed_card_and_moderation_pages_the_class(
    page: Page, live_server
):
    api = Api(live_server.app.test_client())
    classroom = api.start_classroom()
    ana = api.student_project(api.join(classroom, "Ana"))
    ben = api.student_project(api.join(classroom, "Ben"))
    paper = ana["classes"][0]["id"]
    api.add_samples(ben, *(image_bytes(color=(0, 0, i)) for i in range(20)),
                    class_id=ben["classes"][0]["id"])  # fmt: skip
    api.add_samples(ana, *(image_bytes(color=(i, 0, 0)) for i in range(29)), class_id=paper)
    (newest,) = api.add_samples(ana, image_bytes(color=(250, 250, 0)), class_id=paper)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/classroom/{classroom['id']}#teacher={classroom['teacher_token']}")
    cards = {
        name: page.locator(f'.overview-card[data-nickname="{name}"]') for name in ("Ana", "Ben")
    }
    expect(cards["Ana"].locator(".class-counts")).to_have_text("Apple: 30 · Banana: 0")
    expect(cards["Ben"].locator(".class-counts")).to_have_text("Apple: 20 · Banana: 0")
    # Mark both cards' elements: a card drawn again is a new element, without the mark.
    page.evaluate(
        "document.querySelectorAll('.overview-card').forEach((c) => { c.drawnBefore = true; })"
    )
    api.add_samples(ben, image_bytes(color=(1, 2, 3)), class_id=ben["classes"][1]["id"])
    expect(cards["Ben"].locator(".class-counts")).to_have_text("Apple: 20 · Banana: 1")
    marks = page.evaluate(
        "[...document.querySelectorAll('.overview-card')].map((c) => c.drawnBefore === true)"
    )
    assert marks == [True, False], "Ana's card (unchanged) kept, Ben's drawn again"

    # The moderation view: every picture of the class, newest first, 48 a page.
    page.get_by_text("Every new picture of the class").click()
    pictures = page.locator(".moderated-picture")
    expect(pictures).to_have_count(PER_PAGE)
    expect(page.get_by_text("Page 1 of 2 (51 pictures)")).to_be_visible()
    expect(pictures.first.locator(".caption")).to_have_text("Ben, Banana")
    expect(pictures.nth(1)).to_have_attribute("data-sample-id", newest["id"])
    page.get_by_role("button", name="Older").click()
    expect(pictures).to_have_count(3)
    page.get_by_role("button", name="Newer").click()
    expect(pictures).to_have_count(PER_PAGE)
    pictures.nth(1).get_by_role("button", name="Delete this picture of Ana").click()
    expect(page.get_by_text("Page 1 of 2 (50 pictures)")).to_be_visible()
    expect(page.locator(f'[data-sample-id="{newest["id"]}"]')).to_have_count(0)
    expect(cards["Ana"].locator(".class-counts")).to_have_text("Apple: 29 · Banana: 0")
    gone = api.client.get(newest["image_url"])
    assert gone.status_code == 404
