"""A minimal safetensors reader and in-place writer for the watermark (numpy only).

numpy has no bfloat16 and the ``safetensors`` package's numpy API refuses BF16 files, so this
reads and writes the format itself (8-byte little-endian header length, JSON header, data):
BF16 is widened to float32 by a 16-bit shift and narrowed back with round-to-nearest-even.
Tensors of other dtypes are read as numbers when numpy knows them and otherwise skipped.

Files are memory-mapped: a tensor is read when it is used, so a large model is never held
whole. Deliberately not here: GGUF, torch zip and sharded folders (the identity fingerprint
reader, ``airlock.identity.tensors``, is the place for them).
"""

from __future__ import annotations

import math
import mmap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from airlock.errors import InvalidInput, SourceError
from airlock.exports.formats import safetensors_header_json
from airlock.identity.dtypes import SAFETENSORS_NUMPY

MAX_HEADER = 16 * 1024 * 1024
_NUMPY = SAFETENSORS_NUMPY
FLOAT_DTYPES = frozenset({"F64", "F32", "F16", "BF16"})


@dataclass(frozen=True, slots=True)
class TensorEntry:
    """One tensor of a safetensors file: its dtype, shape and absolute byte range."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int
    stop: int


def read_entries(head: bytes, file_size: int) -> list[TensorEntry]:
    """The tensors a safetensors header declares, checked against the file's size.

    Raises:
        InvalidInput: a malformed header, or a tensor whose bytes disagree with its shape.
    """
    header, length = safetensors_header_json(head, MAX_HEADER)
    base = 8 + length
    entries: list[TensorEntry] = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = str(entry["dtype"])
            shape = tuple(int(d) for d in entry["shape"])
            start, stop = (int(o) for o in entry["data_offsets"])
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInput(f"safetensors entry {name[:40]!r} is malformed") from e
        if not (0 <= start <= stop and base + stop <= file_size) or min(shape, default=1) < 0:
            raise InvalidInput(f"safetensors entry {name[:40]!r} lies outside the file")
        width = 2 if dtype == "BF16" else np.dtype(_NUMPY.get(dtype, "u1")).itemsize
        if (dtype in _NUMPY or dtype == "BF16") and stop - start != width * math.prod(shape):
            raise InvalidInput(f"safetensors entry {name[:40]!r} has the wrong byte length")
        entries.append(TensorEntry(name, dtype, shape, base + start, base + stop))
    return entries


def decode(entry: TensorEntry, data: Any) -> npt.NDArray[Any] | None:
    """The tensor's values (a read-only view where possible), or None for a dtype numpy
    cannot represent (FP8 and the like)."""
    raw = memoryview(data)[entry.start : entry.stop]
    if entry.dtype == "BF16":
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32)
        return (halves << 16).view(np.float32).reshape(entry.shape)
    if entry.dtype not in _NUMPY:
        return None
    return np.frombuffer(raw, dtype=_NUMPY[entry.dtype]).reshape(entry.shape)


def encode(entry: TensorEntry, values: npt.NDArray[np.float64]) -> bytes:
    """``values`` in the entry's float dtype, as the bytes the file stores."""
    if entry.dtype == "BF16":
        bits = values.astype(np.float32).reshape(-1).view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round to nearest, ties to even
        return rounded.astype("<u2").tobytes()
    return values.astype(_NUMPY[entry.dtype]).tobytes()


class SafetensorsFile:
    """A memory-mapped safetensors file; use as a context manager.

    Raises (on enter):
        SourceError: the file cannot be read.
        InvalidInput: it is not a well-formed safetensors file.
    """

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self.path = path
        self._writable = writable
        self.entries: list[TensorEntry] = []
        self._map: mmap.mmap | None = None

    def __enter__(self) -> SafetensorsFile:
        try:
            with self.path.open("r+b" if self._writable else "rb") as handle:
                size = self.path.stat().st_size
                if size < 8:
                    raise InvalidInput(f"{self.path} is not a safetensors file (too short)")
                access = mmap.ACCESS_WRITE if self._writable else mmap.ACCESS_READ
                self._map = mmap.mmap(handle.fileno(), 0, access=access)
        except OSError as e:
            raise SourceError(f"cannot read {self.path}: {e.strerror}") from e
        try:
            (length,) = np.frombuffer(self._map[:8], dtype="<u8")
            self.entries = read_entries(self._map[: 8 + min(int(length), MAX_HEADER)], size)
        except InvalidInput:
            self.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None

    def tensors(self) -> Iterator[tuple[TensorEntry, npt.NDArray[Any]]]:
        """Every tensor numpy can represent, in header order, each read as it is reached."""
        assert self._map is not None, "use SafetensorsFile as a context manager"
        for entry in self.entries:
            values = decode(entry, self._map)
            if values is not None:
                yield entry, np.array(values)  # a copy: the map may close before it is used

    def write(self, entry: TensorEntry, values: npt.NDArray[np.float64]) -> None:
        """Overwrite one float tensor in place (same dtype and shape, so the header stands)."""
        assert self._map is not None, "use SafetensorsFile as a context manager"
        assert self._writable, "open the file with writable=True"
        if entry.dtype not in FLOAT_DTYPES or values.shape != entry.shape:
            raise InvalidInput(f"cannot write {entry.name} as {entry.dtype} {values.shape}")
        self._map[entry.start : entry.stop] = encode(entry, values)
