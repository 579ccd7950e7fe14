"""Check the Keras EfficientNet-Lite0 block by block against a PyTorch implementation of it.

The PyTorch side is written here from the architecture (not taken from the Keras rebuild), loads
the wheel's .pth with torch.load and `load_state_dict(strict=True)`, and is fed the raw pictures
scaled by (x - 127)/128, while the Keras backbone gets the project's x/127.5 - 1: the input affine
inside the Keras model is under test too. For each of the stem, the 16 blocks, the head and the
pooled embedding it prints the largest absolute difference, that difference relative to the
largest PyTorch value, and the smallest per-picture cosine; then whether both give the same ImageNet
top-1 with the checkpoint's classifier.

It also says why the Keras model pads and scales as it does: the PyTorch network's ImageNet top-1
on the same photos with TF-'same' or symmetric padding, and (x-127)/128 or ImageNet mean/std
scaling, counted as the share of photos whose top-1 is a garment, shoe or hat class.

Needs PyTorch, which the project does not install: give a Python that has it (torch, numpy,
pillow). Run with the project's Python from the repository root:

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy pillow
    .venv/bin/python -m benchmarks.efficientnet_check PHOTOS \\
        --torch-python /tmp/torchenv/bin/python [--per-class 10]

PHOTOS is a folder with one sub-folder of photos per class (benchmarks/README.md names the one
measured).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# ImageNet classes that are garments, shoes, bags or hats (of the 1000 in the usual order).
CLOTHING_CLASSES = {
    399, 400, 411, 433, 445, 451, 452, 457, 459, 465, 474, 502, 514, 515, 518, 529, 552, 568,
    578, 601, 608, 610, 614, 617, 630, 638, 639, 643, 652, 655, 667, 689, 697, 735, 770, 774,
    793, 808, 834, 841, 842, 869, 906,
}  # fmt: skip

# The PyTorch reference, run by the torch Python: argv = weights .pth, pictures .npz, out .npz.
TORCH_REFERENCE = r"""
import sys
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
          (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
          (1, 3, 1, 6, 192, 320)]


def pad(x, kernel, stride, tf_same):
    if kernel == 1:
        return x
    if not tf_same or stride == 1:
        p = (kernel - 1) // 2
        return F.pad(x, (p, p, p, p))
    size = x.shape[-1]
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))


class Block(nn.Module):
    def __init__(self, kernel, stride, expand, cin, cout):
        super().__init__()
        mid = cin * expand
        self.kernel, self.stride, self.expand = kernel, stride, expand
        self.skip = stride == 1 and cin == cout
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=1e-3)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=1e-3)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x, tf_same):
        y = x
        if self.expand != 1:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(pad(y, self.kernel, self.stride, tf_same))))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


class EfficientNetLite0(nn.Module):
    def __init__(self):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        blocks = []
        for repeats, kernel, stride, expand, cin, cout in STAGES:
            for i in range(repeats):
                blocks.append(Block(kernel, stride if i == 0 else 1, expand,
                                    cin if i == 0 else cout, cout))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x, tf_same=True):
        outputs = []
        x = F.relu6(self._bn0(self._conv_stem(pad(x, 3, 2, tf_same))))
        outputs.append(x)
        for block in self._blocks:
            x = block(x, tf_same)
            outputs.append(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        outputs.append(x)
        pooled = x.mean(dim=(2, 3))
        outputs.append(pooled)
        return outputs, self._fc(pooled)


torch.set_num_threads(2)
weights, pictures, out = sys.argv[1:]
model = EfficientNetLite0().eval()
state = torch.load(weights, map_location="cpu", weights_only=True)
model.load_state_dict(state, strict=True)
raw = torch.from_numpy(np.load(pictures)["pixels"]).permute(0, 3, 1, 2).float()  # 0..255 RGB
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255
result = {}
with torch.no_grad():
    for scaling, x in (("x-127/128", (raw - 127) / 128), ("imagenet-mean-std", (raw - mean) / std)):
        for padding in ("tf-same", "symmetric"):
            outputs, logits = model(x, tf_same=padding == "tf-same")
            result[f"top1 {scaling} {padding}"] = logits.argmax(1).numpy()
            if (scaling, padding) == ("x-127/128", "tf-same"):
                for index, value in enumerate(outputs):
                    array = value.numpy()
                    if array.ndim == 4:
                        array = array.transpose(0, 2, 3, 1)  # NCHW -> Keras's NHWC
                    result[f"out{index}"] = array
np.savez(out, **result)
"""


def load_pictures(root: Path, per_class: int) -> np.ndarray:
    """The first per_class photos of each class, centre square, 224 bilinear: float32 0..255."""
    from benchmarks.embed_folder import list_images, load_pictures

    classes, items = list_images(root)
    chosen, seen = [], dict.fromkeys(range(len(classes)), 0)
    for rel, label in items:
        if seen[label] < per_class:
            seen[label] += 1
            chosen.append(rel)
    return load_pictures(root, chosen, 224)


def keras_outputs(pixels: np.ndarray) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """(layer names, their outputs, ImageNet top-1) of the Keras backbone on x/127.5 - 1."""
    import keras

    from converters import efficientnet_lite
    from converters.backbone import build_backbone
    from converters.torch_state import read_state_dict

    model, info = build_backbone("efficientnet-lite0")
    names = efficientnet_lite.block_output_names(model)
    probe = keras.Model(model.input, [model.get_layer(name).output for name in names])
    outputs = [np.asarray(o) for o in probe.predict(pixels / 127.5 - 1, batch_size=20, verbose=0)]
    kernel, bias = efficientnet_lite.classifier_weights(read_state_dict(info.path))
    return names, outputs, np.argmax(outputs[-1] @ kernel + bias, axis=1)


def torch_outputs(torch_python: str, pixels: np.ndarray) -> dict[str, np.ndarray]:
    from converters.weights import resolve_weights

    path = resolve_weights("efficientnet-lite0").path
    with tempfile.TemporaryDirectory() as work:
        pictures, out = Path(work) / "pictures.npz", Path(work) / "out.npz"
        np.savez(pictures, pixels=pixels)
        run = subprocess.run(
            [torch_python, "-c", TORCH_REFERENCE, str(path), str(pictures), str(out)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            sys.exit(f"the PyTorch reference failed:\n{run.stderr[-3000:]}")
        with np.load(out) as stored:
            return dict(stored)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.efficientnet_check")
    parser.add_argument("folder", type=Path, help="class-per-folder photos")
    parser.add_argument("--torch-python", required=True, help="a Python with torch installed")
    parser.add_argument("--per-class", type=int, default=10)
    args = parser.parse_args(argv)

    pixels = load_pictures(args.folder, args.per_class)
    names, ours, our_top1 = keras_outputs(pixels)
    theirs = torch_outputs(args.torch_python, pixels)
    print(f"{len(pixels)} photos from {args.folder}")
    print(f"{'output':<22}{'shape':>16}{'max |diff|':>12}{'relative':>10}{'min cosine':>12}")
    for index, (name, mine) in enumerate(zip(names, ours, strict=True)):
        reference = theirs[f"out{index}"]
        diff = float(np.abs(mine - reference).max())
        relative = diff / float(np.abs(reference).max())
        shape = "x".join(str(n) for n in reference.shape[1:])
        cosine = cosines(mine, reference).min()
        print(f"{name:<22}{shape:>16}{diff:>12.2e}{relative:>10.1e}{cosine:>12.7f}")
    reference_top1 = theirs["top1 x-127/128 tf-same"]
    print(f"ImageNet top-1 equal, Keras vs PyTorch: {np.mean(our_top1 == reference_top1):.1%}")
    print("PyTorch ImageNet top-1 in a garment/shoe/hat class, by input scaling and padding:")
    for key in sorted(k for k in theirs if k.startswith("top1 ")):
        share = np.mean([label in CLOTHING_CLASSES for label in theirs[key]])
        agree = np.mean(theirs[key] == reference_top1)
        print(f"  {key[5:]:<30} {share:6.1%}   (same top-1 as the Keras choice: {agree:.1%})")


if __name__ == "__main__":
    main()
