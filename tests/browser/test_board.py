"""The board for the projector: opened from the teacher's dashboard, it shows the join code and
its QR code, and the number of students joined rising as they join; neither the page nor its
URL nor what it sends holds anything that acts as the teacher."""

import pytest
from playwright.sync_api import Browser, Request, expect

from .test_classroom import new_page
from .test_front_door import start_classroom_from_home

# Several browsers share two loaded cores: each expectation waits 20 s instead of 5.
pytestmark = pytest.mark.usefixtures("patient_expect")


def test_the_board_counts_students_joining_and_holds_nothing_of_the_teacher(
    browser: Browser, live_server, console_errors
):
    base = live_server.url
    teacher = new_page(browser, console_errors)
    code = start_classroom_from_home(teacher, base, "7B Science")
    teacher_token = teacher.url.split("#teacher=")[1]
    with teacher.expect_popup() as opened:
        teacher.get_by_role("link", name="Board for the projector").click()
    board_url = opened.value.url
    assert teacher_token not in board_url and board_url == f"{base}/board#code={code}"
    opened.value.close()

    # The projector is another computer: only the board's URL.
    board = new_page(browser, console_errors)
    sent: list[Request] = []
    board.on("request", lambda request: sent.append(request))
    board.goto(board_url)
    expect(board.get_by_role("heading", name="7B Science")).to_be_visible()
    expect(board.get_by_test_id("join-code")).to_have_text(code)
    expect(board.get_by_text(f"Open {base}/join and type this code")).to_be_visible()
    expect(board.locator(".qr-slot img.qr")).to_be_visible()
    count = board.get_by_test_id("student-count")
    expect(count).to_have_text("0 students joined")

    student = new_page(browser, console_errors)
    for joined, nickname in enumerate(["Ana", "Ben", "Cy"], start=1):
        reply = student.request.post(
            f"{base}/api/classrooms/join", data={"code": code, "nickname": nickname}
        )
        assert reply.status == 201
        expect(count).to_have_text(
            "1 student joined" if joined == 1 else f"{joined} students joined"
        )

    # Nothing on the page, in its URL, its storage or what it sent acts as the teacher.
    assert teacher_token not in board.url
    assert teacher_token not in board.content()
    storage = board.evaluate(
        "JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert teacher_token not in storage
    assert len(sent) > 3  # it asked again and again
    for request in sent:
        assert "authorization" not in request.headers
        assert teacher_token not in request.url and teacher_token not in (request.post_data or "")
    assert not console_errors, "\n".join(console_errors)
