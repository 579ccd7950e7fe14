"""Classes: a student adds, renames, reorders and deletes the things to recognise."""

import pytest
from sqlalchemy import select

from server.db import db
from server.models import ProjectClass


def class_url(project: dict, class_id: str | None = None) -> str:
    url = f"/api/projects/{project['id']}/classes"
    return url if class_id is None else f"{url}/{class_id}"


def names_in_order(api, project) -> list[str]:
    classes = api.project(project)["classes"]
    assert [c["position"] for c in classes] == list(range(len(classes)))
    return [c["name"] for c in classes]


def test_student_adds_class_at_the_end(client, api, project):
    response = client.post(class_url(project), json={"name": " Cherry "}, headers=api.auth(project))
    assert response.status_code == 201
    assert response.json == {
        "id": response.json["id"],
        "name": "Cherry",
        "position": 2,
        "sample_count": 0,
    }
    assert names_in_order(api, project) == ["Apple", "Banana", "Cherry"]


def test_class_names_are_unique_within_a_project(client, api, project, problem):
    problem(client.post(class_url(project), json={"name": "Apple"}, headers=api.auth(project)), 409)
    other = api.create_project()
    response = client.post(class_url(other), json={"name": "Cherry"}, headers=api.auth(other))
    assert response.status_code == 201


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, None, 12, ["Apple"]])
def test_class_name_must_be_1_to_80_characters(client, api, project, problem, name):
    body = problem(
        client.post(class_url(project), json={"name": name}, headers=api.auth(project)), 400
    )
    assert body["errors"] == [{"field": "name", "message": body["errors"][0]["message"]}]


def test_student_renames_class(client, api, project):
    apple = project["classes"][0]["id"]
    response = client.patch(
        class_url(project, apple), json={"name": "Green apple"}, headers=api.auth(project)
    )
    assert response.status_code == 200
    assert response.json["name"] == "Green apple"
    assert names_in_order(api, project) == ["Green apple", "Banana"]


def test_renaming_to_another_class_name_conflicts(client, api, project, problem):
    apple = project["classes"][0]["id"]
    response = client.patch(
        class_url(project, apple), json={"name": "Banana"}, headers=api.auth(project)
    )
    problem(response, 409)
    assert names_in_order(api, project) == ["Apple", "Banana"]


def test_renaming_class_to_its_own_name_is_fine(client, api, project):
    apple = project["classes"][0]["id"]
    response = client.patch(
        class_url(project, apple), json={"name": "Apple"}, headers=api.auth(project)
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "moved, position, expected",
    [
        ("D", 0, ["D", "A", "B", "C"]),
        ("A", 3, ["B", "C", "D", "A"]),
        ("B", 2, ["A", "C", "B", "D"]),
        ("C", 1, ["A", "C", "B", "D"]),
        ("B", 1, ["A", "B", "C", "D"]),
    ],
)
def test_moving_a_class_shifts_the_others(client, api, moved, position, expected):
    project = api.create_project(classes=("A", "B", "C", "D"))
    ids = {c["name"]: c["id"] for c in project["classes"]}
    response = client.patch(
        class_url(project, ids[moved]), json={"position": position}, headers=api.auth(project)
    )
    assert response.status_code == 200
    assert response.json["position"] == position
    assert names_in_order(api, project) == expected


def test_rename_and_move_in_one_request(client, api, project):
    banana = project["classes"][1]["id"]
    response = client.patch(
        class_url(project, banana),
        json={"name": "Plantain", "position": 0},
        headers=api.auth(project),
    )
    assert response.status_code == 200
    assert names_in_order(api, project) == ["Plantain", "Apple"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"position": -1}, "position"),
        ({"position": 2}, "position"),
        ({"position": "1x"}, "position"),
        ({"position": True}, "position"),
        ({"position": 1.5}, "position"),
        ({}, "name"),
    ],
)
def test_invalid_class_update_is_refused(client, api, project, problem, body, field):
    apple = project["classes"][0]["id"]
    response = client.patch(class_url(project, apple), json=body, headers=api.auth(project))
    assert problem(response, 400)["errors"][0]["field"] == field
    assert names_in_order(api, project) == ["Apple", "Banana"]


def test_deleting_class_leaves_its_samples_unlabelled(client, api, project, image, stored):
    apple, banana = (c["id"] for c in project["classes"])
    samples = api.add_samples(
        project, image(color=(1, 1, 1)), image(color=(2, 2, 2)), class_id=apple
    )
    response = client.delete(class_url(project, apple), headers=api.auth(project))
    assert response.status_code == 204
    body = api.project(project)
    assert [(c["id"], c["position"]) for c in body["classes"]] == [(banana, 0)]
    assert body["unlabelled_count"] == 2
    listed = api.get(project, f"/api/projects/{project['id']}/samples").json["samples"]
    assert {s["id"] for s in listed} == {s["id"] for s in samples}
    assert all(s["class_id"] is None for s in listed)
    assert len(stored()["blob_files"]) == 2


def test_deleting_class_with_its_samples_removes_them_and_their_blobs(
    client, api, project, image, stored
):
    apple, banana = (c["id"] for c in project["classes"])
    api.add_samples(project, image(color=(1, 1, 1)), image(color=(2, 2, 2)), class_id=apple)
    api.add_samples(project, image(color=(3, 3, 3)), class_id=banana)
    response = client.delete(
        class_url(project, apple) + "?delete_samples=true", headers=api.auth(project)
    )
    assert response.status_code == 204
    assert api.project(project)["sample_count"] == 1
    assert len(stored()["blob_files"]) == 1


def test_delete_samples_flag_must_be_a_boolean(client, api, project, problem):
    apple = project["classes"][0]["id"]
    response = client.delete(
        class_url(project, apple) + "?delete_samples=maybe", headers=api.auth(project)
    )
    problem(response, 400)


def test_class_of_another_project_is_not_found(client, api, project, problem, image):
    other = api.create_project()
    foreign = other["classes"][0]["id"]
    response = client.patch(
        class_url(project, foreign), json={"name": "X"}, headers=api.auth(project)
    )
    problem(response, 404)
    problem(client.delete(class_url(project, foreign), headers=api.auth(project)), 404)
    assert names_in_order(api, other) == ["Apple", "Banana"]
    pairings = f"{class_url(project, foreign)}/pairings"
    problem(client.post(pairings, headers=api.auth(project)), 404)
    [sample] = api.add_samples(project, image())
    relabel = {"ids": [sample["id"]], "class_id": foreign}
    samples = f"/api/projects/{project['id']}/samples"
    for response in (
        client.get(f"{samples}?class_id={foreign}", headers=api.auth(project)),
        client.patch(samples, json=relabel, headers=api.auth(project)),
        api.upload(project, image(color=(1, 2, 3)), class_id=foreign),
    ):
        assert problem(response, 400)["errors"][0]["field"] == "class_id"


def test_class_ids_are_random_strings_not_row_numbers(app, client, api, project, problem):
    ids = [c["id"] for c in project["classes"]]
    assert all(isinstance(i, str) and not i.isdigit() and len(i) >= 20 for i in ids)
    with app.app_context():
        row = db.session.scalar(select(ProjectClass.id).where(ProjectClass.public_id == ids[0]))
    # The row number names no class, in a URL or in a body.
    response = client.patch(class_url(project, row), json={"name": "X"}, headers=api.auth(project))
    problem(response, 404)
    samples = f"/api/projects/{project['id']}/samples"
    problem(client.get(f"{samples}?class_id={row}", headers=api.auth(project)), 400)
    assert names_in_order(api, project) == ["Apple", "Banana"]
