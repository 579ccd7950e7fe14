"""Class projects through the API: the teacher starts one from an assignment, students add
pictures, classmates see the counts always and a picture once the teacher lets it through, the
teacher trains and saves the class's versions, removes one student's pictures in one step, and
a student copies what they see into a project of their own. Their rows go with the classroom."""

import hashlib
import io
import struct
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from server.api import class_projects as class_projects_api
from server.classrooms import purge_expired
from server.db import db
from server.models import (
    ClassPicture,
    ClassProject,
    Classroom,
    Embedding,
    Project,
    Sample,
    utcnow,
)
from server.storage import blob_store, delete_unreferenced

from .conftest import BACKBONE_ID, EMBEDDING_SIZE, concurrently
from .test_pixels_only import assert_pixels_only, marked_jpeg

MULTIPART = "multipart/form-data"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def blob_files(app) -> set[str]:
    root = Path(app.config["DATA_DIR"]) / "blobs"
    return {p.name for p in root.rglob("*") if p.is_file()}


class Lesson:
    """A classroom with an assignment (Cats, Dogs), its class project and three students."""

    def __init__(self, api, client):
        self.api, self.client = api, client
        self.classroom = api.start_classroom()
        self.teacher = api.teacher(self.classroom)
        base = f"/api/classrooms/{self.classroom['id']}"
        assignment = client.post(
            f"{base}/assignments",
            json={"title": "Pets", "classes": ["Cats", "Dogs"]},
            headers=self.teacher,
        ).json
        started = client.post(
            f"{base}/class-projects", json={"assignment_id": assignment["id"]}, headers=self.teacher
        )
        assert started.status_code == 201, started.json
        self.assignment, self.project = assignment, started.json
        self.url = f"/api/class-projects/{self.project['id']}"
        self.students = {name: api.join(self.classroom, name) for name in ("Ana", "Ben", "Cy")}

    def student(self, name: str) -> dict[str, str]:
        return bearer(self.students[name]["student_token"])

    def view(self, headers: dict[str, str]) -> dict:
        response = self.client.get(self.url, headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    def class_id(self, name: str) -> str:
        return next(c["id"] for c in self.view(self.teacher)["classes"] if c["name"] == name)

    def add(self, name: str, picture: bytes, class_name: str = "Cats", status: int = 201):
        response = self.client.post(
            f"{self.url}/samples",
            data={"file": [(io.BytesIO(picture), "a.png")],
                  "class_id": self.class_id(class_name)},
            headers=self.student(name),
            content_type="multipart/form-data",
        )  # fmt: skip
        assert response.status_code == status, response.json
        return response.json


@pytest.fixture
def lesson(api, client) -> Lesson:
    return Lesson(api, client)


def picture_ids(view: dict) -> set[str]:
    return {p["id"] for p in view["pictures"]}


def test_the_teacher_starts_one_class_project_per_assignment(api, client, lesson, problem):
    view = lesson.view(lesson.teacher)
    assert view["title"] == "Pets" and [c["name"] for c in view["classes"]] == ["Cats", "Dogs"]
    assert view["sample_count"] == 0 and view["let_all_through"] is False
    base = f"/api/classrooms/{lesson.classroom['id']}/class-projects"
    again = client.post(base, json={"assignment_id": lesson.assignment["id"]},
                        headers=lesson.teacher)  # fmt: skip
    assert "already" in problem(again, 409)["detail"]
    problem(client.post(base, json={"assignment_id": "nope"}, headers=lesson.teacher), 400)
    # Another classroom's assignment is no assignment of this one.
    other = api.start_classroom("Other")
    theirs = client.post(f"/api/classrooms/{other['id']}/assignments", json={"title": "X"},
                         headers=api.teacher(other)).json  # fmt: skip
    problem(client.post(base, json={"assignment_id": theirs["id"]}, headers=lesson.teacher), 400)
    # A student may not start one, and lists the classroom's.
    problem(client.post(base, json={"assignment_id": lesson.assignment["id"]},
                        headers=lesson.student("Ana")), 403)  # fmt: skip
    listed = client.get(base, headers=lesson.student("Ana")).json["class_projects"]
    assert [(p["id"], p["assignment_id"]) for p in listed] == [
        (lesson.project["id"], lesson.assignment["id"])
    ]


def test_classmates_see_the_counts_always_and_a_picture_once_let_through(lesson, image, problem):
    ana = lesson.add("Ana", image(color=(10, 0, 0)))["samples"][0]
    ben = lesson.add("Ben", image(color=(0, 10, 0)), "Dogs")["samples"][0]
    cy = lesson.add("Cy", image(color=(0, 0, 10)))["samples"][0]
    assert ana["mine"] is True and ana["approved"] is False and "contributor" not in ana
    for name in lesson.students:
        view = lesson.view(lesson.student(name))
        counts = {c["name"]: c["sample_count"] for c in view["classes"]}
        assert counts == {"Cats": 2, "Dogs": 1} and view["sample_count"] == 3
    # Each student sees only their own picture, marked as theirs, and never a name.
    ben_sees = lesson.view(lesson.student("Ben"))
    assert picture_ids(ben_sees) == {ben["id"]} and ben_sees["pictures"][0]["mine"] is True
    assert "waiting_count" not in ben_sees and "contributors" not in ben_sees
    assert not any(name in str(ben_sees) for name in ("Ana", "Cy"))
    # The teacher sees every picture, who added it, and how many wait.
    teacher = lesson.view(lesson.teacher)
    added = {p["id"]: p["contributor"]["nickname"] for p in teacher["pictures"]}
    assert added == {ana["id"]: "Ana", ben["id"]: "Ben", cy["id"]: "Cy"}
    assert teacher["waiting_count"] == 3
    assert sorted(c["nickname"] for c in teacher["contributors"]) == ["Ana", "Ben", "Cy"]
    # Let Ana's through: Ben sees it, without her name; Cy's still waits.
    approve = lesson.client.post(f"{lesson.url}/samples/{ana['id']}/approve",
                                 headers=lesson.teacher)  # fmt: skip
    assert approve.status_code == 204
    ben_sees = lesson.view(lesson.student("Ben"))
    assert picture_ids(ben_sees) == {ben["id"], ana["id"]}
    shown = next(p for p in ben_sees["pictures"] if p["id"] == ana["id"])
    assert shown["mine"] is False and "Ana" not in str(ben_sees)
    with lesson.client.get(shown["image_url"]) as response:
        assert response.status_code == 200
    assert lesson.view(lesson.teacher)["waiting_count"] == 2
    # A student may not let a picture through, nor read the project's pictures directly.
    problem(lesson.client.post(f"{lesson.url}/samples/{cy['id']}/approve",
                               headers=lesson.student("Ben")), 403)  # fmt: skip
    project_url = f"/api/projects/{lesson.project['id']}"
    problem(lesson.client.get(f"{project_url}/samples", headers=lesson.student("Ben")), 403)
    problem(lesson.client.post(f"{lesson.url}/samples/nope/approve", headers=lesson.teacher), 404)


def test_letting_every_picture_through_shows_them_all_at_once(lesson, image, problem):
    ana = lesson.add("Ana", image(color=(10, 0, 0)))["samples"][0]
    cy = lesson.add("Cy", image(color=(0, 0, 10)))["samples"][0]
    assert picture_ids(lesson.view(lesson.student("Ben"))) == set()
    changed = lesson.client.patch(lesson.url, json={"let_all_through": True},
                                  headers=lesson.teacher)  # fmt: skip
    assert changed.status_code == 200 and changed.json["let_all_through"] is True
    assert picture_ids(lesson.view(lesson.student("Ben"))) == {ana["id"], cy["id"]}
    later = lesson.add("Ana", image(color=(20, 0, 0)))["samples"][0]
    assert later["id"] in picture_ids(lesson.view(lesson.student("Ben")))
    assert later["approved"] is True
    teacher = lesson.view(lesson.teacher)
    assert teacher["waiting_count"] == 0 and all(p["approved"] for p in teacher["pictures"])
    # Back to waiting: what the teacher did not let through one by one is hidden again.
    lesson.client.post(f"{lesson.url}/samples/{cy['id']}/approve", headers=lesson.teacher)
    lesson.client.patch(lesson.url, json={"let_all_through": False}, headers=lesson.teacher)
    assert picture_ids(lesson.view(lesson.student("Ben"))) == {cy["id"]}
    assert lesson.view(lesson.teacher)["waiting_count"] == 2
    problem(lesson.client.patch(lesson.url, json={"let_all_through": "yes"},
                                headers=lesson.teacher), 400)  # fmt: skip
    problem(lesson.client.patch(lesson.url, json={"let_all_through": True},
                                headers=lesson.student("Ana")), 403)  # fmt: skip


def test_adding_pictures_checks_the_class_and_the_files(lesson, image, problem, app):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Sample))
    problem(lesson.client.post(f"{lesson.url}/samples", data={"class_id": lesson.class_id("Cats")},
                               headers=lesson.student("Ana"),
                               content_type="multipart/form-data"), 400)  # fmt: skip
    response = lesson.client.post(
        f"{lesson.url}/samples",
        data={"file": [(io.BytesIO(image()), "a.png")], "class_id": "nope"},
        headers=lesson.student("Ana"),
        content_type="multipart/form-data",
    )
    problem(response, 400)
    response = lesson.client.post(
        f"{lesson.url}/samples",
        data={"file": [(io.BytesIO(b"GIF89a no"), "a.gif")],
              "class_id": lesson.class_id("Cats")},
        headers=lesson.student("Ana"),
        content_type="multipart/form-data",
    )  # fmt: skip
    problem(response, 415)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Sample)) == before
    # The same picture sent by two students keeps its first contributor.
    first = lesson.add("Ana", image())["samples"][0]
    second = lesson.add("Ben", image())["samples"][0]
    assert first["id"] == second["id"] and second["mine"] is False
    (picture,) = lesson.view(lesson.teacher)["pictures"]
    assert picture["contributor"]["nickname"] == "Ana"


def test_a_class_picture_is_stored_as_pixels_only(app, lesson):
    sent = marked_jpeg()
    (sample,) = lesson.add("Ana", sent)["samples"]
    assert_pixels_only(app, sent, "JPEG", sample["sha256"])


def test_the_teacher_trains_and_saves_the_classs_versions_and_students_do_not(
    api, lesson, image, problem
):
    lesson.add("Ana", image(color=(10, 0, 0)))
    lesson.add("Ben", image(color=(0, 10, 0)), "Dogs")
    as_teacher = {"id": lesson.project["id"], "owner_token": lesson.classroom["teacher_token"]}
    model = api.save_model(as_teacher)
    versions = api.get(as_teacher, f"/api/projects/{lesson.project['id']}/models").json
    assert [v["id"] for v in versions["models"]] == [model["id"]]
    # The teacher's studio pages through every picture and stores their embeddings.
    samples = api.get(as_teacher, f"/api/projects/{lesson.project['id']}/samples").json["samples"]
    assert len(samples) == 2
    vector = struct.pack(f"<{EMBEDDING_SIZE}f", *range(EMBEDDING_SIZE))
    put = f"/api/samples/{samples[0]['id']}/embeddings/{BACKBONE_ID}"
    assert lesson.client.put(put, data=vector, headers=lesson.teacher).status_code == 204
    as_student = {
        "id": lesson.project["id"],
        "owner_token": lesson.students["Ana"]["student_token"],
    }
    labels = [
        {"class_id": c["id"], "name": c["name"]} for c in lesson.view(lesson.teacher)["classes"]
    ]
    models_url = f"/api/projects/{lesson.project['id']}/models"
    problem(lesson.client.post(models_url, json={"labels": labels}, headers=api.auth(as_student)),
            403)  # fmt: skip
    problem(lesson.client.get(f"/api/models/{model['id']}", headers=api.auth(as_student)), 403)
    # The teacher changes the class project only: a student's own project stays theirs.
    work = api.student_project(lesson.students["Ana"])
    problem(lesson.client.patch(f"/api/projects/{work['id']}", json={"title": "Mine now"},
                                headers=lesson.teacher), 403)  # fmt: skip


def test_the_teacher_removes_one_students_pictures_in_one_step(app, lesson, image, problem):
    shared = image(color=(1, 1, 1))
    ana = [lesson.add("Ana", image(color=(i, 0, 0)))["samples"][0] for i in (10, 20)]
    lesson.add("Ana", shared)
    ben = lesson.add("Ben", image(color=(0, 10, 0)))["samples"][0]
    # Ana's last picture is also in a project of her own: its blob stays for that one.
    mine = lesson.api.student_project(lesson.students["Ana"])
    lesson.api.add_samples(mine, shared)
    ana_id = lesson.students["Ana"]["student"]["id"]
    removed = lesson.client.delete(f"{lesson.url}/students/{ana_id}/pictures",
                                   headers=lesson.teacher)  # fmt: skip
    assert removed.status_code == 200 and removed.json == {"removed": 3}
    view = lesson.view(lesson.teacher)
    assert picture_ids(view) == {ben["id"]} and view["sample_count"] == 1
    assert [c["nickname"] for c in view["contributors"]] == ["Ben"]
    stored = blob_files(app)
    assert all(p["sha256"] not in stored for p in ana)
    assert hashlib.sha256(shared).hexdigest() in stored or len(stored) == 2
    assert len(lesson.api.get(mine, f"/api/projects/{mine['id']}/samples").json["samples"]) == 1
    # Ana is still in the class and may add pictures again.
    lesson.add("Ana", image(color=(30, 0, 0)))
    problem(lesson.client.delete(f"{lesson.url}/students/nope/pictures", headers=lesson.teacher),
            404)  # fmt: skip
    problem(lesson.client.delete(f"{lesson.url}/students/{ana_id}/pictures",
                                 headers=lesson.student("Ben")), 403)  # fmt: skip


def test_a_student_trains_a_copy_of_what_they_see_in_their_own_studio(app, api, lesson, image):
    ana = lesson.add("Ana", image(color=(10, 0, 0)))["samples"][0]
    ben = lesson.add("Ben", image(color=(0, 10, 0)), "Dogs")["samples"][0]
    cy = lesson.add("Cy", image(color=(0, 0, 10)))["samples"][0]
    lesson.client.post(f"{lesson.url}/samples/{ana['id']}/approve", headers=lesson.teacher)
    vector = struct.pack(f"<{EMBEDDING_SIZE}f", *range(EMBEDDING_SIZE))
    put = f"/api/samples/{ana['id']}/embeddings/{BACKBONE_ID}"
    assert lesson.client.put(put, data=vector, headers=lesson.teacher).status_code == 204
    copied = lesson.client.post(f"{lesson.url}/copy", headers=lesson.student("Ben"))
    assert copied.status_code == 201, copied.json
    copy = copied.json | {"owner_token": lesson.students["Ben"]["student_token"]}
    assert [c["name"] for c in copy["classes"]] == ["Cats", "Dogs"]
    samples = api.get(copy, f"/api/projects/{copy['id']}/samples").json["samples"]
    # Ben's own picture and Ana's (let through), in their classes; never Cy's, still waiting.
    assert sorted(s["sha256"] for s in samples) == sorted([ana["sha256"], ben["sha256"]])
    assert cy["sha256"] not in {s["sha256"] for s in samples}
    by_class = {s["sha256"]: s["class_id"] for s in samples}
    assert by_class[ben["sha256"]] == copy["classes"][1]["id"]
    copied_ana = next(s for s in samples if s["sha256"] == ana["sha256"])
    got = lesson.client.get(f"/api/samples/{copied_ana['id']}/embeddings/{BACKBONE_ID}",
                            headers=api.auth(copy))  # fmt: skip
    assert got.status_code == 200 and got.data == vector
    # It is Ben's project: on his home, trainable and savable by him alone.
    home = lesson.client.get("/api/student", headers=lesson.student("Ben")).json
    assert copy["id"] in [p["id"] for p in home["student"]["projects"]]
    api.save_model(copy)


def test_removing_a_student_removes_their_class_pictures(app, lesson, image):
    lesson.add("Ana", image(color=(10, 0, 0)))
    lesson.add("Ben", image(color=(0, 10, 0)))
    ana_id = lesson.students["Ana"]["student"]["id"]
    url = f"/api/classrooms/{lesson.classroom['id']}/students/{ana_id}"
    assert lesson.client.delete(url, headers=lesson.teacher).status_code == 204
    view = lesson.view(lesson.teacher)
    assert [p["contributor"]["nickname"] for p in view["pictures"]] == ["Ben"]
    assert len(blob_files(app)) == 1


@pytest.mark.parametrize("ending", ["deleted", "purged"])
def test_the_class_project_goes_with_its_classroom(app, lesson, image, ending):
    lesson.add("Ana", image(color=(10, 0, 0)))
    assert len(blob_files(app)) == 1
    if ending == "deleted":
        url = f"/api/classrooms/{lesson.classroom['id']}"
        assert lesson.client.delete(url, headers=lesson.teacher).status_code == 204
    else:
        with app.app_context():
            room = db.session.scalar(
                select(Classroom).where(Classroom.public_id == lesson.classroom["id"])
            )
            room.last_activity = utcnow() - timedelta(days=room.retention_days + 1)
            db.session.commit()
            assert purge_expired() == 1
    with app.app_context():
        for model in (Project, Sample, ClassProject, ClassPicture, Embedding):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert blob_files(app) == set()


def test_an_expired_classrooms_class_project_answers_410(app, lesson, image, problem):
    (sample,) = lesson.add("Ana", image())["samples"]
    with app.app_context():
        room = db.session.scalar(
            select(Classroom).where(Classroom.public_id == lesson.classroom["id"])
        )
        room.last_activity = utcnow() - timedelta(days=room.retention_days + 1)
        db.session.commit()
    problem(lesson.client.get(lesson.url, headers=lesson.teacher), 410)
    problem(lesson.client.get(lesson.url, headers=lesson.student("Ben")), 410)
    problem(lesson.client.get(sample["image_url"]), 410)


def test_cleaning_stored_pictures_keeps_a_class_pictures_contributor(app, lesson, runner):
    """A class picture stored with its metadata (as older versions did) is rewritten by
    `flask clean-pictures` and keeps its contributor and its place in the class."""
    sent = marked_jpeg()
    (sample,) = lesson.add("Ana", sent)["samples"]
    with app.app_context():
        # As an older version stored it: the bytes as sent, under their own sha256.
        dirty_sha256 = hashlib.sha256(sent).hexdigest()
        blob_store().put(sent)
        db.session.execute(update(Sample).values(sha256=dirty_sha256))
        db.session.commit()
        delete_unreferenced([sample["sha256"]])
        db.session.commit()
    result = runner.invoke(args=["clean-pictures"])
    assert result.exit_code == 0 and "cleaned 1 stored pictures" in result.output, result.output
    (picture,) = lesson.view(lesson.teacher)["pictures"]
    assert picture["id"] == sample["id"] and picture["sha256"] == sample["sha256"]
    assert picture["contributor"]["nickname"] == "Ana"


def test_a_class_pictures_url_works_for_whom_it_was_given_until_their_link_ends(
    lesson, image, problem
):
    """A class project's picture URL names its viewer and is bound to their token: a new link,
    or removing the student, ends the URLs they were given; another viewer's name, or none, is
    refused."""
    (sample,) = lesson.add("Ana", image())["samples"]
    lesson.client.post(f"{lesson.url}/samples/{sample['id']}/approve", headers=lesson.teacher)
    ben_url = lesson.view(lesson.student("Ben"))["pictures"][0]["image_url"]
    cy_url = lesson.view(lesson.student("Cy"))["pictures"][0]["image_url"]
    teacher_url = lesson.view(lesson.teacher)["pictures"][0]["image_url"]
    ben_id = lesson.students["Ben"]["student"]["id"]
    assert f"for={ben_id}" in ben_url and "for=teacher" in teacher_url
    for url in (ben_url, cy_url, teacher_url):
        with lesson.client.get(url) as response:
            assert response.status_code == 200
    # Ben's URL, renamed for Cy or for nobody, is not Cy's.
    cy_id = lesson.students["Cy"]["student"]["id"]
    problem(lesson.client.get(ben_url.replace(f"for={ben_id}", f"for={cy_id}")), 401)
    problem(lesson.client.get(ben_url.replace(f"&for={ben_id}", "")), 401)
    # A new link for Ben ends his URLs, not Cy's; removing Cy ends Cy's.
    base = f"/api/classrooms/{lesson.classroom['id']}/students"
    reissued = lesson.client.post(f"{base}/{ben_id}/reissue", headers=lesson.teacher)
    assert reissued.status_code == 200
    problem(lesson.client.get(ben_url), 401)
    with lesson.client.get(cy_url) as response:
        assert response.status_code == 200
    assert lesson.client.delete(f"{base}/{cy_id}", headers=lesson.teacher).status_code == 204
    problem(lesson.client.get(cy_url), 401)
    # A new teacher link ends the teacher's URLs.
    new_link = lesson.client.post(
        f"/api/classrooms/{lesson.classroom['id']}/teacher-link", headers=lesson.teacher
    )
    assert new_link.status_code == 200
    problem(lesson.client.get(teacher_url), 401)


def test_the_same_pictures_sent_at_once_by_two_students_each_get_one_contributor(
    app, lesson, image
):
    """Whoever is noted first keeps them; none is left without a contributor (which would make
    it count as the teacher's, shown to the class)."""
    shared = [image(color=(i, 9, 9)) for i in (1, 2, 3)]
    cats = lesson.class_id("Cats")

    def send(name):
        def request(client):
            files = [(io.BytesIO(data), f"{i}.png") for i, data in enumerate(shared)]
            form = {"file": files, "class_id": cats}
            headers = lesson.student(name)
            return client.post(
                f"{lesson.url}/samples", data=form, headers=headers, content_type=MULTIPART
            )

        return request

    answers = concurrently(app, [send("Ana"), send("Ben")])
    assert [a.status_code for a in answers] == [201, 201], [a.json for a in answers]
    teacher = lesson.view(lesson.teacher)
    assert len(teacher["pictures"]) == 3
    assert {p["contributor"]["nickname"] for p in teacher["pictures"]} <= {"Ana", "Ben"}
    assert teacher["waiting_count"] == 3
    assert lesson.view(lesson.student("Cy"))["pictures"] == []


def test_the_view_shows_the_newest_pictures_the_teachers_waiting_ones_first(
    lesson, image, monkeypatch
):
    monkeypatch.setattr(class_projects_api, "PICTURES_SHOWN", 2)
    first, second = (lesson.add("Ana", image(color=(c, 0, 0)))["samples"][0] for c in (10, 20))
    for sample in (first, second):
        lesson.client.post(f"{lesson.url}/samples/{sample['id']}/approve", headers=lesson.teacher)
    waiting = lesson.add("Ben", image(color=(0, 10, 0)))["samples"][0]
    newest = lesson.add("Ana", image(color=(30, 0, 0)))["samples"][0]
    teacher = lesson.view(lesson.teacher)
    assert [p["id"] for p in teacher["pictures"]] == [newest["id"], waiting["id"]]
    assert teacher["sample_count"] == 4 and teacher["waiting_count"] == 2
    cy = lesson.view(lesson.student("Cy"))
    assert [p["id"] for p in cy["pictures"]] == [second["id"], first["id"]]
