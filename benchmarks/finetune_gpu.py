"""Fine-tuning speed on one GPU: Snapclass's Keras loop beside a plain PyTorch loop, one run.

Runs `server.finetune.train.train` (the loop every fine-tuning job runs: PyDataset batches,
augmentation layers, AdamW, top 3 blocks unfrozen, BatchNorm frozen, mixed float16 on a GPU) with
KERAS_BACKEND=jax or torch on synthetic pictures, then a plain PyTorch training loop of the same
MobileNetV2 (same trainable layers, batch, picture size, precision, comparable augmentation:
mirror, zoom/shift crop, brightness/contrast) on the same device in the same process. Prints
images per second of each, their ratio, as a table and as one JSON line. The first step of each
loop (compiling, cuDNN set-up) is left out of the timing. Weights are random: speed does not
depend on them (and nothing trained here is kept).

Needs no TensorFlow: PyTorch (and JAX for --backend jax), Keras 3 and the server's light
dependencies (Flask, Flask-SQLAlchemy, Flask-Migrate, Pillow, h5py), which `import server` needs.

On a machine with one NVIDIA GPU (PyTorch and JAX installed, no network), from the repo root:

    # here, beforehand: wheels of what the GPU machine lacks (about 40 MB with numpy), carried
    # along; --python-version is the GPU machine's Python
    .venv/bin/pip download --only-binary=:all: --python-version 3.11 -d build/gpu-wheels \\
        keras==3.15.1 flask flask-sqlalchemy flask-migrate pillow h5py
    # there:
    pip install --no-index --find-links build/gpu-wheels keras flask flask-sqlalchemy \\
        flask-migrate pillow h5py
    python benchmarks/finetune_gpu.py --backend jax --steps 50
    python benchmarks/finetune_gpu.py --backend torch --steps 50

CPU smoke test here (torch 2.13.0 CPU in its own venv, never in the project's):

    python3 -m venv /tmp/gpuvenv && /tmp/gpuvenv/bin/pip install torch==2.13.0 keras==3.15.1 \\
        flask flask-sqlalchemy flask-migrate pillow h5py 'numpy<2.2'
    /tmp/gpuvenv/bin/python benchmarks/finetune_gpu.py --backend torch --device cpu --steps 2 \\
        --batch-size 4 --input-size 96
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UNFROZEN_BLOCKS = 3
LEARNING_RATE = 1e-4
WEIGHT_DECAY = 1e-4


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("jax", "torch"), default="jax")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--steps", type=int, default=50, help="timed steps of each loop")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--precision", choices=("auto", "mixed", "float32"), default="auto")
    parser.add_argument("--classes", type=int, default=10)
    return parser.parse_args(argv)


def prepare_environment(args: argparse.Namespace) -> None:
    """Backend and device choices must be made before Keras, JAX or PyTorch are imported."""
    os.environ["KERAS_BACKEND"] = args.backend
    # JAX takes 75 % of the GPU's memory at start by default; the PyTorch loop needs some too.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
        os.environ["JAX_PLATFORMS"] = "cpu"
    sys.path.insert(0, str(REPO))


def synthetic_pictures(args: argparse.Namespace):
    """(Labelled pictures, training images per epoch): a whole number of batches, plus the
    split's validation pictures, in `classes` classes of coloured noise."""
    import numpy as np

    from server.finetune.dataset import Labelled, validation_count

    wanted = (args.steps + 1) * args.batch_size  # +1: the first step is not timed
    per_class = math.ceil(wanted / args.classes)
    while True:
        trained = args.classes * (per_class - validation_count(per_class))
        if trained >= wanted and trained % args.batch_size == 0:
            break
        per_class += 1
    rng = np.random.default_rng(0)
    count, size = args.classes * per_class, args.input_size
    labels = np.repeat(np.arange(args.classes, dtype=np.int32), per_class)
    tint = rng.integers(0, 256, (args.classes, 1, 1, 3))
    images = (rng.integers(0, 64, (count, size, size, 3)) + tint[labels] * 0.75).astype(np.float32)
    names = [{"class_id": c, "name": f"class {c}"} for c in range(args.classes)]
    return Labelled(images, labels, [f"s{i:06d}" for i in range(count)], names), trained


def run_keras(args: argparse.Namespace, data) -> dict:
    """The fine-tuning jobs' own loop, one epoch; its speed as the job measures it."""
    import keras

    from server.finetune.settings import FinetuneSettings
    from server.finetune.train import train

    settings = FinetuneSettings(
        epochs=1,
        batch_size=args.batch_size,
        learning_rate=LEARNING_RATE,
        input_size=args.input_size,
        unfreeze_blocks=UNFROZEN_BLOCKS,
        precision=args.precision,
    )
    started = time.monotonic()
    trained = train(data, settings, None, None, lambda progress: None, lambda: False)
    metrics = trained.metrics
    return {
        "loop": "snapclass keras fine-tune",
        "backend": keras.backend.backend(),
        "precision": metrics["precision"],
        "compiled": not metrics["eager"],
        "images_per_second": metrics["images_per_second"],
        "timed_steps": metrics["train_count"] // args.batch_size - 1,
        "wall_seconds": round(time.monotonic() - started, 1),
    }


def torch_mobilenet_v2(num_classes: int):
    """MobileNetV2 1.0 as Keras builds it (17 inverted residual blocks, Conv_1 to 1280, average
    pooling), with Snapclass's head (unit-length embedding, one softmax layer)."""
    import torch
    from torch import nn

    def conv_bn(
        inputs: int, outputs: int, kernel: int, stride: int = 1, groups: int = 1, relu=True
    ):
        layers = [
            nn.Conv2d(inputs, outputs, kernel, stride, kernel // 2, groups=groups, bias=False),
            nn.BatchNorm2d(outputs, eps=1e-3, momentum=0.001),
        ]
        return nn.Sequential(*layers, *([nn.ReLU6(inplace=True)] if relu else []))

    class InvertedResidual(nn.Module):
        def __init__(self, inputs: int, outputs: int, stride: int, expansion: int):
            super().__init__()
            hidden = inputs * expansion
            layers = [conv_bn(inputs, hidden, 1)] if expansion != 1 else []
            layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden)]
            layers += [conv_bn(hidden, outputs, 1, relu=False)]
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and inputs == outputs

        def forward(self, x):
            return x + self.body(x) if self.residual else self.body(x)

    class MobileNetV2(nn.Module):
        # (expansion, channels, repeats, first stride): Keras's and the paper's table.
        TABLE = (
            (1, 16, 1, 1),
            (6, 24, 2, 2),
            (6, 32, 3, 2),
            (6, 64, 4, 2),
            (6, 96, 3, 1),
            (6, 160, 3, 2),
            (6, 320, 1, 1),
        )

        def __init__(self):
            super().__init__()
            self.stem = conv_bn(3, 32, 3, 2)
            blocks, channels = [], 32
            for expansion, outputs, repeats, stride in self.TABLE:
                for repeat in range(repeats):
                    first = stride if repeat == 0 else 1
                    blocks.append(InvertedResidual(channels, outputs, first, expansion))
                    channels = outputs
            self.blocks = nn.ModuleList(blocks)  # blocks[0] is Keras's expanded_conv
            self.top = conv_bn(channels, 1280, 1)  # Keras's Conv_1
            self.head = nn.Linear(1280, num_classes)

        def forward(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            embedding = self.top(x).mean(dim=(2, 3))
            return self.head(nn.functional.normalize(embedding, dim=1))

    model = MobileNetV2()
    model.requires_grad_(False)
    for module in (*model.blocks[-UNFROZEN_BLOCKS:], model.top, model.head):
        for name, parameter in module.named_parameters():
            # BatchNorm stays frozen (and in eval mode), as in the Keras loop.
            owner = module.get_submodule(name.rpartition(".")[0]) if "." in name else module
            parameter.requires_grad_(not isinstance(owner, nn.BatchNorm2d))
    return model.eval(), torch


def run_torch(args: argparse.Namespace, data, trained_count: int) -> dict:
    """A plain PyTorch loop: host batches to the device, augment, forward, backward, AdamW."""
    model, torch = torch_mobilenet_v2(args.classes)
    device = torch.device("cuda" if args.device == "cuda" and torch.cuda.is_available() else "cpu")
    mixed = args.precision == "mixed" or (args.precision == "auto" and device.type == "cuda")
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    scaler = torch.amp.GradScaler(device.type, enabled=mixed)
    loss_function = torch.nn.CrossEntropyLoss()
    images, labels = data.images[:trained_count], data.labels[:trained_count]

    def augment(x):
        """Mirror, zoom in 75-100 % and shift up to 10 %, brightness and contrast."""
        n = x.shape[0]
        scale = torch.empty(n, device=device).uniform_(0.75, 1.0)
        flip = torch.where(torch.rand(n, device=device) < 0.5, -1.0, 1.0)
        theta = torch.zeros(n, 2, 3, device=device)
        theta[:, 0, 0], theta[:, 1, 1] = scale * flip, scale
        theta[:, :, 2] = torch.empty(n, 2, device=device).uniform_(-0.2, 0.2)
        grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
        x = torch.nn.functional.grid_sample(x, grid, padding_mode="reflection", align_corners=False)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        contrast = torch.empty(n, 1, 1, 1, device=device).uniform_(0.85, 1.15)
        brightness = torch.empty(n, 1, 1, 1, device=device).uniform_(-25.5, 25.5)
        return ((x - mean) * contrast + mean + brightness).clamp(0, 255)

    def step(batch: int) -> None:
        rows = slice(batch * args.batch_size, (batch + 1) * args.batch_size)
        x = torch.from_numpy(images[rows]).to(device).permute(0, 3, 1, 2).float()
        y = torch.from_numpy(labels[rows]).to(device).long()
        x = augment(x) / 127.5 - 1
        with torch.autocast(device.type, dtype=torch.float16, enabled=mixed):
            logits = model(x)
        loss = loss_function(logits.float(), y)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    def synchronize() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    step(0)  # not timed, as the Keras loop's first step is not
    synchronize()
    started = time.monotonic()
    for batch in range(1, args.steps + 1):
        step(batch)
    synchronize()
    elapsed = time.monotonic() - started
    return {
        "loop": "plain pytorch",
        "backend": "torch",
        "precision": "float16 autocast" if mixed else "float32",
        "compiled": False,
        "images_per_second": round(args.steps * args.batch_size / elapsed, 2),
        "timed_steps": args.steps,
        "wall_seconds": round(elapsed, 1),
    }


def device_name(args: argparse.Namespace) -> str:
    import torch

    if args.device == "cuda" and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"cpu ({os.cpu_count()} cores)"


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    prepare_environment(args)
    data, trained_count = synthetic_pictures(args)
    keras_result = run_keras(args, data)
    torch_result = run_torch(args, data, trained_count)
    ratio = keras_result["images_per_second"] / torch_result["images_per_second"]
    report = {
        "device": device_name(args),
        "batch_size": args.batch_size,
        "input_size": args.input_size,
        "results": [keras_result, torch_result],
        "ratio_keras_to_pytorch": round(ratio, 3),
    }
    print(f"device: {report['device']}, batch {args.batch_size}, {args.input_size} px")
    print(f"{'loop':28} {'backend':8} {'precision':17} {'compiled':9} {'images/s':>10}")
    for row in report["results"]:
        print(
            f"{row['loop']:28} {row['backend']:8} {row['precision']:17} "
            f"{str(row['compiled']):9} {row['images_per_second']:>10.1f}"
        )
    print(f"ratio (keras / pytorch): {ratio:.2f}")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
