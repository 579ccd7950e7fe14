"""Teachable Machine project files in the pages: the home page and a classroom student's home
import a .tm, and the studio downloads a project as one."""

import io
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import Api
from tests.test_teachable_projects_api import photo, teachable_file

NAMES = ["Кошка", "犬"]


def write_tm(folder: Path) -> Path:
    path = folder / "animals.tm"
    path.write_bytes(teachable_file({name: [photo(10 * i + n) for n in range(2)]
                                     for i, name in enumerate(NAMES)}))  # fmt: skip
    return path


def class_names(page: Page) -> list[str]:
    cards = page.locator(".class-card")
    expect(cards).to_have_count(len(NAMES))
    return [cards.nth(i).locator(".class-name").input_value() for i in range(cards.count())]


def test_the_home_page_imports_a_tm_and_the_studio_downloads_it_again(
    page: Page, live_server, tmp_path: Path
):
    page.goto(live_server.url)
    page.locator("#import-project-file").set_input_files(str(write_tm(tmp_path)))
    page.wait_for_url("**/p/*#owner=*")
    assert class_names(page) == NAMES
    thumbs = page.locator(".class-card .thumb")
    expect(thumbs).to_have_count(4)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download for Teachable Machine (.tm)").click()
    assert download.value.suggested_filename == "project.tm"
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        names = archive.namelist()
    assert names == [f"{name}-!-{n}.jpg" for name in NAMES for n in range(2)] + ["manifest.json"]


def test_a_classroom_student_starts_a_project_from_a_tm(page: Page, live_server, tmp_path: Path):
    api = Api(live_server.app.test_client())
    classroom = api.start_classroom()
    student = api.join(classroom, "Sam")
    page.goto(f"{live_server.url}/student#student={student['student_token']}")
    page.locator("#import-project-file").set_input_files(str(write_tm(tmp_path)))
    page.wait_for_url("**/p/*#student=*")
    assert class_names(page) == NAMES
    home = api.client.get(
        "/api/student", headers={"Authorization": f"Bearer {student['student_token']}"}
    )
    assert [p["title"] for p in home.json["student"]["projects"]] == ["animals"]
