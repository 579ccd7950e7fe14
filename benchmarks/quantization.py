"""Weight encodings of a backbone's TF.js export: download size, and embeddings in the page
against Keras float32 on real photos.

    python -m benchmarks.quantization [--data ../shared/data/clothing-dev]
        [--backbone efficientnet-lite0|mobilenetv2] [--photos 100] [--json FILE]

The backbone is exported once in float32 by the converter (converters/backbone.py, cached in
build/quantization/), then its weights are encoded again by tensorflowjs's own writer
(`write_weights` with a `quantization_dtype_map`, what `tensorflowjs_converter --quantize_*`
does) into one folder per encoding, with the same graph. The converter offers float16, and
affine uint8 and uint16 with one scale and offset per tensor (no per-channel option), each for
all weights or for weights named by pattern. Each encoding is loaded by the page's own
backbone.js in Chromium (the benchmark page, WASM) and embeds --photos photos of the set and
their mirror images; the cosine to Keras's float32 embeddings of the same photos
(benchmarks.harness.cached_embeddings) is reported, min and mean. Encodings that keep every
cosine >= 0.995 are candidates for share pages.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import harness
from benchmarks.fewshot import photo_urls
from benchmarks.harness import BenchServer

MIN_COSINE = 0.995
# Pointwise (1x1) convolution kernels: most of the weights of both networks.
POINTWISE = {
    "efficientnet-lite0": ["*expand_conv*/convolution/*", "*project_conv*/convolution/*",
                           "*head_conv*/convolution/*"],
    "mobilenetv2": ["*expand*/convolution/*", "*project*/convolution/*", "*Conv_1*/convolution/*"],
}  # fmt: skip


# uint8 only for the tensors it changes least: relative RMS error of the round trip below this.
LOW_ERROR = 0.02


def encodings(name: str, source: Path) -> dict[str, dict | None]:
    """Each encoding's tensorflowjs quantization_dtype_map (None: float32 as exported)."""
    return {
        "float32": None,
        "float16": {"float16": ["*"]},
        "uint16": {"uint16": ["*"]},
        "uint8": {"uint8": ["*"]},
        "uint8 pointwise, float16 rest": {"uint8": POINTWISE[name], "float16": True},
        f"uint8 where its error < {LOW_ERROR:.0%}, float16 rest": {
            "uint8": low_error_names(source, LOW_ERROR),
            "float16": True,
        },
    }


def low_error_names(source: Path, threshold: float) -> list[str]:
    """The weights whose uint8 round trip (tensorflowjs's own quantize and dequantize, one
    scale per tensor) changes them by less than `threshold` (RMS error over RMS value)."""
    from tensorflowjs import quantization
    from tensorflowjs.read_weights import read_weights

    model = json.loads((source / "model.json").read_text())
    names = []
    for group in read_weights(model["weightsManifest"], str(source)):
        for weight in group:
            data = weight["data"]
            packed, meta = quantization.quantize_weights(data, np.uint8)
            back = quantization.dequantize_weights(packed, meta, np.float32)
            error = np.sqrt(np.mean((back - data) ** 2) / max(np.mean(data**2), 1e-24))
            if error < threshold:
                names.append(weight["name"])
    return names


def float32_export(name: str) -> Path:
    """The backbone exported by the converter in float32 (once, in build/quantization/)."""
    from converters.backbone import export_backbone

    weights = {"efficientnet-lite0": "efficientnet-lite0", "mobilenetv2": "auto"}[name]
    return export_backbone(harness.BUILD / "quantization", weights, "float32")


def encode(source: Path, out: Path, dtype_map: dict | None) -> int:
    """The export in source, its weights written again with dtype_map into out; its bytes."""
    from tensorflowjs.read_weights import read_weights
    from tensorflowjs.write_weights import write_weights

    model = json.loads((source / "model.json").read_text())
    out.mkdir(parents=True)
    if dtype_map is None:
        for item in source.iterdir():
            shutil.copy(item, out / item.name)
    else:
        groups = read_weights(model["weightsManifest"], str(source))
        model["weightsManifest"] = write_weights(groups, str(out), quantization_dtype_map=dtype_map)
        (out / "model.json").write_text(json.dumps(model))
        shutil.copy(source / "metadata.json", out / "metadata.json")
    paths = [p for group in model["weightsManifest"] for p in group["paths"]]
    return sum((out / p).stat().st_size for p in paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=harness.DEFAULT_DATA)
    parser.add_argument(
        "--backbone", choices=tuple(harness.BACKBONE_ARCHITECTURES), default="efficientnet-lite0"
    )
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    started = time.monotonic()
    before = harness.machine()
    source = float32_export(args.backbone)
    metadata = json.loads((source / "metadata.json").read_text())
    results = []
    with (
        tempfile.TemporaryDirectory() as work,
        BenchServer(Path(work) / "data") as server,
        harness.chromium() as browser,
    ):
        embeddings = harness.cached_embeddings(
            args.data, harness.named_backbone(server, args.backbone)
        )
        rng = np.random.default_rng(2024)
        rows = sorted(rng.choice(len(embeddings.files), size=args.photos, replace=False).tolist())
        urls = photo_urls(server, embeddings, rows)
        page = harness.open_bench_page(browser, server, "wasm")
        for number, (encoding, dtype_map) in enumerate(encodings(args.backbone, source).items()):
            folder = Path(work) / f"encoding-{number}"
            size = encode(source, folder, dtype_map)
            answer = page.evaluate(
                "(args) => window.bench.embed(args)",
                {"backboneUrl": server.mount(f"encoding-{number}", folder), "urls": urls,
                 "mirrored": True},
            )  # fmt: skip
            vectors = harness.floats_from_base64(answer["vectors"], embeddings.dim)
            both = np.concatenate(
                [
                    harness.cosines(vectors[0::2], embeddings.plain[rows]),
                    harness.cosines(vectors[1::2], embeddings.mirrored[rows]),
                ]
            )
            results.append(
                {
                    "encoding": encoding,
                    "dtype_map": dtype_map,
                    "weights_bytes": size,
                    "cosine_min": round(float(both.min()), 5),
                    "cosine_mean": round(float(both.mean()), 5),
                    "cosine_p01": round(float(np.quantile(both, 0.01)), 5),
                    "keeps_embeddings": bool(both.min() >= MIN_COSINE),
                    "backend": answer["backend"],
                }
            )
            print(
                f"  {encoding}: {size / 1e6:.2f} MB, cosine to Keras float32 min "
                f"{both.min():.5f} mean {both.mean():.5f}",
                flush=True,
            )
    payload = {
        "backbone": {k: metadata[k] for k in ("id", "name", "architecture", "weights_source")},
        "photos": args.photos,
        "vectors": 2 * args.photos,
        "data": str(args.data),
        "results": results,
        "environment": {
            **before,
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    default_path = harness.RESULTS / f"quantization-{args.backbone}.json"
    path = harness.write_results("quantization", payload, args.json or default_path)
    print()
    print(
        harness.markdown_table(
            ("encoding", "weights MB", "cosine min", "cosine mean", f">= {MIN_COSINE}"),
            [
                (
                    r["encoding"],
                    f"{r['weights_bytes'] / 1e6:.2f}",
                    f"{r['cosine_min']:.5f}",
                    f"{r['cosine_mean']:.5f}",
                    "yes" if r["keeps_embeddings"] else "no",
                )
                for r in results
            ],
        )
    )
    print(f"JSON: {path} ({math.ceil(payload['environment']['seconds'])} s)")


if __name__ == "__main__":
    main()
