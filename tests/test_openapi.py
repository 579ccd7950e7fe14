"""The OpenAPI document describes every API route, and only routes that exist."""

import re

import pytest
from flask import Flask

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def openapi_path(rule: str) -> str:
    """Flask's /api/things/<int:thing_id> -> OpenAPI's /api/things/{thing_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


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
                assert "401" in operation["responses"] and "403" in operation["responses"]
            elif method != "get":
                assert operation.get("security") == [], f"{method} {path}"
