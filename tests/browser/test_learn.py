"""A student learns how the model works: inside the network, the map (PCA and UMAP), the curve,
the quiz, and "How it works" again on the share page, for the owner only."""

import io
import zipfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.conftest import Api

from .conftest import ConsoleErrors, wait_until
from .media import write_pictures
from .test_share import screenshot

MAP_DATA = "[...document.querySelectorAll('.feature-maps[data-layer=\"{}\"] canvas')]" \
    ".map((c) => c.toDataURL())"  # fmt: skip


def feature_maps(page: Page) -> dict[str, list[str]]:
    return {layer: page.evaluate(MAP_DATA.format(layer)) for layer in ("early", "late")}


DOTS = "[...document.querySelectorAll('.map .dot')].map((d) => [+d.getAttribute('cx'), " \
    "+d.getAttribute('cy')])"  # fmt: skip


def test_student_walks_through_how_their_model_works(
    page: Page, browser: Browser, live_server, tmp_path: Path, console_errors: ConsoleErrors
):
    sent = []  # the page's requests: nothing may tell a server about a quiz outside a classroom
    page.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start a new project").click()
    page.wait_for_url("**/p/**")
    first, second = page.locator(".class-card").nth(0), page.locator(".class-card").nth(1)
    discs = write_pictures(tmp_path / "discs", "disc", 4, first_seed=1)
    stripes = write_pictures(tmp_path / "stripes", "stripes", 5, first_seed=1)
    # One picture of stripes put in the discs' class by mistake.
    first.locator("input[type=file]").set_input_files([str(p) for p in [*discs, stripes[0]]])
    second.locator("input[type=file]").set_input_files([str(p) for p in stripes[1:]])
    page.get_by_role("button", name="Add a class").click()
    third = page.locator(".class-card").nth(2)
    checks = write_pictures(tmp_path / "checks", "checks", 4, first_seed=1)
    third.locator("input[type=file]").set_input_files([str(p) for p in checks])
    wait_until(page, "document.body.dataset.pendingUploads === '0'")
    wait_until(page, "document.body.dataset.embeddingsReady === 'true'", timeout=180)
    page.get_by_role("button", name="Train model").click()
    expect(page.locator(".train-status")).to_contain_text("Trained in", timeout=120_000)

    # How it works: the first picture goes through the real backbone.
    page.locator(".learn-panel summary").click()
    steps = page.locator(".inside-steps")
    expect(steps.locator(".feature-map")).to_have_count(16, timeout=60_000)
    expect(steps.locator(".inside-input")).to_be_visible()
    expect(steps.locator(".embedding-strip")).to_be_visible()
    expect(steps.locator(".head-view li")).to_have_count(3)
    a_disc = feature_maps(page)
    page.get_by_label("Picture to look inside").select_option(label="Class 2 – picture 1")
    page.get_by_role("button", name="Look inside").click()
    wait_until(page, f"({MAP_DATA.format('early')})[0] !== {a_disc['early'][0]!r}")
    stripes_maps = feature_maps(page)
    assert stripes_maps["early"] != a_disc["early"] and stripes_maps["late"] != a_disc["late"]

    # The map: every picture placed; the stray stripes picture flagged, and moved with a click.
    page.get_by_role("tab", name="Map of your pictures").click()
    expect(page.locator(".map .dot")).to_have_count(13, timeout=30_000)
    expect(page.locator(".map-check")).to_have_count(1)
    expect(page.locator(".map .dot.flagged")).to_have_count(1)
    page.locator(".map .dot[tabindex='0']").focus()
    expect(page.locator(".map-tip")).to_be_visible()
    for key in ("ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp"):
        page.keyboard.press(key)
    assert page.evaluate("document.activeElement.classList.contains('dot')")
    page.get_by_role("button", name="Move to Class 2").click()
    expect(second.locator(".thumb[data-status=saved]")).to_have_count(5)
    expect(page.locator(".map-checks")).to_contain_text("Nothing to check", timeout=30_000)
    # UMAP instead of PCA (umap-js, in a worker): every picture placed again, inside the map.
    pca = page.evaluate(DOTS)
    page.get_by_label("UMAP", exact=False).check()
    expect(page.locator(".map[data-layout=umap] .dot")).to_have_count(13, timeout=60_000)
    umap = page.evaluate(DOTS)
    assert all(0 <= v <= 400 for point in umap for v in point), umap
    assert len({tuple(point) for point in umap}) == 13 and umap != pca
    expect(page.locator(".map-checks")).to_contain_text("Nothing to check")
    screenshot(page, "learn-map-umap")

    # How many pictures: the curve never falls on these well-separated pictures.
    page.get_by_role("tab", name="How many pictures?").click()
    page.get_by_role("button", name="Draw the curve").click()
    expect(page.locator(".curve-points li")).to_have_count(2, timeout=30_000)  # 1 and 2 of 4
    means = page.evaluate(
        "[...document.querySelectorAll('.curve-points li')].map((li) => +li.dataset.mean)"
    )
    assert means == sorted(means) and means[-1] > 0.9, means

    # The quiz: a question on this very project first, then ten; each answer is explained.
    page.get_by_role("tab", name="Quiz").click()
    questions = page.locator(".quiz-question:not([hidden])")
    expect(questions).to_have_count(11)
    expect(questions.nth(0)).to_contain_text("Your project")
    for index in range(11):
        questions.nth(index).locator(".quiz-option[data-right=true]").click()
        expect(questions.nth(index).locator(".quiz-why")).to_contain_text("Right!")
    expect(page.locator(".quiz-score")).to_have_text(
        "You answered 11 of 11 questions right the first time."
    )
    expect(page.locator(".quiz-saved")).to_have_text("")
    assert not [r for r in sent if "/quiz" in r], "a project of no classroom keeps no quiz score"

    # Train it in Python: the zip of pictures and programs.
    page.get_by_role("tab", name="Train it in Python").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the Python notebook").click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        names = archive.namelist()
    assert {"train.py", "train.ipynb", "lesson.json"} <= set(names)
    assert sum(name.startswith("pictures/") for name in names) == 13

    # The share page: "How it works" for the owner (this browser remembers the project's owner
    # token), drawn by the same component from the project's pictures; nothing for a visitor.
    models = page.locator(".model-panel")
    models.get_by_role("button", name="Save this model").click()
    expect(models.locator(".model-version")).to_have_count(1)
    models.get_by_role("button", name="Create a share link").click()
    link = models.locator(".share-url").input_value()
    owner = page.context.new_page()
    console_errors.watch(owner)
    owner.goto(link)
    owner.locator(".share-learn summary").click(timeout=60_000)
    expect(owner.locator(".share-learn .feature-map")).to_have_count(16, timeout=60_000)
    expect(owner.locator(".share-learn .head-view li")).to_have_count(3)
    expect(owner.locator(".share-learn .inside-picker option")).to_have_count(13)
    screenshot(owner, "share-how-it-works")
    owner.close()
    visitor_context = browser.new_context()
    visitor = visitor_context.new_page()
    console_errors.watch(visitor)
    asked = []
    visitor.on("request", lambda request: asked.append(request.url))
    visitor.goto(link)
    wait_until(visitor, "Boolean(document.body.dataset.backend)", timeout=60)
    expect(visitor.locator(".share-learn")).to_have_count(0)
    assert not [url for url in asked if "/api/" in url], asked
    visitor_context.close()


def test_a_classroom_students_finished_quiz_shows_on_the_teachers_dashboard(
    page: Page, live_server
):
    api = Api(live_server.app.test_client())
    classroom = api.start_classroom()
    sam = api.join(classroom, "Sam")
    work = api.student_project(sam)
    page.goto(f"{live_server.url}/p/{work['id']}#student={sam['student_token']}")
    page.locator(".learn-panel summary").click()
    page.get_by_role("tab", name="Quiz").click()
    expect(page.locator(".learn-quiz .caption")).to_contain_text("your teacher sees")
    questions = page.locator(".quiz-question:not([hidden])")
    expect(questions).to_have_count(10)  # no question on the project: it has no pictures
    for index in range(10):
        right = "true" if index else "false"  # the first one wrong, once
        questions.nth(index).locator(f".quiz-option[data-right={right}]").first.click()
    expect(page.locator(".quiz-saved")).to_have_text(
        "Your teacher can see that you finished the quiz."
    )
    page.goto(f"{live_server.url}/classroom/{classroom['id']}#teacher={classroom['teacher_token']}")
    row = page.locator('[data-nickname="Sam"]')
    expect(row.locator(".quiz-score")).to_have_text("9 of 10")
    screenshot(page, "classroom-quiz-finished")
