"""Tensors of a ``torch.save`` zip file, read without torch and without running its pickle.

The pickle (``data.pkl``) is loaded by an unpickler that resolves only the handful of names
a plain state dict uses (tensor rebuilders, storage types, OrderedDict); anything else --
the way a malicious checkpoint runs code -- raises :class:`InvalidInput`. Storages are read
from their own zip members one at a time (each bounded), so a model is never held whole.
"""

from __future__ import annotations

import collections
import pickle
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from airlock.errors import InvalidInput
from airlock.identity.dtypes import bf16_to_f32

if TYPE_CHECKING:
    from pathlib import Path

    from airlock.identity.dtypes import Floats

_STORAGES = {
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "BFloat16Storage": "bf16",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "ShortStorage": "<i2",
    "IntStorage": "<i4",
    "LongStorage": "<i8",
}
MAX_PICKLE = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Storage:
    kind: str
    key: str


@dataclass(frozen=True, slots=True)
class _TensorRef:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(
    storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: object
) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


def _rebuild_parameter(data: object, *_: object) -> object:
    return data


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGES:
            return name
        raise InvalidInput(f"torch checkpoint refers to {module}.{name}, which is not read")

    def persistent_load(self, pid: object) -> object:
        if not (isinstance(pid, tuple) and len(pid) >= 3 and pid[0] == "storage"):
            raise InvalidInput("torch checkpoint has an unknown persistent id")
        kind = pid[1] if isinstance(pid[1], str) else ""
        return _Storage(kind, str(pid[2]))


def is_torch_zip(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(n.endswith("/data.pkl") or n == "data.pkl" for n in archive.namelist())


def iter_torch_zip(
    path: Path, *, max_tensor_bytes: int = 256 * 1024 * 1024
) -> Iterator[tuple[str, Floats]]:
    """``(name, float32 array)`` for each tensor of a torch zip's state dict.

    Raises:
        InvalidInput: the pickle names anything a plain state dict does not, or is too big.
    """
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pkl = next(n for n in names if n.endswith("data.pkl"))
        prefix = pkl[: -len("data.pkl")]
        if archive.getinfo(pkl).file_size > MAX_PICKLE:
            raise InvalidInput(f"{path.name}: torch pickle over {MAX_PICKLE} bytes")
        with archive.open(pkl) as stream:
            try:
                state = _Unpickler(stream).load()
            except (pickle.UnpicklingError, EOFError, AttributeError, TypeError) as e:
                raise InvalidInput(f"{path.name}: torch pickle unreadable: {e}") from e
        if not isinstance(state, dict):
            raise InvalidInput(f"{path.name}: torch checkpoint is not a state dict")
        for name, ref in state.items():
            if not isinstance(ref, _TensorRef) or ref.storage.kind not in _STORAGES:
                continue
            member = f"{prefix}data/{ref.storage.key}"
            if archive.getinfo(member).file_size > max_tensor_bytes:
                continue
            values = _strided(archive.read(member), ref)
            if values is not None:
                yield str(name), values


def _strided(raw: bytes, ref: _TensorRef) -> Floats | None:
    kind = _STORAGES[ref.storage.kind]
    if kind == "bf16":
        flat = bf16_to_f32(np.frombuffer(raw, dtype="<u2"))
    else:
        flat = np.frombuffer(raw, dtype=kind).astype(np.float32)
    if not ref.shape:
        return flat[ref.offset : ref.offset + 1].reshape(())
    try:
        view = np.lib.stride_tricks.as_strided(
            flat[ref.offset :],
            shape=ref.shape,
            strides=tuple(s * flat.itemsize for s in ref.stride),
            writeable=False,
        )
    except ValueError:
        return None
    last = ref.offset + sum((d - 1) * s for d, s in zip(ref.shape, ref.stride, strict=True))
    if min(ref.shape) == 0 or last >= flat.size:
        return None
    return np.array(view, dtype=np.float32)
