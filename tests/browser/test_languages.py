"""The pages in other languages: every page in the pseudo-locale shows only catalogue text, Arabic
lays out right to left, a classroom's language wins over the browser's, and screenshots of the
studio and the dashboard in Arabic, Chinese and Hindi land in the test artefacts.

Projects are written straight into the database with stored embeddings (benchmarks/
large_project.py), so the studio trains its head without running the backbone on each picture."""

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from benchmarks.large_project import make_project, picture
from tests.conftest import Api

from .conftest import REPO, ConsoleErrors, wait_until

CATALOGUES = REPO / "static" / "i18n"
ARTEFACTS = Path(os.environ.get("SNAPCLASS_SCREENSHOTS") or REPO / "test-artifacts")

# Visible text nodes (and placeholders) with two Latin letters in a row once the user's own
# data is taken out: text the pseudo-locale did not accent, so not from the catalogue. Text
# inside <select> (the language names), [translate=no] and secret links is data, not text.
UNTRANSLATED = """(data) => {
  const plain = (text) => /[A-Za-z]{2,}/.test(data.reduce((t, d) => t.split(d).join(' '), text));
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('select, script, style, [translate="no"], .secret-link')) continue;
    if (el.checkVisibility() && plain(node.textContent)) found.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[placeholder]')) {
    if (el.checkVisibility() && plain(el.placeholder)) found.push(`placeholder: ${el.placeholder}`);
  }
  return found;
}"""
T = "async ([key, values]) => (await import('/static/js/strings.js')).t(key, values)"
FORMAT_DATE = "async (date) => (await import('/static/js/strings.js')).formatDate(date)"
FORMAT_DATE_TIME = "async (date) => (await import('/static/js/strings.js')).formatDateTime(date)"


def text(page: Page, key: str, **values) -> str:
    """The page's own catalogue text for a key (in its language)."""
    return page.evaluate(T, [key, values])


def catalogue(locale: str) -> dict[str, str]:
    """A locale's catalogue, or English's while its file has not arrived (what the page shows)."""
    path = CATALOGUES / f"{locale}.json"
    return json.loads((path if path.is_file() else CATALOGUES / "en.json").read_text())


def new_page(browser: Browser, console_errors: ConsoleErrors, locale: str) -> Page:
    context = browser.new_context(
        locale=locale, permissions=["camera"], viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    console_errors.watch(page)
    return page


@pytest.fixture
def pages(browser: Browser, console_errors: ConsoleErrors) -> Iterator:
    opened: list[Page] = []

    def open_page(locale: str) -> Page:
        opened.append(new_page(browser, console_errors, locale))
        return opened[-1]

    yield open_page
    for page in opened:
        page.context.close()
    assert not console_errors, "\n".join(console_errors)


def call(base_url: str, path: str, token: str, body: dict | None = None) -> dict:
    """The live server's API with a bearer token: GET, or POST with a JSON body."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(base_url + path, data, headers)) as answer:
        return json.load(answer)


def a_classroom(app, language: str | None = None) -> dict:
    """A classroom with a student, Sam, whose project has a picture in each class."""
    api = Api(app.test_client())
    classroom = api.start_classroom("7B")
    if language:
        api.client.patch(
            f"/api/classrooms/{classroom['id']}",
            json={"language": language},
            headers=api.teacher(classroom),
        )
    sam = api.join(classroom, "Sam")
    work = api.student_project(sam, title="Fruit", classes=["Apple", "Pear"])
    for number, cls in enumerate(work["classes"]):
        api.add_samples(work, picture(number, number), class_id=cls["id"])
    return {"classroom": classroom, "sam": sam, "work": work}


def assert_only_catalogue_text(page: Page, where: str, data: list[str]) -> None:
    found = page.evaluate(UNTRANSLATED, data)
    assert not found, f"{where}: text that is not from the catalogue: {found}"


def test_every_page_in_the_pseudo_locale_shows_only_catalogue_text(live_server, pages):
    base = live_server.url
    project = make_project(live_server.app, pictures=12, classes=2)
    lesson = a_classroom(live_server.app)
    classroom, sam, work = lesson["classroom"], lesson["sam"], lesson["work"]
    # The user's data: names, titles, codes, and the names of networks and backends.
    data = ["Class 1", "Class 2", "12 pictures", "7B", "Sam", "Fruit", "Apple", "Pear",
            classroom["join_code"], "MobileNetV2", "EfficientNet-Lite0", "webgl", "wasm",
            "webgpu", "Snapclass"]  # fmt: skip
    page = pages("en-XA")

    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en-XA")
    expect(page.locator(".ways-in")).to_be_visible()
    assert_only_catalogue_text(page, "home", data)

    # The studio, trained, with the lesson open on its first step.
    page.goto(project.studio_url(base))
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'", timeout=180)
    page.get_by_role("button", name=text(page, "train")).click()
    trained = text(page, "trainingDone", seconds=0).split("0")[0]
    expect(page.locator(".train-status")).to_contain_text(trained, timeout=120_000)
    page.locator(".learn-panel summary").click()
    expect(page.locator(".inside-steps .feature-map")).to_have_count(16, timeout=90_000)
    assert_only_catalogue_text(page, "studio", data)

    # The share page of the model saved from it.
    page.locator(".save-model").click()
    expect(page.locator(".model-versions .version-name")).to_have_count(1)
    version = call(base, f"/api/projects/{project.id}/models", project.owner_token)["models"][0]
    link = call(base, f"/api/models/{version['id']}/shares", project.owner_token, {})
    page.goto(base + link["url"])
    expect(page.locator(".shared-name")).to_be_visible()
    assert_only_catalogue_text(page, "share page", data)

    # The teacher's dashboard, the board, the join page, the student's home and a paired phone.
    page.goto(f"{base}/classroom/{classroom['id']}#teacher={classroom['teacher_token']}")
    expect(page.locator(".student")).to_have_count(1)
    # Its join address, and the day it is deleted as Intl writes it (English for en-XA).
    expires = page.evaluate(FORMAT_DATE, classroom["expires_at"])
    # and Sam's last activity, as Intl writes a day and time ("12/6/26, 9:10 PM" for en-XA).
    overview = f"/api/classrooms/{classroom['id']}/overview"
    active = call(base, overview, classroom["teacher_token"])["students"][0]["last_activity"]
    data += [f"{base}/join", expires, page.evaluate(FORMAT_DATE_TIME, active)]
    assert_only_catalogue_text(page, "dashboard", data)
    page.goto(f"{base}/board#code={classroom['join_code']}")
    expect(page.get_by_test_id("student-count")).to_have_text(text(page, "boardCount", count=1))
    assert_only_catalogue_text(page, "board", data)
    page.goto(f"{base}/join#code={classroom['join_code']}")
    expect(page.locator("#nickname")).to_be_visible()
    assert_only_catalogue_text(page, "join page", data)
    page.goto(base + sam["student_url"])
    expect(page.locator(".classroom-page h1")).to_contain_text("Sam")
    assert_only_catalogue_text(page, "student home", data)
    first_class = work["classes"][0]["id"]
    pairings = f"/api/projects/{work['id']}/classes/{first_class}/pairings"
    pairing = call(base, pairings, sam["student_token"], {})
    page.goto(base + pairing["url"])
    expect(page.locator(".phone-video")).to_be_visible()
    assert_only_catalogue_text(page, "phone", data)


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def screenshot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["ar", "zh-CN", "hi"])
def test_studio_and_dashboard_in_arabic_chinese_and_hindi(live_server, pages, locale):
    """Arabic mirrored (its classes column on the right), the webcam still a mirror once; each
    page in its catalogue's words (English until the file arrives), screenshotted."""
    base = live_server.url
    project = make_project(live_server.app, pictures=4, classes=2)
    classroom = a_classroom(live_server.app)["classroom"]
    words = catalogue(locale)
    page = pages(locale)
    page.goto(project.studio_url(base))
    expect(page.locator(".class-card")).to_have_count(2)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", locale)
    expect(html).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")
    expect(page.get_by_role("button", name=words["train"])).to_be_visible()
    classes, training = box(page, ".classes-column"), box(page, ".train-panel")
    if locale == "ar":
        assert classes["x"] > training["x"] + training["width"] - 1, (classes, training)
    else:
        assert classes["x"] + classes["width"] < training["x"] + 1, (classes, training)
    mirror = page.locator("video.mirrored").evaluate("v => getComputedStyle(v).transform")
    assert mirror == "matrix(-1, 0, 0, 1, 0, 0)"
    screenshot(page, f"studio-{locale}")

    page.goto(f"{base}/classroom/{classroom['id']}#teacher={classroom['teacher_token']}")
    expect(page.locator(".student")).to_have_count(1)
    counts = [text(page, "classCount", name=name, count=1) for name in ("Apple", "Pear")]
    expect(page.locator(".student .class-counts")).to_have_text(" · ".join(counts))
    expect(page.get_by_role("button", name=words["exportClass"])).to_be_visible()
    screenshot(page, f"dashboard-{locale}")


def test_a_spanish_classroom_speaks_spanish_to_a_browser_asking_for_english(live_server, pages):
    lesson = a_classroom(live_server.app, language="es")
    classroom, sam, work = lesson["classroom"], lesson["sam"], lesson["work"]
    spanish = catalogue("es")
    # The join page learns the language from the code in its link, and reloads in it.
    page = pages("en-US")
    page.goto(f"{live_server.url}/join#code={classroom['join_code']}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text(spanish["joinTitle"])
    # A student's studio on another computer: English first, Spanish once the project says so.
    studio = pages("en-US")
    studio.goto(f"{live_server.url}/p/{work['id']}#student={sam['student_token']}")
    expect(studio.locator("html")).to_have_attribute("lang", "es")
    expect(studio.get_by_role("button", name=spanish["train"])).to_be_visible()
    # The menu's choice on this computer comes first; "use my class's language" gives it back.
    studio.locator("#language-menu").select_option("en")
    expect(studio.locator("html")).to_have_attribute("lang", "en")
    expect(studio.locator(".class-card")).to_have_count(2)
    studio.locator("#language-menu").select_option("")
    expect(studio.locator("html")).to_have_attribute("lang", "es")
    expect(studio.locator(".class-card")).to_have_count(2)
