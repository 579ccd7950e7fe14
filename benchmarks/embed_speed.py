"""Embedding speed: the backbone in Chromium (each backend, each quantisation) beside TensorFlow.

    python -m benchmarks.embed_speed --data ../shared/data/clothing-dev [--photos 24]
        [--rounds 3] [--backends wasm webgl wasm-single] [--accuracy-photos 20] [--json FILE]

Speed: the same photos go through the same MobileNetV2 in rounds, one configuration after the
other inside each round so that the machine's load falls on all of them alike: TensorFlow on the
CPU in this process (Keras float32, one photo per call, then all of them in one call of up to
32), then the studio's backbone.js in Chromium, one photo per call, with the float16 export the
studio loads and a float32 export of the same weights, on WASM and WebGL in a cross-origin
isolated page as the app serves the studio (so WASM runs TF.js's threaded build), and on WASM in
a page without isolation ("wasm-single": one thread, as the app's pages ran before). A photo's
time is its preprocessing and forward pass (photos are decoded before the clock starts, in
both). Reported: photos per second, the median over rounds, and the median over rounds of the
ratio to TensorFlow one photo per call, measured in the same round.

Preparing pictures as the studio does: each photo and its mirror image through the studio's
pool of Web Workers (`offThread.js`: one, then two side by side, WASM, float16), the whole set's
wall time, against TensorFlow embedding each photo with its mirror image in one call (both cores).

Accuracy each quantisation costs: on WASM the page embeds `--accuracy-photos` photos of each
class (picture and mirror, as the studio does); the studio's head is then trained and scored on
those vectors and, on the same draws, on the Keras vectors of the same photos (benchmarks.fewshot
at 10 shots). The cost is the paired difference in accuracy.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import harness
from benchmarks.embed_folder import load_square
from benchmarks.fewshot import photo_urls, support_split
from benchmarks.harness import BenchServer, Embeddings
from converters.preprocessing import OFFSET, SCALE

EXTRA_BACKBONES = harness.BUILD / "benchmarks" / "backbones"
TF_BATCH = 32
ACCURACY_SHOTS = 10
# Browser configurations: name -> (TF.js backend, cross-origin isolated page).
PAGE_SETTINGS = {"wasm": ("wasm", True), "webgl": ("webgl", True), "wasm-single": ("wasm", False)}
THROUGHPUT_TARGET = 1.0  # the studio's WASM at least as fast as TensorFlow-on-CPU
PAIR = "pair"  # a photo and its mirror image, as the studio prepares every picture
# The studio's pool sizes timed (offThread.js workerCount: 2 from two cores on).
POOL_SIZES = (1, 2)


def tensorflow_embedder(backbone: dict):
    """(embed(squares, batch) -> ms per photo, info) for the Keras model of these weights."""
    import tensorflow as tf

    from converters.backbone import build_backbone

    model, _ = build_backbone(backbone["weights_source"], backbone["input_size"])
    size = backbone["input_size"]
    infer = tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)],
    )

    def prepare(squares):
        # square_picture's resize and scaling as TensorFlow ops, inside the timed call: the
        # page's time per picture includes its own resize (backbone.js squarePixels), so the
        # reference's does too (tests/test_finetune_data.py: the same numbers as NumPy's).
        resized = [tf.image.resize(s, (size, size), antialias=False) for s in squares]
        return tf.stack(resized) * SCALE + OFFSET

    def embed(squares: list[np.ndarray], batch: int | str) -> list[float]:
        """ms per photo; batch PAIR: each photo with its mirror image in one call, as the
        studio prepares a picture."""
        if batch == PAIR:
            squares = [image for square in squares for image in (square, square[:, ::-1])]
            return [a + b for a, b in zip(*[iter(embed(squares, 2))] * 2, strict=True)]
        ms = []
        for start in range(0, len(squares), batch):
            chunk = squares[start : start + batch]
            began = time.perf_counter()
            infer(prepare(chunk)).numpy()
            ms += [1000 * (time.perf_counter() - began) / len(chunk)] * len(chunk)
        return ms

    # Trace the batch shapes and let the thread pools start before anything is timed.
    warm = [np.zeros((size, size, 3), np.uint8)] * TF_BATCH
    embed(warm[:1], 1)
    embed(warm[:1], PAIR)
    embed(warm, TF_BATCH)
    info = {
        "tensorflow": tf.__version__,
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or "all cores",
    }
    return embed, info


def float32_backbone(backbone: dict) -> dict:
    """A float32 export of the default backbone's weights (kept in build/benchmarks/backbones,
    apart from build/backbones so the studio's default stays what it is)."""
    from converters.backbone import export_backbone

    folder = export_backbone(EXTRA_BACKBONES, backbone["weights_source"], "float32")
    return {"folder": folder, **json.loads((folder / "metadata.json").read_text())}


def browser_speed(page, backbone_url: str, urls: list[str]) -> dict:
    answer = page.evaluate(
        "(args) => window.bench.embed(args)",
        {"backboneUrl": backbone_url, "urls": urls, "keep": False, "warm": True},
    )
    return answer


def pool_speed(page, backbone_url: str, urls: list[str], workers: int) -> list[float]:
    """The studio's worker pool preparing the photos (picture and mirror), `workers` side by
    side: the set's wall time spread evenly over its photos, ms per photo."""
    answer = page.evaluate(
        "(args) => window.bench.poolEmbed(args)",
        {"backboneUrl": backbone_url, "urls": urls, "workers": workers},
    )
    return [answer["ms"] / len(urls)] * len(urls)


def speed_rounds(pages, backbone_urls, tf_embed, squares, urls, rounds, webgl_photos) -> list:
    """Every configuration once per round; returns rows of per-round photos/s."""
    rows = []
    for round_index in range(rounds):
        for batch in (1, min(TF_BATCH, len(squares)), PAIR):
            ms = tf_embed(squares, batch)
            rows.append(("tensorflow-cpu", "float32", batch, round_index, ms))
        for backend, page in pages.items():
            count = webgl_photos if backend == "webgl" else len(urls)
            for quantization, url in backbone_urls.items():
                answer = browser_speed(page, url, urls[:count])
                rows.append((f"chromium-{backend}", quantization, 1, round_index, answer["ms"]))
        if "wasm" in pages:
            url = next(iter(backbone_urls.values()))  # the studio's default quantisation
            for workers in POOL_SIZES:
                ms = pool_speed(pages["wasm"], url, urls, workers)
                rows.append((f"studio-workers-x{workers}", "float16", PAIR, round_index, ms))
        print(f"  round {round_index + 1}/{rounds} done", flush=True)
    return rows


def speed_table(rows) -> list[dict]:
    """Median photos/s over rounds, and the median of per-round ratios to TF with the same
    work per photo: one picture per call, or a picture and its mirror (PAIR)."""
    reference = {
        (r[3], r[2] == PAIR): 1000 / np.mean(r[4])
        for r in rows
        if r[0] == "tensorflow-cpu" and r[2] in (1, PAIR)
    }
    results = []
    for engine, quantization, batch in dict.fromkeys((r[0], r[1], r[2]) for r in rows):
        mine = [r for r in rows if (r[0], r[1], r[2]) == (engine, quantization, batch)]
        per_round = [1000 / np.mean(r[4]) for r in mine]
        ratios = [1000 / np.mean(r[4]) / reference[r[3], r[2] == PAIR] for r in mine]
        results.append(
            {
                "engine": engine,
                "quantization": quantization,
                "batch": batch,
                "photos_per_round": len(mine[0][4]),
                "images_per_second": round(float(np.median(per_round)), 2),
                "ms_per_image_median": round(
                    float(np.median(np.concatenate([r[4] for r in mine]))), 1
                ),
                "ratio_to_tensorflow": round(float(np.median(ratios)), 3),
                "rounds": len(mine),
            }
        )
    return results


def accuracy_cost(page, server, embeddings: Embeddings, backbone_urls, per_class, shots, seeds):
    """Per quantisation: cosine to Keras, and the studio head's accuracy on the page's vectors
    against the Keras vectors of the same photos, same draws (paired)."""
    rng = np.random.default_rng(2024)
    subset = np.sort(
        np.concatenate(
            [
                rng.choice(np.flatnonzero(embeddings.labels == c), per_class, replace=False)
                for c in range(len(embeddings.classes))
            ]
        )
    )
    labels = embeddings.labels[subset]
    urls = photo_urls(server, embeddings, subset)
    sources = {"keras-float32": (embeddings.plain[subset], embeddings.mirrored[subset])}
    cosine = {}
    for quantization, url in backbone_urls.items():
        answer = page.evaluate(
            "(args) => window.bench.embed(args)",
            {"backboneUrl": url, "urls": urls, "mirrored": True},
        )
        vectors = harness.floats_from_base64(answer["vectors"], embeddings.dim)
        sources[quantization] = (vectors[0::2], vectors[1::2])
        both = np.concatenate(
            [
                harness.cosines(vectors[0::2], embeddings.plain[subset]),
                harness.cosines(vectors[1::2], embeddings.mirrored[subset]),
            ]
        )
        cosine[quantization] = (float(both.min()), float(both.mean()))
    accuracy = {name: [] for name in sources}
    for name, (plain, mirrored) in sources.items():
        drawn = dataclasses.replace(embeddings, plain=plain, mirrored=mirrored, labels=labels)
        harness.set_dataset(page, server, drawn, prefix=f"acc-{name}-")
        for seed in range(seeds):
            support, test = support_split(labels, shots, seed)
            answer = page.evaluate(
                "(args) => window.bench.fewshot(args)",
                {
                    "support": support,
                    "test": test,
                    "split": "app",
                    "seed": seed,
                    "methods": ["snapclass-head"],
                },
            )
            predicted = np.asarray(answer["results"]["snapclass-head"]["predicted"])
            accuracy[name].append(float(np.mean(predicted == labels[test])))
    reference = np.asarray(accuracy["keras-float32"])
    results = []
    for name, values in accuracy.items():
        values = np.asarray(values)
        cost = 100 * (values - reference)
        results.append(
            {
                "embeddings": name,
                "cosine_min": round(cosine[name][0], 5) if name in cosine else 1.0,
                "cosine_mean": round(cosine[name][1], 5) if name in cosine else 1.0,
                "accuracy_mean": round(float(values.mean()), 4),
                "accuracy_sd": round(float(values.std(ddof=1)) if len(values) > 1 else 0.0, 4),
                "cost_points_mean": round(float(-cost.mean()), 2) + 0.0,
                "cost_points_sd": round(float(cost.std(ddof=1)) if len(cost) > 1 else 0.0, 2),
            }
        )
    return results, {"photos": len(subset), "shots": shots, "seeds": seeds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=harness.DEFAULT_DATA)
    parser.add_argument("--photos", type=int, default=24, help="per round and setting")
    parser.add_argument("--webgl-photos", type=int, default=3, help="software WebGL is slow")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=PAGE_SETTINGS,
        default=list(PAGE_SETTINGS),
        help="wasm-single: WASM on a page without cross-origin isolation (one thread)",
    )
    parser.add_argument("--accuracy-photos", type=int, default=20, help="per class; 0 skips")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.accuracy_photos and args.accuracy_photos <= ACCURACY_SHOTS:
        parser.error(f"--accuracy-photos must be above {ACCURACY_SHOTS} (the support photos)")

    started = time.monotonic()
    before = harness.machine()
    with (
        tempfile.TemporaryDirectory() as work,
        BenchServer(Path(work) / "data") as server,
        harness.chromium() as browser,
    ):
        default = harness.default_backbone(server)
        embeddings = harness.cached_embeddings(args.data, default)
        extra = float32_backbone(default)
        backbone_urls = {
            default["quantization"]: f"/backbones/{default['id']}/",
            extra["quantization"]: server.mount("float32", extra["folder"].parent)
            + extra["id"]
            + "/",
        }
        rng = np.random.default_rng(7)
        rows = sorted(rng.choice(len(embeddings.files), args.photos, replace=False).tolist())
        squares = [load_square(embeddings.root / embeddings.files[row]) for row in rows]
        urls = photo_urls(server, embeddings, rows)
        tf_embed, tf_info = tensorflow_embedder(default)
        pages, unavailable, page_info = {}, {}, {}
        for name in args.backends:
            backend, isolated = PAGE_SETTINGS[name]
            try:
                pages[name] = harness.open_bench_page(browser, server, backend, isolated)
            except RuntimeError as error:
                unavailable[name] = str(error)
                continue
            page_info[name] = pages[name].evaluate(
                "({backend: window.bench.backend, renderer: window.bench.renderer,"
                " threadedBuild: window.bench.wasmThreadedBuild,"
                " isolated: window.bench.crossOriginIsolated})"
            )
        print(f"Timing {args.rounds} rounds of {args.photos} photos ...", flush=True)
        timings = speed_rounds(
            pages, backbone_urls, tf_embed, squares, urls, args.rounds, args.webgl_photos
        )
        speed = speed_table(timings)
        accuracy, accuracy_settings = [], {}
        if args.accuracy_photos and "wasm" in pages:
            print("Embedding photos for the accuracy comparison ...", flush=True)
            accuracy, accuracy_settings = accuracy_cost(
                pages["wasm"],
                server,
                embeddings,
                backbone_urls,
                args.accuracy_photos,
                ACCURACY_SHOTS,
                args.seeds,
            )
        chromium_version = browser.version
    wasm = next(
        (r for r in speed if r["engine"] == "chromium-wasm" and r["quantization"] == "float16"),
        None,
    )
    tf_best = max(
        (r for r in speed if r["engine"] == "tensorflow-cpu" and r["batch"] != PAIR),
        key=lambda r: r["images_per_second"],
    )
    pool = next((r for r in speed if r["engine"] == f"studio-workers-x{POOL_SIZES[-1]}"), None)
    verdicts = []
    if pool:
        verdicts.append(
            harness.target_line(
                f"the studio preparing pictures at least {THROUGHPUT_TARGET}x TensorFlow-on-CPU",
                pool["ratio_to_tensorflow"] >= THROUGHPUT_TARGET,
                f"{pool['ratio_to_tensorflow']:.2f}x TF on the same photos and mirror images "
                f"({pool['engine']}, WASM)",
            )
        )
    if wasm:
        best_ratio = wasm["images_per_second"] / tf_best["images_per_second"]
        verdicts.append(
            harness.target_line(
                f"one WASM backbone, one photo per call, at least {THROUGHPUT_TARGET}x TF",
                wasm["ratio_to_tensorflow"] >= THROUGHPUT_TARGET,
                f"{wasm['ratio_to_tensorflow']:.2f}x TF one photo per call; "
                f"{best_ratio:.2f}x TF at its best ({tf_best['batch']} per call)",
            )
        )
    payload = {
        "speed": speed,
        "accuracy": accuracy,
        "targets": verdicts,
        "unavailable_backends": unavailable,
        "settings": {
            "data": str(args.data),
            "photos": args.photos,
            "webgl_photos": args.webgl_photos,
            "rounds": args.rounds,
            "backbones": {q: u for q, u in backbone_urls.items()},
            "backbone_id": default["id"],
            "accuracy": accuracy_settings,
        },
        "environment": {
            **before,
            "load_average_after": harness.machine()["load_average"],
            "chromium": chromium_version,
            "pages": page_info,
            **tf_info,
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    path = harness.write_results("embed_speed", payload, args.json)
    print()
    print(
        f"Embedding speed, photos/s (median of {args.rounds} rounds; "
        f"load {before['load_average'][0]})"
    )
    print(
        harness.markdown_table(
            ["engine", "weights", "photos per call", "photos/s", "ms/photo", "vs TF, same work"],
            [
                [
                    r["engine"],
                    r["quantization"],
                    r["batch"],
                    r["images_per_second"],
                    r["ms_per_image_median"],
                    f"{r['ratio_to_tensorflow']:.2f}x",
                ]
                for r in speed
            ],
        )
    )
    for backend, reason in unavailable.items():
        print(f"{backend}: unavailable ({reason})")
    if accuracy:
        print()
        print(
            f"Accuracy each quantisation costs (snapclass-head, 10 shots, "
            f"{accuracy_settings['photos']} photos, {args.seeds} seeds, paired)"
        )
        print(
            harness.markdown_table(
                ["embeddings", "cosine to Keras min / mean", "accuracy %", "cost (points)"],
                [
                    [
                        r["embeddings"],
                        f"{r['cosine_min']:.4f} / {r['cosine_mean']:.4f}",
                        f"{100 * r['accuracy_mean']:.1f} ± {100 * r['accuracy_sd']:.1f}",
                        f"{r['cost_points_mean']:+.2f} ± {r['cost_points_sd']:.2f}",
                    ]
                    for r in accuracy
                ],
            )
        )
    print("Targets:")
    harness.print_targets(verdicts)
    print(f"JSON: {path}")


if __name__ == "__main__":
    main()
