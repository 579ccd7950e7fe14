"""The ingest benchmark's own check: it finds nothing wrong with a clean run of uploads, and it
notices lost rows and damaged blobs when there are some."""

import sqlite3
from pathlib import Path

from benchmarks.ingest import Attempt, generated_photos, run_ingest, verify


def test_ingest_benchmark_finds_every_upload_stored_once(tmp_path: Path):
    data = tmp_path / "data"
    report = run_ingest(3, 2, generated_photos(6, 64, 48), data, in_process=True)

    load, check = report["load"], report["verification"]
    assert (load["accepted"], load["errors"], load["server_errors_5xx"]) == (6, 0, 0)
    assert check["ok"]
    assert (check["rows"], check["lost"], check["duplicated"], check["wrong_bytes"]) == (6, 0, 0, 0)

    # Damage the store behind the server's back: the same check must notice both.
    attempts = [Attempt(**attempt) for attempt in report["attempts"]]
    database = sqlite3.connect(data / "snapclass.sqlite3")
    with database:
        database.execute("DELETE FROM sample WHERE public_id = ?", (attempts[0].sample_id,))
    database.close()
    damaged = attempts[1].stored_sha256
    (data / "blobs" / damaged[:2] / damaged[2:]).write_bytes(b"not the photo")
    check = verify(data, attempts)
    assert not check["ok"]
    assert (check["lost"], check["wrong_bytes"], check["blobs_without_row"]) == (1, 1, 1)


def test_ingest_benchmark_counts_the_same_photo_from_many_clients_once(tmp_path: Path):
    photos = generated_photos(2, 64, 48)
    report = run_ingest(
        3, 2, photos, tmp_path / "data", shared_project=True, same_photos=True, in_process=True
    )
    check = report["verification"]
    assert report["load"]["accepted"] == 6
    assert check["ok"] and (check["distinct_images_expected"], check["rows"]) == (2, 2)
