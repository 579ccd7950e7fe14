"""/s/<token>/tm/: a link's Teachable Machine files answer pages of any origin, and a link that
shows nothing answers as its share page does. (That the files load in Teachable Machine's
loaders: tests/browser/test_teachable_machine.py, with real backbones.)"""

from datetime import timedelta

import pytest
from sqlalchemy import update

from server.db import db
from server.models import ShareLink, utcnow

ANY_ORIGIN = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


def assert_any_origin(response) -> None:
    for name, value in ANY_ORIGIN.items():
        assert response.headers[name] == value, name


@pytest.fixture
def model(api, project):
    return api.save_model(project)


def test_a_link_that_shows_nothing_answers_as_its_share_page(app, api, project, model, client):
    revoked = api.share(project, model)["token"]
    client.delete(f"/api/shares/{revoked}", headers=api.auth(project))
    expired = api.share(project, model, expires_in_days=1)["token"]
    with app.app_context():
        db.session.execute(update(ShareLink).where(ShareLink.token == expired)
                           .values(expires=utcnow() - timedelta(seconds=1)))  # fmt: skip
        db.session.commit()
    classroom = api.start_classroom()
    work = api.student_project(api.join(classroom, "Sam"))
    pending = api.share(work, api.save_model(work))
    assert pending["state"] == "pending"
    for token, status in ((revoked, 410), (expired, 410), (pending["token"], 410), ("A" * 43, 404)):
        page = client.get(f"/s/{token}")
        assert page.status_code == status
        for filename in ("model.json", "metadata.json", "weights.bin"):
            answer = client.get(f"/s/{token}/tm/{filename}")
            assert answer.status_code == status, (token, filename)
            assert answer.mimetype == "application/problem+json"
            assert_any_origin(answer)


def test_only_its_three_files_are_served(api, project, model, client):
    token = api.share(project, model)["token"]
    for name in ("group1-shard1of1.bin", "../model.json", "tfjs/model.json"):
        answer = client.get(f"/s/{token}/tm/{name}")
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
        assert_any_origin(answer)


def test_a_model_that_cannot_be_rebuilt_here_is_a_clear_conflict(api, project, model, client):
    # The test backbone has no weights file to rebuild the network from.
    token = api.share(project, model)["token"]
    answer = client.get(f"/s/{token}/tm/model.json")
    assert answer.status_code == 409 and "cannot" in answer.json["detail"]
    assert_any_origin(answer)
