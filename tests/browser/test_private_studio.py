"""A project's pictures open only with its edit link: a bare studio URL shows what to do."""

from playwright.sync_api import Page, expect

from server.db import db
from tests.conftest import Api, image_bytes


def test_studio_without_its_edit_link_shows_no_picture_and_says_why(page: Page, live_server):
    api = Api(live_server.app.test_client())
    project = api.create_project(title="Our class pets")
    api.add_samples(project, image_bytes(color=(250, 10, 10)), class_id=project["classes"][0]["id"])
    with live_server.app.app_context():
        db.session.remove()

    page.goto(f"{live_server.url}/p/{project['id']}")
    expect(page.locator(".notice")).to_contain_text("This project is private")
    expect(page.locator(".notice")).to_contain_text("#owner=")
    assert page.locator("img[src*='/api/samples/']").count() == 0
    assert "Our class pets" not in page.content()
    expect(page.get_by_role("button", name="Train model")).to_be_hidden()

    page.goto(f"{live_server.url}/p/{project['id']}#owner={project['owner_token']}")
    page.reload()
    expect(page.locator(".class-card img")).to_have_count(1)
    expect(page.locator(".project-title")).to_have_value("Our class pets")
