"""Fixtures for the server tests: an app on a migrated database in tmp_path, and API helpers."""

import base64
import io
import json
import re
import shutil
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from server import create_app
from server.db import db, upgrade_database
from server.models import Embedding, Job, Project, ProjectClass, Sample
from server.problem_codes import CODES
from tests.postgres import DatabasePool, PostgresCluster, server_binaries

BACKBONE_ID = "0123456789abcdef"
EMBEDDING_SIZE = 8
EXIF_ORIENTATION = 0x0112


# The API tests run on SQLite and on PostgreSQL (a cluster the tests start, see tests/postgres.py);
# the rest on SQLite only, which keeps the suite quick. --databases=sqlite skips PostgreSQL.
BOTH_DATABASES_MODULE_SUFFIX = "_api"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--databases",
        default="sqlite,postgresql",
        help="databases the API tests run on (comma-separated: sqlite, postgresql)",
    )


# The fast lane (`make test-fast`) leaves out, besides browsers and PostgreSQL, the tests that take
# tens of seconds: they build or train Keras networks, run Celery through Redis, start Gunicorn, or
# send thousands of generated requests. `make test` runs them all.
HEAVY_MODULES = {
    "test_api_fuzz",
    "test_benchmarks_smoke",
    "test_classifier",
    "test_converter",
    "test_efficientnet_lite",
    "test_finetune_jobs",
    "test_finetune_recipe",
    "test_inference_graph",
    "test_notebook",
    "test_one_pipeline",
    "test_serve",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).stem in HEAVY_MODULES:
            item.add_marker(pytest.mark.heavy)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    on_both = metafunc.module.__name__.endswith(BOTH_DATABASES_MODULE_SUFFIX)
    if on_both and "database" in metafunc.fixturenames:
        wanted = metafunc.config.getoption("--databases").split(",")
        metafunc.parametrize("database", wanted, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """The database the test's apps use: "sqlite" or "postgresql"."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_cluster(request: pytest.FixtureRequest) -> Iterator[PostgresCluster]:
    if "postgresql" not in request.config.getoption("--databases").split(","):
        pytest.skip("--databases leaves PostgreSQL out")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")
    with PostgresCluster(binaries) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_databases(postgres_cluster: PostgresCluster, tmp_path_factory) -> DatabasePool:
    """Copies of a PostgreSQL database built by the migrations once, emptied between tests."""
    url = postgres_cluster.create_database()
    data_dir = tmp_path_factory.mktemp("migrated-postgres")
    upgrade_database(create_app({"TESTING": True, "DATA_DIR": str(data_dir), "DATABASE_URL": url}))
    return DatabasePool(postgres_cluster, url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built by running the migrations once; every test starts from a copy."""
    data_dir = tmp_path_factory.mktemp("migrated")
    upgrade_database(create_app({"TESTING": True, "DATA_DIR": str(data_dir)}))
    return data_dir / "snapclass.sqlite3"


def write_backbone(root: Path, backbone_id: str, **metadata: Any) -> Path:
    """A fake exported backbone: metadata.json and a model.json (no real weights needed)."""
    folder = root / backbone_id
    folder.mkdir(parents=True)
    fields = {
        "id": backbone_id,
        "name": "tiny_test_backbone",
        "embedding_size": EMBEDDING_SIZE,
        "input_size": 32,
        "weights_source": "file",
        "format": "tfjs_graph_model",
        "created": "2026-01-01T00:00:00Z",
        **metadata,
    }
    (folder / "metadata.json").write_text(json.dumps(fields))
    (folder / "model.json").write_text('{"format": "graph-model"}')
    (folder / "group1-shard1of1.bin").write_bytes(b"\0" * 16)
    return folder


@pytest.fixture
def backbone_dir(tmp_path: Path) -> Path:
    """A backbone folder holding one fake backbone, BACKBONE_ID, with EMBEDDING_SIZE floats."""
    root = tmp_path / "backbones"
    write_backbone(root, BACKBONE_ID)
    return root


@dataclass(frozen=True)
class FakeBackbone:
    id: str
    embedding_size: int


@pytest.fixture
def backbone(backbone_dir: Path) -> FakeBackbone:
    """The fake backbone every test app has (its id and embedding size)."""
    return FakeBackbone(BACKBONE_ID, EMBEDDING_SIZE)


@pytest.fixture
def add_backbone(backbone_dir: Path):
    """Add another fake backbone: add_backbone(id, **metadata) -> its folder."""
    return lambda backbone_id, **metadata: write_backbone(backbone_dir, backbone_id, **metadata)


@pytest.fixture
def make_app(
    tmp_path: Path, backbone_dir: Path, migrated_database: Path, database: str, request
) -> Iterator:
    """make_app(**settings) -> an app with its own data folder and copy of the migrated database
    (on PostgreSQL, a copy of the migrated PostgreSQL database)."""
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        data_dir = tmp_path / ("data" if not made else f"data-{len(made) + 1}")
        data_dir.mkdir()
        config = {"TESTING": True, "DATA_DIR": str(data_dir), "BACKBONE_DIR": str(backbone_dir)}
        if database == "postgresql":
            config["DATABASE_URL"] = request.getfixturevalue("postgres_databases").take()
        else:
            shutil.copy(migrated_database, data_dir / "snapclass.sqlite3")
        made.append(create_app({**config, **settings}))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()
        if database == "postgresql":
            request.getfixturevalue("postgres_databases").give_back(app.config["DATABASE_URL"])


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (40, 30),
    color: tuple[int, int, int] = (200, 30, 30),
    orientation: int | None = None,
) -> bytes:
    """A small solid image; pass different colours to get different images."""
    image = Image.new("RGB", size, color)
    options = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def serialized_head(
    dim: int, classes: int, seed: int = 0, preprocess: str = "sqrt-l2", hidden: int = 0
) -> dict:
    """A head as trainer.js serializeHead writes it, with random weights."""
    rng = np.random.default_rng(seed)

    def floats(*shape: int) -> str:
        values = rng.normal(0, 1, shape).astype("<f4")
        return base64.b64encode(values.tobytes()).decode()

    sizes = [dim, *([hidden] if hidden else []), classes]
    layers = [
        {
            "units": units,
            "activation": "softmax" if i == len(sizes) - 2 else "relu",
            "kernelShape": [inputs, units],
            "kernel": floats(inputs, units),
            "bias": floats(units),
        }
        for i, (inputs, units) in enumerate(zip(sizes, sizes[1:], strict=False))
    ]
    return {
        "format": "snapclass-head",
        "version": 1,
        "recipe": "test",
        "inputDim": dim,
        "numClasses": classes,
        "preprocess": preprocess,
        "layers": layers,
    }


class Api:
    """The JSON API as a student's page would call it."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def create_project(self, title: str = "Fruit", classes=("Apple", "Banana")) -> dict:
        response = self.client.post(
            "/api/projects", json={"title": title, "classes": list(classes)}
        )
        assert response.status_code == 201, response.json
        return response.json

    @staticmethod
    def auth(project: dict) -> dict[str, str]:
        return {"Authorization": f"Bearer {project['owner_token']}"}

    def upload(self, project: dict, *files, headers: dict | None = None, **form: Any):
        """POST images; each file is bytes or a (bytes, filename, content_type) tuple."""
        parts = []
        for number, file in enumerate(files):
            data, name, content_type = (
                file if isinstance(file, tuple) else (file, f"{number}.png", "image/png")
            )
            parts.append((io.BytesIO(data), name, content_type))
        return self.client.post(
            f"/api/projects/{project['id']}/samples",
            data={"file": parts, **{k: str(v) for k, v in form.items()}},
            headers=self.auth(project) if headers is None else headers,
            content_type="multipart/form-data",
        )

    def add_samples(self, project: dict, *files, **form: Any) -> list[dict]:
        response = self.upload(project, *files, **form)
        assert response.status_code == 201, response.json
        return response.json["samples"]

    def get(self, project: dict, url: str, **kwargs: Any):
        """GET with the project's owner token, as the studio reads its own project."""
        return self.client.get(url, headers=self.auth(project), **kwargs)

    def project(self, project: dict) -> dict:
        return self.get(project, f"/api/projects/{project['id']}").json

    def save_model(self, project: dict, head: dict | None = None, **body: Any) -> dict:
        """Save a model version of the project's classes (a random head unless one is given)."""
        labels = [
            {"class_id": c["id"], "name": c["name"]} for c in self.project(project)["classes"]
        ]
        head = head or serialized_head(EMBEDDING_SIZE, len(labels))
        payload = {"head": head, "labels": labels, "backbone_id": BACKBONE_ID, **body}
        response = self.client.post(
            f"/api/projects/{project['id']}/models", json=payload, headers=self.auth(project)
        )
        assert response.status_code == 201, response.json
        return response.json

    def share(self, project: dict, model: dict, **body: Any) -> dict:
        """Make a share link to a model version; returns the link."""
        response = self.client.post(
            f"/api/models/{model['id']}/shares", json=body, headers=self.auth(project)
        )
        assert response.status_code == 201, response.json
        return response.json

    def start_classroom(self, name: str = "Year 7 Science") -> dict:
        """A new classroom; the reply holds its teacher_token and join_code."""
        response = self.client.post("/api/classrooms", json={"name": name})
        assert response.status_code == 201, response.json
        return response.json

    @staticmethod
    def teacher(classroom: dict) -> dict[str, str]:
        return {"Authorization": f"Bearer {classroom['teacher_token']}"}

    def join(self, classroom: dict, nickname: str) -> dict:
        """Join a classroom by its code; the reply holds the student_token."""
        response = self.client.post(
            "/api/classrooms/join", json={"code": classroom["join_code"], "nickname": nickname}
        )
        assert response.status_code == 201, response.json
        return response.json

    def student_project(self, student: dict, **body: Any) -> dict:
        """A project of a student. Its "owner_token" is the student token, so the helpers
        above (auth, upload, save_model, share) act as that student."""
        body = {"title": "Fruit", "classes": ["Apple", "Banana"]} | body
        headers = {"Authorization": f"Bearer {student['student_token']}"}
        response = self.client.post("/api/projects", json=body, headers=headers)
        assert response.status_code == 201, response.json
        assert "owner_token" not in response.json
        return response.json | {"owner_token": student["student_token"]}

    def image_data(self, sample: dict) -> bytes:
        """The stored bytes of a sample's image (closing the streamed file)."""
        with self.client.get(sample["image_url"]) as response:
            assert response.status_code == 200
            return response.data


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def project(api: Api) -> dict:
    """A project with classes Apple and Banana; it includes its owner_token."""
    return api.create_project()


def stored_state(app: Flask) -> dict[str, Any]:
    """Row counts and every file in the blob folder (temp files too)."""
    with app.app_context():
        counts = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Project, ProjectClass, Sample, Embedding)
        }
    blobs = Path(app.config["DATA_DIR"]) / "blobs"
    files = sorted(str(p.relative_to(blobs)) for p in blobs.rglob("*") if p.is_file())
    return {"rows": counts, "blob_files": files}


@pytest.fixture
def stored(app: Flask):
    """stored() -> row counts and blob files now: what a rejected request must leave unchanged."""
    return lambda: stored_state(app)


@pytest.fixture
def image():
    """image(fmt="PNG", size=(40, 30), color=(r, g, b), orientation=None) -> encoded bytes."""
    return image_bytes


@pytest.fixture
def problem():
    """problem(response, status) asserts an RFC 9457 problem with that status; returns the body."""
    return assert_problem


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] in CODES, body["code"]
    return body


# A backbone id of the right shape that names no backbone.
NO_BACKBONE = "0123456789abcdef"


def project_route_ids(api: "Api", project: dict, image, backbone_id: str = NO_BACKBONE) -> dict:
    """Real values for the URL variables of a project's routes: its first class, a picture in
    it, a saved model version, a share link to it and a queued job."""
    (sample,) = api.add_samples(project, image(), class_id=project["classes"][0]["id"])
    model = api.save_model(project)
    link = api.share(project, model)
    return {
        "project_id": project["id"],
        "class_id": project["classes"][0]["id"],
        "sample_id": sample["id"],
        "backbone_id": backbone_id,
        "model_id": model["id"],
        "token": link["token"],
        "job_id": queued_job(api.client.application, project["id"]),
        "name": "model.json",
    }


@pytest.fixture
def route_ids(api, project, image, backbone, client) -> dict[str, str]:
    """Real values for every URL variable of the API (project_route_ids), the picture with an
    embedding for the test backbone."""
    ids = project_route_ids(api, project, image, backbone.id)
    embedding = struct.pack(f"<{backbone.embedding_size}f", *range(backbone.embedding_size))
    response = client.put(
        f"/api/samples/{ids['sample_id']}/embeddings/{backbone.id}",
        data=embedding,
        headers=api.auth(project),
    )
    assert response.status_code == 204
    return ids


def queued_job(app: Flask, project_id: str) -> str:
    """A queued fine-tuning job of the project: a row that no runner was given, so never runs."""
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.public_id == project_id))
        job = Job(project_id=project.id, kind="finetune", settings={}, progress={})
        db.session.add(job)
        db.session.commit()
        return job.public_id


def fill_rule(rule: str, values: dict[str, str], default: str | None = None) -> str:
    """Turn a URL rule like /api/projects/<project_id>/classes/<class_id> into a URL (a variable
    not in `values` takes `default`; without one, it is an error)."""

    def value(match: re.Match) -> str:
        return values[match[1]] if default is None else values.get(match[1], default)

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


@pytest.fixture
def url_for_rule():
    """url_for_rule(rule, values) fills a rule's <variables> from a dict."""
    return fill_rule


def concurrently(app: Flask, requests: list) -> list:
    """Send requests at once, one thread and test client each: each request is a function of a
    client; returns their responses in the same order."""
    start = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def send(index: int) -> None:
        client = app.test_client()
        start.wait()
        responses[index] = requests[index](client)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses
