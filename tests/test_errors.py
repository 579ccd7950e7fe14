"""Every JSON API error has one shape: an RFC 9457 problem (application/problem+json).

One table hits each API route with requests that fail in every way that route can fail; a test
checks the table covers every route, so a new route without an error case fails here.
"""

import io

import pytest

OWNER, STRANGER, NOBODY = "owner", "stranger", "nobody"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

PROJECTS = "/api/projects"
PROJECT = "/api/projects/<project_id>"
CLASSES = PROJECT + "/classes"
CLASS = PROJECT + "/classes/<class_id>"
SAMPLES = PROJECT + "/samples"
SAMPLE = PROJECT + "/samples/<sample_id>"
IMAGE = "/api/samples/<sample_id>/image"
EMBEDDING = "/api/samples/<sample_id>/embeddings/<backbone_id>"
EMBEDDINGS = PROJECT + "/embeddings"
EMBEDDING_BATCH = EMBEDDINGS + "/<backbone_id>"
MODELS = PROJECT + "/models"
MODEL = "/api/models/<model_id>"
PUBLISH = MODEL + "/publish"
EXPORT = MODEL + "/export"
SHARES = MODEL + "/shares"
PROJECT_SHARES = PROJECT + "/shares"
SHARE = "/api/shares/<token>"
ARCHIVE = PROJECT + "/archive"
NOTEBOOK = PROJECT + "/notebook"
QUIZ = PROJECT + "/quiz"
IMPORT = "/api/projects/import"
NO_MODEL = {"model_id": "missing"}
FINETUNE = PROJECT + "/finetune"
JOBS = PROJECT + "/jobs"
JOB = "/api/jobs/<job_id>"
MODEL_FILE = MODEL + "/files/<name>"
NO_JOB = {"job_id": "missing"}
MODEL_JSON = {"name": "model.json"}
UNKNOWN_LINK = "?share=" + "A" * 43
CLASSROOMS = "/api/classrooms"
CLASSROOM = CLASSROOMS + "/<classroom_id>"
CLASSROOM_STUDENT = CLASSROOM + "/students/<student_id>"
PAIRINGS = CLASS + "/pairings"
NO_CLASSROOM = {"classroom_id": "missing", "student_id": "missing"}
CLASS_PROJECT = "/api/class-projects/<class_project_id>"
NO_CLASS_PROJECT = {"class_project_id": "missing", "student_id": "missing"}
NO_PROJECT = {"project_id": "missing"}
NO_SAMPLE = {"sample_id": "missing"}
NO_CLASS = {"class_id": "999"}
NO_BACKBONE = {"backbone_id": "nope"}
FORGED_SIGNATURE = "?expires=9999999999&sig=" + "A" * 43
TEXT = "text/plain"

# (method, rule, status, request options); options: auth (OWNER/STRANGER/NOBODY, default
# OWNER), ids (URL values to override), query, json, data, content_type, files.
CASES = [
    ("POST", PROJECTS, 400, {"json": {"title": ""}}),
    ("POST", PROJECTS, 400, {"data": "{not json", "content_type": "application/json"}),
    ("POST", PROJECTS, 400, {"json": ["a list"]}),
    ("POST", PROJECTS, 415, {"data": "title=x", "content_type": TEXT}),
    ("GET", PROJECT, 401, {"auth": NOBODY}),
    ("GET", PROJECT, 403, {"auth": STRANGER}),
    ("GET", PROJECT, 404, {"ids": NO_PROJECT}),
    ("PATCH", PROJECT, 400, {"json": {"title": 3}}),
    ("PATCH", PROJECT, 400, {"json": {"backbone_id": "nope"}}),
    ("PATCH", PROJECT, 401, {"auth": NOBODY, "json": {"title": "x"}}),
    ("PATCH", PROJECT, 403, {"auth": STRANGER, "json": {"title": "x"}}),
    ("PATCH", PROJECT, 404, {"ids": NO_PROJECT}),
    ("DELETE", PROJECT, 401, {"auth": NOBODY}),
    ("DELETE", PROJECT, 403, {"auth": STRANGER}),
    ("DELETE", PROJECT, 404, {"ids": NO_PROJECT}),
    ("PUT", PROJECT, 405, {}),
    ("PUT", QUIZ, 409, {"json": {"right": 1, "total": 2}}),  # a project of no classroom
    ("PUT", QUIZ, 401, {"auth": NOBODY, "json": {"right": 1, "total": 2}}),
    ("PUT", QUIZ, 403, {"auth": STRANGER, "json": {"right": 1, "total": 2}}),
    ("PUT", QUIZ, 404, {"ids": NO_PROJECT, "json": {"right": 1, "total": 2}}),
    ("POST", CLASSES, 400, {"json": {"name": ""}}),
    ("POST", CLASSES, 409, {"json": {"name": "Apple"}}),
    ("POST", CLASSES, 401, {"auth": NOBODY, "json": {"name": "C"}}),
    ("POST", CLASSES, 404, {"ids": NO_PROJECT}),
    ("PATCH", CLASS, 400, {"json": {"position": 9}}),
    ("PATCH", CLASS, 409, {"json": {"name": "Banana"}}),
    ("PATCH", CLASS, 404, {"ids": NO_CLASS, "json": {"name": "C"}}),
    ("PATCH", CLASS, 403, {"auth": STRANGER, "json": {"name": "C"}}),
    ("DELETE", CLASS, 400, {"query": "?delete_samples=perhaps"}),
    ("DELETE", CLASS, 404, {"ids": NO_CLASS}),
    ("DELETE", CLASS, 401, {"auth": NOBODY}),
    ("POST", SAMPLES, 415, {"files": [b"GIF89a not an image"]}),
    ("POST", SAMPLES, 400, {"files": [b""]}),
    ("POST", SAMPLES, 400, {"files": [PNG_SIGNATURE + b"\0" * 30]}),
    ("POST", SAMPLES, 400, {"files": []}),
    ("POST", SAMPLES, 401, {"auth": NOBODY, "files": []}),
    ("POST", SAMPLES, 403, {"auth": STRANGER, "files": []}),
    ("GET", SAMPLES, 400, {"query": "?per_page=1000"}),
    ("GET", SAMPLES, 401, {"auth": NOBODY}),
    ("GET", SAMPLES, 403, {"auth": STRANGER}),
    ("GET", SAMPLES, 404, {"ids": NO_PROJECT}),
    ("PATCH", SAMPLES, 400, {"json": {"ids": [], "class_id": None}}),
    ("PATCH", SAMPLES, 415, {"data": "ids=1", "content_type": TEXT}),
    ("PATCH", SAMPLES, 401, {"auth": NOBODY, "json": {}}),
    ("PATCH", SAMPLE, 400, {"json": {"class_id": "x"}}),
    ("PATCH", SAMPLE, 404, {"ids": NO_SAMPLE, "json": {"class_id": None}}),
    ("PATCH", SAMPLE, 403, {"auth": STRANGER, "json": {"class_id": None}}),
    ("DELETE", SAMPLE, 404, {"ids": NO_SAMPLE}),
    ("DELETE", SAMPLE, 401, {"auth": NOBODY}),
    ("GET", IMAGE, 401, {"auth": NOBODY}),  # neither the signed URL nor the owner token
    ("GET", IMAGE, 401, {"auth": NOBODY, "query": FORGED_SIGNATURE}),
    ("GET", IMAGE, 403, {"auth": STRANGER}),
    ("GET", IMAGE, 404, {"ids": NO_SAMPLE}),
    ("PUT", EMBEDDING, 400, {"data": b"\0\0\0"}),
    ("PUT", EMBEDDING, 404, {"ids": NO_BACKBONE, "data": b"\0"}),
    ("PUT", EMBEDDING, 404, {"ids": NO_SAMPLE, "data": b"\0"}),
    ("PUT", EMBEDDING, 401, {"auth": NOBODY, "data": b"\0"}),
    ("PUT", EMBEDDING, 403, {"auth": STRANGER, "data": b"\0"}),
    ("GET", EMBEDDING, 404, {"ids": NO_BACKBONE}),
    ("GET", EMBEDDING, 404, {"ids": NO_SAMPLE}),
    ("GET", EMBEDDING, 401, {"auth": NOBODY}),
    ("GET", EMBEDDING, 403, {"auth": STRANGER}),
    ("GET", EMBEDDINGS, 400, {}),
    ("PUT", EMBEDDING_BATCH, 400, {"data": b"\0\0\0"}),
    ("PUT", EMBEDDING_BATCH, 404, {"ids": NO_BACKBONE, "data": b"\0"}),
    ("PUT", EMBEDDING_BATCH, 404, {"ids": NO_PROJECT, "data": b"\0"}),
    ("PUT", EMBEDDING_BATCH, 401, {"auth": NOBODY, "data": b"\0"}),
    ("PUT", EMBEDDING_BATCH, 403, {"auth": STRANGER, "data": b"\0"}),
    ("PUT", EMBEDDING_BATCH, 413, {"data": b"\0" * 30_000}),
    ("GET", EMBEDDINGS, 404, {"query": "?backbone=nope"}),
    ("GET", EMBEDDINGS, 401, {"auth": NOBODY, "query": "?backbone=nope"}),
    ("GET", EMBEDDINGS, 403, {"auth": STRANGER, "query": "?backbone=nope"}),
    ("GET", EMBEDDINGS, 404, {"ids": NO_PROJECT}),
    ("POST", MODELS, 400, {"json": {"head": {}, "labels": [], "backbone_id": "nope"}}),
    ("POST", MODELS, 415, {"data": "head=x", "content_type": TEXT}),
    ("POST", MODELS, 401, {"auth": NOBODY, "json": {}}),
    ("POST", MODELS, 403, {"auth": STRANGER, "json": {}}),
    ("POST", MODELS, 404, {"ids": NO_PROJECT, "json": {}}),
    ("GET", MODELS, 401, {"auth": NOBODY}),
    ("GET", MODELS, 403, {"auth": STRANGER}),
    ("GET", MODELS, 404, {"ids": NO_PROJECT}),
    ("GET", MODEL, 401, {"auth": NOBODY}),
    ("GET", MODEL, 403, {"auth": STRANGER}),
    ("GET", MODEL, 404, {"ids": NO_MODEL}),
    ("GET", MODEL, 404, {"auth": NOBODY, "query": UNKNOWN_LINK}),
    ("DELETE", MODEL, 401, {"auth": NOBODY}),
    ("DELETE", MODEL, 403, {"auth": STRANGER}),
    ("DELETE", MODEL, 404, {"ids": NO_MODEL}),
    ("POST", PUBLISH, 401, {"auth": NOBODY}),
    ("POST", PUBLISH, 403, {"auth": STRANGER}),
    ("POST", PUBLISH, 404, {"ids": NO_MODEL}),
    ("GET", EXPORT, 400, {"query": "?format=exe"}),
    ("GET", EXPORT, 401, {"auth": NOBODY, "query": "?format=keras"}),
    ("GET", EXPORT, 403, {"auth": STRANGER, "query": "?format=keras"}),
    ("GET", EXPORT, 404, {"ids": NO_MODEL, "query": "?format=keras"}),
    ("GET", EXPORT, 404, {"auth": NOBODY, "query": UNKNOWN_LINK + "&format=keras"}),
    ("POST", SHARES, 400, {"json": {"expires_in_days": 0}}),
    ("POST", SHARES, 400, {"json": {"follow_published": "yes"}}),
    ("POST", SHARES, 401, {"auth": NOBODY, "json": {}}),
    ("POST", SHARES, 403, {"auth": STRANGER, "json": {}}),
    ("POST", SHARES, 404, {"ids": NO_MODEL, "json": {}}),
    ("GET", PROJECT_SHARES, 401, {"auth": NOBODY}),
    ("GET", PROJECT_SHARES, 403, {"auth": STRANGER}),
    ("GET", PROJECT_SHARES, 404, {"ids": NO_PROJECT}),
    ("DELETE", SHARE, 401, {"auth": NOBODY}),
    ("DELETE", SHARE, 404, {"auth": STRANGER}),  # another project's link looks like no link
    ("DELETE", SHARE, 404, {"ids": {"token": "nope"}}),
    ("GET", ARCHIVE, 401, {"auth": NOBODY}),
    ("GET", ARCHIVE, 403, {"auth": STRANGER}),
    ("GET", ARCHIVE, 404, {"ids": NO_PROJECT}),
    ("GET", NOTEBOOK, 401, {"auth": NOBODY}),
    ("GET", NOTEBOOK, 403, {"auth": STRANGER}),
    ("GET", NOTEBOOK, 404, {"ids": NO_PROJECT}),
    ("GET", NOTEBOOK, 422, {}),
    ("POST", IMPORT, 400, {"files": []}),
    ("POST", IMPORT, 415, {"files": [b"PK not a zip"]}),
    ("POST", FINETUNE, 400, {"json": {"epochs": 0}}),
    ("POST", FINETUNE, 400, {"json": {"learning_rate": "fast"}}),
    ("POST", FINETUNE, 400, {"json": {"warp_speed": 9}}),
    ("POST", FINETUNE, 415, {"data": "epochs=1", "content_type": TEXT}),
    ("POST", FINETUNE, 422, {}),  # class Banana has no pictures
    ("POST", FINETUNE, 401, {"auth": NOBODY}),
    ("POST", FINETUNE, 403, {"auth": STRANGER}),
    ("POST", FINETUNE, 404, {"ids": NO_PROJECT}),
    ("GET", JOBS, 401, {"auth": NOBODY}),
    ("GET", JOBS, 403, {"auth": STRANGER}),
    ("GET", JOBS, 404, {"ids": NO_PROJECT}),
    ("GET", JOB, 401, {"auth": NOBODY}),
    ("GET", JOB, 403, {"auth": STRANGER}),
    ("GET", JOB, 404, {"ids": NO_JOB}),
    ("DELETE", JOB, 401, {"auth": NOBODY}),
    ("DELETE", JOB, 403, {"auth": STRANGER}),
    ("DELETE", JOB, 404, {"ids": NO_JOB}),
    ("GET", MODEL_FILE, 404, {"ids": MODEL_JSON}),  # a browser-tier version has no TF.js files
    ("GET", MODEL_FILE, 401, {"auth": NOBODY, "ids": MODEL_JSON}),
    ("GET", MODEL_FILE, 403, {"auth": STRANGER, "ids": MODEL_JSON}),
    ("GET", MODEL_FILE, 404, {"ids": {**NO_MODEL, **MODEL_JSON}}),
    ("POST", PROJECT + "/gallery", 401, {"auth": NOBODY}),
    ("POST", CLASSROOMS, 400, {"json": {"name": ""}}),
    ("POST", CLASSROOMS, 415, {"data": "name=x", "content_type": TEXT}),
    ("GET", CLASSROOM, 404, {"ids": NO_CLASSROOM}),
    ("PATCH", CLASSROOM, 404, {"ids": NO_CLASSROOM, "json": {"name": "x"}}),
    ("DELETE", CLASSROOM, 404, {"ids": NO_CLASSROOM}),
    ("POST", CLASSROOMS + "/join", 400, {"json": {"code": 5}}),
    ("POST", CLASSROOMS + "/board", 404, {"json": {"code": "WRONG"}}),
    ("POST", CLASSROOM + "/teacher-link", 404, {"ids": NO_CLASSROOM}),
    ("GET", CLASSROOM + "/students", 404, {"ids": NO_CLASSROOM}),
    ("DELETE", CLASSROOM_STUDENT, 404, {"ids": NO_CLASSROOM}),
    ("POST", CLASSROOM_STUDENT + "/reissue", 404, {"ids": NO_CLASSROOM}),
    ("POST", CLASSROOM + "/assignments", 404, {"ids": NO_CLASSROOM, "json": {}}),
    ("GET", CLASSROOM + "/assignments", 404, {"ids": NO_CLASSROOM}),
    ("GET", CLASSROOM + "/gallery", 404, {"ids": NO_CLASSROOM}),
    ("GET", CLASSROOM + "/archive", 404, {"ids": NO_CLASSROOM}),
    ("GET", CLASSROOM + "/overview", 404, {"ids": NO_CLASSROOM}),
    ("GET", CLASSROOM + "/pictures", 404, {"ids": NO_CLASSROOM}),
    ("POST", CLASSROOM + "/student-cards", 404, {"ids": NO_CLASSROOM}),
    ("POST", SHARE + "/approve", 401, {"auth": NOBODY}),
    ("POST", CLASSROOM + "/class-projects", 404, {"ids": NO_CLASSROOM, "json": {}}),
    ("GET", CLASSROOM + "/class-projects", 404, {"ids": NO_CLASSROOM}),
    ("GET", CLASS_PROJECT, 404, {"ids": NO_CLASS_PROJECT}),
    ("PATCH", CLASS_PROJECT, 404, {"ids": NO_CLASS_PROJECT, "json": {"let_all_through": True}}),
    ("POST", CLASS_PROJECT + "/samples", 404, {"ids": NO_CLASS_PROJECT, "files": []}),
    ("POST", CLASS_PROJECT + "/samples/<sample_id>/approve", 404, {"ids": NO_CLASS_PROJECT}),
    (
        "DELETE",
        CLASS_PROJECT + "/students/<student_id>/pictures",
        404,
        {"ids": NO_CLASS_PROJECT},
    ),  # fmt: skip
    ("POST", CLASS_PROJECT + "/copy", 404, {"ids": NO_CLASS_PROJECT}),
    ("GET", "/api/student", 401, {"auth": NOBODY}),
    ("POST", PAIRINGS, 401, {"auth": NOBODY}),
    ("DELETE", PAIRINGS, 401, {"auth": NOBODY}),
    ("GET", "/api/pairing", 401, {"auth": NOBODY}),
    ("POST", "/api/pairing/samples", 401, {"auth": NOBODY}),
    ("POST", "/api/qr", 400, {"json": {}}),
    ("POST", "/api/backbones", 405, {}),
    ("DELETE", "/api/openapi.json", 405, {}),
    ("GET", "/api/no-such-route", 404, {}),
    ("PATCH", PROJECT + "/classes/1", 404, {"json": {"name": "C"}}),
]


@pytest.fixture
def tokens(api, project) -> dict[str, dict]:
    stranger = api.create_project(title="Stranger's")
    return {OWNER: api.auth(project), STRANGER: api.auth(stranger), NOBODY: {}}


def test_every_api_error_is_a_problem(
    client, route_ids, tokens, url_for_rule, problem, stored, subtests
):
    # One app for the whole table: every case fails, so none changes what the next one sees.
    before = stored()
    for method, rule, status, options in CASES:
        with subtests.test(f"{method} {rule} -> {status} {options}"):
            values = {**route_ids, **options.get("ids", {})}
            url = url_for_rule(rule, values) + options.get("query", "")
            kwargs = {"headers": tokens[options.get("auth", OWNER)]}
            for key in ("json", "data", "content_type"):
                if key in options:
                    kwargs[key] = options[key]
            if "files" in options:
                files = [(io.BytesIO(data), "x.png") for data in options["files"]]
                kwargs["data"] = {"file": files}
                kwargs["content_type"] = "multipart/form-data"
            body = problem(client.open(url, method=method, **kwargs), status)
            assert body["type"] == "about:blank"
    assert stored() == before


def test_error_cases_cover_every_api_route_and_method(app):
    covered = {(method, rule) for method, rule, _, _ in CASES}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if rule.endpoint not in ("backbones.list_backbones", "openapi.openapi_json"):
                    assert (method, rule.rule) in covered, f"no error case for {method} {rule}"


def test_method_not_allowed_names_the_allowed_methods(client, problem):
    response = client.delete("/api/backbones")
    problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_request_body_over_the_limit_is_a_problem(make_app, problem):
    client = make_app(MAX_REQUEST_BYTES=100).test_client()
    problem(client.post("/api/projects", json={"title": "x" * 200}), 413)


def test_field_errors_name_the_field(client, problem):
    body = problem(client.post("/api/projects", json={"title": ""}), 400)
    assert body["errors"] == [{"field": "title", "message": "must be 1 to 200 characters long"}]


def test_unexpected_failure_is_a_problem_without_internals(make_app, problem):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/explode")
    body = problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["title"] == "Internal Server Error"


def test_errors_outside_the_api_are_not_problems(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype != "application/problem+json"


def test_trailing_slash_redirects_are_not_turned_into_errors(app, client):
    @app.get("/api/things/")
    def things():
        return {"ok": True}

    assert client.get("/api/things").status_code == 308


def test_a_query_string_over_the_cap_is_a_problem(client, problem):
    body = problem(client.get("/api/backbones?q=" + "x" * 5000), 414)
    assert body["detail"] == "The query string is longer than 4096 bytes."
    assert body["title"] == "Request-URI Too Long"
    assert client.get("/api/backbones?q=" + "x" * 4000).status_code == 200
