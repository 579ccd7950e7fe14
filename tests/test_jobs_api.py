"""Fine-tuning jobs through the API: start, refuse, follow, cancel; restart clean-up; model files.

These tests run no training: the app's runner is swapped for one that only records what it was
given (tests/test_finetune_jobs.py and tests/browser/test_finetune_studio.py train for real).
"""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from server import create_app
from server.db import db
from server.finetune.job import QUEUED_RESTART_REASON, run_job
from server.finetune.runner import EXTENSION, EmbeddedRunner
from server.models import Job, ModelVersion, Project
from server.storage import blob_store

from .conftest import EMBEDDING_SIZE, Api, concurrently, serialized_head


class RecordingRunner:
    """A runner that runs nothing: it keeps the ids it was handed."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def claim(self, job_id: str) -> None:
        pass

    def release(self, job_id: str) -> None:
        pass

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)


@pytest.fixture
def runner(app) -> RecordingRunner:
    app.extensions[EXTENSION] = RecordingRunner()
    return app.extensions[EXTENSION]


def colour(i: int) -> tuple[int, int, int]:
    return (i * 37 % 256, i * 91 % 256, i * 53 % 256)


@pytest.fixture
def trainable(api, project, image) -> dict:
    """The Apple/Banana project with 5 pictures in each class."""
    for number, cls in enumerate(project["classes"]):
        pictures = [image(color=colour(10 * number + i)) for i in range(5)]
        api.add_samples(project, *pictures, class_id=cls["id"])
    return project


def start(client, project, **body):
    headers = {"Authorization": f"Bearer {project['owner_token']}"}
    return client.post(f"/api/projects/{project['id']}/finetune", json=body, headers=headers)


def test_owner_starts_a_job_and_only_the_owner_follows_it(api, client, trainable, runner, problem):
    response = start(client, trainable)
    assert response.status_code == 202, response.json
    job = response.json
    assert response.headers["Location"] == f"/api/jobs/{job['id']}"
    assert job["state"] == "queued" and job["kind"] == "finetune" and job["model"] is None
    assert job["settings"]["epochs"] == 20 and job["settings"]["input_size"] == 224
    assert job["starts_from"] == "fitted head" and job["progress"] == {"phase": "queued"}
    assert runner.submitted == [job["id"]]
    job_url, jobs_url = f"/api/jobs/{job['id']}", f"/api/projects/{trainable['id']}/jobs"
    assert api.get(trainable, job_url).json == job
    listing = api.get(trainable, jobs_url).json["jobs"]
    assert [j["id"] for j in listing] == [job["id"]]
    stranger = api.auth(api.create_project(title="Other"))
    for url in (job_url, jobs_url):
        problem(client.get(url), 401)
        problem(client.get(url, headers=stranger), 403)


def test_a_post_without_a_body_uses_the_defaults(client, trainable, runner):
    headers = {"Authorization": f"Bearer {trainable['owner_token']}"}
    response = client.post(f"/api/projects/{trainable['id']}/finetune", headers=headers)
    assert response.status_code == 202, response.json


def test_a_job_fine_tunes_the_backbone_the_project_chose(
    api, client, trainable, runner, backbone, add_backbone
):
    first = start(client, trainable).json
    assert first["backbone_id"] == backbone.id
    client.delete(f"/api/jobs/{first['id']}", headers=api.auth(trainable))  # one job at a time
    add_backbone("e" * 16, created="2025-01-01T00:00:00Z")
    client.patch(
        f"/api/projects/{trainable['id']}",
        json={"backbone_id": "e" * 16},
        headers=api.auth(trainable),
    )
    other = api.create_project()
    assert other["backbone_id"] == backbone.id  # the default is unchanged
    second = start(client, trainable)
    assert second.status_code == 202, second.json
    assert second.json["backbone_id"] == "e" * 16


def test_a_job_fine_tunes_the_most_accurate_backbone_from_a_head_of_that_backbone_only(
    api, client, app, trainable, runner, backbone, add_backbone
):
    """The page trains its head on the project's backbone (here the fake MobileNetV2); the
    server fine-tunes EfficientNet-Lite0 when it has it, from a head it fits itself."""
    add_backbone("a" * 16, architecture="EfficientNet-Lite0", created="2020-01-01T00:00:00Z")
    api.save_model(trainable)  # a browser version on the project's backbone
    head = serialized_head(EMBEDDING_SIZE, 2)
    jobs = []
    for body in (
        {},
        {"head": head},
        {"backbone_id": backbone.id, "head": head},
        {"backbone_id": backbone.id},
    ):
        job = start(client, trainable, **body).json
        client.delete(f"/api/jobs/{job['id']}", headers=api.auth(trainable))  # one at a time
        with app.app_context():
            row = db.session.scalar(select(Job).where(Job.public_id == job["id"]))
            jobs.append(
                (
                    job["backbone_id"],
                    job["starts_from"],
                    sorted(set(row.settings) - {"train", "backbone_id"}),
                )
            )
    assert jobs == [
        ("a" * 16, "fitted head", []),
        ("a" * 16, "fitted head", []),  # the page's head is for the other network
        (backbone.id, "browser head", ["head", "head_labels"]),
        (backbone.id, "browser head", ["head_model"]),
    ]
    # A malformed head is refused even though this job would not use it.
    bad = start(client, trainable, head=serialized_head(16, 2))
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "head"


def test_settings_are_recorded(client, trainable, runner):
    settings = {"epochs": 2, "input_size": 96, "learning_rate": 0.001, "seed": 7}
    job = start(client, trainable, **settings).json
    assert {key: job["settings"][key] for key in settings} == settings


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"batch_size": True}, "batch_size"),
        ({"input_size": 100}, "input_size"),
        ({"learning_rate": 1}, "learning_rate"),
        ({"precision": "half"}, "precision"),
        ({"speed": "fast"}, "speed"),
        ({"backbone_id": "nope"}, "backbone_id"),
        ({"head": serialized_head(EMBEDDING_SIZE, 3)}, "head"),
        ({"head": serialized_head(16, 2)}, "head"),
        ({"head": serialized_head(EMBEDDING_SIZE, 2), "head_labels": [1, 2, 3]}, "head_labels"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(
    client, trainable, runner, problem, body, field
):
    body = problem(start(client, trainable, **body), 400)
    assert body["errors"][0]["field"] == field
    assert runner.submitted == []


def test_too_few_pictures_are_refused_up_front(api, client, project, image, runner, problem):
    apple, banana = project["classes"]
    api.add_samples(project, *[image(color=colour(i)) for i in range(5)], class_id=apple["id"])
    api.add_samples(
        project, *[image(color=colour(50 + i)) for i in range(4)], class_id=banana["id"]
    )
    body = problem(start(client, project), 422)
    assert "'Banana' has 4 pictures" in body["detail"] and "at least 5" in body["detail"]
    assert runner.submitted == []


def test_a_class_without_pictures_is_refused(api, client, project, image, runner, problem):
    api.add_samples(project, *[image(color=colour(i)) for i in range(6)])  # unlabelled
    api.add_samples(project, *[image(color=colour(20 + i)) for i in range(5)],
                    class_id=project["classes"][0]["id"])  # fmt: skip
    body = problem(start(client, project), 422)
    assert [e["message"] for e in body["errors"]] == [
        "class 'Banana' has 0 pictures; fine-tuning needs at least 5 in each class"
    ]


def test_one_job_per_project_at_a_time(client, trainable, runner, problem):
    first = start(client, trainable).json
    body = problem(start(client, trainable), 409)
    assert "already queued or running" in body["detail"]
    auth = {"Authorization": f"Bearer {trainable['owner_token']}"}
    cancelled = client.delete(f"/api/jobs/{first['id']}", headers=auth)
    assert cancelled.status_code == 200 and cancelled.json["state"] == "cancelled"
    assert start(client, trainable).status_code == 202


def test_only_the_owner_cancels_and_an_ended_job_stays_ended(
    api, client, trainable, runner, problem
):
    job = start(client, trainable).json
    url = f"/api/jobs/{job['id']}"
    stranger = api.auth(api.create_project(title="Other"))
    problem(client.delete(url), 401)
    problem(client.delete(url, headers=stranger), 403)
    assert client.delete(url, headers=api.auth(trainable)).json["finished"]
    body = problem(client.delete(url, headers=api.auth(trainable)), 409)
    assert "already ended (cancelled)" in body["detail"]


def test_a_job_starts_from_the_newest_saved_browser_head(api, client, trainable, runner, app):
    api.save_model(trainable)
    newest = api.save_model(trainable)
    job = start(client, trainable).json
    assert job["starts_from"] == "browser head"
    with app.app_context():
        row = db.session.scalar(select(Job).where(Job.public_id == job["id"]))
        assert row.settings["head_model"] == newest["id"]


def test_a_head_sent_with_the_request_is_kept_for_the_job(client, trainable, runner, app):
    head = serialized_head(EMBEDDING_SIZE, 2)
    job = start(client, trainable, head=head).json
    assert job["starts_from"] == "browser head" and "head" not in json.dumps(job["settings"])
    with app.app_context():
        row = db.session.scalar(select(Job).where(Job.public_id == job["id"]))
        assert row.settings["head"] == head


def test_an_unreachable_broker_fails_the_job_with_a_reason(make_app, image, problem):
    client = make_app(JOB_BROKER="redis://127.0.0.1:9/0").test_client()  # nothing listens
    api = Api(client)
    project = api.create_project()
    for number, cls in enumerate(project["classes"]):
        pictures = [image(color=colour(10 * number + i)) for i in range(5)]
        api.add_samples(project, *pictures, class_id=cls["id"])
    body = problem(start(client, project), 503)
    assert "job queue" in body["detail"]
    (job,) = api.get(project, f"/api/projects/{project['id']}/jobs").json["jobs"]
    assert job["state"] == "failed" and job["error"] == "the job queue could not be reached"


def start_app_on(data_dir: str, backbone_dir: str, database_url: str | None) -> None:
    """Start (and drop) another app on the same data, for what it does at start-up."""
    config = {"DATA_DIR": data_dir, "BACKBONE_DIR": backbone_dir, "DATABASE_URL": database_url}
    app = create_app({"TESTING": True, **config})
    with app.app_context():
        db.engine.dispose()


def test_start_up_fails_jobs_of_a_dead_process_but_not_of_a_live_one(app, api, client, trainable):
    """A second app on the same data (another process, a CLI command) keeps a live app's jobs."""
    runner = app.extensions[EXTENSION]
    assert isinstance(runner, EmbeddedRunner)
    runner.submit = lambda job_id: None  # queued and locked, never run
    job = start(client, trainable).json
    config = (app.config["DATA_DIR"], app.config["BACKBONE_DIR"], app.config["DATABASE_URL"])

    start_app_on(*config)  # starts while the first app still holds the job
    assert api.get(trainable, f"/api/jobs/{job['id']}").json["state"] == "queued"

    runner.release(job["id"])  # what the operating system does when a process dies
    start_app_on(*config)
    after = api.get(trainable, f"/api/jobs/{job['id']}").json
    assert after["state"] == "failed" and after["error"] == QUEUED_RESTART_REASON
    assert after["finished"] and not list(Path(config[0], "jobs").iterdir())
    assert start(client, trainable).status_code == 202  # and it can be started again


def test_a_fine_tuned_models_files_are_served_to_its_owner_and_share_links(
    app, api, client, project, problem
):
    with app.app_context():
        store = blob_store()
        files = {"tfjs/model.json": b'{"format": "graph-model"}', "tfjs/group1-shard1of1.bin": b"w"}
        row = db.session.scalar(select(Project).where(Project.public_id == project["id"]))
        version = ModelVersion(
            project_id=row.id, number=1, tier="server", backbone_id="0123456789abcdef",
            labels=[{"class_id": c["id"], "name": c["name"]} for c in project["classes"]],
            artifacts={role: store.put(data) for role, data in files.items()}, published=True,
        )  # fmt: skip
        db.session.add(version)
        db.session.commit()
        model = {"id": version.public_id}
    url = f"/api/models/{model['id']}/files/"
    with client.get(url + "model.json", headers=api.auth(project)) as response:
        assert response.status_code == 200 and response.json == {"format": "graph-model"}
        assert response.headers["Cache-Control"] == "private, no-cache"
    link = api.share(project, model)
    with client.get(url + f"group1-shard1of1.bin?share={link['token']}") as shard:
        assert shard.status_code == 200 and shard.data == b"w"
    problem(client.get(url + "model.json"), 401)
    problem(client.get(url + "metadata.json", headers=api.auth(project)), 404)


def test_a_failing_job_ends_failed_with_its_reason_and_changes_nothing(
    app, api, client, trainable, runner, stored
):
    model = api.save_model(trainable)
    job = start(client, trainable).json
    before = stored()
    with app.app_context():
        run_job(job["id"])  # the test backbone's weights cannot be found: it must fail
    after = api.get(trainable, f"/api/jobs/{job['id']}").json
    assert after["state"] == "failed" and after["model"] is None and after["finished"]
    assert "weights" in after["error"]
    assert stored() == before
    listing = api.get(trainable, f"/api/projects/{trainable['id']}/models").json["models"]
    assert [m["id"] for m in listing] == [model["id"]]


def test_a_job_cancelled_before_it_starts_never_runs(app, api, client, trainable, runner):
    job = start(client, trainable).json
    client.delete(f"/api/jobs/{job['id']}", headers=api.auth(trainable))
    with app.app_context():
        run_job(job["id"])
    after = api.get(trainable, f"/api/jobs/{job['id']}").json
    assert after["state"] == "cancelled" and after["started"] is None and after["error"] is None


def test_the_database_keeps_one_active_job_when_starts_race(app, trainable, runner):
    """Eight clicks at once: one job starts, the others hear 409 (a partial unique index, so
    this holds on PostgreSQL's READ COMMITTED too, where each request misses the others' rows)."""
    responses = concurrently(app, [lambda client: start(client, trainable)] * 8)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202] + [409] * 7, [r.json for r in responses]
    with app.app_context():
        active = db.session.scalars(select(Job).where(Job.state.in_(["queued", "running"])))
        assert len(active.all()) == 1
    assert len(runner.submitted) == 1
