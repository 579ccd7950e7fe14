"""The fine-tuning loop, in Keras 3's backend-independent API only (no tf.*, jax.*, torch.*).

The same code trains with KERAS_BACKEND=tensorflow, jax or torch: NumPy batches from a
keras.utils.PyDataset, augmentation as Keras layers (active only while training), model.fit with
callbacks for progress, cancellation and early stopping.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from converters.classifier import classifier_network
from converters.head import Head
from converters.weights import WeightsInfo

from . import model as classifier
from .dataset import Labelled, held_out_digest, split
from .settings import FinetuneSettings

# Compiling a training step costs ~25 s on two CPU cores (TensorFlow, MobileNetV2 at 96 px),
# the price of ~10 eager steps: a job this short runs eagerly.
EAGER_MAX_STEPS = 16
PROGRESS_EVERY_S = 1.0
EMBED_BATCH = 32


class Cancelled(Exception):
    """The job was cancelled while it trained."""


@dataclass
class Trained:
    """A fine-tuned classifier (float32) with its scores and per-epoch history."""

    model: keras.Model
    metrics: dict[str, Any]
    history: list[dict[str, Any]]


class Batches(keras.utils.PyDataset):
    """Shuffled batches of (float32 pictures 0..255, label indices); reshuffled every epoch."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.images, self.labels = images, labels
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0
        self.order = self._order()

    def _order(self) -> np.ndarray:
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.labels))

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __getitem__(self, index: int):
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.images[rows], self.labels[rows]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._order()


def augmenter(seed: int) -> keras.Sequential:
    """Random crop (zoom in to 75-100 %, shift), mirror, light colour change; training only."""
    return keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomZoom((-0.25, 0.0), fill_mode="reflect", seed=seed + 1),
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 2),
            keras.layers.RandomBrightness(0.1, value_range=(0, 255), seed=seed + 3),
            keras.layers.RandomContrast(0.15, value_range=(0, 255), seed=seed + 4),
            keras.layers.RandomSaturation((0.4, 0.6), value_range=(0, 255), seed=seed + 5),
        ],
        name="augment",
    )


class Progress(keras.callbacks.Callback):
    """Reports progress (at most once a second, and after every epoch) and stops on cancel."""

    def __init__(self, report: Callable[[dict], None], cancelled: Callable[[], bool], base: dict):
        super().__init__()
        self.report, self.cancelled, self.base = report, cancelled, base
        self.history: list[dict[str, Any]] = []
        self.epoch = self.images = 0
        self.last = 0.0
        self.clock: float | None = None  # end of the first step
        self.latest = 0.0  # end of the latest step

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        now = self.latest = time.monotonic()
        if self.clock is None:
            self.clock = now  # the first step includes compiling; speed counts from here
        else:
            self.images += self.base["batch_size"]
        if now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            if self.cancelled():
                raise Cancelled()
            self.send(step=batch + 1, loss=float((logs or {}).get("loss", math.nan)))

    def on_epoch_end(self, epoch, logs=None):
        logs = {key: float(value) for key, value in (logs or {}).items()}
        entry = {
            "epoch": epoch + 1,
            "loss": logs.get("loss"),
            "accuracy": logs.get("accuracy"),
            "val_loss": logs.get("val_loss"),
            "val_accuracy": logs.get("val_accuracy"),
        }
        self.history.append(entry)
        self.send(step=self.base["steps"], loss=entry["loss"], val_accuracy=entry["val_accuracy"])
        if self.cancelled():
            raise Cancelled()

    def speed(self) -> float | None:
        """Training images per second after the first step (which includes compiling)."""
        elapsed = self.latest - (self.clock or self.latest)
        return round(self.images / elapsed, 2) if elapsed > 0 and self.images else None

    def send(self, **values) -> None:
        progress = {"phase": "training", "epoch": self.epoch + 1, **self.base, **values}
        self.report({**progress, "images_per_second": self.speed(), "history": self.history})


def embed(embedder: keras.Model, images: np.ndarray, eager: bool) -> np.ndarray:
    """Backbone embeddings of unaugmented pictures."""
    if not eager:
        return embedder.predict(images, batch_size=EMBED_BATCH, verbose=0)
    parts = [
        keras.ops.convert_to_numpy(embedder(images[i : i + EMBED_BATCH]))
        for i in range(0, len(images), EMBED_BATCH)
    ]
    return np.concatenate(parts)


def train(
    data: Labelled,
    settings: FinetuneSettings,
    weights: WeightsInfo | None,
    head: Head | None,
    report: Callable[[dict], None],
    cancelled: Callable[[], bool],
    export_size: int = 224,
) -> Trained:
    """Fine-tune a classifier on `data`; raises Cancelled when `cancelled()` turns true.

    Returns it in float32, taking export_size pictures (the backbone's size in the page).
    weights=None leaves the backbone random: for benchmarks, never for a model anyone sees.
    """
    keras.utils.set_random_seed(settings.seed)
    num_classes = len(data.class_labels)
    size = settings.input_size
    model, embedder = classifier_network(size, num_classes, head, weights)
    train_rows, val_rows = split(data.ids, data.labels, settings.seed)
    batch_size = min(settings.batch_size, len(train_rows))
    steps = math.ceil(len(train_rows) / batch_size)
    eager = settings.epochs * steps <= EAGER_MAX_STEPS
    report({"phase": "preparing"})

    embeddings = embed(embedder, data.images, eager)
    if head is None:
        classifier.start_head_from_class_means(
            model, embeddings[train_rows], data.labels[train_rows]
        )
    preprocess = head.preprocess if head else "l2"
    start_val_accuracy = classifier.head_accuracy(
        classifier.current_head(model, preprocess), embeddings[val_rows], data.labels[val_rows]
    )
    if cancelled():
        raise Cancelled()

    classifier.unfreeze_top_blocks(model, settings.unfreeze_blocks)
    mixed = settings.precision == "mixed" or (
        settings.precision == "auto" and classifier.gpu_present()
    )
    optimizer = keras.optimizers.AdamW(settings.learning_rate, weight_decay=1e-4)
    if mixed:
        classifier.use_mixed_precision(model)
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    image = keras.Input((size, size, 3), name="image")
    trainer = keras.Model(image, model(augmenter(settings.seed)(image)), name="trainer")
    trainer.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=eager,
    )
    validation = None
    if len(val_rows):
        validation = (data.images[val_rows], data.labels[val_rows])
    monitor = "val_loss" if validation else "loss"
    base = {"epochs": settings.epochs, "steps": steps, "batch_size": batch_size}
    progress = Progress(report, cancelled, base)
    stopping = keras.callbacks.EarlyStopping(
        monitor=monitor, patience=settings.patience, restore_best_weights=True
    )
    started = time.monotonic()
    trainer.fit(
        Batches(data.images[train_rows], data.labels[train_rows], batch_size, settings.seed),
        epochs=settings.epochs,
        validation_data=validation,
        validation_batch_size=batch_size,
        callbacks=[progress, stopping],
        verbose=0,
    )
    best = progress.history[stopping.best_epoch] if progress.history else {}
    metrics = {
        "val_accuracy": best.get("val_accuracy"),
        "val_loss": best.get("val_loss"),
        "train_accuracy": best.get("accuracy"),
        "start_val_accuracy": start_val_accuracy,
        "best_epoch": stopping.best_epoch + 1,
        "epochs_run": len(progress.history),
        "train_count": int(len(train_rows)),
        "val_count": int(len(val_rows)),
        "val_digest": held_out_digest([data.ids[row] for row in val_rows]),
        "train_seconds": round(time.monotonic() - started, 2),
        "images_per_second": progress.speed(),
        "precision": "mixed_float16" if mixed else "float32",
        "backend": keras.backend.backend(),
        "device": "gpu" if classifier.gpu_present() else "cpu",
        "eager": eager,
    }
    return Trained(classifier.float32_copy(model, export_size, head), metrics, progress.history)
