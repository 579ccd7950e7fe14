"""Retention: a classroom whose data has expired is deleted whole, by the periodic clean-up and
by `flask --app server purge`; a classroom still in use is kept."""

import importlib
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup
from sqlalchemy import func, select

from server import cleanup, create_app
from server.classrooms import expires_at, purge_expired
from server.db import db
from server.models import (
    Classroom,
    ClassroomProject,
    GoneShareLink,
    ModelVersion,
    Project,
    Sample,
    ShareLink,
    Student,
    utcnow,
)
from server.policy import current_credential


def blob_files(app) -> set[str]:
    root = Path(app.config["DATA_DIR"]) / "blobs"
    return {p.parent.name + p.name for p in root.rglob("*") if p.is_file()}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def two_classrooms(api, client, image):
    """An old classroom (a student, pictures, a model and a share link) and a newer one."""
    old, new = api.start_classroom("Old"), api.start_classroom("New")
    work = api.student_project(api.join(old, "Sam"))
    api.add_samples(work, image(), image(color=(1, 1, 1)), class_id=work["classes"][0]["id"])
    link = api.share(work, api.save_model(work))
    kept = api.student_project(api.join(new, "Kim"))
    (picture,) = api.add_samples(kept, image(color=(5, 5, 5)))
    return {"old": old, "new": new, "link": link, "kept_picture": picture}


def age(app, classroom: dict, days: int) -> None:
    """Move a classroom's last activity `days` into the past."""
    with app.app_context():
        row = db.session.scalar(select(Classroom).where(Classroom.public_id == classroom["id"]))
        row.last_activity = utcnow() - timedelta(days=days)
        db.session.commit()


def assert_only_the_new_classroom_is_left(app, two_classrooms) -> None:
    with app.app_context():
        (left,) = db.session.scalars(select(Classroom))
        assert left.public_id == two_classrooms["new"]["id"]
        assert count(Student) == 1 and count(ClassroomProject) == 1 and count(Project) == 1
        assert count(Sample) == 1 and count(ModelVersion) == 0 and count(ShareLink) == 0
        assert count(GoneShareLink) == 0  # not even the link's hash stays
    assert blob_files(app) == {two_classrooms["kept_picture"]["sha256"]}


def test_purge_deletes_a_classroom_once_its_retention_has_passed(app, two_classrooms):
    with app.app_context():
        old = db.session.scalar(select(Classroom).where(Classroom.name == "Old"))
        deadline = expires_at(old)
        assert deadline - old.last_activity == timedelta(days=30)
        assert purge_expired(now=deadline - timedelta(seconds=1)) == 0
        db.session.scalar(select(Classroom).where(Classroom.name == "New")).last_activity = deadline
        db.session.commit()
        # The clock moved past the old classroom's deadline, not the newer one's.
        assert purge_expired(now=deadline + timedelta(seconds=1)) == 1
    assert_only_the_new_classroom_is_left(app, two_classrooms)


def test_the_purge_command_deletes_expired_classrooms(app, runner, two_classrooms, client):
    age(app, two_classrooms["old"], 31)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "deleted 1 expired classrooms" in result.output
    assert_only_the_new_classroom_is_left(app, two_classrooms)
    assert client.get(f"/s/{two_classrooms['link']['token']}").status_code == 404


def test_the_periodic_clean_up_purges_expired_classrooms(app, two_classrooms, monkeypatch):
    age(app, two_classrooms["old"], 31)
    naps = []

    class Stop(Exception):
        pass

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) > 1:
            raise Stop

    monkeypatch.setattr(cleanup.time, "sleep", sleep)
    with pytest.raises(Stop):
        cleanup._sweep_forever(app, 3600)
    assert naps == [3600, 3600]
    assert_only_the_new_classroom_is_left(app, two_classrooms)


def test_a_longer_retention_keeps_the_classroom(app, api, client, two_classrooms):
    old = two_classrooms["old"]
    client.patch(f"/api/classrooms/{old['id']}", json={"retention_days": 90},
                 headers=api.teacher(old))  # fmt: skip
    age(app, old, 31)
    with app.app_context():
        assert purge_expired() == 0


def test_an_expired_classroom_grants_nothing_before_it_is_purged(app, api, client, problem,
                                                                 two_classrooms):  # fmt: skip
    old = two_classrooms["old"]
    age(app, old, 31)
    body = problem(client.get(f"/api/classrooms/{old['id']}", headers=api.teacher(old)), 410)
    assert "expired" in body["detail"]
    # Joining an expired classroom looks like a wrong code.
    problem(client.post("/api/classrooms/join",
                        json={"code": old["join_code"], "nickname": "Late"}), 404)  # fmt: skip


def test_celery_beat_sends_the_purge_when_a_broker_is_configured(app, monkeypatch, two_classrooms):
    # The worker builds its own app from the environment: on this test's data folder.
    monkeypatch.setenv("SNAPCLASS_DATA_DIR", app.config["DATA_DIR"])
    monkeypatch.setenv("SNAPCLASS_BACKBONE_DIR", app.config["BACKBONE_DIR"])
    monkeypatch.setenv("SNAPCLASS_JOB_BROKER", "memory://")
    monkeypatch.delitem(sys.modules, "server.finetune.worker", raising=False)
    worker = importlib.import_module("server.finetune.worker")
    try:
        age(app, two_classrooms["old"], 31)
        (entry,) = worker.celery.conf.beat_schedule.values()
        assert entry["task"] == worker.PURGE_TASK and entry["schedule"] == 3600
        assert worker.purge_expired_classrooms.run() == 1
        assert_only_the_new_classroom_is_left(app, two_classrooms)
    finally:
        sys.modules.pop("server.finetune.worker", None)


def test_the_purge_command_reports_what_it_deleted_when_it_builds_the_app(
    app, two_classrooms, monkeypatch
):
    """As `flask --app server purge` runs: the command line builds a new app, then purges."""
    age(app, two_classrooms["old"], 31)
    monkeypatch.setenv("SNAPCLASS_DATA_DIR", app.config["DATA_DIR"])
    monkeypatch.setenv("SNAPCLASS_BACKBONE_DIR", app.config["BACKBONE_DIR"])
    if app.config["DATABASE_URL"]:
        monkeypatch.setenv("SNAPCLASS_DATABASE_URL", app.config["DATABASE_URL"])
    cli = FlaskGroup(create_app=create_app)
    result = CliRunner().invoke(cli, ["purge"], catch_exceptions=False)
    assert result.exit_code == 0 and "deleted 1 expired classrooms" in result.output
    assert_only_the_new_classroom_is_left(app, two_classrooms)
    result = CliRunner().invoke(cli, ["sweep"], catch_exceptions=False)
    assert result.exit_code == 0 and "removed 0 temporary files" in result.output


def test_the_clean_up_thread_starts_with_the_first_request(make_app, two_classrooms, monkeypatch):
    """A server (not a command) still purges at once: at its first request, in its thread."""
    started = []
    monkeypatch.setattr(cleanup.threading.Thread, "start", lambda thread: started.append(thread))
    served = make_app(TESTING=False)

    def sweepers() -> int:
        return [thread.name for thread in started].count("snapclass-sweep")

    assert sweepers() == 0  # not when the app is built
    for _ in range(2):
        served.test_client().get("/api/backbones")
    assert sweepers() == 1


def activity(app, classroom: dict) -> tuple:
    """When the classroom and its one student were last active, as the database says."""
    with app.app_context():
        row = db.session.scalar(select(Classroom).where(Classroom.public_id == classroom["id"]))
        student = db.session.scalar(select(Student).where(Student.classroom_id == row.id))
        return row.last_activity, student.last_seen


def test_reading_a_credential_writes_nothing(app, api):
    classroom = api.start_classroom()
    token = api.join(classroom, "Sam")["student_token"]
    age(app, classroom, 5)
    before = activity(app, classroom)
    with app.test_request_context("/api/student", headers={"Authorization": f"Bearer {token}"}):
        assert current_credential().kind == "student"
        db.session.rollback()  # what the request would not commit is dropped
    assert activity(app, classroom) == before


def test_a_granted_request_keeps_its_classroom_alive_and_a_refused_one_does_not(app, api, client):
    classroom = api.start_classroom()
    student = api.join(classroom, "Sam")
    headers = {"Authorization": f"Bearer {student['student_token']}"}
    age(app, classroom, 5)
    before = activity(app, classroom)
    refused = client.get(f"/api/classrooms/{classroom['id']}", headers=headers)
    assert refused.status_code == 403
    assert activity(app, classroom)[0] == before[0]
    assert client.get("/api/student", headers=headers).status_code == 200
    last_activity, last_seen = activity(app, classroom)
    assert utcnow() - last_activity < timedelta(minutes=1)
    assert utcnow() - last_seen < timedelta(minutes=1)
