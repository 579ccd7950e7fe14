"""Share links: unguessable, read-only, revocable, expiring, following the published version."""

import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import update

from server.db import db
from server.models import ShareLink, utcnow

from .conftest import serialized_head

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def model(api, project) -> dict:
    return api.save_model(project)


def test_a_share_link_has_an_unguessable_token(api, project, model):
    links = [api.share(project, model) for _ in range(3)]
    for link in links:
        # 43 URL-safe base64 characters: 256 random bits.
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", link["token"])
        assert link["url"] == f"/s/{link['token']}"
        assert link["state"] == "active" and link["model"]["id"] == model["id"]
    assert len({link["token"] for link in links}) == 3


def test_a_following_link_shows_each_new_publish_at_once(api, project, model, client):
    link = api.share(project, model, follow_published=True)
    assert link["follows_published"] and link["model"] is None
    assert link["shows"]["id"] == model["id"]
    first = client.get(f"/s/{link['token']}/model.json")
    assert first.status_code == 200 and first.json["model"]["id"] == model["id"]
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = client.get(f"/s/{link['token']}/model.json", headers={"If-None-Match": etag})
    assert again.status_code == 304

    newer = api.save_model(project, head=serialized_head(8, 2, seed=5))
    client.post(f"/api/models/{newer['id']}/publish", headers=api.auth(project))
    after = client.get(f"/s/{link['token']}/model.json", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.json["model"]["id"] == newer["id"] and after.headers["ETag"] != etag


def test_a_pinned_link_keeps_its_version(api, project, model, client):
    link = api.share(project, model)
    newer = api.save_model(project)
    client.post(f"/api/models/{newer['id']}/publish", headers=api.auth(project))
    assert client.get(f"/s/{link['token']}/model.json").json["model"]["id"] == model["id"]


def test_the_share_page_shows_the_model_without_owner_secrets_or_pictures(
    api, project, model, client, image
):
    (sample,) = api.add_samples(project, image(), class_id=project["classes"][0]["id"])
    link = api.share(project, model)
    page = client.get(f"/s/{link['token']}")
    description = client.get(f"/s/{link['token']}/model.json")
    assert page.status_code == 200 and description.status_code == 200
    assert description.json["name"] == "Fruit"
    assert description.json["labels"] == ["Apple", "Banana"]
    assert description.json["head"]["format"] == "snapclass-head"
    assert description.json["backbone"]["url"] == f"/backbones/{model['backbone_id']}/"
    for text in (page.get_data(as_text=True), description.get_data(as_text=True)):
        for secret in (project["owner_token"], project["id"], sample["id"], "/api/samples"):
            assert secret not in text


def test_a_revoked_link_is_gone_for_page_files_and_exports(api, project, model, client, problem):
    link = api.share(project, model)
    token = link["token"]
    response = client.delete(f"/api/shares/{token}", headers=api.auth(project))
    assert response.status_code == 204
    page = client.get(f"/s/{token}")
    assert page.status_code == 410 and 'data-state="withdrawn"' in page.get_data(as_text=True)
    # No model code is even loaded: the page's import map names the packages, nothing fetches them.
    assert not re.search(r'(src|href)="/vendor/', page.get_data(as_text=True))
    problem(client.get(f"/s/{token}/model.json"), 410)
    problem(client.get(f"/s/{token}/tfjs/model.json"), 410)
    problem(client.get(f"/api/models/{model['id']}?share={token}"), 410)
    problem(client.get(f"/api/models/{model['id']}/export?format=keras&share={token}"), 410)
    # Revoking again changes nothing; the owner's list says what happened.
    assert client.delete(f"/api/shares/{token}", headers=api.auth(project)).status_code == 204
    listed = client.get(f"/api/projects/{project['id']}/shares", headers=api.auth(project))
    assert [s["state"] for s in listed.json["shares"]] == ["revoked"]


def test_an_expired_link_is_gone(app, api, project, model, client, problem):
    link = api.share(project, model, expires_in_days=7)
    assert link["expires"] is not None
    assert client.get(f"/s/{link['token']}").status_code == 200
    with app.app_context():
        db.session.execute(
            update(ShareLink)
            .where(ShareLink.token == link["token"])
            .values(expires=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert client.get(f"/s/{link['token']}").status_code == 410
    problem(client.get(f"/s/{link['token']}/model.json"), 410)


def test_guessed_tokens_all_get_the_same_404(api, project, model, client):
    real = api.share(project, model)["token"]
    guesses = [secrets.token_urlsafe(32), real[:-1] + ("A" if real[-1] != "A" else "B"), "short",
               "a.b", "%2e%2e", "x" * 200]  # fmt: skip
    pages = [client.get(f"/s/{guess}") for guess in guesses]
    files = [client.get(f"/s/{guess}/model.json") for guess in guesses]
    assert {p.status_code for p in pages} == {404} and {f.status_code for f in files} == {404}
    assert len({p.get_data() for p in pages}) == 1
    assert len({f.get_data() for f in files}) == 1
    revoke = [client.delete(f"/api/shares/{guess}", headers=api.auth(project)) for guess in guesses]
    assert {r.status_code for r in revoke} == {404} and len({r.get_data() for r in revoke}) == 1


def test_another_projects_owner_cannot_revoke_or_tell_a_link_exists(api, project, model, client):
    link = api.share(project, model)
    stranger = api.create_project(title="Stranger's")
    theirs = client.delete(f"/api/shares/{link['token']}", headers=api.auth(stranger))
    unknown = client.delete(f"/api/shares/{'A' * 43}", headers=api.auth(stranger))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.get_data() == unknown.get_data()
    assert client.get(f"/s/{link['token']}").status_code == 200


def test_a_share_token_cannot_write_anything(api, project, model, client, route_ids):
    token = api.share(project, model)["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    pid, mid, cid = project["id"], model["id"], project["classes"][0]["id"]
    sid = route_ids["sample_id"]
    writes = [
        ("PATCH", f"/api/projects/{pid}", {"title": "Hacked"}),
        ("DELETE", f"/api/projects/{pid}", None),
        ("POST", f"/api/projects/{pid}/classes", {"name": "Mine"}),
        ("PATCH", f"/api/projects/{pid}/classes/{cid}", {"name": "Mine"}),
        ("DELETE", f"/api/projects/{pid}/classes/{cid}", None),
        ("PATCH", f"/api/projects/{pid}/samples", {"ids": [sid], "class_id": None}),
        ("DELETE", f"/api/projects/{pid}/samples/{sid}", None),
        ("POST", f"/api/projects/{pid}/models", {}),
        ("POST", f"/api/models/{mid}/publish", None),
        ("DELETE", f"/api/models/{mid}", None),
        ("POST", f"/api/models/{mid}/shares", {}),
        ("DELETE", f"/api/shares/{token}", None),
        ("GET", f"/api/projects/{pid}/shares", None),
        ("GET", f"/api/projects/{pid}/archive", None),
    ]  # fmt: skip
    # As a bearer token it is no owner token (401). As a share link it does not reach these (403),
    # and revoking a link answers 404, so a refused caller never learns that the link exists.
    for method, url, body in writes:
        as_link = 404 if url.startswith("/api/shares/") else 403
        for headers, query, status in ((bearer, "", 401), ({}, f"?share={token}", as_link)):
            response = client.open(url + query, method=method, json=body, headers=headers)
            assert response.status_code == status, (method, url, query)
    assert api.get(project, f"/api/projects/{pid}").json["title"] == "Fruit"
    assert client.get(f"/s/{token}").status_code == 200


@pytest.mark.parametrize("path", ["/", "/p/some-project", "/s/{token}", "/s/{revoked}", "/s/nope"])
def test_pages_are_cross_origin_isolated_under_a_strict_content_security_policy(
    api, project, model, client, path
):
    token = api.share(project, model)["token"]
    revoked = api.share(project, model)["token"]
    client.delete(f"/api/shares/{revoked}", headers=api.auth(project))
    response = client.get(path.format(token=token, revoked=revoked))
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    # WebAssembly for TF.js and its threaded build's blob: workers, and the page's import map by
    # its hash (tests/test_pages.py); no eval, nothing from outside.
    *sources, import_map = policy["script-src"].split()
    assert sources == ["'self'", "blob:", "'wasm-unsafe-eval'"]
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", import_map)
    assert policy["style-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    for value in policy.values():
        assert "unsafe-inline" not in value and "http" not in value and "*" not in value
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the token stays in the page
    # Cross-origin isolated, so TF.js's WASM backend may run on threads.
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"


def test_class_names_stay_text_in_the_share_page_data(api, client):
    project = api.create_project(classes=[XSS, "Banana"])
    model = api.save_model(project)
    token = api.share(project, model)["token"]
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert XSS not in page  # names reach the page only as JSON, drawn with textContent
    assert client.get(f"/s/{token}/model.json").json["labels"][0] == XSS
