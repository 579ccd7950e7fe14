"""A class project: the teacher starts it from an assignment, three students add pictures from
their homes, a classmate sees a picture only once the teacher lets it through, and the teacher
trains the class's model once in the studio and saves it."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from .conftest import wait_until
from .test_classroom import join, new_page, start_classroom

# Several browsers share two loaded cores: each expectation waits 20 s instead of 5.
pytestmark = pytest.mark.usefixtures("patient_expect")


def picture(color: tuple[int, int, int]) -> dict:
    """A small PNG as a file chooser hands it over."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), color).save(out, format="PNG")
    return {"name": f"{color}.png", "mimeType": "image/png", "buffer": out.getvalue()}


def add_pictures(page: Page, class_name: str, colors) -> None:
    """From the student's home, add pictures to a class of the class project."""
    before = page.locator(".class-project figure[data-mine=true]").count()
    page.get_by_label(f"Add pictures to {class_name}").set_input_files([picture(c) for c in colors])
    expect(page.locator(".class-project figure[data-mine=true]")).to_have_count(
        before + len(colors)
    )


def classmates_pictures(page: Page):
    return page.locator(".class-project figure[data-mine=false]")


def test_a_class_project_collects_three_students_pictures_and_trains_once(
    browser: Browser, live_server, console_errors
):
    base = live_server.url
    teacher = new_page(browser, console_errors)
    code = start_classroom(teacher, base, "7B")
    teacher.get_by_label("Title").fill("Pets")
    teacher.get_by_label("Class names, separated by commas").fill("cats, dogs")
    teacher.get_by_role("button", name="Add the assignment").click()
    teacher.get_by_role("button", name="Start a class project: Pets").click()
    section = teacher.locator(".class-project")
    expect(section.get_by_role("heading", name="Pets")).to_be_visible()

    students = {name: new_page(browser, console_errors) for name in ("Ana", "Ben", "Cy")}
    for name, page in students.items():
        page.goto(join(page, base, code, name))
        expect(page.locator(".class-project h3")).to_have_text("Pets")
    ana, ben, cy = students.values()
    add_pictures(ana, "cats", [(200, 40, 40), (220, 60, 50)])
    add_pictures(ben, "dogs", [(40, 40, 200), (50, 70, 220)])
    add_pictures(cy, "cats", [(210, 30, 60)])
    add_pictures(cy, "dogs", [(30, 60, 210)])

    # Every student sees the classes fill up, but no classmate's picture yet.
    for page in students.values():
        expect(page.locator(".class-count")).to_have_text(["cats: 3 pictures", "dogs: 3 pictures"])
    expect(classmates_pictures(ben)).to_have_count(0)
    # The teacher sees every picture and who added it, and lets one of Ana's through.
    expect(section.get_by_role("heading", name="Waiting for you: 6")).to_be_visible()
    section.locator("figure", has_text="Ana, cats").first.get_by_role(
        "button", name="Let through"
    ).click()
    expect(section.get_by_role("heading", name="Waiting for you: 5")).to_be_visible()
    expect(classmates_pictures(ben)).to_have_count(1)
    expect(ben.locator(".class-project")).not_to_contain_text("Ana")
    expect(classmates_pictures(cy)).to_have_count(1)

    # The teacher trains the class's model once, in the studio, and saves it.
    studio_link = section.get_by_role("link", name="Open in the studio").get_attribute("href")
    assert "#class=" in studio_link
    teacher.goto(f"{base}{studio_link}")
    cards = teacher.locator(".class-card")
    expect(cards).to_have_count(2)
    expect(teacher.locator(".class-card .thumb")).to_have_count(6)
    wait_until(teacher, "!document.querySelector('.train-panel .reasons li')", timeout=90)
    teacher.get_by_role("button", name="Train model").click()
    expect(teacher.locator(".train-status")).to_contain_text("Trained in", timeout=90_000)
    teacher.get_by_role("button", name="Save this model").click()
    expect(teacher.get_by_text("Saved as version 1.")).to_be_visible()
    # The teacher's token is never kept in this browser's list of projects.
    assert teacher.evaluate("localStorage.getItem('snapclass.projects')") in (None, "[]")
    assert not console_errors, "\n".join(console_errors)
