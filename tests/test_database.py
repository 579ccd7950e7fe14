"""The database: built by the migrations, matching the models, tuned for SQLite."""

import io
import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from server import create_app
from server.db import MIGRATIONS_DIR, db, upgrade_database


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
    """Data made at the first revision is all there, unchanged, after upgrading to the newest."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="4d1dbb7cb89c")
        db.engine.dispose()
    client = app.test_client()
    made = client.post("/api/projects", json={"title": "Leaves", "classes": ["Oak", "Maple"]}).json
    auth = {"Authorization": f"Bearer {made['owner_token']}"}
    oak = made["classes"][0]["id"]
    picture = image(color=(10, 200, 30))
    stored = client.post(
        f"/api/projects/{made['id']}/samples",
        data={"file": (io.BytesIO(picture), "leaf.png"), "class_id": str(oak)},
        headers=auth,
    ).json["samples"][0]
    # Read back only after upgrading: today's code reads tables the first revision lacks.
    upgrade_database(app)

    after = client.get(f"/api/projects/{made['id']}", headers=auth).json
    assert after["id"] == made["id"] and after["created"] == made["created"]
    assert after["title"] == "Leaves"
    assert [(c["id"], c["name"], c["sample_count"]) for c in after["classes"]] == [
        (oak, "Oak", 1),
        (made["classes"][1]["id"], "Maple", 0),
    ]
    listed = client.get(f"/api/projects/{made['id']}/samples", headers=auth).json["samples"]
    assert [(s["id"], s["sha256"], s["class_id"]) for s in listed] == [
        (stored["id"], stored["sha256"], oak)
    ]
    with client.get(stored["image_url"]) as response:
        assert response.data == picture
    rename = client.patch(f"/api/projects/{made['id']}", json={"title": "Trees"}, headers=auth)
    assert rename.status_code == 200


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
