"""Head training time: Snapclass's trainer against Teachable Machine's recipe, same browser.

    python -m benchmarks.head_speed --data ../shared/data/clothing-dev [--samples 10 50 200]
        [--repeats 3] [--pictures 5000] [--backend wasm|webgl|cpu] [--not-isolated] [--json FILE]

For 10 classes x n samples each, both trainers (static/js/trainer.js: trainHead with the studio's
DEFAULT_SETTINGS, trainTeachableMachineHead with Teachable Machine's) train in one Chromium page
on exactly the same rows of cached embeddings, without validation. A class has 100 photos in
clothing-dev, so n = 200 takes each photo and its mirror image. Each repeat trains both, in
alternating order, after one untimed warm-up of each; reported are the median times and the
median of the per-repeat ratios. Sizes past a class's photo count repeat --repeats-large times
(default 1: Teachable Machine's recipe takes minutes there), the others --repeats times.

Then Snapclass's trainer alone on a large project: --pictures pictures (default 5,000) over the
classes, each with its mirror image as the studio trains them (so twice as many rows), the
photos reused in turn once a class runs out; --repeats times, against an absolute target:
trainHead once (as above) and the studio's Train button (trainProjectHead: the check run, then
the head it ships), each with today's recipe and with 40 full-batch passes (the recipe before
large sets were batched), in turn.
The page is cross-origin isolated as the app serves the studio (TF.js's WASM backend on
threads); --not-isolated serves it without, as the app did before.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import harness
from benchmarks.harness import BenchServer, Embeddings

SPEED_TARGET = 20.0
LARGE_TARGET_MS = 2000.0
METHODS = ("snapclass", "tm")
# Large projects: one run of trainHead (as the small sizes), and the studio's Train button
# (trainProjectHead: check run, then the head shipped), each with today's recipe ("batched":
# 40 steps on batches of at most 2,048 rows) and the one before ("full-batch": 40 passes).
RECIPES = ("batched", "full-batch")
LARGE_TRAINERS = ("trainHead", "trainProjectHead")


def rows_for(embeddings: Embeddings, per_class: int, classes: int) -> tuple[list[int], list[int]]:
    """(plain rows, mirrored rows): per_class rows of each of the first `classes` classes; past
    a class's photo count its mirror images make up the rest."""
    rng = np.random.default_rng(per_class)
    plain: list[int] = []
    mirrored: list[int] = []
    for label in range(classes):
        rows = rng.permutation(np.flatnonzero(embeddings.labels == label)).tolist()
        if per_class > 2 * len(rows):
            raise SystemExit(f"class {label} has {len(rows)} photos: at most {2 * len(rows)}")
        plain += rows[:per_class]
        mirrored += rows[: max(0, per_class - len(rows))]
    return plain, mirrored


def large_rows(embeddings: Embeddings, pictures: int, classes: int) -> list[int]:
    """`pictures` photo rows spread evenly over the first `classes` classes, each class's photos
    taken in a seeded order and reused in turn once they run out."""
    rng = np.random.default_rng(pictures)
    per_class = [
        rng.permutation(np.flatnonzero(embeddings.labels == label)) for label in range(classes)
    ]
    return [
        int(per_class[i % classes][(i // classes) % len(per_class[i % classes])])
        for i in range(pictures)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=harness.DEFAULT_DATA)
    parser.add_argument("--samples", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeats-large", type=int, default=1)
    parser.add_argument("--pictures", type=int, default=5000, help="0 to skip the large run")
    parser.add_argument("--backend", choices=("wasm", "webgl", "cpu"), default=None)
    parser.add_argument("--not-isolated", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    started = time.monotonic()
    before = harness.machine()
    timings = []
    with (
        tempfile.TemporaryDirectory() as work,
        BenchServer(Path(work) / "data") as server,
        harness.chromium() as browser,
    ):
        backbone = harness.default_backbone(server)
        embeddings = harness.cached_embeddings(args.data, backbone)
        if args.classes > len(embeddings.classes):
            raise SystemExit(f"{args.data} has only {len(embeddings.classes)} classes")
        isolated = not args.not_isolated
        page = harness.open_bench_page(browser, server, args.backend, isolated=isolated)
        harness.set_dataset(page, server, embeddings, classes=args.classes)
        # TF.js compiles kernels and sizes its memory on first use: keep that out of the times.
        warm_plain, _ = rows_for(embeddings, 2, args.classes)
        for method in METHODS:
            page.evaluate(
                "(args) => window.bench.headSpeed(args)",
                {"plainRows": warm_plain, "mirroredRows": [], "method": method},
            )
        photos_per_class = int(np.bincount(embeddings.labels).min())
        for per_class in args.samples:
            plain, mirrored = rows_for(embeddings, per_class, args.classes)
            repeats = args.repeats_large if per_class > photos_per_class else args.repeats
            for repeat in range(repeats):
                order = METHODS if repeat % 2 == 0 else tuple(reversed(METHODS))
                for method in order:
                    answer = page.evaluate(
                        "(args) => window.bench.headSpeed(args)",
                        {
                            "plainRows": plain,
                            "mirroredRows": mirrored,
                            "method": method,
                            "seed": repeat,
                        },
                    )
                    timings.append(
                        {"samples": per_class, "repeat": repeat, "method": method, **answer}
                    )
                    print(
                        f"  {per_class}/class repeat {repeat} {method}: {answer['trainMs']:.0f} ms",
                        flush=True,
                    )
        large = []
        if args.pictures:
            pictures = large_rows(embeddings, args.pictures, args.classes)
            for repeat in range(args.repeats):
                # Today's recipe against 40 full-batch passes (the recipe before), in turn.
                recipes = RECIPES if repeat % 2 == 0 else tuple(reversed(RECIPES))
                for trainer, recipe in [(t, r) for t in LARGE_TRAINERS for r in recipes]:
                    if trainer == "trainHead":
                        job = {"plainRows": pictures, "mirroredRows": pictures}
                        call = "(args) => window.bench.headSpeed(args)"
                        job |= {"method": "snapclass", "seed": repeat, "recipe": recipe}
                    else:
                        job = {"pictureRows": pictures, "seed": repeat, "recipe": recipe}
                        call = "(args) => window.bench.projectHeadSpeed(args)"
                    answer = page.evaluate(call, job)
                    large.append({"trainer": trainer, "recipe": recipe, **answer})
                    print(
                        f"  {args.pictures} pictures repeat {repeat} {trainer} {recipe}: "
                        f"{answer['trainMs']:.0f} ms",
                        flush=True,
                    )
        threads = page.evaluate("window.bench.wasmThreadedBuild")
        chromium_version = browser.version
        tfjs = page.evaluate("window.bench.tfjs")
    results = []
    for per_class in args.samples:
        mine = [t for t in timings if t["samples"] == per_class]
        ms = {m: [t["trainMs"] for t in mine if t["method"] == m] for m in METHODS}
        ratios = [tm / ours for tm, ours in zip(ms["tm"], ms["snapclass"], strict=True)]
        results.append(
            {
                "samples_per_class": per_class,
                "classes": args.classes,
                "rows": mine[0]["rows"],
                "snapclass_ms_median": round(float(np.median(ms["snapclass"])), 1),
                "tm_ms_median": round(float(np.median(ms["tm"])), 1),
                "ratio_median": round(float(np.median(ratios)), 2),
                "ratio_min": round(float(np.min(ratios)), 2),
                "repeats": len(ratios),
            }
        )
    verdicts = [
        harness.target_line(
            f"Snapclass's trainer at least {SPEED_TARGET:.0f}x faster, "
            f"{r['samples_per_class']}/class",
            r["ratio_median"] >= SPEED_TARGET,
            f"{r['ratio_median']:.1f}x (lowest repeat {r['ratio_min']:.1f}x)",
        )
        for r in results
    ]
    large_summary = []
    for trainer in LARGE_TRAINERS if large else ():
        ms = {
            r: [a["trainMs"] for a in large if a["trainer"] == trainer and a["recipe"] == r]
            for r in RECIPES
        }
        ratios = [old / new for new, old in zip(ms["batched"], ms["full-batch"], strict=True)]
        large_summary.append(
            {
                "trainer": trainer,
                "rows": next(a["rows"] for a in large if a["trainer"] == trainer),
                "batched_ms_median": round(float(np.median(ms["batched"])), 1),
                "batched_ms_range": [round(min(ms["batched"])), round(max(ms["batched"]))],
                "full_batch_ms_median": round(float(np.median(ms["full-batch"])), 1),
                "speedup_median": round(float(np.median(ratios)), 2),
            }
        )
        verdicts.append(
            harness.target_line(
                f"{trainer} under {LARGE_TARGET_MS / 1000:.0f} s for {args.pictures} pictures",
                large_summary[-1]["batched_ms_median"] < LARGE_TARGET_MS,
                f"{large_summary[-1]['batched_ms_median']:.0f} ms (median of {len(ratios)}; "
                f"full-batch {large_summary[-1]['full_batch_ms_median']:.0f} ms, "
                f"{large_summary[-1]['speedup_median']:.1f}x faster now)",
            )
        )
    backend = timings[0]["backend"] if timings else None
    payload = {
        "results": results,
        "timings": timings,
        "large": {"pictures": args.pictures, "summary": large_summary, "timings": large},
        "targets": verdicts,
        "settings": {"data": str(args.data), "backbone_id": backbone["id"]},
        "environment": {
            **before,
            "load_average_after": harness.machine()["load_average"],
            "chromium": chromium_version,
            "tfjs": tfjs,
            "backend": backend,
            "cross_origin_isolated": not args.not_isolated,
            "wasm_threads": threads,
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    path = harness.write_results("head_speed", payload, args.json)
    print()
    print(
        f"Head training time, {args.classes} classes (backend {backend}, "
        f"WASM threads {threads}, load {before['load_average'][0]})"
    )
    print(
        harness.markdown_table(
            ["samples/class", "rows", "snapclass ms", "tm ms", "tm / snapclass"],
            [
                [
                    r["samples_per_class"],
                    r["rows"],
                    r["snapclass_ms_median"],
                    r["tm_ms_median"],
                    f"{r['ratio_median']:.1f}x",
                ]
                for r in results
            ],
        )
    )
    if large_summary:
        print(f"{args.pictures} pictures (with their mirror images), today's recipe and before:")
        print(
            harness.markdown_table(
                ["trainer", "rows", "batched ms", "full-batch ms", "full-batch / batched"],
                [
                    [
                        r["trainer"],
                        r["rows"],
                        r["batched_ms_median"],
                        r["full_batch_ms_median"],
                        f"{r['speedup_median']:.1f}x",
                    ]
                    for r in large_summary
                ],
            )
        )
    print("Targets:")
    harness.print_targets(verdicts)
    print(f"JSON: {path}")


if __name__ == "__main__":
    main()
