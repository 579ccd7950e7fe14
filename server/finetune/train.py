"""The fine-tuning loop, in Keras 3's backend-independent API only (no tf.*, jax.*, torch.*).

The same code trains with KERAS_BACKEND=tensorflow, jax or torch: NumPy batches from a
keras.utils.PyDataset, augmentation as Keras layers (active only while training), model.fit with
callbacks for progress, cancellation and early stopping.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
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
EMBED_CHUNK = 256  # pictures per predict call
# On clothing-dev (benchmarks/LOG.md, section 1, server fine-tune), blending at 0.5 kept the mean
# gain at 10 pictures a class and took away most of the loss on the draw where fine-tuning
# overfitted, while at 50 a class it halved a gain that no draw had lost: projects of fewer than 25
# a class (between the two sizes measured) blend.
SMALL_RUN_BLEND = 0.5
BLEND_BELOW_PER_CLASS = 25


class Cancelled(Exception):
    """The job was cancelled while it trained."""


@dataclass
class Trained:
    """A fine-tuned classifier (float32) with its scores and per-epoch history."""

    model: keras.Model
    metrics: dict[str, Any]
    history: list[dict[str, Any]]


class Batches(keras.utils.PyDataset):
    """Shuffled batches of (float32 pictures 0..255, label indices) of the given rows of the
    arrays (gathered a batch at a time: no copy of the pictures); reshuffled every epoch."""

    def __init__(self, images, labels, rows: np.ndarray, batch_size: int, seed: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.images, self.labels, self.rows = images, labels, rows
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0
        self.order = self._order()

    def _order(self) -> np.ndarray:
        return np.random.default_rng([self.seed, self.epoch]).permutation(self.rows)

    def __len__(self) -> int:
        return math.ceil(len(self.rows) / self.batch_size)

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


def outputs(
    model: keras.Model, images: np.ndarray, eager: bool, mirror: bool = False
) -> np.ndarray:
    """A model's outputs for unaugmented pictures (or for their horizontal mirrors), a chunk at
    a time: a mirrored copy of a large project's pictures is never held whole. The embedder's
    are the embeddings; the classifier's, its probabilities."""
    parts = []
    for start in range(0, len(images), EMBED_CHUNK):
        chunk = images[start : start + EMBED_CHUNK]
        if mirror:
            chunk = chunk[:, :, ::-1]
        if eager:
            rows = [
                keras.ops.convert_to_numpy(model(chunk[i : i + EMBED_BATCH]))
                for i in range(0, len(chunk), EMBED_BATCH)
            ]
            parts.append(np.concatenate(rows))
        else:
            parts.append(model.predict(chunk, batch_size=EMBED_BATCH, verbose=0))
    return np.concatenate(parts)


@dataclass
class Run:
    """One fine-tuning run's network and what it recorded."""

    model: keras.Model
    progress: Progress
    scores: dict[str, float]  # the finished network's, on the held-out pictures (if any)

    @property
    def last(self) -> dict[str, Any]:
        return self.progress.history[-1] if self.progress.history else {}


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

    Two runs with the same recipe, as the page trains its head:
    1. the check run, when the project holds pictures out (dataset.split, the page's own
       split): from a head fitted on the other pictures' embeddings, fine-tuned on those
       pictures, scored on the held-out ones after every epoch (the history) and once more
       when blended (below). That score is the job's `val_accuracy`, measured on the pictures
       the page measured its quick model on.
    2. the final run: from `head` (the page's, trained on every picture) or else a head fitted
       on every picture's embeddings, fine-tuned on every picture. This is the model returned.
    Both run `settings.epochs` epochs: no early stopping, whose few held-out pictures per class
    would pick an epoch by chance, and the final run has none to watch. Each then keeps a share
    of the way its weights moved (blend_share, blend_toward_start).

    Returns it in float32, taking export_size pictures (the backbone's size in the page).
    weights=None leaves the backbone random: for benchmarks, never for a model anyone sees.
    """
    keras.utils.set_random_seed(settings.seed)
    num_classes = len(data.class_labels)
    # One share for both runs, by the project's size: the check run measures the final recipe.
    settings = replace(settings, blend=blend_share(settings, len(data.labels), num_classes))
    train_rows, val_rows = split(data.ids, data.labels, settings.seed)
    every_row = np.arange(len(data.labels))
    runs = [train_rows, every_row] if len(val_rows) else [every_row]
    eager = all(settings.epochs * steps_of(len(rows), settings) <= EAGER_MAX_STEPS for rows in runs)
    device = "gpu" if classifier.gpu_present() else "cpu"
    # Every report says where the job trains, so the studio can say it while the job runs.
    report({"phase": "preparing", "device": device})
    # Embeddings serve the fitted heads and the check run's start score only: a job with the
    # page's head and no held-out pictures needs none.
    embeddings = mirrored = None
    if len(val_rows) or head is None:
        _, embedder = classifier_network(settings.input_size, num_classes, None, weights)
        embeddings = outputs(embedder, data.images, eager)
        mirrored = outputs(embedder, data.images, eager, mirror=True)
        del embedder

    def fitted_head(rows: np.ndarray) -> Head:
        both = np.concatenate([embeddings[rows], mirrored[rows]])
        labels = np.concatenate([data.labels[rows], data.labels[rows]])
        return classifier.fit_head(both, labels, num_classes)

    if cancelled():
        raise Cancelled()
    mixed = settings.precision == "mixed" or (
        settings.precision == "auto" and classifier.gpu_present()
    )
    started = time.monotonic()
    check, start_val_accuracy = None, None
    if len(val_rows):
        start = fitted_head(train_rows)
        start_val_accuracy = classifier.head_accuracy(
            start, embeddings[val_rows], data.labels[val_rows]
        )
        progress = Progress(
            report, cancelled, run_base(1, len(runs), len(train_rows), settings, device)
        )
        check = fine_tune(
            data, train_rows, val_rows, start, settings, weights, mixed, eager, progress
        )
    progress = Progress(
        report, cancelled, run_base(len(runs), len(runs), len(every_row), settings, device)
    )
    final_start = head or fitted_head(every_row)
    final = fine_tune(data, every_row, None, final_start, settings, weights, mixed, eager, progress)
    checked = check.scores if check else {}
    metrics = {
        "val_accuracy": checked.get("val_accuracy"),
        "val_loss": checked.get("val_loss"),
        "train_accuracy": final.last.get("accuracy"),
        "start_val_accuracy": start_val_accuracy,
        "epochs_run": len(final.progress.history),
        "blend": settings.blend,
        "train_count": int(len(every_row)),
        "check_train_count": int(len(train_rows)) if check else None,
        "val_count": int(len(val_rows)),
        "val_digest": held_out_digest([data.ids[row] for row in val_rows]),
        "train_seconds": round(time.monotonic() - started, 2),
        "images_per_second": final.progress.speed(),
        "precision": "mixed_float16" if mixed else "float32",
        "backend": keras.backend.backend(),
        "device": device,
        "eager": eager,
    }
    history = (check or final).progress.history
    model = classifier.float32_copy(final.model, export_size, final_start)
    return Trained(model, metrics, history)


def steps_of(count: int, settings: FinetuneSettings) -> int:
    return math.ceil(count / min(settings.batch_size, count))


def run_base(
    run: int, runs: int, count: int, settings: FinetuneSettings, device: str
) -> dict[str, Any]:
    """What every progress report of a run says about it ("device": "gpu" or "cpu")."""
    return {
        "device": device,
        "run": run,
        "runs": runs,
        "epochs": settings.epochs,
        "steps": steps_of(count, settings),
        "batch_size": min(settings.batch_size, count),
    }


def fine_tune(
    data: Labelled,
    rows: np.ndarray,
    val_rows: np.ndarray | None,
    start: Head,
    settings: FinetuneSettings,
    weights: WeightsInfo | None,
    mixed: bool,
    eager: bool,
    progress: Progress,
) -> Run:
    """One run: the classifier from `start`, its head and top blocks trained on `rows` (with
    augmentation) for settings.epochs epochs, scored on `val_rows` after each when given."""
    size = settings.input_size
    model, _ = classifier_network(size, len(data.class_labels), start, weights)
    classifier.unfreeze_top_blocks(model, settings.unfreeze_blocks)
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
    if val_rows is not None and len(val_rows):
        validation = (data.images[val_rows], data.labels[val_rows])
    start_weights = [keras.ops.convert_to_numpy(v) for v in model.trainable_weights]
    trainer.fit(
        Batches(data.images, data.labels, rows, progress.base["batch_size"], settings.seed),
        epochs=settings.epochs,
        validation_data=validation,
        validation_batch_size=progress.base["batch_size"],
        callbacks=[progress],
        verbose=0,
    )
    blend_toward_start(model, start_weights, settings.blend)
    scores = score(model, *validation, eager) if validation else {}
    return Run(model, progress, scores)


def blend_share(settings: FinetuneSettings, count: int, num_classes: int) -> float:
    """The job's `blend`: the one asked for, else SMALL_RUN_BLEND when the project has fewer
    than BLEND_BELOW_PER_CLASS pictures a class, else 1 (keep the weights as trained)."""
    if settings.blend is not None:
        return settings.blend
    return SMALL_RUN_BLEND if count < BLEND_BELOW_PER_CLASS * num_classes else 1.0


def blend_toward_start(model: keras.Model, start: list[np.ndarray], share: float) -> None:
    """Keep `share` of the way the trained weights moved from where the run started (a
    weight-space ensemble of the start and the fine-tuned network, as in WiSE-FT): on few
    pictures it keeps the gains of fine-tuning and undoes most of its losses."""
    if share >= 1:
        return
    for variable, begin in zip(model.trainable_weights, start, strict=True):
        value = keras.ops.convert_to_numpy(variable)
        variable.assign(begin + share * (value - begin))


def score(model: keras.Model, images: np.ndarray, labels: np.ndarray, eager: bool) -> dict:
    """The model's accuracy and mean cross-entropy on these pictures."""
    probabilities = outputs(model, images, eager)
    picked = probabilities[np.arange(len(labels)), labels]
    return {
        "val_accuracy": float(np.mean(np.argmax(probabilities, axis=1) == labels)),
        "val_loss": float(-np.mean(np.log(np.maximum(picked, 1e-7)))),
    }
