"""The teacher's and the students' way in from the home page, and getting back in: a classroom
this browser remembers on request is listed on the home page and forgotten on request."""

import pytest
from playwright.sync_api import Browser, Page, expect

from server.classrooms import JOIN_CODE_LENGTH

from .test_classroom import new_page
from .test_languages import catalogue

# Several browsers share two loaded cores: each expectation waits 20 s instead of 5.
pytestmark = pytest.mark.usefixtures("patient_expect")


def start_classroom_from_home(page: Page, base_url: str, name: str) -> str:
    """From `/`, the teacher's way in to a new classroom; returns its join code."""
    page.goto(base_url)
    page.get_by_role("link", name="Start a classroom").click()
    page.get_by_label("Class name").fill(name)
    page.get_by_role("button", name="Start the classroom").click()
    page.wait_for_url("**/classroom/*#teacher=*")
    code = page.get_by_test_id("join-code").inner_text()
    assert len(code) == JOIN_CODE_LENGTH
    return code


@pytest.fixture
def teacher(browser: Browser, live_server, console_errors) -> Page:
    """A teacher who started "7B Science" from the home page, on its dashboard."""
    page = new_page(browser, console_errors)
    start_classroom_from_home(page, live_server.url, "7B Science")
    return page


def test_from_home_a_teacher_starts_a_classroom_and_a_student_joins_it(
    browser: Browser, live_server, console_errors, teacher
):
    base = live_server.url
    code = teacher.get_by_test_id("join-code").inner_text()

    student = new_page(browser, console_errors)
    student.goto(base)
    student.get_by_label("Code from the board").fill(code.lower())
    student.get_by_role("button", name="Join the class").click()
    student.wait_for_url("**/join#code=*")
    expect(student.get_by_label("Code from the board")).to_have_value(code.lower())
    student.get_by_label("Nickname").fill("Ana")
    student.get_by_role("button", name="Join", exact=True).click()
    expect(student.get_by_test_id("student-link")).to_contain_text("#student=")
    expect(teacher.locator('.student[data-nickname="Ana"]')).to_be_visible()
    assert not console_errors, "\n".join(console_errors)


def listed_classrooms(page: Page):
    """The home page's list of classrooms this browser remembers."""
    section = page.get_by_role("heading", name="Classrooms remembered on this computer")
    return section.locator("xpath=following-sibling::ul[1]")


def test_a_remembered_classroom_is_listed_on_home_and_forgotten_on_request(
    live_server, console_errors, teacher
):
    base = live_server.url
    dashboard = teacher.url
    # Not remembered unless asked: the home page lists nothing.
    teacher.goto(base)
    expect(listed_classrooms(teacher).get_by_role("link")).to_have_count(0)

    teacher.goto(dashboard)
    expect(teacher.get_by_text("whoever comes next would be the teacher")).to_be_visible()
    teacher.get_by_role("button", name="Remember this classroom on this computer").click()
    expect(teacher.get_by_text("This computer remembers this classroom")).to_be_visible()
    teacher.goto(base)
    link = listed_classrooms(teacher).get_by_role("link", name="7B Science")
    expect(link).to_have_attribute("href", dashboard)
    link.click()
    teacher.wait_for_url(dashboard)
    expect(teacher.get_by_test_id("join-code")).to_be_visible()

    # Forgotten on the dashboard, then remembered again and forgotten on the home page.
    teacher.get_by_role("button", name="Forget", exact=True).click()
    expect(
        teacher.get_by_role("button", name="Remember this classroom on this computer")
    ).to_be_visible()
    teacher.goto(base)
    expect(listed_classrooms(teacher).get_by_role("link")).to_have_count(0)
    teacher.goto(dashboard)
    teacher.get_by_role("button", name="Remember this classroom on this computer").click()
    teacher.goto(base)
    expect(listed_classrooms(teacher).get_by_role("link", name="7B Science")).to_be_visible()
    teacher.get_by_role("button", name="Forget the classroom 7B Science").click()
    expect(listed_classrooms(teacher).get_by_role("link")).to_have_count(0)
    teacher.reload()
    expect(listed_classrooms(teacher).get_by_role("link")).to_have_count(0)
    assert not console_errors, "\n".join(console_errors)


def test_a_new_teacher_link_works_and_the_old_one_is_refused(
    browser: Browser, live_server, console_errors, teacher
):
    base = live_server.url
    old_link = teacher.url
    teacher.get_by_role("button", name="Remember this classroom on this computer").click()

    teacher.get_by_role("button", name="New teacher link").click()  # the confirm is accepted
    shown = teacher.get_by_test_id("new-teacher-link")
    expect(shown).to_contain_text("#teacher=")
    new_link = shown.inner_text()
    assert new_link != old_link
    teacher.wait_for_url(new_link)  # the address bar holds the new link
    # The dashboard goes on with the new link: a student who joins now shows up.
    code = teacher.get_by_test_id("join-code").inner_text()
    student = new_page(browser, console_errors)
    student.goto(f"{base}/join#code={code}")
    student.get_by_label("Nickname").fill("Ana")
    student.get_by_role("button", name="Join", exact=True).click()
    expect(teacher.locator('.student[data-nickname="Ana"]')).to_be_visible()

    # What this browser remembers follows: the home page opens the new link.
    teacher.goto(base)
    link = listed_classrooms(teacher).get_by_role("link", name="7B Science")
    expect(link).to_have_attribute("href", new_link)

    # The old link, opened in another browser, is refused: the dashboard says why, and shows
    # nothing of the classroom.
    stranger = new_page(browser, console_errors)
    classroom_id = old_link.split("/classroom/")[1].split("#")[0]
    refused = stranger.request.get(
        f"{base}/api/classrooms/{classroom_id}",
        headers={"Authorization": f"Bearer {old_link.split('#teacher=')[1]}"},
    )
    assert refused.status == 401
    stranger.goto(old_link)
    # The page says it in the catalogue's words for the problem's code, not the server's English.
    said = catalogue("en")[f"error.{refused.json()['code']}"]
    # (The page's first alert: the class-project section below has its own, empty.)
    expect(stranger.get_by_role("alert").first).to_contain_text(said)
    expect(stranger.get_by_test_id("join-code")).to_have_count(0)
    # The 401s of the old link were expected; nothing else went wrong.
    unexpected = [e for e in console_errors if f"401: GET {base}/api/classrooms/" not in e]
    console_errors.clear()
    assert unexpected == []
