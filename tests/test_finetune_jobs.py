"""Real fine-tuning jobs: through Redis and a Celery worker process, and across a server crash.

Each job is tiny (2 classes x 8 generated pictures, 96 px) and runs on the CPU with the real
backbone weights that `make install` exported. The embedded runner's tiny job, with the studio
loading its model, is tests/browser/test_finetune_studio.py.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server import create_app
from server.db import db
from server.finetune.job import RESTART_REASON
from server.finetune.runner import EXTENSION
from server.models import Embedding, Job, ModelVersion, Project, ProjectClass, Sample
from server.storage import blob_store

from .browser.media import png_bytes, scene
from .conftest import Api
from .processes import stop

REPO = Path(__file__).resolve().parent.parent
BUILT_BACKBONES = REPO / "build" / "backbones"
TINY_JOB = {"input_size": 96, "epochs": 1, "batch_size": 8}
JOB_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def built_backbones() -> Path:
    if not any(BUILT_BACKBONES.glob("*/metadata.json")):
        pytest.fail("No exported backbone in build/backbones: run `make install` first.")
    return BUILT_BACKBONES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def shapes_project(api: Api) -> dict:
    """A project with 8 generated pictures of a disc and 8 of stripes."""
    project = api.create_project("Shapes", classes=("disc", "stripes"))
    for cls in project["classes"]:
        pictures = [png_bytes(scene(cls["name"], seed, 96)) for seed in range(8)]
        api.add_samples(project, *pictures, class_id=cls["id"])
    return project


def wait_for_job(read_job, job_id: str, until, timeout: float = JOB_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout
    while not until(job := read_job(job_id)):
        assert time.monotonic() < deadline, f"job still {job['state']}: {job['progress']}"
        time.sleep(0.3)
    return job


def snapshot(app) -> dict:
    """Everything a failed job must leave as it was: rows and the blob store's files."""
    with app.app_context():
        rows = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Project, ProjectClass, Sample, Embedding, ModelVersion)
        }
        db.session.remove()
    blobs = Path(app.config["DATA_DIR"]) / "blobs"
    return {"rows": rows, "blobs": sorted(str(p) for p in blobs.rglob("*") if p.is_file())}


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of our own on a free port, with nothing saved to disk."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("Debian's redis-server is missing: run `make test`, which installs it.")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def test_tiny_job_runs_on_a_celery_worker_through_redis(
    make_app, redis_url, built_backbones, tmp_path
):
    app = make_app(JOB_BROKER=redis_url, BACKBONE_DIR=str(built_backbones))
    api = Api(app.test_client())
    project = shapes_project(api)
    environment = {
        **os.environ,
        "SNAPCLASS_DATA_DIR": app.config["DATA_DIR"],
        "SNAPCLASS_BACKBONE_DIR": str(built_backbones),
        "SNAPCLASS_JOB_BROKER": redis_url,
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below, after the worker
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "server.finetune.worker", "worker",
         "--pool", "solo", "--concurrency", "1", "--queues", app.config["JOB_QUEUE"],
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        response = api.client.post(
            f"/api/projects/{project['id']}/finetune", json=TINY_JOB, headers=api.auth(project)
        )
        assert response.status_code == 202, response.json
        job = wait_for_job(
            lambda job_id: api.get(project, f"/api/jobs/{job_id}").json,
            response.json["id"],
            lambda job: job["state"] not in ("queued", "running"),
        )
    finally:
        stop(worker)
        log.close()
    assert job["state"] == "succeeded", (job, (tmp_path / "worker.log").read_text()[-3000:])
    model = job["model"]
    assert model["tier"] == "server" and model["number"] == 1 and model["image_size"] == 224
    assert [label["name"] for label in model["labels"]] == ["disc", "stripes"]
    assert 0 <= model["metrics"]["val_accuracy"] <= 1
    with app.app_context():
        version = db.session.scalar(
            select(ModelVersion).where(ModelVersion.public_id == model["id"])
        )
        store = blob_store()
        assert {"keras", "tfjs/model.json"} <= version.artifacts.keys()
        assert all(store.exists(sha256) for sha256 in version.artifacts.values())
        graph = json.loads(store.read(version.artifacts["tfjs/model.json"]))
        shards = {path for group in graph["weightsManifest"] for path in group["paths"]}
        assert {f"tfjs/{path}" for path in shards} <= version.artifacts.keys()
        (image_input,) = graph["signature"]["inputs"].values()
        assert [int(d["size"]) for d in image_input["tensorShape"]["dim"]][1:] == [224, 224, 3]


def test_a_job_interrupted_by_a_server_restart_fails_and_changes_nothing_else(
    make_app, built_backbones
):
    app = make_app(BACKBONE_DIR=str(built_backbones))
    project = shapes_project(Api(app.test_client()))
    before = snapshot(app)
    data_dir = app.config["DATA_DIR"]
    port = free_port()
    environment = {
        **os.environ,
        "SNAPCLASS_DATA_DIR": data_dir,
        "SNAPCLASS_BACKBONE_DIR": str(built_backbones),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "server", "run", "--port", str(port)],
        cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api"

    def call(method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(base + path, method=method)
        request.add_header("Authorization", f"Bearer {project['owner_token']}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
            request.data = json.dumps(body).encode()
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    try:
        wait_for_port(port, server)
        long_job = {**TINY_JOB, "epochs": 100, "batch_size": 4}  # the most allowed
        job = call("POST", f"/projects/{project['id']}/finetune", long_job)
        wait_for_job(
            lambda job_id: call("GET", f"/jobs/{job_id}"),
            job["id"],
            lambda job: job["progress"].get("phase") in ("preparing", "training"),
        )
    finally:
        stop(server, signal.SIGKILL)  # the machine reboots, the process is killed

    restarted = create_app(
        {"TESTING": True, "DATA_DIR": data_dir, "BACKBONE_DIR": str(built_backbones)}
    )
    client = restarted.test_client()
    after = Api(client).get(project, f"/api/jobs/{job['id']}").json
    assert after["state"] == "failed" and after["error"] == RESTART_REASON
    assert after["finished"] and after["model"] is None
    assert snapshot(restarted) == before
    with restarted.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1
        db.session.remove()
    restarted.extensions[EXTENSION].submit = lambda job_id: None  # started again, not run here
    again = client.post(
        f"/api/projects/{project['id']}/finetune",
        json=TINY_JOB,
        headers={"Authorization": f"Bearer {project['owner_token']}"},
    )
    assert again.status_code == 202
    with restarted.app_context():
        db.engine.dispose()
