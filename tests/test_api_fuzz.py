"""Schemathesis against our own OpenAPI document: malformed input never gets a 5xx.

Every operation gets generated requests, valid and invalid by the document, sent with the
project's owner token and real ids in the URL (random ids would only ever meet a 404). Each
answer must be a non-5xx that the document describes: its status, content type and body. Each
generated request is sent again with every text of its query and body replaced by text that
databases, encoders and HMACs choke on (non-ASCII digits and letters, a lone surrogate), and a
picture signature of such text on its URL: those answers must not be 5xx either.
"""

import gc
import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import Api, project_route_ids

EXAMPLES_PER_OPERATION = 5
# Schemathesis's WSGI transport leaves a file response (a picture) unclosed; the file is ours,
# read-only, and closed by the garbage collector.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
# Building an export runs TensorFlow for tens of seconds: its errors are tested in
# tests/test_exports_api.py, and its one parameter is an enum.
SKIPPED = {("GET", "/api/models/{model_id}/export")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Non-ASCII digits ('²' passes str.isdigit), a right-to-left override, a lone UTF-16 surrogate.
STRANGE_TEXT = ("\u00b2\u0663\u00e9\u202e", "x\ud800")


def with_text(value: Any, text: str | bytes) -> Any:
    """`value` with every string in it (keys of objects too) replaced by `text`."""
    if isinstance(value, str):
        return text
    if isinstance(value, dict):
        return {with_text(k, text): with_text(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [with_text(item, text) for item in value]
    return value


def strange_body(case, text: str) -> dict[str, Any]:
    """The test client's arguments for the case's body with every string replaced by `text`."""
    if isinstance(case.body, NotSet):
        return {}
    body = with_text(case.body, text)
    if case.media_type == "application/json":
        # json.dumps writes a lone surrogate as its escape, "\ud800": valid JSON, invalid text.
        return {"data": json.dumps(body, default=str), "content_type": case.media_type}
    if case.media_type == "multipart/form-data" and isinstance(body, dict):
        # Form fields travel as UTF-8, which has no lone surrogates.
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        form = {}
        for name, value in with_text(case.body, text).items():
            values = value if isinstance(value, list) else [value]
            form[name] = [(io.BytesIO(v), "f") if isinstance(v, bytes) else str(v) for v in values]
        return {"data": form, "content_type": case.media_type}
    data = body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogatepass")
    return {"data": data, "content_type": case.media_type}


def send_strange_text(client, case) -> None:
    """The case again, once per STRANGE_TEXT in its query and body and as a picture signature
    on its URL; no answer may be a 5xx."""
    for text in STRANGE_TEXT:
        # A URL holds bytes: a surrogate goes as its (invalid) UTF-8 bytes, %ED%A0%80.
        raw = text.encode("utf-8", "surrogatepass")
        query = {**with_text(case.query or {}, raw), "expires": "\u00b2", "sig": raw}
        response = client.open(
            case.formatted_path,
            method=case.method,
            query_string=urlencode(query, doseq=True),
            headers=dict(case.headers or {}),
            **strange_body(case, text),
        )
        assert response.status_code < 500, (case.method, case.formatted_path, text, query)
        response.close()


@pytest.fixture
def fuzz_app(make_app):
    return make_app(RATE_LIMIT_FAILED_CREDENTIALS="100000/minute", RATE_LIMIT_CREATE="100000/hour")


def real_ids(app, api: Api, image) -> tuple[dict[str, str], dict[str, str]]:
    project = api.create_project()
    return project_route_ids(api, project, image), api.auth(project)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error(fuzz_app, image, mode, subtests):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        # A fresh project per operation: deleting one must not starve the next.
        ids, auth = real_ids(fuzz_app, Api(fuzz_app.test_client()), image)
        names = {parameter.name for parameter in operation.path_parameters}
        strategy = operation.as_strategy(
            generation_mode=mode,
            path_parameters={name: value for name, value in ids.items() if name in names},
            headers=auth,
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            case.call_and_validate(checks=CHECKS)
            send_strange_text(fuzz_app.test_client(), case)

        with subtests.test(f"{operation.method.upper()} {operation.path}"):
            try:
                run()
            except Unsatisfiable:
                # Only fixed path parameters and nothing else: no invalid request to make.
                assert mode == GenerationMode.NEGATIVE
    # Collect the unclosed responses now, inside this module's warning filter.
    gc.collect()
