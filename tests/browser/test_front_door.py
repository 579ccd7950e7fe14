"""The teacher's and the students' way in from the home page, and getting back in: a classroom
this browser remembers on request is listed on the home page and forgotten on request."""

import pytest
from playwright.sync_api import Browser, Page, expect

from server.classrooms import JOIN_CODE_LENGTH

from .test_classroom import new_page


@pytest.fixture(autouse=True)
def patient_expect():
    """Several browsers share two loaded cores: give each expectation 20 s instead of 5."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


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


def test_from_home_a_teacher_starts_a_classroom_and_a_student_joins_it(
    browser: Browser, live_server, console_errors
):
    base = live_server.url
    teacher = new_page(browser, console_errors)
    code = start_classroom_from_home(teacher, base, "7B Science")

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
