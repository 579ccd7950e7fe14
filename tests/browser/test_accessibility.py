"""Every page of a lesson, visited once: axe-core finds no serious or critical violation on the
home page, the join page, the board, a student's home, the teacher's dashboard and the printable
cards; any lesser one must be listed, with its reason, in benchmarks/accessibility.md. Each page
lays out from a phone (360 px wide) to a projector (1920 × 1080) without scrolling sideways, and
the cards print on A4 and on Letter as one page for the teacher card and one per eight students.

axe-core comes from node_modules (npm, `make install`) and is added to each page before its own
scripts by Playwright (an init script, which the pages' Content-Security-Policy does not cover).
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import image_bytes

from .conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
LISTED = REPO / "benchmarks" / "accessibility.md"
PHONE = {"width": 360, "height": 740}
PROJECTOR = {"width": 1920, "height": 1080}
STUDENTS = 9  # two sheets of student cards: eight, then one
FAILING = {"serious", "critical"}


# Several browsers share two loaded cores: each expectation waits 20 s instead of 5.
pytestmark = pytest.mark.usefixtures("patient_expect")


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations of the page as it is now (WCAG 2.x A and AA, and best practices)."""
    return page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))"""
    )


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def pdf_pages(page: Page, paper: str) -> int:
    """How many pages the page prints on, as Chromium's print to PDF lays it out."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", page.pdf(format=paper)))


def test_every_lesson_page_passes_axe_and_fits_a_phone_and_a_projector(
    browser: Browser, live_server, console_errors
):
    base = live_server.url
    context = browser.new_context(viewport=PROJECTOR)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    console_errors.watch(page)

    classroom = page.request.post(f"{base}/api/classrooms", data={"name": "7B Science"}).json()
    code, teacher = classroom["join_code"], classroom["teacher_url"]
    students = [
        page.request.post(
            f"{base}/api/classrooms/join", data={"code": code, "nickname": f"Pupil {n}"}
        ).json()
        for n in range(STUDENTS)
    ]
    bearer = {"Authorization": f"Bearer {students[0]['student_token']}"}
    project = page.request.post(
        f"{base}/api/projects", data={"title": "Recycling", "classes": ["paper", "plastic"]},
        headers=bearer,
    ).json()  # fmt: skip
    uploaded = page.request.post(
        f"{base}/api/projects/{project['id']}/samples",
        multipart={"class_id": project["classes"][0]["id"], "file": {
            "name": "p.png", "mimeType": "image/png", "buffer": image_bytes(color=(200, 10, 10))}},
        headers=bearer,
    )  # fmt: skip
    assert uploaded.status == 201

    def shows(locator) -> None:
        expect(locator).to_be_visible()

    def dashboard_ready() -> None:
        expect(page.locator(".overview-card")).to_have_count(STUDENTS)
        expect(page.locator(".overview-thumbs img")).to_have_count(1)
        shows(page.locator(".qr-slot img.qr"))

    def cards_ready() -> None:
        page.get_by_role("button", name="Make the student cards").click()
        expect(page.locator(".student-card img.qr")).to_have_count(STUDENTS)
        shows(page.locator(".teacher-card img.qr"))

    visits = [
        ("home", "/", lambda: shows(page.get_by_role("link", name="Start a classroom"))),
        ("join", "/join", lambda: shows(page.get_by_label("Code from the board"))),
        ("board", f"/board#code={code}", lambda: shows(page.locator(".qr-slot img.qr"))),
        ("student home", students[0]["student_url"],
         lambda: shows(page.get_by_role("button", name="Start a new project"))),
        ("dashboard", teacher, dashboard_ready),
        ("cards", teacher.replace("#teacher=", "/cards#teacher="), cards_ready),
    ]  # fmt: skip
    failing, lesser = [], []
    for name, path, ready in visits:
        page.set_viewport_size(PROJECTOR)
        page.goto(f"{base}{path}")
        ready()
        for violation in axe_violations(page):
            (failing if violation["impact"] in FAILING else lesser).append((name, violation))
        assert not scrolls_sideways(page), f"{name} scrolls sideways at 1920 × 1080"
        page.set_viewport_size(PHONE)
        assert not scrolls_sideways(page), f"{name} scrolls sideways on a phone"
    assert failing == [], "\n".join(f"{name}: {v}" for name, v in failing)
    listed = LISTED.read_text()
    unlisted = [(name, v) for name, v in lesser if f"`{v['id']}`" not in listed]
    assert unlisted == [], f"not listed with a reason in {LISTED.name}: {unlisted}"

    # The cards page printed: the teacher card alone, then eight student cards a sheet.
    page.emulate_media(media="print")
    assert [pdf_pages(page, paper) for paper in ("A4", "Letter")] == [3, 3]
    assert not console_errors, "\n".join(console_errors)
    context.close()
