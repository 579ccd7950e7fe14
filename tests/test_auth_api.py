"""Owner tokens: only a project's owner token changes it; reads need only the id."""

import io
import struct

import pytest

from .conftest import serialized_head

# Every route that changes something, with a request body that would succeed with the token.
WRITE_ROUTES = [
    ("PATCH", "/api/projects/<project_id>", {"json": {"title": "Renamed"}}),
    ("DELETE", "/api/projects/<project_id>", {}),
    ("POST", "/api/projects/<project_id>/classes", {"json": {"name": "Cherry"}}),
    ("PATCH", "/api/projects/<project_id>/classes/<int:class_id>", {"json": {"position": 1}}),
    ("DELETE", "/api/projects/<project_id>/classes/<int:class_id>", {}),
    ("POST", "/api/projects/<project_id>/samples", {"upload": True}),
    ("PATCH", "/api/projects/<project_id>/samples", {"json": {"class_id": None}, "ids": True}),
    ("PATCH", "/api/projects/<project_id>/samples/<sample_id>", {"json": {"class_id": None}}),
    ("DELETE", "/api/projects/<project_id>/samples/<sample_id>", {}),
    ("PUT", "/api/samples/<sample_id>/embeddings/<backbone_id>", {"embedding": True}),
    ("POST", "/api/projects/<project_id>/models", {"model": True}),
    ("POST", "/api/models/<model_id>/publish", {}),
    ("DELETE", "/api/models/<model_id>", {}),
    ("POST", "/api/models/<model_id>/shares", {"json": {"follow_published": True}}),
    ("DELETE", "/api/shares/<token>", {}),
    ("DELETE", "/api/jobs/<job_id>", {}),
]
# Creating a project (empty, or from a zip) needs no token: it is how a token is made.
OPEN_WRITES = {("POST", "/api/projects"), ("POST", "/api/projects/import")}
# Its owner's request needs a trainable project and starts a job: tests/test_jobs_api.py checks
# it (and tests/test_errors.py its 401 and 403).
CHECKED_ELSEWHERE = {("POST", "/api/projects/<project_id>/finetune")}
# Another project's owner learns nothing of a share link, not even that it exists: 404, not 403.
HIDDEN_FROM_STRANGERS = {("DELETE", "/api/shares/<token>")}
# Reads that need the owner token or a share link (tests/test_models_api.py, test_shares_api.py).
GUARDED_READS = {
    "versions.read_version",
    "versions.export_version",
    "shares.list_shares",
    "archives.download_archive",
    "archives.download_notebook",
    "model_files.model_file",
}

BAD_HEADERS = {
    "no header": {},
    "empty bearer": {"Authorization": "Bearer "},
    "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    "token without scheme": {"Authorization": "sometoken"},
    "two tokens": {"Authorization": "Bearer one two"},
    "unknown token": {"Authorization": "Bearer not-a-token-of-any-project"},
}


def send(client, method, rule, options, ids, headers, url_for_rule, image, backbone):
    """Make the request a route expects, with the given headers."""
    url = url_for_rule(rule, ids)
    kwargs = {"headers": headers}
    if "json" in options:
        kwargs["json"] = dict(options["json"])
        if options.get("ids"):
            kwargs["json"]["ids"] = [ids["sample_id"]]
    if options.get("upload"):
        kwargs["data"] = {"file": [(io.BytesIO(image(color=(7, 7, 7))), "a.png")]}
    if options.get("model"):
        classes = client.get(f"/api/projects/{ids['project_id']}").json["classes"]
        labels = [{"class_id": c["id"], "name": c["name"]} for c in classes]
        head = serialized_head(backbone.embedding_size, len(labels))
        kwargs["json"] = {"head": head, "labels": labels, "backbone_id": backbone.id}
    if options.get("embedding"):
        kwargs["data"] = struct.pack(
            f"<{backbone.embedding_size}f", *[0.5] * backbone.embedding_size
        )
    return client.open(url, method=method, **kwargs)


@pytest.fixture
def request_as(client, route_ids, url_for_rule, image, backbone):
    def request_as(method, rule, options, headers):
        return send(
            client, method, rule, options, route_ids, headers, url_for_rule, image, backbone
        )

    return request_as


def test_write_without_a_valid_token_is_unauthorized(request_as, stored, problem, subtests):
    before = stored()
    for method, rule, options in WRITE_ROUTES:
        for case, headers in BAD_HEADERS.items():
            with subtests.test(f"{method} {rule} with {case}"):
                response = request_as(method, rule, options, headers)
                problem(response, 401)
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored() == before


def test_token_of_another_project_is_forbidden(request_as, api, stored, problem, subtests):
    stranger = api.create_project(title="Someone else's")
    before = stored()
    for method, rule, options in WRITE_ROUTES:
        with subtests.test(f"{method} {rule}"):
            status = 404 if (method, rule) in HIDDEN_FROM_STRANGERS else 403
            problem(request_as(method, rule, options, api.auth(stranger)), status)
    assert stored() == before


@pytest.mark.parametrize("method, rule, options", WRITE_ROUTES)
def test_owner_token_is_accepted(request_as, api, project, method, rule, options):
    response = request_as(method, rule, options, api.auth(project))
    assert response.status_code in (200, 201, 204), response.json


def test_scheme_name_is_case_insensitive(client, project):
    response = client.patch(
        f"/api/projects/{project['id']}",
        json={"title": "Renamed"},
        headers={"Authorization": f"bearer {project['owner_token']}"},
    )
    assert response.status_code == 200


def test_every_write_route_is_checked_here(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    checked = {(method, rule) for method, rule, _ in WRITE_ROUTES} | OPEN_WRITES
    assert routes == checked | CHECKED_ELSEWHERE


def test_reads_need_no_token(client, route_ids, url_for_rule, app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and "GET" in rule.methods:
            if rule.endpoint in GUARDED_READS:
                continue
            url = url_for_rule(rule.rule, route_ids)
            if rule.endpoint == "embeddings.project_embeddings":
                url += f"?backbone={route_ids['backbone_id']}"
            with client.get(url) as response:
                assert response.status_code == 200, url
