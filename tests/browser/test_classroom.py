"""A lesson in a classroom: a teacher, three students and a paired phone, each its own browser
context (its own profile), against one live server. Students record with the fake webcam and
train in the studio; the teacher watches, opens a project read-only, moderates and cleans up."""

import io
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from server.classrooms import JOIN_CODE_LENGTH

from .conftest import wait_until
from .test_studio import screenshot

FRAMES = 3  # pictures recorded per class: enough to train, cheap on two loaded cores
# Ana and Cy record five a class: the fewest of which the studio holds one out, so their saved
# models have a validation accuracy for the dashboard to show.
MEASURED = 5


# Several browsers share two loaded cores: each expectation waits 20 s instead of 5.
pytestmark = pytest.mark.usefixtures("patient_expect")


def new_page(browser: Browser, console_errors, camera: bool = False) -> Page:
    context = browser.new_context(
        permissions=["camera"] if camera else [], viewport={"width": 1400, "height": 1000}
    )
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
    return link.inner_text()


def start_classroom(page: Page, base_url: str, name: str) -> str:
    """Start a classroom from the classroom page; returns its join code."""
    page.goto(f"{base_url}/classroom")
    page.get_by_label("Class name").fill(name)
    page.get_by_role("button", name="Start the classroom").click()
    page.wait_for_url("**/classroom/*#teacher=*")
    return page.get_by_test_id("join-code").inner_text()


def record(page: Page, card: Locator, frames: int = FRAMES) -> None:
    """Hold the card's record button until it has taken `frames` more pictures."""
    thumbs = card.locator(".thumb")
    wanted = thumbs.count() + frames
    card.get_by_role("button", name="Hold to record").hover()
    page.mouse.down()
    deadline = time.monotonic() + 20
    while thumbs.count() < wanted and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    page.mouse.up()
    assert thumbs.count() >= wanted


def saved_counts(page: Page) -> list[int]:
    """Each class card's saved pictures, once nothing waits to upload."""
    wait_until(page, "document.body.dataset.pendingUploads === '0'")
    cards = page.locator(".class-card")
    return [cards.nth(i).locator(".thumb[data-status=saved]").count() for i in range(cards.count())]


def start_assignment(page: Page, student_link: str) -> None:
    """From the student's home, start the assignment: the studio opens with the student link."""
    page.goto(student_link)
    page.get_by_role("button", name='Start "Recycling"').click()
    page.wait_for_url("**/p/*#student=*")


def record_and_train(page: Page, frames: int = FRAMES) -> list[int]:
    """Record both classes of the assignment and train; returns the pictures per class."""
    cards = page.locator(".class-card")
    expect(cards).to_have_count(2)
    for i in range(2):
        record(page, cards.nth(i), frames)
    counts = saved_counts(page)
    # Trainable once every picture is prepared by the backbone in the page.
    wait_until(page, "!document.querySelector('.train-panel .reasons li')", timeout=90)
    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=90_000)
    return counts


def save_and_share(page: Page) -> str:
    """Save the trained model and make a share link for it; returns the link's path."""
    page.get_by_role("button", name="Save this model").click()
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()
    page.get_by_role("button", name="Create a share link").click()
    link = page.locator(".share-link")
    expect(link).to_have_attribute("data-state", "pending")  # a classroom's links need approval
    return f"/s/{link.get_attribute('data-token')}"


def finish_quiz(page: Page, wrong: int) -> None:
    """Answer the studio's quiz (ten questions for two classes), `wrong` of them wrongly the
    first time; the score goes to the teacher."""
    page.locator(".learn-panel summary").click()
    page.get_by_role("tab", name="Quiz").click()
    questions = page.locator(".quiz-question:not([hidden])")
    expect(questions).to_have_count(10)
    for index in range(10):
        right = "false" if index < wrong else "true"
        questions.nth(index).locator(f".quiz-option[data-right={right}]").first.click()
    expect(page.locator(".quiz-saved")).to_have_text(
        "Your teacher can see that you finished the quiz."
    )


def saved_accuracy(page: Page) -> str:
    """The validation accuracy of the student's latest saved model as the dashboard writes it,
    from what the server stored."""
    accuracy = page.evaluate(
        """async () => {
        const id = location.pathname.split('/')[2];
        const token = new URLSearchParams(location.hash.slice(1)).get('student');
        const reply = await fetch(`/api/projects/${id}/models`,
            { headers: { Authorization: `Bearer ${token}` } });
        const models = (await reply.json()).models;
        return models[0].metrics.val_accuracy; // newest first
    }"""
    )
    assert isinstance(accuracy, float | int), accuracy
    return f"{round(accuracy * 100)}%"


def image_urls(page: Page) -> list[str]:
    """The signed picture URLs the studio shows."""
    return page.evaluate(
        """async () => {
        const id = location.pathname.split('/')[2];
        const token = new URLSearchParams(location.hash.slice(1)).get('student');
        const reply = await fetch(`/api/projects/${id}/samples?per_page=500`,
            { headers: { Authorization: `Bearer ${token}` } });
        return (await reply.json()).samples.map((s) => s.image_url);
    }"""
    )


def status(page: Page, url: str) -> int:
    """The status of a GET without credentials, as a stranger with the URL would see it."""
    return page.request.get(urljoin(page.url, url)).status


def test_a_lesson_with_a_teacher_three_students_and_a_phone(browser: Browser, live_server,
                                                            console_errors):  # fmt: skip
    base = live_server.url
    teacher = new_page(browser, console_errors)
    code = start_classroom(teacher, base, "7B Science")
    assert len(code) == JOIN_CODE_LENGTH
    expect(teacher.locator(".qr-slot img.qr")).to_be_visible()
    teacher.get_by_label("Title").fill("Recycling")
    teacher.get_by_label("Class names, separated by commas").fill("paper, plastic")
    teacher.get_by_role("button", name="Add the assignment").click()
    expect(teacher.get_by_text("Recycling: paper, plastic")).to_be_visible()

    ana, ben, cy = (new_page(browser, console_errors, camera=True) for _ in range(3))
    links = {name: join(page, base, code, name) for name, page in [("Ana", ana), ("Ben", ben),
                                                                      ("Cy", cy)]}  # fmt: skip
    expect(ana.locator(".qr-slot img.qr")).to_be_visible()
    screenshot(ana, "classroom-joined")

    # The three start the assignment at once; their studios load side by side.
    for name, page in [("Ana", ana), ("Ben", ben), ("Cy", cy)]:
        start_assignment(page, links[name])
    # Ana records and trains, saves her model, asks for a share link and shows it to the class.
    counts = {"Ana": record_and_train(ana, MEASURED)}
    ana_link = save_and_share(ana)
    assert status(ana, ana_link) == 410  # not before the teacher approves it
    # "Use in Scratch" says the link waits for the teacher, and opens nothing.
    tabs = len(ana.context.pages)
    ana.locator(".model-version .use-in-scratch").click()
    expect(ana.locator(".notice")).to_contain_text("once your teacher approves its share link")
    assert len(ana.context.pages) == tabs
    expect(ana.locator(".share-link")).to_have_count(1)  # the waiting link, not a second one
    accuracy = {"Ana": saved_accuracy(ana)}
    finish_quiz(ana, wrong=0)
    ana.goto(links["Ana"])
    ana.get_by_role("button", name="Show in the class gallery").click()
    expect(ana.get_by_role("button", name="Hide from the class gallery")).to_be_visible()

    # Ben records and trains, then pairs a phone with "plastic": the phone's back camera (a fake
    # one) takes two pictures, and they appear on Ben's card as they arrive.
    counts["Ben"] = record_and_train(ben)
    card = ben.locator(".class-card").nth(1)
    card.get_by_role("button", name="Phone camera").click()
    expect(card.locator("img.qr")).to_be_visible()
    phone = new_page(browser, console_errors, camera=True)
    phone.goto(card.get_by_test_id("phone-link").inner_text())
    expect(phone.get_by_role("heading")).to_contain_text('"plastic" of Recycling')
    wait_until(phone, "document.querySelector('video').readyState >= 2")
    thumbs = card.locator(".thumb[data-status=saved]")
    before = thumbs.count()
    for sent in (1, 2):
        phone.get_by_role("button", name="Take a picture").click()
        expect(phone.get_by_test_id("phone-sent")).to_have_text(
            "1 picture sent" if sent == 1 else f"{sent} pictures sent"
        )
        expect(thumbs).to_have_count(before + sent)
    expect(card.get_by_test_id("phone-received")).to_have_text("2 pictures from the phone")
    screenshot(ben, "classroom-phone-pictures-in-studio")
    card.get_by_role("button", name="End the phone link").click()
    expect(card.get_by_role("button", name="Phone camera")).to_be_visible()
    phone.context.close()
    counts["Ben"][1] += 2
    # Back home, Ben sees Ana's model in the class gallery.
    ben.goto(links["Ben"])
    expect(ben.locator(".gallery")).to_contain_text("Recycling by Ana")

    # Cy records, trains and saves, and asks for a share link too.
    counts["Cy"] = record_and_train(cy, MEASURED)
    cy_link = save_and_share(cy)
    accuracy["Cy"] = saved_accuracy(cy)
    finish_quiz(cy, wrong=1)
    cy_pictures = image_urls(cy)
    assert len(cy_pictures) == sum(counts["Cy"])
    cy.goto(links["Cy"])

    # The dashboard refreshes by itself: the three students with their pictures per class, the
    # newest as thumbnails, their models' validation accuracy, quiz scores and links waiting.
    def row(nickname: str) -> Locator:
        return teacher.locator(f'[data-nickname="{nickname}"]')

    def per_class(nickname: str) -> str:
        paper, plastic = counts[nickname]
        return f"paper: {paper} · plastic: {plastic}"

    for nickname, score in [("Ana", "10 of 10"), ("Ben", "not finished yet"), ("Cy", "9 of 10")]:
        expect(row(nickname).locator(".class-counts")).to_have_text(per_class(nickname))
        expect(row(nickname).locator(".quiz-score")).to_have_text(score)
        expect(row(nickname).locator(".overview-thumbs img")).to_have_count(6)
    for nickname in ("Ana", "Cy"):
        expect(row(nickname).locator(".accuracy")).to_have_text(accuracy[nickname])
        expect(row(nickname).locator(".pending-link")).to_have_count(1)
    expect(row("Ben").locator(".accuracy")).to_have_text("no saved model yet")
    expect(row("Ben").locator(".pending-link")).to_have_count(0)
    screenshot(teacher, "classroom-dashboard")

    # The teacher opens Ben's project in the studio, read-only: his pictures, no controls to
    # record, upload, rename, train or save; deleting a picture (moderation) is allowed.
    with teacher.context.expect_page() as opened:
        row("Ben").get_by_role("link", name="Open Recycling of Ben in the studio").click()
    studio = opened.value
    console_errors.watch(studio)
    expect(studio.locator(".read-only-note")).to_be_visible()
    shown = studio.locator(".class-card .thumb[data-status=saved]")
    expect(shown).to_have_count(sum(counts["Ben"]))
    expect(studio.locator(".class-card")).to_have_count(2)
    assert studio.get_by_role("button", name="Hold to record").count() == 0
    for name in ["Phone camera", "Upload images", "Add a class", "Train model", "Save this model"]:
        expect(studio.get_by_role("button", name=name)).to_have_count(0)
    # The image model's choice is drawn once the backbones are listed, but not shown or usable.
    wait_until(studio, "document.querySelectorAll('.backbone-choice input').length === 2")
    choice = studio.locator(".backbone-choice input")
    assert choice.evaluate_all("inputs => inputs.every((i) => i.disabled && !i.checkVisibility())")
    expect(studio.locator(".class-name").first).not_to_be_editable()
    expect(studio.locator(".project-title")).not_to_be_editable()
    screenshot(studio, "classroom-teacher-studio")
    shown.first.click()
    studio.get_by_role("button", name="Delete selected").click()
    expect(shown).to_have_count(sum(counts["Ben"]) - 1)
    studio.close()
    # Which class the studio's first picture was of is not known here: the total drops by one.
    expect(row("Ben").locator(".class-counts")).not_to_have_text(per_class("Ben"))
    before = sum(counts["Ben"])
    counts["Ben"] = [int(n) for n in re.findall(r"\d+", row("Ben").locator(".class-counts")
                                                 .inner_text())]  # fmt: skip
    assert sum(counts["Ben"]) == before - 1
    # On the dashboard, a click on one of Ben's thumbnails deletes it (after the confirmation).
    newest = row("Ben").locator(".thumb-button").first
    deleted_id = newest.get_attribute("data-sample-id")
    newest.click()
    expect(row("Ben").locator(f'[data-sample-id="{deleted_id}"]')).to_have_count(0)
    counts["Ben"][1] -= 1  # the newest: the phone's second picture, of "plastic"
    expect(row("Ben").locator(".class-counts")).to_have_text(per_class("Ben"))

    # Ana's link is refused; Cy's approved there, so it works, until Cy is removed.
    row("Ana").get_by_role("button", name="Refuse the share link of Ana").click()
    expect(row("Ana").locator(".pending-link")).to_have_count(0)
    assert status(teacher, ana_link) == 410
    row("Cy").get_by_role("button", name="Approve the share link of Cy").click()
    expect(row("Cy").locator(".pending-link")).to_have_count(0)
    assert status(teacher, cy_link) == 200
    assert status(cy, cy_pictures[0]) == 200

    # Cy is removed: his pictures and links are gone.
    teacher.get_by_role("button", name="Remove Cy").click()
    expect(row("Cy")).to_have_count(0)
    assert status(teacher, cy_link) == 410
    assert {status(teacher, url) for url in cy_pictures} == {404}
    cy.reload()  # Cy's home, opened with his student link
    expect(cy.locator(".form-error")).to_contain_text("This link does not work")

    # The whole class as one zip: a folder per student, each project with its pictures.
    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Download the whole class (zip)").click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        assert archive.namelist() == ["Ana/Recycling.zip", "Ben/Recycling.zip"]
        for nickname in ("Ana", "Ben"):
            with zipfile.ZipFile(io.BytesIO(archive.read(f"{nickname}/Recycling.zip"))) as one:
                pictures = [n for n in one.namelist() if n.startswith(("paper/", "plastic/"))]
                assert len(pictures) == sum(counts[nickname]), (nickname, one.namelist())

    teacher.get_by_role("button", name="Delete the classroom").click()
    expect(teacher.get_by_role("status")).to_have_text(
        "The classroom and everything in it was deleted."
    )
    ana.reload()  # Ana's home page, opened with the student link
    expect(ana.locator(".form-error")).to_contain_text("This link does not work")
    # The 401s of the removed student's and the deleted classroom's links were expected: their
    # homes' own asking and their class-project sections'; so was the 404 of the dashboard's
    # class-project section asking once more as the classroom was deleted.
    expected = ("/api/student", "/class-projects")
    unexpected = [
        e
        for e in console_errors
        if not ("401" in e or "404" in e) or not any(u in e for u in expected)
    ]
    console_errors.clear()
    assert unexpected == []
