"""A lesson in a classroom: a teacher, two students and a paired phone, each its own browser
context (its own profile), against the live server."""

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import wait_until
from .test_studio import screenshot


@pytest.fixture(autouse=True)
def patient_expect():
    """Four browsers share two loaded cores: give each expectation 20 s instead of 5."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def new_page(browser: Browser, console_errors, camera: bool = False) -> Page:
    context = browser.new_context(permissions=["camera"] if camera else [])
    page = context.new_page()
    page.set_default_timeout(30_000)
    console_errors.watch(page)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def join(page: Page, base_url: str, code: str, nickname: str) -> str:
    """Join through the join page; returns the student link it shows."""
    page.goto(f"{base_url}/join")
    page.get_by_label("Code from the board").fill(code.lower())
    page.get_by_label("Nickname").fill(nickname)
    page.get_by_role("button", name="Join").click()
    link = page.get_by_test_id("student-link")
    expect(link).to_contain_text("#student=")
    expect(page.locator(".qr-slot img.qr")).to_be_visible()
    return link.inner_text()


def upload_pictures(page: Page, project_id: str, class_id: int, colours: list[str]) -> None:
    """Upload small pictures with the student token from the page's own link, as the studio's
    uploader does."""
    page.evaluate(
        """async ([projectId, classId, colours]) => {
        const token = new URLSearchParams(location.hash.slice(1)).get('student');
        const form = new FormData();
        for (const colour of colours) {
            const canvas = document.createElement('canvas');
            canvas.width = 32; canvas.height = 32;
            const ctx = canvas.getContext('2d');
            ctx.fillStyle = colour; ctx.fillRect(0, 0, 32, 32);
            form.append('file', await new Promise((r) => canvas.toBlob(r, 'image/png')), 'p.png');
        }
        form.append('class_id', String(classId));
        const response = await fetch(`/api/projects/${projectId}/samples`,
            { method: 'POST', body: form, headers: { Authorization: `Bearer ${token}` } });
        if (response.status !== 201) throw new Error(await response.text());
    }""",
        [project_id, class_id, colours],
    )


def test_a_lesson_with_a_teacher_two_students_and_a_phone(browser: Browser, live_server,
                                                          console_errors):  # fmt: skip
    base = live_server.url
    teacher = new_page(browser, console_errors)
    teacher.goto(f"{base}/classroom")
    teacher.get_by_label("Class name").fill("7B Science")
    teacher.get_by_role("button", name="Start the classroom").click()
    teacher.wait_for_url("**/classroom/*#teacher=*")
    code = teacher.get_by_test_id("join-code").inner_text()
    assert len(code) == 6
    expect(teacher.locator(".qr-slot img.qr")).to_be_visible()
    teacher.get_by_label("Title").fill("Recycling")
    teacher.get_by_label("Class names, separated by commas").fill("paper, plastic")
    teacher.get_by_role("button", name="Add the assignment").click()
    expect(teacher.get_by_text("Recycling: paper, plastic")).to_be_visible()

    sam, kim = new_page(browser, console_errors), new_page(browser, console_errors)
    sam_link = join(sam, base, code, "Sam")
    kim_link = join(kim, base, code, "Kim")
    screenshot(kim, "classroom-joined")
    # Sam starts the assignment and lands in the studio, which opens with the student link.
    sam.get_by_role("link", name="Go to my projects").click()
    sam.get_by_role("button", name='Start "Recycling"').click()
    sam.wait_for_url("**/p/*#student=*")
    expect(sam.get_by_role("textbox", name="Rename plastic")).to_be_visible()
    project_id = sam.url.split("/p/")[1].split("#")[0]
    project = sam.evaluate(
        """async (id) => {
        const token = new URLSearchParams(location.hash.slice(1)).get('student');
        return (await fetch(`/api/projects/${id}`,
            { headers: { Authorization: `Bearer ${token}` } })).json();
    }""",
        project_id,
    )
    paper, plastic = (c["id"] for c in project["classes"])
    upload_pictures(sam, project_id, paper, ["#c00", "#0c0", "#00c"])

    # Sam pairs a phone with "plastic" from its card; the phone's back camera (a fake one) adds
    # two pictures, and the card counts them as they arrive.
    card = sam.locator(f'.class-card[data-class-id="{plastic}"]')
    card.get_by_role("button", name="Phone camera").click()
    expect(card.locator("img.qr")).to_be_visible()
    pairing = {"url": card.get_by_test_id("phone-link").inner_text().removeprefix(base)}
    phone = new_page(browser, console_errors, camera=True)
    phone.goto(base + pairing["url"])
    expect(phone.get_by_role("heading")).to_contain_text('"plastic" of Recycling')
    wait_until(phone, "document.querySelector('video').readyState >= 2")
    for sent in (1, 2):
        phone.get_by_role("button", name="Take a picture").click()
        expect(phone.get_by_test_id("phone-sent")).to_have_text(f"{sent} pictures sent")
    expect(card.get_by_test_id("phone-received")).to_have_text("2 pictures from the phone")
    screenshot(phone, "classroom-phone")
    card.get_by_role("button", name="End the phone link").click()
    # Back home, Sam shows the project in the class gallery.
    sam.goto(sam_link)
    sam.get_by_role("button", name="Show in the class gallery").click()
    expect(sam.get_by_role("button", name="Hide from the class gallery")).to_be_visible()

    # The dashboard refreshes by itself: Sam's counts, Kim with no project yet.
    row = teacher.locator('[data-nickname="Sam"]')
    expect(row.locator(".counts")).to_have_text("5 pictures, 0 saved models, 0 share links")
    expect(teacher.locator('[data-nickname="Kim"]')).to_be_visible()
    # The teacher opens Sam's project and deletes a picture.
    row.get_by_role("button", name="Open").click()
    pictures = teacher.locator(".moderated-picture")
    expect(pictures).to_have_count(5)
    screenshot(teacher, "classroom-dashboard")
    pictures.first.get_by_role("button", name="Delete this picture").click()
    expect(pictures).to_have_count(4)
    expect(row.locator(".counts")).to_have_text("4 pictures, 0 saved models, 0 share links")

    # The whole class as one zip: a folder per student with projects.
    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Download the whole class (zip)").click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        assert archive.namelist() == ["Sam/Recycling.zip"]

    # Kim is removed: her link stops working.
    teacher.get_by_role("button", name="Remove Kim").click()
    expect(teacher.locator('[data-nickname="Kim"]')).to_have_count(0)
    kim.goto(kim_link)
    expect(kim.locator(".form-error")).to_contain_text("not valid")

    teacher.get_by_role("button", name="Delete the classroom").click()
    expect(teacher.get_by_role("status")).to_have_text(
        "The classroom and everything in it was deleted."
    )
    sam.reload()  # Sam's home page, opened with the student link
    expect(sam.locator(".form-error")).to_contain_text("not valid")
    # The 401s of the removed student's and the deleted classroom's links were expected.
    unexpected = [e for e in console_errors if "401" not in e or "/api/student" not in e]
    console_errors.clear()
    assert unexpected == []
