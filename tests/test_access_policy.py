"""The access policy, route by route and credential by credential.

Every rule of the app's URL map is requested with every kind of credential, and the answer must
be what the rules below say for the action that route declares. The rules are written here by
hand, apart from server/policy.py, so a change to the policy that nobody meant fails here; the
list of routes is read from the app, so a new route cannot escape.
"""

import io
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import select

from server.api.openapi import openapi_path
from server.db import db
from server.models import Classroom, Job, ModelVersion, utcnow
from server.policy import ANYONE, EVERYONE, GRANTS, access_of
from server.signed_urls import EXPIRED, image_url
from server.signed_urls import check as check_signature

from .conftest import Api, assert_problem, fill_rule, project_route_ids, queued_job

OK = "ok"
# action -> credential kind -> the answer: OK (the policy let it through) or a status.
# The first eight kinds act on a project of no classroom (the URL names it); the others on a
# project of a classroom's student: that student, a classmate, a student of another classroom,
# the classroom's teacher, another classroom's teacher, a phone paired with one of the project's
# classes, and a student and a teacher of an expired classroom (the URL names their project);
# the last two act on the classroom's class project, which the teacher changes and trains and a
# student reaches only through its own routes: its teacher and a student of its classroom (the
# URL names the class project, its picture, its saved model, share link and job).
RULES = {
    "public": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": OK,
        "student": OK, "classmate": OK, "other_class_student": OK, "teacher": OK,
        "other_teacher": OK, "pairing": OK, "expired_student": OK, "expired_teacher": OK,
        "class_teacher": OK, "class_student": OK,
    },
    "create_project": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": OK, "teacher": OK,
        "other_teacher": OK, "pairing": OK, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": OK,
    },
    "read_project": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": 403, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": 403,
    },
    "edit_project": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": 403, "other_class_student": 403, "teacher": 403,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": 403,
    },
    "moderate": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": 403, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": 403,
    },
    "read_model": {
        "none": 401, "owner": OK, "other_owner": 403, "share": OK, "other_share": 403,
        "revoked_share": 410, "unknown_share": 404, "bad_token": 401,
        # The classmate reads it because the project is published to the class gallery.
        "student": OK, "classmate": OK, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": 403,
    },
    "view_image": {
        "none": 401, "owner": OK, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": 403, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": 403,
    },
    "start_classroom": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": OK, "teacher": OK,
        "other_teacher": OK, "pairing": OK, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": OK,
    },
    "join_classroom": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": OK, "teacher": OK,
        "other_teacher": OK, "pairing": OK, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": OK,
    },
    "read_board": {
        "none": OK, "owner": OK, "other_owner": OK, "share": OK, "other_share": OK,
        "revoked_share": OK, "unknown_share": OK, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": OK, "teacher": OK,
        "other_teacher": OK, "pairing": OK, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": OK,
    },
    "manage_classroom": {
        "none": 401, "owner": 403, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": 403, "classmate": 403, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": 403,
    },
    "read_gallery": {
        "none": 401, "owner": 403, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": OK,
    },
    "student_home": {
        "none": 401, "owner": 403, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": OK, "teacher": 403,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": 403, "class_student": OK,
    },
    "add_pictures": {
        "none": 401, "owner": 403, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": 403, "classmate": 403, "other_class_student": 403, "teacher": 403,
        "other_teacher": 403, "pairing": OK, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": 403, "class_student": 403,
    },
    # A class project: counts and the pictures let through for its classroom's students, every
    # picture and who added it for its teacher (the URL names the classroom's class project).
    "read_class_project": {
        "none": 401, "owner": 403, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": 403, "teacher": OK,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": OK, "class_student": OK,
    },
    # Adding pictures to it, or copying what one sees of it: its classroom's students only.
    "work_in_class_project": {
        "none": 401, "owner": 403, "other_owner": 403, "share": 403, "other_share": 403,
        "revoked_share": 403, "unknown_share": 403, "bad_token": 401,
        "student": OK, "classmate": OK, "other_class_student": 403, "teacher": 403,
        "other_teacher": 403, "pairing": 403, "expired_student": 410, "expired_teacher": 410,
        "class_teacher": 403, "class_student": OK,
    },
}  # fmt: skip
# Routes that tell a refused credential "no such thing" (404) rather than 403.
HIDDEN = {"shares.revoke_share", "classrooms.approve_share"}
# What the policy says when it refuses; a view's own 404 ("no such TF.js file") is not a refusal.
REFUSAL_DETAILS = re.compile(r"^(No [\w ]+ with this id\.|No share link here\.)$")
# The kinds that act on a classroom student's project, and on an expired classroom's.
CLASS_KINDS = {"student", "classmate", "other_class_student", "teacher", "other_teacher",
               "pairing"}  # fmt: skip
EXPIRED_KINDS = {"expired_student", "expired_teacher"}
CLASS_PROJECT_KINDS = {"class_teacher", "class_student"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class World:
    """Two projects, each with a class, a picture, a saved model, live links, and a job; a
    classroom whose student has such a project too, published to the class, with a classmate
    and a paired phone; another classroom; and an expired classroom with such a project."""

    ids: dict[str, str]
    class_ids: dict[str, str]
    expired_ids: dict[str, str]
    class_project_ids: dict[str, str]
    headers: dict[str, dict[str, str]]
    query: dict[str, dict[str, str]]

    def ids_for(self, kind: str) -> dict[str, str]:
        if kind in CLASS_KINDS:
            return self.class_ids
        if kind in CLASS_PROJECT_KINDS:
            return self.class_project_ids
        return self.expired_ids if kind in EXPIRED_KINDS else self.ids


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def project_ids(api, client, project, image) -> dict[str, str]:
    """A class, a picture, a saved model, a share link and a job in the project; their ids, and
    values for the share pages' variables."""
    return project_route_ids(api, project, image) | {
        "filename": "model.json",
        "version": "0",
        "path": "",
    }


def start_class_project(api, client, classroom, image=None) -> dict[str, str]:
    """The classroom's class project, from a new assignment; given `image`, with a picture, a
    saved model, a share link and a job (the teacher's) and the ids of its routes."""
    teacher = api.teacher(classroom)
    base = f"/api/classrooms/{classroom['id']}"
    pets = {"title": "Pets", "classes": ["Cat", "Dog"]}
    assignment = client.post(f"{base}/assignments", json=pets, headers=teacher).json
    started = client.post(f"{base}/class-projects", json={"assignment_id": assignment["id"]},
                          headers=teacher)  # fmt: skip
    assert started.status_code == 201, started.json
    project = api.get({"owner_token": classroom["teacher_token"]},
                      f"/api/projects/{started.json['id']}").json  # fmt: skip
    if image is None:
        return {"class_project_id": project["id"]}
    as_teacher = project | {"owner_token": classroom["teacher_token"]}
    return project_ids(api, client, as_teacher, image) | {"class_project_id": project["id"]}


def make_world(api, client, image) -> World:
    mine, theirs = api.create_project(), api.create_project(title="Someone else's")
    ids = project_ids(api, client, mine, image)
    model = {"id": ids["model_id"]}
    revoked = api.share(project=mine, model=model)
    client.delete(f"/api/shares/{revoked['token']}", headers=api.auth(mine))
    other_link = api.share(theirs, api.save_model(theirs))

    classroom, other_classroom, expired = (api.start_classroom(name) for name in "ABC")
    student, classmate = api.join(classroom, "Sam"), api.join(classroom, "Kim")
    work = api.student_project(student)
    class_ids = project_ids(api, client, work, image)
    published = client.post(f"/api/projects/{work['id']}/gallery", json={"published": True},
                            headers=api.auth(work))  # fmt: skip
    assert published.status_code == 200, published.json
    pairing = client.post(
        f"/api/projects/{work['id']}/classes/{class_ids['class_id']}/pairings",
        headers=api.auth(work),
    ).json
    expired_student = api.join(expired, "Old")
    expired_ids = project_ids(api, client, api.student_project(expired_student), image)
    expired_ids |= start_class_project(api, client, expired)
    # The class project's kinds are of a classroom of their own: its teacher's deletions (of the
    # classroom, a student) must not take what the first classroom's teacher is asked about.
    lesson_room = api.start_classroom("D")
    doer, helper = api.join(lesson_room, "Dee"), api.join(lesson_room, "Eve")
    together = start_class_project(api, client, lesson_room, image) | {
        "classroom_id": lesson_room["id"], "student_id": helper["student"]["id"]}  # fmt: skip
    # Share links of a classroom work once its teacher approves them.
    for room, links in ((classroom, class_ids), (expired, expired_ids)):
        approve = client.post(f"/api/shares/{links['token']}/approve", headers=api.teacher(room))
        assert approve.status_code == 204
    with client.application.app_context():
        gone = db.session.scalar(select(Classroom).where(Classroom.public_id == expired["id"]))
        gone.last_activity = utcnow() - timedelta(days=gone.retention_days + 1)
        db.session.commit()
    classmate_id = classmate["student"]["id"]
    room = {"classroom_id": classroom["id"], "student_id": classmate_id}
    room |= start_class_project(api, client, classroom)
    ids |= room
    class_ids |= room
    expired_ids |= {"classroom_id": expired["id"], "student_id": expired_student["student"]["id"]}
    headers = {
        "owner": api.auth(mine),
        "other_owner": api.auth(theirs),
        "bad_token": {"Authorization": "Bearer not-a-token-of-anything"},
        "student": bearer(student["student_token"]),
        "classmate": bearer(classmate["student_token"]),
        "other_class_student": bearer(api.join(other_classroom, "Ali")["student_token"]),
        "teacher": api.teacher(classroom),
        "class_teacher": api.teacher(lesson_room),
        "class_student": bearer(doer["student_token"]),
        "other_teacher": api.teacher(other_classroom),
        "pairing": bearer(pairing["url"].split("#pair=")[1]),
        "expired_student": bearer(expired_student["student_token"]),
        "expired_teacher": api.teacher(expired),
    }
    query = {
        "share": {"share": ids["token"]},
        "other_share": {"share": other_link["token"]},
        "revoked_share": {"share": revoked["token"]},
        "unknown_share": {"share": "A" * 43},
    }
    return World(ids, class_ids, expired_ids, together, headers, query)


def fill(rule: str, ids: dict[str, str]) -> str:
    return fill_rule(rule, ids, default="x")


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


def refused(response) -> bool:
    status = response.status_code
    return status in (401, 403, 410) or (
        status == 404
        and REFUSAL_DETAILS.match((response.get_json(silent=True) or {}).get("detail", ""))
    )


def check(response, expected, label: str) -> None:
    status = response.status_code
    if expected == OK:
        assert not refused(response) and status < 500, (
            f"{label}: {status} {response.get_data()[:200]}"
        )
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


def expected_answers(rule: str, endpoint: str, action: str) -> dict[str, object]:
    """What each kind of credential gets from a route, by RULES and the exceptions above."""
    expected = dict(RULES[action])
    if endpoint in HIDDEN:
        expected = {kind: 404 if answer == 403 else answer for kind, answer in expected.items()}
    if action == "public" and "<token>" in rule:
        # A share page of the expired classroom's project: gone for everyone.
        expected |= dict.fromkeys(EXPIRED_KINDS, 410)
    return expected


# The security scheme of the OpenAPI document that carries each credential of RULES (None: no
# credential, or a token that matches nothing). A signed picture URL (signedUrl) is not among
# them; its routes are checked by test_a_picture_needs_its_signed_url_or_the_owner_token.
SCHEME_OF = {
    "none": None, "bad_token": None, "owner": "ownerToken", "other_owner": "ownerToken",
    "share": "shareToken", "other_share": "shareToken", "revoked_share": "shareToken",
    "unknown_share": "shareToken", "student": "studentToken", "classmate": "studentToken",
    "other_class_student": "studentToken", "expired_student": "studentToken",
    "teacher": "teacherToken", "other_teacher": "teacherToken", "expired_teacher": "teacherToken",
    "pairing": "pairingToken", "class_teacher": "teacherToken", "class_student": "studentToken",
}  # fmt: skip


def schemes(operation: dict) -> set[str]:
    return {name for requirement in operation["security"] for name in requirement}


def api_operation(document: dict, method: str, rule: str) -> dict | None:
    """The document's operation for a route (None: the route is not under /api)."""
    if not rule.startswith("/api/"):
        return None
    return document["paths"][openapi_path(rule)][method.lower()]


def test_the_api_document_says_what_the_rules_say(app, client):
    """Each operation's `security` names the credentials RULES lets through, and no other; every
    refusal RULES expects is among its documented answers."""
    document = client.get("/api/openapi.json").json
    with app.test_request_context():
        declared = {endpoint: access_of(endpoint) for _, _, endpoint in routes(app)}
    assert set(SCHEME_OF) == set(RULES["public"])
    for method, rule, endpoint in routes(app):
        operation = api_operation(document, method, rule)
        if operation is None:
            continue
        expected = expected_answers(rule, endpoint, declared[endpoint].action)
        label = f"{method} {rule}"
        assert (operation["security"] == []) == (expected["none"] == OK), label
        for kind, answer in expected.items():
            if answer == OK:
                assert operation["security"] == [] or SCHEME_OF[kind] in schemes(operation), (
                    f"{label}: {kind} is let through but not named in its security"
                )
            else:
                assert str(answer) in operation["responses"], f"{label}: {answer} for {kind}"
        granted = {SCHEME_OF[kind] for kind, answer in expected.items() if answer == OK}
        assert schemes(operation) - {"signedUrl"} <= granted, label


def check_document(response, operation: dict | None, kind: str, label: str) -> None:
    """The answer is one the API document describes: a refusal among its responses, a credential
    let through among its security schemes."""
    if operation is None:
        return
    if refused(response):
        assert str(response.status_code) in operation["responses"], f"{label}: undocumented"
    elif operation["security"]:
        assert SCHEME_OF[kind] in schemes(operation), f"{label}: let through, not documented"


def test_every_route_answers_every_credential_as_the_rules_say(roomy_app, image, subtests):
    """...and as the API document says."""
    app, client = roomy_app, roomy_app.test_client()
    api = Api(client)
    document = client.get("/api/openapi.json").json
    with app.test_request_context():
        declared = {endpoint: access_of(endpoint) for _, _, endpoint in routes(app)}
    for method, rule, endpoint in routes(app):
        expected = expected_answers(rule, endpoint, declared[endpoint].action)
        operation = api_operation(document, method, rule)
        # Refusals first: the credentials allowed last, as they may delete what they touch.
        kinds = sorted(expected, key=lambda kind: expected[kind] == OK)
        world = make_world(api, client, image)
        for kind in kinds:
            url = fill(rule, world.ids_for(kind))
            label = f"{method} {rule} as {kind}"
            with subtests.test(label):
                headers, query = world.headers.get(kind, {}), world.query.get(kind, {})
                with ask(client, method, url, headers, query) as response:
                    check(response, expected[kind], label)
                    check_document(response, operation, kind, label)
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
    # The API document names the signed URL beside the tokens that open a picture.
    document = client.get("/api/openapi.json").json
    operation = document["paths"]["/api/samples/{sample_id}/image"]["get"]
    assert schemes(operation) == {"signedUrl", "ownerToken", "studentToken", "teacherToken"}


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


def test_too_many_wrong_tokens_from_one_address_are_refused_but_never_a_valid_one(
    make_app, problem, image
):
    app = make_app(RATE_LIMIT_FAILED_CREDENTIALS="5/minute")
    client = app.test_client()
    api = Api(client)
    project = api.create_project()
    (sample,) = api.add_samples(project, image())
    classroom = api.start_classroom()
    wrong = {"Authorization": "Bearer guess"}
    for _ in range(5):
        problem(client.get(f"/api/projects/{project['id']}", headers=wrong), 401)
    refused = problem(client.get(f"/api/projects/{project['id']}", headers=wrong), 429)
    assert "Too many" in refused["detail"] and int(refused["status"]) == 429
    with client.get(f"/api/projects/{project['id']}", headers=wrong) as response:
        assert 1 <= int(response.headers["Retry-After"]) <= 60
    problem(client.get(signed(sample["image_url"], sig="A" * 43)), 429)
    # The same address with valid credentials: its token, a picture URL, a join code.
    mine = client.get(f"/api/projects/{project['id']}", headers=Api.auth(project))
    assert mine.status_code == 200
    assert api.image_data(sample)
    api.join(classroom, "Sam")
    # Another address is not affected.
    other = client.get(
        f"/api/projects/{project['id']}", headers=wrong, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    problem(other, 401)


def test_a_deleted_classrooms_student_token_is_refused_not_taken_for_none(api, client, problem):
    """Its open studio would go on making projects outside any classroom."""
    classroom = api.start_classroom()
    student = api.join(classroom, "Sam")
    client.delete(f"/api/classrooms/{classroom['id']}", headers=api.teacher(classroom))
    refused = problem(client.post("/api/projects", json={"title": "Fruit"},
                                  headers=bearer(student["student_token"])), 401)  # fmt: skip
    assert "deletes the classroom" in refused["detail"]


# Ending: what becomes of each kind of credential when its classroom expires (no purge run), its
# student is removed, its student's link is reissued, its classroom is deleted, or its teacher
# takes a new teacher link. True: every
# route that credential served refuses it from that moment; False: it keeps working (a teacher is
# not ended by a student's removal; a share link the teacher approved outlives a lost link).
# Every kind of credential that a classroom can end must be listed here (checked below).
ENDINGS = {
    "student": {"expired": True, "removed": True, "reissued": True, "deleted": True,
                "teacher_reissued": False},
    "teacher": {"expired": True, "removed": False, "reissued": False, "deleted": True,
                "teacher_reissued": True},
    "pairing": {"expired": True, "removed": True, "reissued": True, "deleted": True,
                "teacher_reissued": False},
    "share": {"expired": True, "removed": True, "reissued": False, "deleted": True,
              "teacher_reissued": False},
    "signed_image": {"expired": True, "removed": True, "reissued": True, "deleted": True,
                     "teacher_reissued": False},
}  # fmt: skip
# The kinds no classroom grants: nothing of a classroom can end them.
NOT_OF_A_CLASSROOM = {"none", "invalid", "owner"}
BEARER_KINDS = {"student", "teacher", "pairing"}
STATES = ("expired", "removed", "reissued", "deleted", "teacher_reissued")


def test_every_kind_of_credential_is_listed_with_its_endings():
    """A kind of credential added to the policy must say here how a classroom ends it."""
    assert set(ENDINGS) | NOT_OF_A_CLASSROOM == EVERYONE
    assert all(states.keys() == set(STATES) for states in ENDINGS.values())


@dataclass
class Lesson:
    """A classroom whose student has a project with a picture, a model published to the class
    gallery, an approved share link, a paired phone and a job, and which has a class project; a
    credential of each kind."""

    classroom: dict
    student: dict
    ids: dict[str, str]
    headers: dict[str, dict[str, str]]
    query: dict[str, dict[str, str]]
    picture_url: str


def make_lesson(api, client, image) -> Lesson:
    classroom = api.start_classroom()
    student = api.join(classroom, "Sam")
    work = api.student_project(student)
    ids = project_ids(api, client, work, image)
    client.post(f"/api/shares/{ids['token']}/approve", headers=api.teacher(classroom))
    client.post(f"/api/projects/{work['id']}/gallery", json={"published": True},
                headers=api.auth(work))  # fmt: skip
    pairing = client.post(
        f"/api/projects/{work['id']}/classes/{ids['class_id']}/pairings", headers=api.auth(work)
    ).json
    ids |= {"classroom_id": classroom["id"], "student_id": student["student"]["id"]}
    ids |= start_class_project(api, client, classroom)
    (sample,) = api.get(work, f"/api/projects/{work['id']}/samples").json["samples"]
    picture = dict(parse_qsl(urlsplit(sample["image_url"]).query))
    return Lesson(
        classroom,
        student,
        ids,
        headers={
            "student": bearer(student["student_token"]),
            "teacher": api.teacher(classroom),
            "pairing": bearer(pairing["url"].split("#pair=")[1]),
        },
        query={"share": {"share": ids["token"]}, "signed_image": picture},
        picture_url=sample["image_url"],
    )


def end(state: str, lesson: Lesson, api, client, app) -> None:
    classroom, teacher = lesson.classroom, api.teacher(lesson.classroom)
    student_url = f"/api/classrooms/{classroom['id']}/students/{lesson.ids['student_id']}"
    if state == "expired":  # moved back in time in the database; no purge runs
        with app.app_context():
            row = db.session.scalar(select(Classroom).where(Classroom.public_id == classroom["id"]))
            row.last_activity = utcnow() - timedelta(days=row.retention_days + 1)
            db.session.commit()
    elif state == "removed":
        assert client.delete(student_url, headers=teacher).status_code == 204
    elif state == "reissued":
        assert client.post(f"{student_url}/reissue", headers=teacher).status_code == 200
    elif state == "teacher_reissued":
        new_link = client.post(f"/api/classrooms/{classroom['id']}/teacher-link", headers=teacher)
        assert new_link.status_code == 200
    else:
        deleted = client.delete(f"/api/classrooms/{classroom['id']}", headers=teacher)
        assert deleted.status_code == 204


@pytest.mark.parametrize("state", STATES)
def test_an_ended_credential_is_refused_on_every_route_it_served(roomy_app, image, state):
    app, client = roomy_app, roomy_app.test_client()
    api = Api(client)
    with app.test_request_context():
        declared = {endpoint: access_of(endpoint) for _, _, endpoint in routes(app)}
    lesson = make_lesson(api, client, image)
    # Before: each credential works on what it is for.
    share_page = f"/s/{lesson.ids['token']}/model.json"
    uses = {
        "student": ("GET", "/api/student"),
        "teacher": ("GET", f"/api/classrooms/{lesson.ids['classroom_id']}"),
        "pairing": ("GET", "/api/pairing"),
        "share": ("GET", f"/api/models/{lesson.ids['model_id']}"),
        "signed_image": ("GET", f"/api/samples/{lesson.ids['sample_id']}/image"),
    }

    def use(kind: str):
        method, url = uses[kind]
        return ask(client, method, url, lesson.headers.get(kind, {}), lesson.query.get(kind, {}))

    for kind in ENDINGS:
        with use(kind) as response:
            assert response.status_code == 200, f"{kind} before: {response.status_code}"
    assert client.get(share_page).status_code == 200
    end(state, lesson, api, client, app)
    for kind, endings in ENDINGS.items():
        with use(kind) as response:
            if not endings[state]:
                assert response.status_code == 200, f"{kind} after {state}"
                continue
            assert refused(response), f"{kind} after {state}: {response.status_code}"
        # Every route whose action this kind of credential was granted refuses it now; so do
        # the open actions (a new project, classroom or join) for a bearer token.
        for method, rule, endpoint in routes(app):
            action = declared[endpoint].action
            if action == "public" or kind not in GRANTS[action]:
                continue
            if action in ANYONE and kind not in BEARER_KINDS:
                continue
            url = fill(rule, lesson.ids)
            with ask(client, method, url, lesson.headers.get(kind, {}),
                     lesson.query.get(kind, {})) as response:  # fmt: skip
                assert refused(response) and response.status_code < 500, (
                    f"{method} {rule} as {kind} after {state}: {response.status_code}"
                )
    # The share page and its model files: 410 (or 404 once nothing of them is kept).
    if ENDINGS["share"][state]:
        for url in (f"/s/{lesson.ids['token']}", share_page):
            assert client.get(url).status_code in (404, 410), f"{url} after {state}"
    else:
        assert client.get(share_page).status_code == 200


def test_a_pairing_dies_when_its_students_link_is_reissued(api, client, image, problem):
    lesson = make_lesson(api, client, image)
    phone = lesson.headers["pairing"]
    upload = {"file": [(io.BytesIO(image()), "a.png", "image/png")]}
    sent = client.post("/api/pairing/samples", data=upload, headers=phone,
                       content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 201
    reissued = client.post(
        f"/api/classrooms/{lesson.ids['classroom_id']}/students/{lesson.ids['student_id']}/reissue",
        headers=api.teacher(lesson.classroom),
    )
    assert reissued.status_code == 200
    upload = {"file": [(io.BytesIO(image()), "a.png", "image/png")]}
    problem(client.post("/api/pairing/samples", data=upload, headers=phone,
                        content_type="multipart/form-data"), 401)  # fmt: skip
    # A picture URL handed out before the reissue is refused; the new link gets new ones.
    problem(client.get(lesson.picture_url), 401)
    new = bearer(reissued.json["student_token"])
    work = {"id": lesson.ids["project_id"]}
    sample = client.get(f"/api/projects/{work['id']}/samples", headers=new).json["samples"][0]
    with client.get(sample["image_url"]) as response:
        assert response.status_code == 200
