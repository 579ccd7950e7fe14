"""The OpenAPI document describes every API route, and only routes that exist."""

import re
from pathlib import Path

import pytest
from flask import Flask

from server.api.openapi import openapi_path
from server.errors import FieldInvalid
from server.finetune.settings import parse_settings

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def undocumented_routes(app: Flask, document: dict) -> list[str]:
    """Every 'METHOD /path' served under /api that the document lacks."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = openapi_path(rule.rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    return missing


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def test_document_is_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"]


def test_every_api_route_is_documented(app, document):
    assert undocumented_routes(app, document) == []


def test_a_new_undocumented_route_is_caught(make_app, document):
    app = make_app()
    app.add_url_rule("/api/projects/<project_id>/models/<int:n>", "extra", lambda **_: "")
    assert undocumented_routes(app, document) == ["GET /api/projects/{project_id}/models/{n}"]


def test_document_names_no_route_that_does_not_exist(app, document):
    served = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods
    }
    for path, operations in document["paths"].items():
        for method in operations.keys() & HTTP_METHODS:
            assert (path, method) in served, f"{method.upper()} {path} is documented but not served"


def test_each_operation_declares_its_path_parameters_and_responses(document):
    for path, operations in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, f"{method.upper()} {path}"
            assert operation["summary"]
            assert any(code.startswith("2") for code in operation["responses"])


def test_every_schema_reference_resolves(document):
    text = str(document)
    names = set(re.findall(r"#/components/schemas/(\w+)", text))
    assert names
    assert names <= document["components"]["schemas"].keys()


# The writes that need no token: a new project (empty or from a zip), a new classroom, a join,
# and drawing a QR code (which stores nothing).
OPEN_WRITES = (
    "/api/projects",
    "/api/projects/import",
    "/api/classrooms",
    "/api/classrooms/join",
    "/api/classrooms/board",
    "/api/qr",
)


def test_write_operations_name_a_bearer_token(document):
    schemes = document["components"]["securitySchemes"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method != "get" and path not in OPEN_WRITES:
                security = operation.get("security")
                assert security, f"{method} {path}"
                names = [name for requirement in security for name in requirement]
                assert all(schemes[name].get("scheme") == "bearer" for name in names), path
                # A wrong credential: 403, or 404 where the route hides what it refuses.
                responses = operation["responses"]
                assert "401" in responses and ("403" in responses or "404" in responses), path
            elif method != "get":
                assert operation.get("security") == [], f"{method} {path}"


README = Path(__file__).resolve().parent.parent / "README.md"
METHODS = r"GET|POST|PUT|PATCH|DELETE"


def readme_operations(text: str) -> set[tuple[str, str]]:
    """(method, path with its parameters as {}) of each row of the README's API table; a cell
    such as "`GET`, `PATCH`, `DELETE /api/projects/<id>`" names three."""
    section = text.split("\n## JSON API\n", 1)[1].split("\n## ", 1)[0]
    operations, methods = set(), []
    for row in re.findall(r"^\| (`.*?) \|", section, re.MULTILINE):
        for code in re.findall(r"`([^`]*)`", row):
            if re.fullmatch(METHODS, code):
                methods.append(code)
            elif found := re.fullmatch(rf"({METHODS}) (/api/\S*)", code):
                path = re.sub(r"<[^<>]+>", "{}", found[2].split("?")[0])
                operations |= {(method, path) for method in (*methods, found[1])}
                methods = []
            elif re.fullmatch(rf"({METHODS}) \S+", code):
                methods = []  # a page, not the API
    return operations


def document_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), re.sub(r"{[^{}]+}", "{}", path))
        for path, operations in document["paths"].items()
        for method in operations.keys() & HTTP_METHODS
    }


def test_the_readme_table_lists_every_operation_and_no_other(document):
    listed = readme_operations(README.read_text())
    assert sorted(document_operations(document) - listed) == [], "missing from the README"
    assert sorted(listed - document_operations(document)) == [], "in the README, not the API"


def test_the_readme_table_is_read_row_by_row():
    table = (
        "intro\n## JSON API\n| a | b |\n| --- | --- |\n"
        "| `GET`, `DELETE /api/jobs/<job_id>` | a job |\n"
        "| `GET /s/<token>/tm/model.json`, `metadata.json` | a page |\n"
        "| `GET /api/pairing`, `POST /api/pairing/samples` | pairing |\n"
        "| `GET /api/samples/<sample_id>/image?expires=&sig=` | a picture |\n"
        "\n## Next\n| `GET /api/later` | not this table |\n"
    )
    assert readme_operations(table) == {
        ("GET", "/api/jobs/{}"), ("DELETE", "/api/jobs/{}"), ("GET", "/api/pairing"),
        ("POST", "/api/pairing/samples"), ("GET", "/api/samples/{}/image"),
    }  # fmt: skip


# Bodies whose text fields the document limits, and the route that takes them.
TEXT_LIMITS = [
    ("ProjectCreate", "title", "/api/projects"),
    ("ClassroomCreate", "name", "/api/classrooms"),
    ("QrText", "text", "/api/qr"),
]


@pytest.mark.parametrize(("schema", "field", "url"), TEXT_LIMITS)
def test_a_documented_text_limit_is_the_one_the_api_keeps(document, client, schema, field, url):
    most = document["components"]["schemas"][schema]["properties"][field]["maxLength"]
    accepted = client.post(url, json={field: "x" * most})
    assert accepted.status_code in (200, 201), accepted.get_data()[:200]
    refused = client.post(url, json={field: "x" * (most + 1)})
    assert refused.status_code == 400
    assert refused.json["errors"][0]["field"] == field


def test_documented_fine_tuning_ranges_are_the_ones_checked(document):
    settings = document["components"]["schemas"]["FinetuneSettings"]["properties"]
    ranged = {name: schema for name, schema in settings.items() if "minimum" in schema}
    assert ranged
    for name, schema in ranged.items():
        low, high = schema["minimum"], schema["maximum"]
        step = 1 if schema["type"] == "integer" else high
        parse_settings({name: low})
        parse_settings({name: high})
        for outside in (low - step, high + step):
            with pytest.raises(FieldInvalid):
                parse_settings({name: outside})
    for name, schema in settings.items():
        if "enum" in schema:
            assert parse_settings({name: schema["enum"][-1]})
            with pytest.raises(FieldInvalid):
                parse_settings({name: "none of those"})


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/api/projects/{project_id}/samples", "/api/projects/{}/samples"),
        ("/api/projects/{project_id}/embeddings", "/api/projects/{}/embeddings?backbone=x"),
    ],
)
def test_a_documented_page_size_is_the_one_the_api_keeps(document, api, path, url):
    (per_page,) = [p for p in document["paths"][path]["get"]["parameters"]
                   if p["name"] == "per_page"]  # fmt: skip
    project = api.create_project()
    base = url.format(project["id"]) + ("&" if "?" in url else "?")
    most = per_page["schema"]["maximum"]
    assert api.get(project, f"{base}per_page={most}").status_code != 400
    refused = api.get(project, f"{base}per_page={most + 1}")
    assert refused.status_code == 400 and refused.json["errors"][0]["field"] == "per_page"
