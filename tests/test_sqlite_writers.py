"""SQLite holding a class: writers take turns across threads and processes, nobody sees
"database is locked", and several Gunicorn processes on one database file stay correct."""

import hashlib
import http.client
import io
import json
import os
import sqlite3
import threading
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from server.db import WRITE_LOCK, SQLiteWriteLock, WriteLockTimeout
from server.storage import BlobStore
from tests.test_serve import gunicorn


def test_the_write_turn_excludes_other_processes_until_released(tmp_path):
    """The parent holds the turn until the child's timed try has failed (the child says so),
    so the order does not hang on how fast either process runs."""
    lock = SQLiteWriteLock(tmp_path / "db.write-lock")
    lock.acquire()
    to_parent, from_child = os.pipe()
    to_child, from_parent = os.pipe()
    child = os.fork()
    if child == 0:  # another process on the same database: it must wait, then get its turn
        try:
            other = SQLiteWriteLock(tmp_path / "db.write-lock")
            try:
                other.acquire(timeout=0.2)
                os.write(from_child, b"got it while held")
            except WriteLockTimeout:
                os.write(from_child, b"timed out")
                os.read(to_child, 1)  # wait until the parent released it
                other.acquire(timeout=10)
                os.write(from_child, b"waited")
        finally:
            os._exit(0)
    # The child's ends closed here: if it dies, the reads below end instead of waiting forever.
    os.close(from_child)
    os.close(to_child)
    try:
        assert os.read(to_parent, 100) == b"timed out"
        lock.release()
        os.write(from_parent, b"x")
        assert os.read(to_parent, 100) == b"waited"
    finally:
        os.close(to_parent)
        os.close(from_parent)
        os.waitpid(child, 0)


def test_a_thread_may_take_its_turn_again_while_holding_it(tmp_path):
    lock = SQLiteWriteLock(tmp_path / "db.write-lock")
    lock.acquire()
    lock.acquire(timeout=0.1)
    lock.release()
    lock.release()
    assert lock.depth == 0


def test_a_request_gives_its_turn_back_after_committing(app, api, project, image):
    api.add_samples(project, image())
    lock = app.extensions[WRITE_LOCK]
    assert lock.depth == 0
    assert lock.threads.acquire(blocking=False)
    lock.threads.release()


def test_a_blob_deleted_before_the_insert_is_written_again(app, api, project, image, monkeypatch):
    """A deletion that checked "is this blob used?" between our write and our insert found it
    unused and removed it; the upload notices under its write turn and stores it again."""
    real_put_many = BlobStore.put_many
    calls = []

    def put_then_lose(store, blobs, written=None):
        real_put_many(store, blobs, written)
        calls.append(sorted(blobs))
        if len(calls) == 1:
            for sha256 in blobs:
                store.delete(sha256)

    monkeypatch.setattr(BlobStore, "put_many", put_then_lose)
    (sample,) = api.add_samples(project, image())
    assert calls == [[sample["sha256"]], [sample["sha256"]]]
    assert hashlib.sha256(api.image_data(sample)).hexdigest() == sample["sha256"]


def test_uploads_and_imports_write_their_pictures_outside_the_writers_turn(
    app, client, api, project, image, monkeypatch
):
    """Writing and syncing files is the slow part of an upload or an import: done before the
    transaction, it never keeps the other writers waiting."""
    lock = app.extensions[WRITE_LOCK]
    turn_held = []
    real_write = BlobStore._write

    def write(store, missing, written=None):
        turn_held.append(lock.depth > 0)
        real_write(store, missing, written)

    monkeypatch.setattr(BlobStore, "_write", write)
    api.add_samples(project, image(color=(1, 2, 3)), image(color=(4, 5, 6)))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as folders:
        folders.writestr("cats/1.png", image(color=(7, 8, 9)))
        folders.writestr("dogs/2.png", image(color=(10, 11, 12)))
    response = client.post(
        "/api/projects/import",
        data={"file": (io.BytesIO(archive.getvalue()), "pets.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert turn_held == [False, False]  # one batch of two pictures each, neither in the turn


def jpeg(seed: int) -> bytes:
    image = Image.new("RGB", (32, 24), (seed % 256, (seed * 7) % 256, (seed * 13) % 256))
    image.putpixel((seed % 32, 0), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def upload(connection, project: dict, data: bytes) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "Authorization": f"Bearer {project['owner_token']}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    connection.request("POST", f"/api/projects/{project['id']}/samples", body, headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


@pytest.mark.heavy  # three Gunicorn processes
@pytest.mark.parametrize("students, pictures", [(12, 8)])
def test_gunicorn_processes_on_one_sqlite_file_store_every_upload_once(
    tmp_path: Path, students: int, pictures: int
):
    log_path = tmp_path / "server.log"
    with gunicorn(tmp_path, workers=3, log=log_path) as port:
        projects = []
        for number in range(students):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request(
                "POST",
                "/api/projects",
                json.dumps({"title": f"Student {number}"}),
                {"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            assert response.status == 201
            projects.append(json.loads(response.read()))
            connection.close()
        answers: list[tuple[int, str, str, dict]] = []
        start = threading.Barrier(students)

        def student(number: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            start.wait()
            for picture in range(pictures):
                data = jpeg(number * pictures + picture)
                status, body = upload(connection, projects[number], data)
                answers.append((status, projects[number]["id"], data, body))
            connection.close()

        threads = [threading.Thread(target=student, args=(n,)) for n in range(students)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = log_path.read_text()
    assert [a[0] for a in answers] == [201] * (students * pictures), answers[:3]
    assert "database is locked" not in log and "Traceback" not in log
    database = sqlite3.connect(tmp_path / "snapclass.sqlite3")
    rows = database.execute(
        "SELECT project.public_id, sample.public_id, sample.sha256 FROM sample "
        "JOIN project ON project.id = sample.project_id"
    ).fetchall()
    database.close()
    expected = {
        (project_id, body["samples"][0]["id"], hashlib.sha256(data).hexdigest())
        for _, project_id, data, body in answers
    }
    assert set(rows) == expected and len(rows) == len(expected)
    store = BlobStore(tmp_path / "blobs")
    for _, _, sha256 in rows:
        assert hashlib.sha256(store.read(sha256)).hexdigest() == sha256


def test_a_writer_that_never_gets_its_turn_hears_503_and_adds_no_row(
    app, api, project, image, problem, stored, monkeypatch
):
    monkeypatch.setattr("server.db.WRITE_LOCK_TIMEOUT_S", 0.3)
    before = stored()
    other_process = SQLiteWriteLock(app.extensions[WRITE_LOCK].path)  # its own open file
    other_process.acquire()
    try:
        body = problem(api.upload(project, image(color=(9, 9, 9))), 503)
    finally:
        other_process.release()
    assert "busy" in body["detail"]
    # Its blob may stay: deleting it without a turn could remove another upload's picture.
    assert stored()["rows"] == before["rows"]
    api.add_samples(project, image(color=(9, 9, 9)))  # and the next try gets through
