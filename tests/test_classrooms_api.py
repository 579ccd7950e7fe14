"""Classrooms through the API: starting one, joining it, the teacher's view and actions, the
students' own work, assignments, the class gallery, share approval, phone pairing, the class
zip, and deleting a student or the whole classroom with everything they made."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.classrooms import JOIN_ALPHABET
from server.db import db
from server.models import (
    Assignment,
    Classroom,
    ClassroomProject,
    ModelVersion,
    Pairing,
    Project,
    Sample,
    ShareLink,
    Student,
)

from .conftest import Api


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def blob_files(app) -> set[str]:
    root = Path(app.config["DATA_DIR"]) / "blobs"
    return {p.parent.name + p.name for p in root.rglob("*") if p.is_file()}


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (
                Classroom,
                Student,
                Assignment,
                ClassroomProject,
                Pairing,
                Project,
                Sample,
                ModelVersion,
                ShareLink,
            )  # fmt: skip
        }


@pytest.fixture
def lesson(api, client, image):
    """A classroom with two students; Sam has a project with a picture and a saved model."""
    classroom = api.start_classroom()
    sam, kim = api.join(classroom, "Sam"), api.join(classroom, "Kim")
    work = api.student_project(sam)
    api.add_samples(work, image(), class_id=work["classes"][0]["id"])
    model = api.save_model(work)
    return {"classroom": classroom, "sam": sam, "kim": kim, "work": work, "model": model}


def test_starting_a_classroom_gives_a_teacher_token_once_and_a_join_code(api, client, app):
    classroom = api.start_classroom("Year 8")
    assert classroom["name"] == "Year 8" and classroom["join_open"] is True
    assert classroom["retention_days"] == 30 and classroom["expires_at"].endswith("Z")
    code = classroom["join_code"]
    assert len(code) >= 6 and set(code) <= set(JOIN_ALPHABET)
    assert len(JOIN_ALPHABET) == 31 and not set("0O1IL") & set(JOIN_ALPHABET)
    assert classroom["teacher_url"].endswith(f"#teacher={classroom['teacher_token']}")
    with app.app_context():
        row = db.session.scalar(select(Classroom))
        assert classroom["teacher_token"] not in row.teacher_token_sha256
    body = client.get(f"/api/classrooms/{classroom['id']}", headers=api.teacher(classroom)).json
    assert "teacher_token" not in body and body["students"] == []


def test_joining_needs_an_open_code_and_a_nickname_free_in_the_class(api, client, problem):
    classroom = api.start_classroom()
    joined = api.join(classroom, "Sam")
    assert joined["student"]["nickname"] == "Sam"
    assert joined["classroom"] == {
        "id": classroom["id"],
        "name": classroom["name"],
        "language": None,
    }
    assert joined["student_url"] == f"/student#student={joined['student_token']}"
    # Typed in lower case with a space: still the code.
    code = classroom["join_code"].lower()
    typed = client.post("/api/classrooms/join", json={"code": f"{code[:3]} {code[3:]}",
                                                      "nickname": "Kim"})  # fmt: skip
    assert typed.status_code == 201
    taken = problem(
        client.post(
            "/api/classrooms/join", json={"code": classroom["join_code"], "nickname": "sAM"}
        ),
        409,
    )
    assert "nickname" in taken["detail"]
    wrong = problem(
        client.post("/api/classrooms/join", json={"code": "ZZZZZZ", "nickname": "Ali"}), 404
    )
    closed = client.patch(f"/api/classrooms/{classroom['id']}", json={"join_open": False},
                          headers=api.teacher(classroom))  # fmt: skip
    assert closed.json["join_open"] is False
    refused = problem(
        client.post(
            "/api/classrooms/join", json={"code": classroom["join_code"], "nickname": "Ali"}
        ),
        404,
    )
    assert refused["detail"] == wrong["detail"]
    problem(client.post("/api/classrooms/join", json={"code": classroom["join_code"]}), 400)


def test_nicknames_that_look_alike_collide_and_invisible_ones_are_refused(api, client, problem):
    classroom = api.start_classroom()

    def join(nickname: str):
        return client.post("/api/classrooms/join",
                           json={"code": classroom["join_code"], "nickname": nickname})  # fmt: skip

    assert api.join(classroom, "Ana")["student"]["nickname"] == "Ana"
    # Cyrillic А, fullwidth letters, another case: the same name in this class.
    for twin in ("\u0410na", "\uff21\uff4e\uff41", "ANA", " ana "):
        assert "looks the same" in problem(join(twin), 409)["detail"], twin
    assert api.join(classroom, "Jos\u00e9")["student"]["nickname"] == "Jos\u00e9"
    problem(join("Jose\u0301"), 409)  # the same name, decomposed (NFD)
    assert api.join(classroom, "Bob")
    problem(join("B0B"), 409)
    assert api.join(classroom, "Al")
    problem(join("AI"), 409)
    # Stored NFKC-normalised: fullwidth letters become plain ones.
    assert api.join(classroom, "\uff2b\uff49\uff4d")["student"]["nickname"] == "Kim"
    # Invisible and control characters: a clear 400, nothing stored.
    for hidden in ("An\u200ba", "A\u00adna", "\u202eanA", "Ana\u200d", "A\x00", "A\nB",
                   "Ana\u3164", "Ana\ufe0f"):  # fmt: skip
        body = problem(join(hidden), 400)
        assert "invisible or control" in str(body), hidden
    assert len(client.get(f"/api/classrooms/{classroom['id']}",
                          headers=api.teacher(classroom)).json["students"]) == 5  # fmt: skip


def test_guessing_join_codes_from_one_address_gets_429(make_app, problem):
    app = make_app(RATE_LIMIT_JOIN="5/minute")
    client = app.test_client()
    classroom = Api(client).start_classroom()
    for guess in range(5):
        problem(client.post("/api/classrooms/join",
                            json={"code": f"ABCDEF{guess + 2}", "nickname": "x"}), 404)  # fmt: skip
    refused = problem(
        client.post("/api/classrooms/join", json={"code": classroom["join_code"], "nickname": "x"}),
        429,
    )
    assert "join codes" in refused["detail"]
    # Another address still joins.
    other = client.post("/api/classrooms/join", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                        json={"code": classroom["join_code"], "nickname": "x"})  # fmt: skip
    assert other.status_code == 201


def test_a_class_behind_one_router_all_join_after_mistyping_twice_each(client, api, problem):
    """The default limits: 30 students on one address, each with two wrong codes first."""
    classroom = api.start_classroom()
    code = classroom["join_code"]
    for number in range(30):
        for typo in (code[:-1] + ("A" if code[-1] != "A" else "B"), code[1:]):
            problem(client.post("/api/classrooms/join",
                                json={"code": typo, "nickname": f"s{number}"}), 404)  # fmt: skip
        assert api.join(classroom, f"Student {number}")["student_token"]


def test_wrong_join_codes_from_all_addresses_together_are_capped(make_app, problem):
    """Past the server's cap every join is refused, a right code too (else a guesser would
    read its hit from the answers), until the window moves on."""
    app = make_app(RATE_LIMIT_JOIN_SERVER="6/minute")
    client = app.test_client()
    classroom = Api(client).start_classroom()

    def join(code: str, address: str):
        return client.post("/api/classrooms/join", environ_base={"REMOTE_ADDR": address},
                           json={"code": code, "nickname": address})  # fmt: skip

    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        problem(join("WRONGCD2", address), 404)
        problem(join("WRONGCD3", address), 404)
    refused = problem(join("WRONGCD4", "10.0.0.4"), 429)
    assert "on this server" in refused["detail"]
    problem(join(classroom["join_code"], "10.0.0.5"), 429)


def test_the_board_counts_students_for_the_join_code_and_tells_nothing_more(api, client, problem):
    classroom = api.start_classroom("7B")
    code = classroom["join_code"]

    def board(text: str):
        return client.post("/api/classrooms/board", json={"code": text})

    first = board(code.lower())
    assert first.status_code == 200
    assert first.json == {"name": "7B", "join_code": code, "join_url": f"/join#code={code}",
                          "student_count": 0, "language": None}  # fmt: skip
    for n, nickname in enumerate(["Ana", "Ben", "Cy"], start=1):
        api.join(classroom, nickname)
        assert board(code).json["student_count"] == n
    # A wrong code and a closed classroom get the same 404 as a join.
    problem(board("WRONGCD2"), 404)
    problem(board(None), 404)
    client.patch(f"/api/classrooms/{classroom['id']}", json={"join_open": False},
                 headers=api.teacher(classroom))  # fmt: skip
    assert problem(board(code), 404)["detail"] == "No open classroom has this code."


def test_wrong_codes_on_the_board_count_as_failed_joins(make_app, problem):
    app = make_app(RATE_LIMIT_JOIN="3/minute")
    client = app.test_client()
    classroom = Api(client).start_classroom()
    for guess in range(3):
        problem(client.post("/api/classrooms/board", json={"code": f"ABCDEF{guess + 2}"}), 404)
    problem(client.post("/api/classrooms/board", json={"code": classroom["join_code"]}), 429)
    join = client.post(
        "/api/classrooms/join", json={"code": classroom["join_code"], "nickname": "x"}
    )
    problem(join, 429)


def test_an_ipv6_client_is_counted_by_its_network(make_app, problem):
    app = make_app(RATE_LIMIT_JOIN="2/minute")
    client = app.test_client()

    def guess(address: str):
        return client.post("/api/classrooms/join", environ_base={"REMOTE_ADDR": address},
                           json={"code": "WRONGCD2", "nickname": "x"})  # fmt: skip

    problem(guess("2001:db8:1:2::1"), 404)
    problem(guess("2001:db8:1:2:ffff::9"), 404)
    problem(guess("2001:db8:1:2::77"), 429)  # the same /64
    problem(guess("2001:db8:1:3::1"), 404)  # another network


def test_join_codes_have_8_characters_and_6_character_ones_keep_working(app, api, client):
    classroom = api.start_classroom()
    assert len(classroom["join_code"]) == 8
    with app.app_context():
        row = db.session.scalar(select(Classroom).where(Classroom.public_id == classroom["id"]))
        row.join_code = "ABC234"  # a code given out before codes grew
        db.session.commit()
    assert api.join(classroom | {"join_code": "abc 234"}, "Sam")["student_token"]


def test_joins_with_one_code_from_many_addresses_get_429(make_app, problem):
    app = make_app(RATE_LIMIT_JOIN_CODE="3/minute")
    client = app.test_client()
    classroom, other = Api(client).start_classroom(), Api(client).start_classroom()

    def join(code: str, address: str, nickname: str):
        return client.post("/api/classrooms/join", environ_base={"REMOTE_ADDR": address},
                           json={"code": code, "nickname": nickname})  # fmt: skip

    # Every attempt counts, a taken nickname too, whatever the address.
    assert join(classroom["join_code"], "10.0.0.1", "Ana").status_code == 201
    problem(join(classroom["join_code"], "10.0.0.2", "ana"), 409)
    assert join(classroom["join_code"], "10.0.0.3", "Ben").status_code == 201
    refused = problem(join(classroom["join_code"], "10.0.0.4", "Cy"), 429)
    assert "this code" in refused["detail"]
    # Another classroom's code is counted on its own.
    assert join(other["join_code"], "10.0.0.4", "Cy").status_code == 201


def test_a_full_classroom_refuses_another_student_until_one_leaves(make_app, problem):
    app = make_app(CLASSROOM_MAX_STUDENTS=2)
    client = app.test_client()
    api = Api(client)
    classroom = api.start_classroom()
    api.join(classroom, "Ana")
    ben = api.join(classroom, "Ben")
    cy = {"code": classroom["join_code"], "nickname": "Cy"}
    full = problem(client.post("/api/classrooms/join", json=cy), 409)
    assert full["detail"] == "This classroom is full (2 students); ask your teacher."
    removed = client.delete(f"/api/classrooms/{classroom['id']}/students/{ben['student']['id']}",
                            headers=api.teacher(classroom))  # fmt: skip
    assert removed.status_code == 204
    assert api.join(classroom, "Cy")["student"]["nickname"] == "Cy"


def test_a_student_token_covers_all_of_the_students_projects_and_nothing_else(
    api, client, image, lesson, problem
):
    sam, kim, work = lesson["sam"], lesson["kim"], lesson["work"]
    second = api.student_project(sam, title="Leaves", classes=["Oak"])
    for project in (work, second):
        assert client.get(f"/api/projects/{project['id']}", headers=bearer(sam["student_token"])
                          ).status_code == 200  # fmt: skip
    renamed = client.patch(f"/api/projects/{second['id']}", json={"title": "Trees"},
                           headers=bearer(sam["student_token"]))  # fmt: skip
    assert renamed.json["title"] == "Trees"
    assert renamed.json["classroom"] == {
        "published_to_class": False,
        "quiz": None,
        "language": None,
    }
    problem(client.get(f"/api/projects/{work['id']}", headers=bearer(kim["student_token"])), 403)
    problem(client.delete(f"/api/projects/{work['id']}", headers=bearer(kim["student_token"])),
            403)  # fmt: skip
    home = client.get("/api/student", headers=bearer(sam["student_token"])).json
    assert [p["title"] for p in home["student"]["projects"]] == ["Fruit", "Trees"]
    assert home["classroom"]["id"] == lesson["classroom"]["id"]


def test_the_teacher_reads_and_moderates_the_classrooms_projects_only(
    api, client, image, lesson, backbone, problem
):
    classroom, work = lesson["classroom"], lesson["work"]
    teacher = api.teacher(classroom)
    base = f"/api/projects/{work['id']}"
    samples = client.get(f"{base}/samples", headers=teacher).json["samples"]
    assert len(samples) == 1
    with client.get(f"/api/samples/{samples[0]['id']}/image", headers=teacher) as picture:
        assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert client.get(f"{base}/models", headers=teacher).status_code == 200
    assert client.get(f"/api/models/{lesson['model']['id']}", headers=teacher).status_code == 200
    embeddings = client.get(f"{base}/embeddings?backbone={backbone.id}", headers=teacher)
    assert embeddings.status_code == 200
    # Reading is not editing.
    problem(client.patch(base, json={"title": "Mine now"}, headers=teacher), 403)
    # Moderation: delete a picture.
    deleted = client.delete(f"{base}/samples/{samples[0]['id']}", headers=teacher)
    assert deleted.status_code == 204
    assert client.get(base, headers=teacher).json["sample_count"] == 0
    # Not another classroom's project, not a project of no classroom.
    other = api.student_project(api.join(api.start_classroom("B"), "Ali"))
    problem(client.get(f"/api/projects/{other['id']}", headers=teacher), 403)
    plain = api.create_project()
    problem(client.get(f"/api/projects/{plain['id']}", headers=teacher), 403)


def test_the_dashboard_counts_each_students_work(api, client, image, lesson):
    classroom, work = lesson["classroom"], lesson["work"]
    api.add_samples(work, image(color=(1, 2, 3)), image(color=(4, 5, 6)),
                    class_id=work["classes"][1]["id"])  # fmt: skip
    api.share(work, lesson["model"])
    body = client.get(f"/api/classrooms/{classroom['id']}", headers=api.teacher(classroom)).json
    students = {s["nickname"]: s for s in body["students"]}
    assert set(students) == {"Sam", "Kim"} and students["Kim"]["projects"] == []
    (project,) = students["Sam"]["projects"]
    assert [c["sample_count"] for c in project["classes"]] == [1, 2]
    assert project["model_count"] == 1
    # The classroom asks for approval: the new link waits for the teacher.
    assert project["share_count"] == 0 and project["pending_share_count"] == 1
    listed = client.get(f"/api/classrooms/{classroom['id']}/students",
                        headers=api.teacher(classroom)).json  # fmt: skip
    assert listed["students"] == body["students"]


def test_a_finished_quiz_is_kept_for_the_teacher_only_in_a_classroom(api, client, lesson, problem):
    classroom, work = lesson["classroom"], lesson["work"]
    quiz = f"/api/projects/{work['id']}/quiz"
    problem(client.put(quiz, json={"right": 9, "total": 8}, headers=api.auth(work)), 400)
    problem(client.put(quiz, json={"right": 3, "total": 0}, headers=api.auth(work)), 400)
    done = client.put(quiz, json={"right": 8, "total": 11}, headers=api.auth(work))
    assert done.status_code == 200, done.json
    assert done.json["classroom"]["quiz"]["right"] == 8
    body = client.get(f"/api/classrooms/{classroom['id']}", headers=api.teacher(classroom)).json
    (project,) = {s["nickname"]: s for s in body["students"]}["Sam"]["projects"]
    assert (project["quiz"]["right"], project["quiz"]["total"]) == (8, 11)
    assert project["quiz"]["finished"].endswith("Z")
    # A project of no classroom keeps no score: refused, and nothing about it is stored.
    mine = api.create_project()
    refused = problem(
        client.put(
            f"/api/projects/{mine['id']}/quiz",
            json={"right": 5, "total": 10},
            headers=api.auth(mine),
        ),
        409,
    )
    assert "nothing was stored" in refused["detail"]
    assert api.get(mine, f"/api/projects/{mine['id']}").json["classroom"] is None
    with client.application.app_context():
        rows = db.session.scalars(select(ClassroomProject)).all()
        assert [(r.quiz_right, r.quiz_total) for r in rows] == [(8, 11)]


def test_share_links_wait_for_the_teachers_approval_and_the_teacher_can_revoke_them(
    api, client, lesson, problem
):
    classroom, work, model = lesson["classroom"], lesson["work"], lesson["model"]
    link = api.share(work, model)
    assert link["state"] == "pending" and link["approved"] is False
    url = f"/api/models/{model['id']}?share={link['token']}"
    problem(client.get(url), 410)
    page = client.get(f"/s/{link['token']}")
    assert page.status_code == 410 and b'data-state="pending"' in page.data  # says it waits
    # A student cannot approve their own link; the teacher can.
    problem(client.post(f"/api/shares/{link['token']}/approve", headers=api.auth(work)), 404)
    approve = client.post(f"/api/shares/{link['token']}/approve", headers=api.teacher(classroom))
    assert approve.status_code == 204
    assert client.get(url).status_code == 200
    revoke = client.delete(f"/api/shares/{link['token']}", headers=api.teacher(classroom))
    assert revoke.status_code == 204
    problem(client.get(url), 410)
    # A classroom may let links work at once.
    client.patch(f"/api/classrooms/{classroom['id']}", json={"share_approval": False},
                 headers=api.teacher(classroom))  # fmt: skip
    assert api.share(work, model)["state"] == "active"


def test_changing_a_classroom_checks_its_fields(api, client, problem):
    classroom = api.start_classroom()
    url, teacher = f"/api/classrooms/{classroom['id']}", api.teacher(classroom)
    changed = client.patch(url, json={"name": "7B", "retention_days": 365}, headers=teacher).json
    assert changed["name"] == "7B" and changed["retention_days"] == 365
    for body in ({"retention_days": 366}, {"retention_days": 0}, {"join_open": "no"},
                 {"retention_days": True}, {"name": ""}):  # fmt: skip
        problem(client.patch(url, json=body, headers=teacher), 400)


def test_a_classroom_language_reaches_every_page_of_its_students(api, client, lesson, problem):
    classroom, work = lesson["classroom"], lesson["work"]
    url, teacher = f"/api/classrooms/{classroom['id']}", api.teacher(classroom)
    assert client.get(url, headers=teacher).json["language"] is None
    assert client.patch(url, json={"language": "es"}, headers=teacher).json["language"] == "es"
    # The join page's lookup by code, joining, the student's home, studio and phone.
    board = client.post("/api/classrooms/board", json={"code": classroom["join_code"]}).json
    assert board["language"] == "es"
    assert api.join(classroom, "Noor")["classroom"]["language"] == "es"
    student = bearer(work["owner_token"])
    assert client.get("/api/student", headers=student).json["classroom"]["language"] == "es"
    assert api.project(work)["classroom"]["language"] == "es"
    pairing = client.post(
        f"/api/projects/{work['id']}/classes/{work['classes'][0]['id']}/pairings",
        headers=student,
    ).json
    phone = bearer(pairing["url"].split("#pair=")[1])
    assert client.get("/api/pairing", headers=phone).json["language"] == "es"
    # Only the languages of the pages, not the pseudo-locale; null gives it back to browsers.
    for wrong in ("xx", "en-XA", 7, ""):
        body = problem(client.patch(url, json={"language": wrong}, headers=teacher), 400)
        assert body["errors"][0]["field"] == "language"
    assert client.patch(url, json={"language": None}, headers=teacher).json["language"] is None
    # A project of no classroom has no classroom language.
    assert api.project(api.create_project())["classroom"] is None


def test_students_start_projects_from_an_assignment(api, client, lesson, problem):
    classroom, sam = lesson["classroom"], lesson["sam"]
    made = client.post(f"/api/classrooms/{classroom['id']}/assignments",
                       json={"title": "Recycling", "instructions": "Sort the bin.",
                             "classes": ["paper", "plastic", "metal"]},
                       headers=api.teacher(classroom))  # fmt: skip
    assert made.status_code == 201
    assignment = made.json
    listed = client.get(f"/api/classrooms/{classroom['id']}/assignments",
                        headers=bearer(sam["student_token"])).json  # fmt: skip
    assert listed["assignments"] == [assignment]
    started = client.post("/api/projects", json={"assignment_id": assignment["id"]},
                          headers=bearer(sam["student_token"]))  # fmt: skip
    assert started.status_code == 201
    project = client.get(f"/api/projects/{started.json['id']}",
                         headers=bearer(sam["student_token"])).json  # fmt: skip
    assert project["title"] == "Recycling"
    assert [c["name"] for c in project["classes"]] == ["paper", "plastic", "metal"]
    # Another classroom's assignment, or none with this id: a field error.
    other = api.join(api.start_classroom("B"), "Ali")
    refused = client.post("/api/projects", json={"assignment_id": assignment["id"]},
                          headers=bearer(other["student_token"]))  # fmt: skip
    problem(refused, 400)
    problem(client.post("/api/projects", json={"assignment_id": assignment["id"]}), 400)


def test_the_gallery_shows_published_models_to_the_class_and_its_teacher(
    api, client, lesson, problem
):
    classroom, work, kim = lesson["classroom"], lesson["work"], lesson["kim"]
    url = f"/api/classrooms/{classroom['id']}/gallery"
    assert client.get(url, headers=bearer(kim["student_token"])).json == {"gallery": []}
    problem(client.get(f"/api/models/{lesson['model']['id']}",
                       headers=bearer(kim["student_token"])), 403)  # fmt: skip
    published = client.post(f"/api/projects/{work['id']}/gallery", json={"published": True},
                            headers=api.auth(work))  # fmt: skip
    assert published.json["classroom"] == {
        "published_to_class": True,
        "quiz": None,
        "language": None,
    }
    (entry,) = client.get(url, headers=bearer(kim["student_token"])).json["gallery"]
    assert entry["nickname"] == "Sam" and entry["model"]["id"] == lesson["model"]["id"]
    assert client.get(url, headers=api.teacher(classroom)).json["gallery"] == [entry]
    # The classmate tries the model; the pictures stay private.
    assert client.get(f"/api/models/{lesson['model']['id']}",
                      headers=bearer(kim["student_token"])).status_code == 200  # fmt: skip
    problem(client.get(f"/api/projects/{work['id']}/samples",
                       headers=bearer(kim["student_token"])), 403)  # fmt: skip
    other = api.join(api.start_classroom("B"), "Ali")
    problem(client.get(url, headers=bearer(other["student_token"])), 403)
    plain = api.create_project()
    problem(client.post(f"/api/projects/{plain['id']}/gallery", json={"published": True},
                        headers=api.auth(plain)), 409)  # fmt: skip


def test_a_classmate_sees_a_gallery_model_as_a_share_link_shows_it(api, client, lesson):
    """No more than a share link: one version, no ids, no free-form settings or metrics."""
    classroom, work = lesson["classroom"], lesson["work"]
    kim = bearer(lesson["kim"]["student_token"])
    old = lesson["model"]
    newest = api.save_model(work, settings={"note": "my dog Rex"},
                            metrics={"accuracy": 0.9, "by": "class-id-123"})  # fmt: skip
    client.post(f"/api/models/{newest['id']}/publish", headers=api.auth(work))
    client.post(f"/api/projects/{work['id']}/gallery", json={"published": True},
                headers=api.auth(work))  # fmt: skip
    (entry,) = client.get(f"/api/classrooms/{classroom['id']}/gallery", headers=kim).json["gallery"]
    link = api.share(work, newest)
    client.post(f"/api/shares/{link['token']}/approve", headers=api.teacher(classroom))
    shared = client.get(f"/api/models/{newest['id']}?share={link['token']}").json
    seen = client.get(f"/api/models/{newest['id']}", headers=kim).json

    def without_export_urls(body):
        return {**body, "exports": [{**e, "url": e["url"].split("&share=")[0]}
                                    for e in body["exports"]]}  # fmt: skip

    assert without_export_urls(seen) == without_export_urls(shared)
    assert entry["model"] == seen and entry["project"] == {"title": work["title"]}
    assert "settings" not in seen and seen["metrics"] == {"accuracy": 0.9}
    assert all(label.keys() == {"name"} for label in seen["labels"])
    assert work["id"] not in str(entry) and "class_id" not in str(entry)
    # Only the version the gallery shows: not the older one, nor its export.
    assert client.get(f"/api/models/{old['id']}", headers=kim).status_code == 403
    assert client.get(f"/api/models/{old['id']}/export?format=tfjs", headers=kim).status_code == 403
    # Its maker still sees everything of their own.
    assert api.get(work, f"/api/models/{newest['id']}").json["settings"] == {"note": "my dog Rex"}


def test_removing_a_student_removes_everything_they_made(app, api, client, image, lesson,
                                                         problem):  # fmt: skip
    classroom, sam, work = lesson["classroom"], lesson["sam"], lesson["work"]
    link = api.share(work, lesson["model"])
    client.post(f"/api/shares/{link['token']}/approve", headers=api.teacher(classroom))
    kim_work = api.student_project(lesson["kim"])
    (kept,) = api.add_samples(kim_work, image(color=(9, 9, 9)))
    before = blob_files(app)
    removed = client.delete(f"/api/classrooms/{classroom['id']}/students/{sam['student']['id']}",
                            headers=api.teacher(classroom))  # fmt: skip
    assert removed.status_code == 204
    problem(client.get(f"/api/projects/{work['id']}", headers=api.teacher(classroom)), 404)
    problem(client.get("/api/student", headers=bearer(sam["student_token"])), 401)
    # The link's page and files answer 410 Gone; the model itself no longer exists.
    assert client.get(f"/s/{link['token']}").status_code == 410
    assert client.get(f"/s/{link['token']}/model.json").status_code == 410
    after = blob_files(app)
    assert kept["sha256"] in after and len(after) < len(before)
    counts = row_counts(app)
    assert counts["Student"] == 1 and counts["Project"] == 1 and counts["ModelVersion"] == 0
    problem(client.delete(f"/api/classrooms/{classroom['id']}/students/{sam['student']['id']}",
                          headers=api.teacher(classroom)), 404)  # fmt: skip


def test_a_reissued_student_link_replaces_the_old_one(api, client, lesson, problem):
    classroom, sam = lesson["classroom"], lesson["sam"]
    new = client.post(
        f"/api/classrooms/{classroom['id']}/students/{sam['student']['id']}/reissue",
        headers=api.teacher(classroom),
    ).json
    assert new["student_token"] != sam["student_token"]
    problem(client.get("/api/student", headers=bearer(sam["student_token"])), 401)
    home = client.get("/api/student", headers=bearer(new["student_token"])).json
    assert [p["id"] for p in home["student"]["projects"]] == [lesson["work"]["id"]]


def test_a_new_teacher_link_ends_the_old_one_and_nothing_else(api, client, lesson, problem):
    classroom, sam = lesson["classroom"], lesson["sam"]
    url = f"/api/classrooms/{classroom['id']}"
    new = client.post(f"{url}/teacher-link", headers=api.teacher(classroom))
    assert new.status_code == 200
    token = new.json["teacher_token"]
    assert token != classroom["teacher_token"]
    assert new.json["teacher_url"] == f"/classroom/{classroom['id']}#teacher={token}"
    assert new.json["join_code"] == classroom["join_code"]
    # The old link is refused everywhere it worked, including asking for yet another link.
    problem(client.get(url, headers=api.teacher(classroom)), 401)
    problem(client.post(f"{url}/teacher-link", headers=api.teacher(classroom)), 401)
    teacher = client.get(url, headers=bearer(token))
    assert teacher.status_code == 200
    assert sorted(s["nickname"] for s in teacher.json["students"]) == ["Kim", "Sam"]
    # The students' links go on working.
    assert client.get("/api/student", headers=bearer(sam["student_token"])).status_code == 200
    # A student's own token cannot take the classroom over.
    problem(client.post(f"{url}/teacher-link", headers=bearer(sam["student_token"])), 403)


def test_the_class_zip_holds_a_folder_per_student_with_each_project_zip(api, client, lesson):
    classroom = lesson["classroom"]
    with client.get(f"/api/classrooms/{classroom['id']}/archive",
                    headers=api.teacher(classroom)) as response:  # fmt: skip
        assert response.status_code == 200 and response.mimetype == "application/zip"
        data = response.data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = archive.namelist()  # Kim has no project: no folder
        assert name == "Sam/Fruit.zip"
        with zipfile.ZipFile(io.BytesIO(archive.read(name))) as project:
            description = json.loads(project.read("project.json"))
    assert description["title"] == "Fruit" and len(description["samples"]) == 1


def test_a_paired_phone_adds_pictures_to_its_one_class_until_the_pairing_ends(
    api, client, image, lesson, problem
):
    work = lesson["work"]
    banana = work["classes"][1]["id"]
    url = f"/api/projects/{work['id']}/classes/{banana}/pairings"
    pairing = client.post(url, headers=api.auth(work)).json
    assert pairing["url"].startswith("/phone#pair=") and pairing["expires_at"].endswith("Z")
    phone = bearer(pairing["url"].split("#pair=")[1])
    target = client.get("/api/pairing", headers=phone).json
    assert target == {
        "project": {"title": "Fruit"},
        "class": {"id": banana, "name": "Banana"},
        "language": None,
    }
    sent = client.post("/api/pairing/samples", headers=phone, content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(image(color=(7, 7, 7))), "p.png")]})  # fmt: skip
    assert sent.status_code == 201 and sent.json["samples"][0]["class_id"] == banana
    project = client.get(f"/api/projects/{work['id']}", headers=api.auth(work)).json
    assert project["classes"][1]["sample_count"] == 1
    # The phone reads nothing and adds nowhere else.
    problem(client.get(f"/api/projects/{work['id']}", headers=phone), 403)
    problem(client.get(f"/api/projects/{work['id']}/samples", headers=phone), 403)
    problem(api.upload(work, image(color=(8, 8, 8)), headers=phone), 403)
    assert client.delete(url, headers=api.auth(work)).status_code == 204
    problem(client.get("/api/pairing", headers=phone), 401)


def test_a_pairing_expires(make_app, image, problem):
    app = make_app(PAIRING_MINUTES=0)
    client = app.test_client()
    api = Api(client)
    work = api.student_project(api.join(api.start_classroom(), "Sam"))
    url = f"/api/projects/{work['id']}/classes/{work['classes'][0]['id']}/pairings"
    phone = bearer(client.post(url, headers=api.auth(work)).json["url"].split("#pair=")[1])
    assert "expired" in problem(client.get("/api/pairing", headers=phone), 401)["detail"]


def test_deleting_a_classroom_deletes_everything_in_it(app, api, client, image, lesson, problem):
    classroom, work = lesson["classroom"], lesson["work"]
    plain = api.create_project()
    (kept,) = api.add_samples(plain, image(color=(3, 3, 3)))
    link = api.share(work, lesson["model"])
    response = client.delete(f"/api/classrooms/{classroom['id']}", headers=api.teacher(classroom))
    assert response.status_code == 204
    counts = row_counts(app)
    assert counts == {"Classroom": 0, "Student": 0, "Assignment": 0, "ClassroomProject": 0,
                      "Pairing": 0, "Project": 1, "Sample": 1, "ModelVersion": 0,
                      "ShareLink": 0}  # fmt: skip
    assert blob_files(app) == {kept["sha256"]}
    problem(client.get(f"/api/classrooms/{classroom['id']}", headers=api.teacher(classroom)), 404)
    problem(client.get(f"/api/models/{lesson['model']['id']}?share={link['token']}"), 404)


def test_a_qr_code_is_drawn_from_a_text_in_the_body(client, problem):
    response = client.post("/api/qr", json={"text": "http://127.0.0.1:5000/join#code=ABCDEF"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg") and b"<path" in response.data
    problem(client.post("/api/qr", json={"text": "x" * 501}), 400)
    problem(client.post("/api/qr", json={}), 400)
