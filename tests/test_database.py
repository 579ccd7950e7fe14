"""The database: built by the migrations, matching the models, tuned for SQLite."""

import hashlib
import json
import sqlite3
import struct

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from server import create_app
from server.db import MIGRATIONS_DIR, db, upgrade_database
from server.models import Job, utcnow
from server.storage import blob_store
from server.tokens import hash_token


def test_flask_db_upgrade_builds_a_fresh_database(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"project", "project_class", "sample", "embedding", "alembic_version"} <= tables
    assert (tmp_path / "snapclass.sqlite3").is_file()


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again(app):
    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade(directory=str(MIGRATIONS_DIR))
        assert "sample" in inspect(db.engine).get_table_names()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_database_url_can_point_anywhere(make_app, tmp_path):
    elsewhere = tmp_path / "elsewhere.sqlite3"
    app = make_app(DATABASE_URL=f"sqlite:///{elsewhere}")
    upgrade_database(app)
    client = app.test_client()
    assert client.post("/api/projects", json={"title": "T"}).status_code == 201
    with sqlite3.connect(elsewhere) as connection:
        assert connection.execute("select count(*) from project").fetchone() == (1,)
    connection.close()


def test_a_teachers_data_survives_every_migration(tmp_path, image):
    teachers_data_survives_every_migration(
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path)}), image
    )


def test_a_teachers_data_survives_every_migration_on_postgresql(postgres_cluster, tmp_path, image):
    url = postgres_cluster.create_database()
    teachers_data_survives_every_migration(
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": url}), image
    )


def teachers_data_survives_every_migration(app, image) -> None:
    """Data made at the first revision is all there, unchanged, after upgrading to the newest;
    classes get random public ids, and a version saved while classes were named by row numbers
    names its classes by those public ids. Downgrading gives the row numbers back."""
    token, picture = "a-teachers-token", image(color=(10, 200, 30))
    sha256 = hashlib.sha256(picture).hexdigest()
    # Written as SQL: today's models hold columns that the older revisions lack.
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="4d1dbb7cb89c")
        blob_store().put(picture)
        db.session.execute(
            text(
                "INSERT INTO project (id, public_id, title, owner_token_sha256, created) "
                "VALUES (1, 'leaves', 'Leaves', :owner, '2026-01-02 03:04:05')"
            ),
            {"owner": hash_token(token)},
        )
        db.session.execute(
            text(
                "INSERT INTO project_class (id, project_id, name, position) "
                "VALUES (1, 1, 'Oak', 0), (2, 1, 'Maple', 1)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO sample (id, public_id, project_id, class_id, sha256, width, height, "
                "mime_type, source, created) VALUES (1, 'leaf', 1, 1, :sha256, 40, 30, "
                "'image/png', 'upload', '2026-01-02 03:05:00')"
            ),
            {"sha256": sha256},
        )
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR), revision="2a12e9049130")
        old_labels = [{"class_id": 2, "name": "Maple"}, {"class_id": 1, "name": "Oak"}]
        gone = {"class_id": 7, "name": "Pine"}  # a class deleted since
        db.session.execute(
            text(
                "INSERT INTO model_version (id, public_id, project_id, number, tier, backbone_id, "
                "labels, settings, metrics, artifacts, published, created) VALUES (1, 'v1', 1, 1, "
                "'browser', 'b', :labels, '{}', '{}', '{}', true, '2026-01-02 03:06:00')"
            ),
            {"labels": json.dumps([*old_labels, gone])},
        )
        db.session.execute(
            text(
                "INSERT INTO job (id, public_id, project_id, kind, state, settings, progress, "
                "created) VALUES (1, 'j1', 1, 'finetune', 'queued', :settings, '{}', "
                "'2026-01-02 03:07:00')"
            ),
            {"settings": json.dumps({"head_labels": [1, 2]})},
        )
        db.session.commit()
        db.engine.dispose()
    upgrade_database(app)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    after = client.get("/api/projects/leaves", headers=auth).json
    assert after["title"] == "Leaves" and after["created"] == "2026-01-02T03:04:05Z"
    assert [(c["name"], c["sample_count"]) for c in after["classes"]] == [("Oak", 1), ("Maple", 0)]
    oak, maple = (c["id"] for c in after["classes"])
    assert isinstance(oak, str) and not oak.isdigit() and len({oak, maple}) == 2
    listed = client.get("/api/projects/leaves/samples", headers=auth).json["samples"]
    assert [(s["id"], s["sha256"], s["class_id"]) for s in listed] == [("leaf", sha256, oak)]
    [version] = client.get("/api/projects/leaves/models", headers=auth).json["models"]
    labels = version["labels"]
    assert labels[:2] == [{"class_id": maple, "name": "Maple"}, {"class_id": oak, "name": "Oak"}]
    assert labels[2]["name"] == "Pine" and labels[2]["class_id"] not in (oak, maple, 7)
    with app.app_context():
        assert db.session.get(Job, 1).settings["head_labels"] == [oak, maple]
    with client.get(listed[0]["image_url"]) as response:
        assert response.data == picture
    rename = client.patch("/api/projects/leaves", json={"title": "Trees"}, headers=auth)
    assert rename.status_code == 200

    # Back down: row numbers again, the picture still in its class (no table was rebuilt).
    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="2a12e9049130")
        labels = db.session.execute(text("SELECT labels FROM model_version")).scalar()
        labels = json.loads(labels) if isinstance(labels, str) else labels  # SQLite: text
        assert [label["class_id"] for label in labels] == [2, 1, 0]
        assert db.session.execute(text("SELECT class_id FROM sample")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_migrations_build_match_and_undo_a_postgresql_database(postgres_cluster, tmp_path):
    url = postgres_cluster.create_database()
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": url})
    upgrade_database(app)
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("job")}
        assert differences == []
        assert indexes["uq_job_one_active"]["unique"]
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade(directory=str(MIGRATIONS_DIR))
        assert "sample" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_existing_students_keep_their_nicknames_when_keys_ignore_look_alikes(tmp_path):
    """Two students whose nicknames only look alike (joined before that was refused) both stay,
    named as before; a newcomer can take neither name; down again, keys are case-folded."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="9e4a6c2d1f38")
        db.session.execute(
            text(
                "INSERT INTO classroom (id, public_id, name, teacher_token_sha256, join_code, "
                "join_open, retention_days, settings, created, last_activity) VALUES (1, 'c', "
                "'7B', 't', 'ABC234', true, 30, '{}', :now, :now)"
            ),
            {"now": utcnow()},
        )
        for number, nickname in enumerate(("Ana", "\u0410na", "Bob"), start=1):
            db.session.execute(
                text(
                    "INSERT INTO student (id, public_id, classroom_id, nickname, nickname_key, "
                    "token_sha256, created, last_seen) VALUES (:id, :id, 1, :nickname, :key, "
                    ":id, :now, :now)"
                ),
                {"id": number, "nickname": nickname, "key": nickname.casefold(), "now": utcnow()},
            )
        db.session.commit()
        db.engine.dispose()
    upgrade_database(app)
    with app.app_context():
        rows = db.session.execute(text("SELECT nickname, nickname_key FROM student ORDER BY id"))
        expected = [("Ana", "ana"), ("\u0410na", "ana#2"), ("Bob", "bob")]
        assert [tuple(row) for row in rows] == expected
        db.session.remove()
    client = app.test_client()
    for nickname in ("ANA", "\u0410NA", "B0B"):
        joined = client.post("/api/classrooms/join", json={"code": "abc234", "nickname": nickname})
        assert joined.status_code == 409, nickname
    assert client.post("/api/classrooms/join",
                       json={"code": "ABC234", "nickname": "Kim"}).status_code == 201  # fmt: skip
    with app.app_context():
        downgrade(directory=str(MIGRATIONS_DIR), revision="9e4a6c2d1f38")
        keys = db.session.execute(text("SELECT nickname_key FROM student ORDER BY id")).scalars()
        assert list(keys) == ["ana", "\u0430na", "bob", "kim"]


MOBILENET, LITE0 = "a" * 16, "b" * 16


def test_a_project_that_followed_the_default_keeps_mobilenet_and_its_embeddings(
    tmp_path, add_backbone
):
    add_backbone(MOBILENET, architecture="MobileNetV2", created="2026-06-01T00:00:00Z")
    add_backbone(LITE0, architecture="EfficientNet-Lite0", created="2026-07-01T00:00:00Z")
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "BACKBONE_DIR": str(tmp_path / "backbones")}
    )
    projects_made_before_lite0_became_the_default_open_on_mobilenet(app)


def test_a_project_that_followed_the_default_keeps_mobilenet_on_postgresql(
    postgres_cluster, tmp_path, add_backbone
):
    add_backbone(MOBILENET, architecture="MobileNetV2", created="2026-06-01T00:00:00Z")
    add_backbone(LITE0, architecture="EfficientNet-Lite0", created="2026-07-01T00:00:00Z")
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "BACKBONE_DIR": str(tmp_path / "backbones"),
            "DATABASE_URL": postgres_cluster.create_database(),
        }
    )
    projects_made_before_lite0_became_the_default_open_on_mobilenet(app)


def projects_made_before_lite0_became_the_default_open_on_mobilenet(app) -> None:
    """A project with no backbone chosen, made while MobileNetV2 was the default, opens on
    MobileNetV2 with its stored embeddings after the upgrade; one that chose a backbone keeps it;
    a new project starts on EfficientNet-Lite0. Downgrading gives the empty choice back."""
    # Explicit ids above 100: PostgreSQL's sequence, untouched by them, gives the new project 1.
    vector = struct.pack("<8f", *range(8))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="9e4a6c2d1f38")
        for pid, public_id, chosen in (
            (101, "old", None),
            (102, "chose", LITE0),
            (103, "blank", ""),
        ):
            db.session.execute(
                text(
                    "INSERT INTO project (id, public_id, title, owner_token_sha256, created, "
                    "backbone_id) VALUES (:id, :public_id, 'Leaves', :owner, "
                    "'2026-01-02 03:04:05', :chosen)"
                ),
                {
                    "id": pid,
                    "public_id": public_id,
                    "owner": hash_token(public_id),
                    "chosen": chosen,
                },
            )
        db.session.execute(
            text(
                "INSERT INTO sample (id, public_id, project_id, class_id, sha256, width, height, "
                "mime_type, source, created) VALUES (101, 'leaf', 101, NULL, :sha256, 40, 30, "
                "'image/png', 'upload', '2026-01-02 03:05:00')"
            ),
            {"sha256": "0" * 64},
        )
        db.session.execute(
            text(
                "INSERT INTO embedding (id, sample_id, backbone_id, vectors, count, created) "
                "VALUES (101, 101, :backbone, :vectors, 1, '2026-01-02 03:05:01')"
            ),
            {"backbone": MOBILENET, "vectors": vector},
        )
        db.session.commit()
        db.engine.dispose()
    upgrade_database(app)
    client = app.test_client()

    def opened(public_id: str, path: str = ""):
        auth = {"Authorization": f"Bearer {public_id}"}
        return client.get(f"/api/projects/{public_id}{path}", headers=auth)

    assert client.get("/api/backbones").json["default"] == LITE0
    assert opened("old").json["backbone_id"] == MOBILENET
    stored = opened("old", f"/embeddings?backbone={MOBILENET}")
    assert stored.status_code == 200 and stored.data.endswith(vector)
    assert opened("blank").json["backbone_id"] == MOBILENET
    assert opened("chose").json["backbone_id"] == LITE0
    made = client.post("/api/projects", json={"title": "New"}).json
    assert made["backbone_id"] == LITE0
    with app.app_context():
        stored_choice = text("SELECT backbone_id FROM project WHERE public_id = :p")
        assert db.session.execute(stored_choice, {"p": made["id"]}).scalar() == LITE0
        # End the read's transaction: on PostgreSQL it would hold a lock the downgrade waits for.
        db.session.commit()
        downgrade(directory=str(MIGRATIONS_DIR), revision="9e4a6c2d1f38")
        choices = db.session.execute(
            text("SELECT id, backbone_id FROM project WHERE id BETWEEN 101 AND 103 ORDER BY id")
        )
        assert [tuple(row) for row in choices] == [(101, None), (102, LITE0), (103, None)]
        db.session.remove()
        db.engine.dispose()
