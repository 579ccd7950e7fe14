"""The benchmarks' own checks: the ingest benchmark finds nothing wrong with a clean run of
uploads and notices lost rows and damaged blobs when there are some; the few-shot benchmark
pairs each fine-tuning job with the heads of the same draw."""

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


def test_fewshot_pairs_the_fine_tune_with_the_pages_head_and_its_own_networks_head():
    from benchmarks.fewshot import aggregate

    def draw(method, seed, accuracy, **extra):
        return {"method": method, "shots": 10, "seed": seed, "accuracy": accuracy,
                "train_ms": 1.0, "train_rows": 100, **extra}  # fmt: skip

    tuned = {"finetuned_backbone": "eff", "finetuned_architecture": "EfficientNet-Lite0"}
    draws = [
        draw("snapclass-head", 0, 0.70), draw("snapclass-head", 1, 0.72),
        draw("snapclass-finetune", 0, 0.80, **tuned), draw("snapclass-finetune", 1, 0.79, **tuned),
    ]  # fmt: skip
    other_heads = {
        ("mnv2", 10, 0): 0.70, ("mnv2", 10, 1): 0.72, ("eff", 10, 0): 0.77, ("eff", 10, 1): 0.78,
    }  # fmt: skip
    (finetune,) = [r for r in aggregate(draws, other_heads) if r["method"] == "snapclass-finetune"]
    assert finetune["vs_head_points"] == [10.0, 7.0] and finetune["vs_head_points_mean"] == 8.5
    assert (
        finetune["vs_own_head_points"] == [3.0, 1.0] and finetune["vs_own_head_points_mean"] == 2.0
    )
    assert finetune["finetuned_backbones"] == ["EfficientNet-Lite0"]
    # Without that network's heads in the run, only the page's head is compared.
    (alone,) = [r for r in aggregate(draws, {}) if r["method"] == "snapclass-finetune"]
    assert "vs_own_head_points_mean" not in alone and alone["vs_head_points_mean"] == 8.5
