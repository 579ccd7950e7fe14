"""Read a PyTorch state dict (.pth) into NumPy arrays without PyTorch.

PyTorch's files are pickles whose tensors point at raw storages. Only the few globals a state dict
needs are allowed (an OrderedDict, the tensor rebuild function, storage types): a pickle that names
anything else is refused rather than run. Both of PyTorch's layouts are read:

- the legacy one (PyTorch < 1.6, the EfficientNet-Lite0 file): five pickles in a row (magic
  number, protocol version, system info, the state dict, the storage keys), then each storage as
  an int64 element count and its raw little-endian bytes, in the order of the keys;
- the zip one: `<name>/data.pkl` and each storage in `<name>/data/<key>`.
"""

from __future__ import annotations

import collections
import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class NotAStateDict(ValueError):
    """The file is not a PyTorch state dict this reader understands."""


class _Storage:
    """A storage named in the pickle; its values are filled in once its bytes are read."""

    def __init__(self, dtype: np.dtype, count: int) -> None:
        self.dtype = np.dtype(dtype)
        self.count = count
        self.values: np.ndarray | None = None


class _Tensor:
    """A view into a storage, made into an array after every storage is read."""

    def __init__(self, storage: _Storage, offset: int, shape: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride

    def array(self) -> np.ndarray:
        values = self.storage.values
        if values is None:
            raise NotAStateDict("a tensor points at a storage the file does not hold")
        item = values.itemsize
        view = np.lib.stride_tricks.as_strided(
            values[self.offset :],
            shape=self.shape,
            strides=tuple(step * item for step in self.stride),
            writeable=False,
        )
        return np.array(view)  # a copy, so the whole storage is not kept alive by a view


def _rebuild_tensor(storage, offset, shape, stride, *_ignored) -> _Tensor:
    return _Tensor(storage, offset, tuple(shape), tuple(stride))


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = STORAGE_DTYPES[name]


class _Unpickler(pickle.Unpickler):
    """Allows only what a state dict holds; storages come back through persistent ids."""

    def __init__(self, stream, storages: dict[str, _Storage]) -> None:
        super().__init__(stream)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) in (
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch._utils", "_rebuild_tensor"),
        ):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise NotAStateDict(f"the pickle names {module}.{name}, which a state dict never needs")

    def persistent_load(self, pid: tuple) -> _Storage:
        # ("storage", storage type, key, location, element count[, view metadata])
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise NotAStateDict(f"unknown persistent id {pid!r}")
        storage_type, key, _location, count = pid[1:5]
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type.dtype, count)
        return self.storages[key]


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of a PyTorch state dict file, by name, as NumPy arrays."""
    path = Path(path)
    storages: dict[str, _Storage] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise NotAStateDict(f"{path} is a zip without one data.pkl")
            root = pickles[0][: -len("data.pkl")]
            state = _Unpickler(io.BytesIO(archive.read(pickles[0])), storages).load()
            for key, storage in storages.items():
                raw = archive.read(f"{root}data/{key}")
                storage.values = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<"))
    else:
        with open(path, "rb") as stream:
            try:
                magic = pickle.load(stream)
            except Exception as error:  # noqa: BLE001 - any failure means "not this format"
                raise NotAStateDict(f"{path} is not a PyTorch file: {error}") from None
            if magic != LEGACY_MAGIC:
                raise NotAStateDict(f"{path} is not a PyTorch file")
            pickle.load(stream)  # protocol version
            if not pickle.load(stream).get("little_endian", False):
                raise NotAStateDict(f"{path} was written on a big-endian machine")
            state = _Unpickler(stream, storages).load()
            keys = _Unpickler(stream, storages).load()
            for key in keys:
                storage = storages[key]
                count = int(np.frombuffer(stream.read(8), "<i8")[0])
                raw = stream.read(count * storage.dtype.itemsize)
                if count != storage.count or len(raw) != count * storage.dtype.itemsize:
                    raise NotAStateDict(f"{path} ends inside storage {key}")
                storage.values = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<"))
    if not isinstance(state, dict):
        raise NotAStateDict(f"{path} holds a {type(state).__name__}, not a state dict")
    return {
        name: value.array() if isinstance(value, _Tensor) else np.asarray(value)
        for name, value in state.items()
    }
