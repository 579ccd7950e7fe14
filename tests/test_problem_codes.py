"""Every problem answer names a stable code that the pages translate: each code has its message
in the English catalogue, and the refusals students and teachers meet carry their precise code
with the values its message names."""

import io
import json
from pathlib import Path

from server.problem_codes import BY_STATUS, CODES, PRECISE

CATALOGUE = Path(__file__).resolve().parents[1] / "static" / "i18n" / "en.json"


def test_every_code_has_its_message_in_the_english_catalogue_and_no_message_lacks_a_code():
    english = json.loads(CATALOGUE.read_text())
    messages = {key.removeprefix("error.") for key in english if key.startswith("error.")}
    assert set(CODES) == messages
    assert not set(PRECISE) & set(BY_STATUS.values())


def test_the_openapi_document_lists_the_codes(client):
    problem = client.get("/api/openapi.json").json["components"]["schemas"]["Problem"]
    assert "code" in problem["required"] and problem["properties"]["code"]["enum"] == list(CODES)


def test_refusals_carry_their_precise_code_and_values(api, client, problem, project):
    classroom = api.start_classroom()
    api.join(classroom, "Sam")
    join = {"code": classroom["join_code"], "nickname": "Sam"}
    assert problem(client.post("/api/classrooms/join", json=join), 409)["code"] == "nickname_taken"
    wrong = client.post("/api/classrooms/join", json=join | {"code": "WRONGCD2"})
    assert problem(wrong, 404)["code"] == "no_open_classroom"
    broken = api.upload(project, (b"\x89PNG\r\n\x1a\n broken", "cat.png", "image/png"))
    body = problem(broken, 400)
    assert (body["code"], body["params"]) == ("image_corrupt", {"name": "cat.png"})
    # A werkzeug error and a general one get their status's code.
    assert problem(client.get("/api/no-such-route"), 404)["code"] == "not_found"
    assert problem(client.put("/api/classrooms"), 405)["code"] == "method_not_allowed"
    url = f"/api/projects/{project['id']}/samples"
    anonymous = client.post(url, data={"file": (io.BytesIO(b""), "a.png")})
    assert problem(anonymous, 401)["code"] == "unauthorized"
    forged = client.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert problem(forged, 401)["code"] == "token_invalid"
