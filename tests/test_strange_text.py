"""Text no database or encoder can keep, and signatures that are not ASCII: each refused with a
400-level problem by the parsing layer, never a 500 from deep inside (SQLite, segno, hmac)."""

import pytest

SURROGATE = '"\\ud800"'


@pytest.mark.parametrize(
    "query",
    [
        "expires=\u00b2&sig=x",  # '²' passes str.isdigit, not int()
        "expires=\u0663\u0663&sig=x",  # Arabic-Indic digits
        "expires=9999999999&sig=\u00e9t\u00e9",  # hmac.compare_digest refuses non-ASCII str
        "expires=9999999999&sig=%ED%A0%80",  # the UTF-8 bytes of a surrogate
    ],
)
def test_a_picture_url_with_strange_expiry_or_signature_is_refused(api, project, image, query):
    (sample,) = api.add_samples(project, image())
    for url in (f"/api/samples/{sample['id']}/image", f"/api/projects/{project['id']}"):
        response = api.client.get(f"{url}?{query}")
        assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_good_signature_still_opens_the_picture(api, project, image):
    (sample,) = api.add_samples(project, image())
    assert api.image_data(sample).startswith(b"\x89PNG")


JSON_WITH_SURROGATE = {
    "/api/projects": '{"title": ' + SURROGATE + ', "classes": ["A"]}',
    "/api/qr": '{"text": ' + SURROGATE + "}",
    "/api/classrooms": '{"name": ' + SURROGATE + "}",
    "/api/classrooms/join": '{"code": "ABCDEF", "nickname": "Ana\\udfff"}',
}


@pytest.mark.parametrize("url", JSON_WITH_SURROGATE)
def test_a_lone_surrogate_in_any_json_field_is_refused(client, problem, stored, url):
    state = stored()
    response = client.post(url, data=JSON_WITH_SURROGATE[url], content_type="application/json")
    assert "surrogate" in problem(response, 400)["detail"]
    assert stored() == state


def test_a_lone_surrogate_in_a_key_or_nested_value_is_refused(client, api, project, problem):
    url = f"/api/projects/{project['id']}/classes"
    for body in (
        '{"name": "A", "x": {' + SURROGATE + ": 1}}",
        '{"name": ["a", [' + SURROGATE + "]]}",
    ):
        response = client.post(
            url, data=body, content_type="application/json", headers=api.auth(project)
        )
        assert "surrogate" in problem(response, 400)["detail"]


def test_a_surrogate_pair_is_a_character_and_kept(client):
    body = '{"title": "Faces \\ud83d\\ude00", "classes": ["A"]}'
    response = client.post("/api/projects", data=body, content_type="application/json")
    assert response.status_code == 201
    assert response.json["title"] == "Faces \U0001f600"
