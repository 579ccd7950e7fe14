"""The access policy, route by route and credential by credential.

Every rule of the app's URL map is requested with every kind of credential, and the answer must
be what the rules below say for the action that route declares. The rules are written here by
hand, apart from server/policy.py, so a change to the policy that nobody meant fails here; the
list of routes is read from the app, so a new route cannot escape.
"""

import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import select

from server.db import db
from server.models import Job, ModelVersion
from server.policy import access_of
from server.signed_urls import EXPIRED, image_url
from server.signed_urls import check as check_signature

from .conftest import Api, assert_problem, queued_job

OK = "ok"
# action -> credential kind -> the answer: OK (the policy let it through) or a status.
RULES = {
    "public": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": OK,
    },
    "create_project": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": OK,
    },
    "read_project": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
    },
    "edit_project": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
    },
    "read_model": {
        "none": 401, "owner": OK, "other_owner": 403, "share": OK, "other_share": 403,
        "revoked_share": 410, "unknown_share": 404, "bad_token": 401,
    },
    "view_image": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
    },
}  # fmt: skip
# Routes that tell a refused credential "no such thing" (404) rather than 403.
HIDDEN = {"shares.revoke_share"}
# What the policy says when it refuses; a view's own 404 ("no such TF.js file") is not a refusal.
REFUSAL_DETAILS = re.compile(r"^(No \w+ with this id\.|No share link here\.)$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class World:
    """Two projects, each with a class, a picture, a saved model, live links, and a job."""

    ids: dict[str, str]
    headers: dict[str, dict[str, str]]
    query: dict[str, dict[str, str]]
    image_url: str


def make_world(api, client, image) -> World:
    mine, theirs = api.create_project(), api.create_project(title="Someone else's")
    (sample,) = api.add_samples(mine, image(), class_id=mine["classes"][0]["id"])
    model = api.save_model(mine)
    link = api.share(project=mine, model=model)
    revoked = api.share(project=mine, model=model)
    client.delete(f"/api/shares/{revoked['token']}", headers=api.auth(mine))
    other_link = api.share(theirs, api.save_model(theirs))
    ids = {
        "project_id": mine["id"],
        "class_id": str(mine["classes"][0]["id"]),
        "sample_id": sample["id"],
        "backbone_id": "0123456789abcdef",
        "model_id": model["id"],
        "token": link["token"],
        "job_id": queued_job(client.application, mine["id"]),
        "name": "model.json",
        "filename": "model.json",
        "version": "0",
        "path": "",
    }
    headers = {
        "owner": api.auth(mine),
        "other_owner": api.auth(theirs),
        "bad_token": {"Authorization": "Bearer not-a-token-of-anything"},
    }
    query = {
        "share": {"share": link["token"]},
        "other_share": {"share": other_link["token"]},
        "revoked_share": {"share": revoked["token"]},
        "unknown_share": {"share": "A" * 43},
    }
    return World(ids, headers, query, sample["image_url"])


def fill(rule: str, ids: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: ids.get(m[1], "x"), rule)


def routes(app) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every route of the app."""
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods & set(METHODS)
    )


def ask(client, method: str, url: str, headers: dict, query: dict):
    return client.open(url + ("?" + urlencode(query) if query else ""), method=method,
                       headers=headers)  # fmt: skip


def check(response, expected, label: str) -> None:
    status = response.status_code
    if expected == OK:
        refused = status in (401, 403, 410) or (
            status == 404
            and REFUSAL_DETAILS.match(
                (response.get_json(silent=True) or {}).get("detail", "")
            )  # fmt: skip
        )
        assert not refused and status < 500, f"{label}: {status} {response.get_data()[:200]}"
    else:
        assert status == expected, f"{label}: {status} {response.get_data()[:200]}"


def test_every_route_declares_its_access(app):
    with app.test_request_context():
        undeclared = [f"{m} {rule}" for m, rule, endpoint in routes(app) if not access_of(endpoint)]
    assert undeclared == []


def test_a_new_route_without_a_declaration_is_caught(make_app):
    app = make_app()
    app.add_url_rule("/api/projects/<project_id>/secret", "secret", lambda **_: "pictures")
    with app.test_request_context():
        assert access_of("secret") is None


@pytest.fixture
def roomy_app(make_app):
    """An app whose rate limits do not get in the way of a few hundred requests."""
    return make_app(RATE_LIMIT_FAILED_CREDENTIALS="100000/minute", RATE_LIMIT_CREATE="100000/hour")


def test_every_route_answers_every_credential_as_the_rules_say(roomy_app, image, subtests):
    app, client = roomy_app, roomy_app.test_client()
    api = Api(client)
    with app.test_request_context():
        declared = {endpoint: access_of(endpoint) for _, _, endpoint in routes(app)}
    for method, rule, endpoint in routes(app):
        access = declared[endpoint]
        expected = dict(RULES[access.action])
        if endpoint in HIDDEN:
            expected = {kind: 404 if answer == 403 else answer for kind, answer in expected.items()}
        # Refusals first: the credentials allowed last, as they may delete what they touch.
        kinds = sorted(expected, key=lambda kind: expected[kind] == OK)
        world = make_world(api, client, image)
        url = fill(rule, world.ids)
        for kind in kinds:
            with subtests.test(f"{method} {rule} as {kind}"):
                headers, query = world.headers.get(kind, {}), world.query.get(kind, {})
                with ask(client, method, url, headers, query) as response:
                    check(response, expected[kind], f"{method} {rule} as {kind}")
                    if response.status_code == 401:
                        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def signed(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return f"{parts.path}?{urlencode(query)}"


def test_a_picture_needs_its_signed_url_or_the_owner_token(api, client, image, problem):
    project = api.create_project()
    (sample,) = api.add_samples(project, image())
    bare = f"/api/samples/{sample['id']}/image"
    problem(client.get(bare), 401)
    with client.get(bare, headers=api.auth(project)) as response:
        assert response.status_code == 200
    with client.get(sample["image_url"]) as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        cache = response.headers["Cache-Control"]
        assert "private" in cache and "public" not in cache and "immutable" not in cache
        age = int(re.search(r"max-age=(\d+)", cache)[1])
        assert 0 < age <= 3600 + 600
    problem(client.get(signed(sample["image_url"], sig="A" * 43)), 401)
    problem(client.get(signed(sample["image_url"], expires=str(int(time.time()) + 10**6))), 401)
    (other,) = api.add_samples(project, image(color=(1, 2, 3)))
    stolen = sample["image_url"].replace(sample["id"], other["id"])
    problem(client.get(stolen), 401)


def test_an_expired_picture_url_is_refused(make_app, image):
    app = make_app(IMAGE_URL_SECONDS=1)
    client = app.test_client()
    api = Api(client)
    project = api.create_project()
    (sample,) = api.add_samples(project, image())
    expires = int(dict(parse_qsl(urlsplit(sample["image_url"]).query))["expires"])
    with app.test_request_context():
        sig = dict(parse_qsl(urlsplit(sample["image_url"]).query))["sig"]
        assert check_signature(sample["id"], str(expires), sig, now=expires + 1) == EXPIRED
        assert check_signature(sample["id"], str(expires), sig, now=expires - 1) is None
    # A URL signed for a time already past: the signature is good, but it has expired.
    with app.test_request_context():
        old = image_url(sample["id"], now=time.time() - 3 * 3600)
    body = assert_problem(client.get(old), 403)
    assert "expired" in body["detail"]


def test_a_share_link_leads_to_no_picture_of_a_fine_tuned_model(api, client, image, app):
    """The path share link -> model -> job -> project -> pictures is closed at every step."""
    project = api.create_project()
    api.add_samples(project, image(), class_id=project["classes"][0]["id"])
    job_id = queued_job(app, project["id"])
    model = api.save_model(project)
    with app.app_context():
        version = db.session.scalar(
            select(ModelVersion).where(ModelVersion.public_id == model["id"])
        )
        job = db.session.scalar(select(Job).where(Job.public_id == job_id))
        # What a server fine-tune records: the job that made the version.
        version.tier, version.settings = "server", {"job_id": job_id, "image_size": 224}
        version.metrics = {"val_accuracy": 0.9, "job": job_id, "history": [{"epoch": 1}]}
        job.state, job.result_model_id = "succeeded", version.id
        db.session.commit()
    link = api.share(project, model)
    secret_ids = {project["id"], job_id, project["owner_token"]}
    samples = api.get(project, f"/api/projects/{project['id']}/samples").json["samples"]
    secret_ids |= {s["id"] for s in samples} | {s["sha256"] for s in samples}

    seen = []
    for url in (f"/api/models/{model['id']}?share={link['token']}",
                f"/s/{link['token']}/model.json"):  # fmt: skip
        body = client.get(url).json
        seen += list(walk(body))
        assert "class_id" not in str(body) and "settings" not in body
    leaked = [value for value in seen if any(secret in str(value) for secret in secret_ids)]
    assert leaked == []
    # Class ids are small integers: no number a share holder reads is labelled as one, and no
    # label carries anything but its name.
    for body in (client.get(f"/api/models/{model['id']}?share={link['token']}").json,):
        assert all(label.keys() == {"name"} for label in body["labels"])
    # Every path a share holder can read, followed with the share token: none gives a picture.
    for value in seen:
        if isinstance(value, str) and value.startswith("/") and "export" not in value:
            url = value if "share=" in value else signed(value, share=link["token"])
            with client.get(url) as response:
                assert not response.mimetype.startswith("image/"), value
    # And the old chain, step by step: the job and the project refuse a share token.
    assert client.get(f"/api/jobs/{job_id}?share={link['token']}").status_code == 403
    assert client.get(f"/api/jobs/{job_id}").status_code == 401
    assert client.get(f"/api/projects/{project['id']}/samples").status_code == 401


def walk(value):
    """Every leaf value and key of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    else:
        yield value


def test_a_project_id_alone_reads_nothing(api, client, image, problem):
    project = api.create_project()
    (sample,) = api.add_samples(project, image())
    model = api.save_model(project)
    base = f"/api/projects/{project['id']}"
    for url in (base, f"{base}/samples", f"{base}/models", f"{base}/jobs", f"{base}/archive",
                f"{base}/embeddings?backbone=0123456789abcdef", f"{base}/shares",
                f"/api/samples/{sample['id']}/image", f"/api/models/{model['id']}",
                f"/api/samples/{sample['id']}/embeddings/0123456789abcdef"):  # fmt: skip
        problem(client.get(url), 401)


def test_too_many_wrong_tokens_from_one_address_are_refused(make_app, problem):
    app = make_app(RATE_LIMIT_FAILED_CREDENTIALS="5/minute")
    client = app.test_client()
    project = Api(client).create_project()
    wrong = {"Authorization": "Bearer guess"}
    for _ in range(5):
        problem(client.get(f"/api/projects/{project['id']}", headers=wrong), 401)
    refused = problem(client.get(f"/api/projects/{project['id']}", headers=wrong), 429)
    assert "Too many" in refused["detail"]
    response = client.get(f"/api/projects/{project['id']}", headers=Api.auth(project))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    # Another address is not affected.
    other = client.get(
        f"/api/projects/{project['id']}",
        headers=Api.auth(project),
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert other.status_code == 200
