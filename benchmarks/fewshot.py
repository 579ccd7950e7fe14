"""Few-shot accuracy: Snapclass's head against Teachable Machine's, on the same embeddings.

    python -m benchmarks.fewshot --data ../shared/data/clothing-dev [--shots 5 10 50]
        [--backbone efficientnet-lite0 mobilenetv2] [--seeds 5] [--split app|none]
        [--first-seed 0] [--backend wasm|webgl|cpu] [--speed-photos 64] [--speed-rounds 5]
        [--finetune] [--finetune-seeds 1] [--finetune-backbone NAME] [--json FILE]

For each shot count k and seed, k support photos per class are drawn (a seeded draw; a seed's
5 photos are the first 5 of its 10) and every other photo is the test set. On the same
embeddings, in the same Chromium page (benchmarks/pages/bench.js, the studio's own modules):

- snapclass-head: what the studio's Train button runs: trainer.js trainProjectHead with
  DEFAULT_SETTINGS (a check run that holds out about 15% of each class for its validation chart,
  then the head it ships, trained on every support photo plus their mirror images);
- tm-head: Teachable Machine's recipe (trainer.js trainTeachableMachineHead: Dense 100 relu,
  softmax without bias, Adam 0.001, 50 epochs, batch 16), after Teachable Machine's own hold-out
  of ceil(15%) per class. Both hold-outs leave 4, 8 and 42 training photos at k = 5, 10, 50.
- snapclass-finetune (--finetune, on the first --finetune-seeds draws): the server's fine-tuning
  job with its default settings on the support photos, uploaded to a project of a live app, and
  started as the studio starts it, with that draw's snapclass-head on the default network; its
  Keras export then scores the test photos in Python. By default the job fine-tunes the most
  accurate backbone the server has (EfficientNet-Lite0, the default network);
  `--finetune-backbone mobilenetv2` makes it fine-tune MobileNetV2 instead. Its gain is
  reported over the page's head of the same draw and, when the fine-tuned backbone is also
  among --backbone, over that backbone's head too (what fine-tuning itself adds).

Training time is the wall time of the trainer call, validation scoring included (both apps score
their hold-out every epoch), and for snapclass-head both of its runs. Accuracy is the mean over
seeds, with the paired difference to tm-head on the same draws. `--split none` trains both heads
on all k photos instead (no hold-out), which compares the recipes alone. Embeddings come from
the Keras backbone in Python, once per photo (cached in build/embeddings/), after a check in
this run that the page's own backbone (the served export, run by backbone.js) gives the same
vectors for a sample of the photos. Without --backbone the run measures the server's default
network (the one a new project starts on, efficientnet-lite0). With several --backbone names
(efficientnet-lite0 and mobilenetv2) each gets the same draws in the same page, and
the Keras CPU embedding speed of each is measured on the same photos, the backbones taking turns.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import numpy as np

from benchmarks import harness
from benchmarks.harness import BenchServer, Embeddings

METHODS = ("snapclass-head", "tm-head")
# float16 weights against Keras's float32 give cosines of 0.9998 on real photos
# (docs/architecture.md); the browser's JPEG decoder may differ from Pillow's by a grey level here
# and there.
MIN_COSINE = 0.995
# The studio's pipeline (snapclass-head) at 10 shots on clothing-dev, per backbone.
PIPELINE_TARGETS = {"mobilenetv2": 0.72, "efficientnet-lite0": 0.77}
# The default network may lose at most this many points to another backbone at any shot count.
DEFAULT_MAX_LOSS_POINTS = 1.0
SPEED_TARGET = 5.0
# Points of accuracy the server's fine-tune must add to the page's head, per shot count.
FINETUNE_GAINS = {10: 2.0, 50: 4.0}


def support_split(labels: np.ndarray, shots: int, seed: int) -> tuple[list[int], list[int]]:
    """`shots` rows of each class for training, every other row for testing (seeded)."""
    rng = np.random.default_rng(seed)
    support: list[int] = []
    test: list[int] = []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        if len(rows) <= shots:
            raise SystemExit(f"class {label} has {len(rows)} photos: too few for {shots} shots")
        support += rows[:shots].tolist()
        test += rows[shots:].tolist()
    return support, test


def photo_urls(server: BenchServer, embeddings: Embeddings, rows) -> list[str]:
    base = server.mount("photos", embeddings.root)
    return [base + quote(embeddings.files[row]) for row in rows]


def check_browser_embeddings(page, server, embeddings: Embeddings, backbone: dict, count: int):
    """Cosine of the page's embeddings (picture and mirror) against the cached Keras ones."""
    rng = np.random.default_rng(12345)
    rows = sorted(rng.choice(len(embeddings.files), size=count, replace=False).tolist())
    answer = page.evaluate(
        "(args) => window.bench.embed(args)",
        {
            "backboneUrl": f"/backbones/{backbone['id']}/",
            "urls": photo_urls(server, embeddings, rows),
            "mirrored": True,
        },
    )
    vectors = harness.floats_from_base64(answer["vectors"], embeddings.dim)
    plain = harness.cosines(vectors[0::2], embeddings.plain[rows])
    mirrored = harness.cosines(vectors[1::2], embeddings.mirrored[rows])
    both = np.concatenate([plain, mirrored])
    return {
        "photos": count,
        "backbone_id": backbone["id"],
        "quantization": backbone["quantization"],
        "backend": answer["backend"],
        "cosine_min": round(float(both.min()), 5),
        "cosine_mean": round(float(both.mean()), 5),
        "min_allowed": MIN_COSINE,
        "passed": bool(both.min() >= MIN_COSINE),
    }


def browser_draws(
    page, embeddings: Embeddings, shots, seeds: range, split: str, heads: dict | None = None
) -> list[dict]:
    """Train and score both heads in the page for every (shots, seed) draw; with `heads`, keep
    there the studio's head of each draw by (shots, seed), serialized as the studio sends it."""
    # One untimed draw first: TF.js compiles kernels and sizes its memory on first use.
    support, test = support_split(embeddings.labels, 2, seed=10_000)
    page.evaluate(
        "(args) => window.bench.fewshot(args)",
        {"support": support, "test": test, "split": split, "seed": 0, "methods": list(METHODS)},
    )
    draws = []
    for k in shots:
        for seed in seeds:
            support, test = support_split(embeddings.labels, k, seed)
            # Alternate which head trains first, so neither always meets a warmer or busier page.
            methods = list(METHODS) if seed % 2 == 0 else list(reversed(METHODS))
            answer = page.evaluate(
                "(args) => window.bench.fewshot(args)",
                {
                    "support": support,
                    "test": test,
                    "split": split,
                    "seed": seed,
                    "methods": methods,
                    "keepHeads": heads is not None,
                },
            )
            if heads is not None:
                heads[(k, seed)] = answer["results"]["snapclass-head"].pop("head")
            truth = embeddings.labels[test]
            for method, result in answer["results"].items():
                accuracy = float(np.mean(np.asarray(result["predicted"]) == truth))
                draws.append(
                    {
                        "method": method,
                        "shots": k,
                        "seed": seed,
                        "accuracy": accuracy,
                        "train_ms": result["trainMs"],
                        "train_rows": result["trainRows"],
                        "validation_rows": result["validationRows"],
                        "backend": answer["backend"],
                    }
                )
            best = " ".join(
                f"{m}={np.mean(np.asarray(r['predicted']) == truth):.3f}/{r['trainMs']:.0f}ms"
                for m, r in answer["results"].items()
            )
            print(f"  k={k} seed={seed}: {best}", flush=True)
    return draws


def run_finetune(
    server: BenchServer, embeddings: Embeddings, support, test, head: dict, backbone_id=None
) -> dict:
    """Upload the support photos to a new project, run the server's fine-tuning job with its
    default settings and the page's head of this draw (as the studio starts it; backbone_id:
    the backbone to fine-tune instead of the server's choice), and score its Keras export on
    the test photos."""
    from converters.classifier import load_keras
    from converters.preprocessing import square_picture
    from tests.conftest import Api

    api = Api(server.app.test_client())
    project = api.create_project("Few-shot fine-tune", embeddings.classes)
    class_ids = {c["name"]: c["id"] for c in project["classes"]}
    for label, name in enumerate(embeddings.classes):
        photos = [
            ((embeddings.root / embeddings.files[row]).read_bytes(), f"{row}.jpg", "image/jpeg")
            for row in support
            if embeddings.labels[row] == label
        ]
        api.add_samples(project, *photos, class_id=class_ids[name])
    began = time.monotonic()
    body = {"head": head, "head_labels": [class_ids[name] for name in embeddings.classes]}
    if backbone_id:
        body["backbone_id"] = backbone_id
    answer = api.client.post(
        f"/api/projects/{project['id']}/finetune", json=body, headers=api.auth(project)
    )
    if answer.status_code != 202:
        raise RuntimeError(f"the fine-tuning job was refused: {answer.json}")
    job = answer.json
    while job["state"] in ("queued", "running"):
        time.sleep(2)
        job = api.client.get(f"/api/jobs/{job['id']}", headers=api.auth(project)).json
    if job["state"] != "succeeded":
        raise RuntimeError(f"the fine-tuning job ended {job['state']}: {job['error']}")
    wall_ms = 1000 * (time.monotonic() - began)
    model = job["model"]
    export = api.client.get(
        f"/api/models/{model['id']}/export?format=keras", headers=api.auth(project)
    )
    classifier = load_keras(export.data)
    size = model["image_size"] or 224
    outputs = [embeddings.classes.index(label["name"]) for label in model["labels"]]
    predicted = []
    for start in range(0, len(test), 32):
        batch = np.stack(
            [
                square_picture((embeddings.root / embeddings.files[row]).read_bytes(), size)
                for row in test[start : start + 32]
            ]
        )
        predicted += [outputs[i] for i in classifier.predict(batch, verbose=0).argmax(1)]
    started, finished = (datetime.fromisoformat(job[k]) for k in ("started", "finished"))
    return {
        "accuracy": float(np.mean(np.asarray(predicted) == embeddings.labels[test])),
        "train_ms": 1000 * (finished - started).total_seconds(),
        "wall_ms": wall_ms,
        "train_rows": len(support),
        "validation_rows": None,
        "backend": "tensorflow (server job)",
        "finetuned_backbone": job["backbone_id"],
        "finetuned_architecture": next(
            b["metadata"]["architecture"]
            for b in api.client.get("/api/backbones").json["backbones"]
            if b["id"] == job["backbone_id"]
        ),
        "starts_from": job["starts_from"],
    }


def finetune_draws(
    server: BenchServer, embeddings: Embeddings, shots, seeds: range, heads: dict, backbone_id
) -> list[dict]:
    """The server's fine-tuning job on each draw's support photos, sent the page's head of the
    draw, scored on its test photos."""
    draws = []
    for k in shots:
        for seed in seeds:
            support, test = support_split(embeddings.labels, k, seed)
            outcome = run_finetune(server, embeddings, support, test, heads[(k, seed)], backbone_id)
            draws.append({"method": "snapclass-finetune", "shots": k, "seed": seed, **outcome})
            print(f"  k={k} seed={seed}: snapclass-finetune={outcome['accuracy']:.3f}", flush=True)
    return draws


def aggregate(draws: list[dict], other_heads: dict | None = None) -> list[dict]:
    """Mean and sd of accuracy over seeds, median training time, per (method, shots); and the
    paired difference to tm-head (same draws), which the draw-to-draw spread does not blur; for
    snapclass-finetune also the paired difference to snapclass-head (the page's head it was
    sent) and, from other_heads ({(backbone id, shots, seed): accuracy} of every backbone's
    snapclass-head), to the head of the backbone it fine-tuned."""
    results = []
    keys = sorted({(d["shots"], d["method"]) for d in draws})
    tm = {(d["shots"], d["seed"]): d["accuracy"] for d in draws if d["method"] == "tm-head"}
    head = {
        (d["shots"], d["seed"]): d["accuracy"] for d in draws if d["method"] == "snapclass-head"
    }
    for shots, method in keys:
        rows = [d for d in draws if d["shots"] == shots and d["method"] == method]
        accuracy = harness.summary(d["accuracy"] for d in rows)
        result = {
            "method": method,
            "shots": shots,
            "accuracy_mean": round(accuracy["mean"], 4),
            "accuracy_sd": round(accuracy["sd"], 4),
            "train_ms_median": round(harness.summary(d["train_ms"] for d in rows)["median"], 1),
            "seeds": len(rows),
            "train_rows": rows[0].get("train_rows"),
        }
        paired = [d["accuracy"] - tm[shots, d["seed"]] for d in rows if (shots, d["seed"]) in tm]
        if method != "tm-head" and paired:
            difference = harness.summary(paired)
            result["vs_tm_points_mean"] = round(100 * difference["mean"], 2)
            result["vs_tm_points_sd"] = round(100 * difference["sd"], 2)
        gains = [d["accuracy"] - head[shots, d["seed"]] for d in rows if (shots, d["seed"]) in head]
        if method == "snapclass-finetune" and gains:
            result["vs_head_points"] = [round(100 * gain, 2) for gain in gains]
            result["vs_head_points_mean"] = round(100 * harness.summary(gains)["mean"], 2)
            result["finetuned_backbones"] = sorted({d["finetuned_architecture"] for d in rows})
            own = [
                d["accuracy"] - other_heads[key]
                for d in rows
                if (key := (d["finetuned_backbone"], shots, d["seed"])) in (other_heads or {})
            ]
            if len(own) == len(rows):
                result["vs_own_head_points"] = [round(100 * gain, 2) for gain in own]
                result["vs_own_head_points_mean"] = round(100 * harness.summary(own)["mean"], 2)
        results.append(result)
    return results


def targets(results: list[dict], split: str, backbone: str, default: str) -> list[dict]:
    by = {(r["method"], r["shots"]): r for r in results}
    lines = []
    for shots in sorted({r["shots"] for r in results}):
        ours, tm = by.get(("snapclass-head", shots)), by.get(("tm-head", shots))
        if not (ours and tm):
            continue
        gap = 100 * (ours["accuracy_mean"] - tm["accuracy_mean"])
        lines.append(
            harness.target_line(
                f"snapclass-head at least as accurate as tm-head, k={shots}",
                gap >= 0,
                f"{100 * ours['accuracy_mean']:.1f}% vs {100 * tm['accuracy_mean']:.1f}% "
                f"({gap:+.1f} points)",
            )
        )
        speedup = tm["train_ms_median"] / max(ours["train_ms_median"], 1e-9)
        lines.append(
            harness.target_line(
                f"snapclass-head trains at least {SPEED_TARGET:.0f}x faster, k={shots}",
                speedup >= SPEED_TARGET,
                f"{speedup:.1f}x ({ours['train_ms_median']:.0f} ms vs "
                f"{tm['train_ms_median']:.0f} ms)",
            )
        )
        tuned = by.get(("snapclass-finetune", shots))
        if tuned and shots in FINETUNE_GAINS and "vs_head_points_mean" in tuned:
            gain = tuned["vs_head_points_mean"]
            lines.append(
                harness.target_line(
                    f"server fine-tune at least {FINETUNE_GAINS[shots]:+.0f} points over "
                    f"snapclass-head, k={shots}, same draws",
                    gain >= FINETUNE_GAINS[shots],
                    f"{gain:+.2f} points over {tuned['seeds']} draws "
                    f"({', '.join(f'{g:+.1f}' for g in tuned['vs_head_points'])}); "
                    f"fine-tuned {', '.join(tuned['finetuned_backbones'])}"
                    + (
                        f", {tuned['vs_own_head_points_mean']:+.2f} over its own head"
                        if "vs_own_head_points_mean" in tuned
                        else ""
                    ),
                )
            )
    pipeline = by.get(("snapclass-head", 10))
    if pipeline and split == "app":
        accuracy = pipeline["accuracy_mean"]
        target = PIPELINE_TARGETS[backbone]
        what = "default pipeline" if backbone == default else "pipeline"
        lines.append(
            harness.target_line(
                f"{what} at least {100 * target:.0f}% at k=10",
                accuracy >= target,
                f"{100 * accuracy:.1f}% ({100 * (accuracy - target):+.1f} points)",
            )
        )
    return lines


def default_versus_others(draws: list[dict], default: str) -> list[dict]:
    """The default network's head against each other backbone's on the same draws, per shot
    count: it may lose at most DEFAULT_MAX_LOSS_POINTS (paired mean over the draws)."""
    heads = {
        (d["backbone"], d["shots"], d["seed"]): d["accuracy"]
        for d in draws
        if d["method"] == "snapclass-head"
    }
    lines = []
    for other in sorted({name for name, _, _ in heads} - {default}):
        for shots in sorted({k for name, k, _ in heads if name == other}):
            seeds = [s for name, k, s in heads if name == other and k == shots]
            paired = [
                heads[default, shots, s] - heads[other, shots, s]
                for s in seeds
                if (default, shots, s) in heads
            ]
            if len(paired) != len(seeds):
                continue
            gain = 100 * harness.summary(paired)["mean"]
            lines.append(
                harness.target_line(
                    f"default {default} loses at most {DEFAULT_MAX_LOSS_POINTS:.0f} point to "
                    f"{other}, k={shots}, same draws",
                    gain >= -DEFAULT_MAX_LOSS_POINTS,
                    f"{gain:+.2f} points over {len(paired)} draws",
                )
            )
    return lines


def report(results: list[dict]) -> str:
    tm = {r["shots"]: r for r in results if r["method"] == "tm-head"}
    rows = []
    for r in results:
        base = tm.get(r["shots"])
        ratio = (
            f"{base['train_ms_median'] / r['train_ms_median']:.1f}x"
            if base and r["method"] == "snapclass-head"
            else ""
        )
        paired = (
            f"{r['vs_tm_points_mean']:+.1f} ± {r['vs_tm_points_sd']:.1f}"
            if "vs_tm_points_mean" in r
            else ""
        )
        rows.append(
            [
                r["shots"],
                r["method"],
                r["train_rows"],
                f"{100 * r['accuracy_mean']:.1f} ± {100 * r['accuracy_sd']:.1f}",
                paired,
                f"{r['train_ms_median']:.0f}",
                ratio,
            ]
        )
    headers = [
        "shots",
        "method",
        "train rows",
        "accuracy % (mean ± sd)",
        "vs tm, points (paired)",
        "train ms (median)",
        "tm ms / ms",
    ]
    return harness.markdown_table(headers, rows)


def keras_speed(backbones: dict[str, dict], data: Path, photos: int, rounds: int) -> dict:
    """Keras CPU embedding speed of each backbone on the same photos, in images/s.

    The photos are decoded, cropped and resized once, so only the network is timed; the
    backbones take turns round by round, so each meets the same load on this shared machine.
    """
    import tensorflow as tf

    from benchmarks.embed_folder import list_images, load_pictures
    from converters.backbone import backbone_from
    from converters.preprocessing import scaled
    from converters.weights import resolve_weights

    _, items = list_images(data)
    rows = np.random.default_rng(2024).choice(len(items), size=photos, replace=False)
    models, batches = {}, {}
    for name, metadata in backbones.items():
        size = metadata["input_size"]
        info = resolve_weights(metadata["weights_source"], size)
        models[name] = backbone_from(info, size)
        pixels = load_pictures(data, [items[row][0] for row in sorted(rows)], size)
        batches[name] = tf.constant(scaled(pixels))
        models[name].predict(batches[name][:32], batch_size=32, verbose=0)  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in backbones}
    for _ in range(rounds):
        for name, model in models.items():
            began = time.perf_counter()
            model.predict(batches[name], batch_size=32, verbose=0)
            seconds[name].append(time.perf_counter() - began)
    return {
        name: {
            "photos": photos,
            "rounds": rounds,
            "images_per_s_median": round(photos / statistics.median(times), 1),
            "images_per_s_best": round(photos / min(times), 1),
        }
        for name, times in seconds.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=harness.DEFAULT_DATA)
    parser.add_argument(
        "--backbone",
        nargs="+",
        choices=tuple(harness.BACKBONE_ARCHITECTURES),
        default=None,
        help="one or more, each measured on the same draws (default: the server's default)",
    )
    parser.add_argument("--shots", type=int, nargs="+", default=[5, 10, 50])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--first-seed", type=int, default=0, help="draws first-seed, first-seed + 1, ..."
    )
    parser.add_argument("--split", choices=("app", "none"), default="app")
    parser.add_argument("--backend", choices=("wasm", "webgl", "cpu"), default=None)
    parser.add_argument("--check-photos", type=int, default=20)
    parser.add_argument("--speed-photos", type=int, default=64, help="0: no Keras speed check")
    parser.add_argument("--speed-rounds", type=int, default=5)
    parser.add_argument(
        "--finetune", action="store_true", help="the page on the default network, as by default"
    )
    parser.add_argument("--finetune-seeds", type=int, default=1)
    parser.add_argument(
        "--finetune-backbone",
        choices=tuple(harness.BACKBONE_ARCHITECTURES),
        default=None,
        help="the backbone the job fine-tunes (default: the server's choice)",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.finetune and args.finetune_seeds > args.seeds:
        parser.error("--finetune-seeds: each job starts from its draw's head, so at most --seeds")

    started = time.monotonic()
    before = harness.machine()
    draws, checks, backbones = [], {}, {}
    with (
        tempfile.TemporaryDirectory() as work,
        BenchServer(Path(work) / "data") as server,
        harness.chromium() as browser,
    ):
        page = harness.open_bench_page(browser, server, args.backend)
        default = harness.default_backbone_name(server)
        args.backbone = args.backbone or [default]
        for name in args.backbone:
            backbone = backbones[name] = harness.named_backbone(server, name)
            embeddings = harness.cached_embeddings(args.data, backbone)
            check = check_browser_embeddings(page, server, embeddings, backbone, args.check_photos)
            checks[name] = check
            print(
                f"{name}: browser vs Keras embeddings ({check['photos']} photos, "
                f"{check['backend']}): cosine min {check['cosine_min']}, "
                f"mean {check['cosine_mean']}",
                flush=True,
            )
            if not check["passed"]:
                continue
            harness.set_dataset(page, server, embeddings)
            # The job is sent the default backbone's page head of the same draw, as the studio does.
            fine_tuning = args.finetune and name == default
            heads: dict | None = {} if fine_tuning else None
            seeds = range(args.first_seed, args.first_seed + args.seeds)
            found = browser_draws(page, embeddings, args.shots, seeds, args.split, heads)
            if fine_tuning:
                tuned = range(args.first_seed, args.first_seed + args.finetune_seeds)
                chosen = args.finetune_backbone and harness.named_backbone(
                    server, args.finetune_backbone
                )
                found += finetune_draws(
                    server, embeddings, args.shots, tuned, heads, chosen and chosen["id"]
                )
            draws += [{"backbone": name, **draw} for draw in found]
        chromium_version = browser.version
        tfjs = page.evaluate("window.bench.tfjs")
    speed_load = harness.machine()["load_average"]
    speed = {}
    if args.speed_photos:
        speed = keras_speed(backbones, args.data, args.speed_photos, args.speed_rounds)
    results, verdicts = [], []
    other_heads = {
        (backbones[d["backbone"]]["id"], d["shots"], d["seed"]): d["accuracy"]
        for d in draws
        if d["method"] == "snapclass-head"
    }
    for name in args.backbone:
        found = aggregate([d for d in draws if d["backbone"] == name], other_heads)
        results += [{"backbone": name, **result} for result in found]
        verdicts += [
            {**line, "target": f"{name}: {line['target']}"}
            for line in targets(found, args.split, name, default)
        ]
    verdicts += default_versus_others(draws, default)
    payload = {
        "results": results,
        "draws": draws,
        "embedding_check": checks,
        "keras_speed": {"load_average_before": speed_load, **speed},
        "targets": verdicts,
        "settings": {
            "data": str(args.data),
            "photos": len(embeddings.files),
            "classes": embeddings.classes,
            "shots": args.shots,
            "seeds": args.seeds,
            "first_seed": args.first_seed,
            "split": args.split,
            "backbones": {
                name: {k: meta[k] for k in ("id", "name", "weights_source", "quantization")}
                for name, meta in backbones.items()
            },
        },
        "environment": {
            **before,
            "load_average_after": harness.machine()["load_average"],
            "chromium": chromium_version,
            "tfjs": tfjs,
            "backend": draws[0]["backend"] if draws else check["backend"],
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    path = harness.write_results("fewshot", payload, args.json)
    failed = [name for name, check in checks.items() if not check["passed"]]
    if failed:
        raise SystemExit(
            f"The page's embeddings differ from Keras's for {', '.join(failed)} (min cosine < "
            f"{MIN_COSINE}): the cached embeddings do not stand for the studio's. See {path}."
        )
    for name in args.backbone:
        print()
        print(
            f"{name}: few-shot accuracy on {args.data.name} ({len(embeddings.files)} photos, "
            f"split {args.split}, backend {payload['environment']['backend']}, "
            f"load {before['load_average'][0]})"
        )
        print(report([r for r in results if r["backbone"] == name]))
    if speed:
        print(f"\nKeras CPU embedding speed ({args.speed_photos} photos, load {speed_load[0]}):")
        for name, figures in speed.items():
            print(
                f"  {name}: {figures['images_per_s_median']} images/s median of "
                f"{figures['rounds']} rounds "
                f"(best {figures['images_per_s_best']})"
            )
    print("Targets:")
    harness.print_targets(verdicts)
    print(f"JSON: {path} ({payload['environment']['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
