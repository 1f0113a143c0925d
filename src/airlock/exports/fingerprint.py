"""Fingerprint a protected model file: content-defined chunks plus what its tensors are.

The chunk digests (see :mod:`airlock.exports.chunking`) are what exports are matched
against; the per-tensor list (name, dtype, shape, size, where the format says so:
safetensors and NumPy) is for the people who read a denial. The model is read once, front
to back, from the stream it is given; nothing here opens files.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass

from airlock.errors import InvalidInput
from airlock.exports.formats import Format, npy_header_span, safetensors_header_json, sniff
from airlock.exports.limits import InspectionLimits
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.exports.readers import Readable, read_full

NPY_MAX_HEADER = 10_000  # numpy's own default bound before it parses the literal
MAX_TENSORS = 100_000  # listed per model; a longer list is cut (the chunks still cover it)


@dataclass(frozen=True, slots=True)
class TensorInfo:
    """One tensor a model file declares."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    size: int  # bytes

    def __post_init__(self) -> None:
        if self.size < 0 or any(d < 0 for d in self.shape):
            raise InvalidInput(f"tensor {self.name[:40]!r} has a negative size or dimension")

    def to_text(self) -> str:
        """The JSON object stored in :attr:`ModelFingerprint.tensors`."""
        return json.dumps(
            {"name": self.name, "dtype": self.dtype, "shape": list(self.shape), "size": self.size},
            sort_keys=True,
        )

    @classmethod
    def from_text(cls, text: str) -> TensorInfo | None:
        """Parse :meth:`to_text`; None for a free-text description."""
        try:
            value = json.loads(text)
            return cls(
                str(value["name"]),
                str(value["dtype"]),
                tuple(int(d) for d in value["shape"]),
                int(value["size"]),
            )
        except (ValueError, KeyError, TypeError, InvalidInput):
            return None


def fingerprint_model(
    name: str, stream: Readable, *, limits: InspectionLimits | None = None
) -> ModelFingerprint:
    """Chunk-hash the whole stream and list its tensors when its format is known.

    Raises:
        InvalidInput: the model yields no informative chunk (empty or constant bytes), so
            nothing of it could ever be recognised.
    """
    limits = limits or InspectionLimits()
    head = read_full(stream, limits.window_bytes)
    tensors = _tensors(head, stream, limits)

    def pieces() -> Iterator[bytes]:
        yield head
        while piece := stream.read(limits.window_bytes):
            yield piece

    model = ModelFingerprint.of(name, pieces(), tuple(t.to_text() for t in tensors))
    if not model.chunks:
        raise InvalidInput(f"{name} has no informative content to fingerprint")
    return model


def _tensors(head: bytes, stream: Readable, limits: InspectionLimits) -> list[TensorInfo]:
    fmt = sniff(head)
    try:
        if fmt is Format.SAFETENSORS:
            return safetensors_tensors(head, limits.max_header_bytes)
        if fmt is Format.NPY:
            return [npy_tensor(head)]
    except InvalidInput:
        return []  # the chunks still protect a file whose header we cannot read
    return []


def safetensors_tensors(head: bytes, max_header: int) -> list[TensorInfo]:
    """Tensors of a safetensors header (``head`` must hold it whole).

    Raises:
        InvalidInput: the header is truncated, too large or malformed.
    """
    header, _ = safetensors_header_json(head, max_header)
    found: list[TensorInfo] = []
    for key, entry in list(header.items())[:MAX_TENSORS]:
        if key == "__metadata__" or not isinstance(entry, dict):
            continue
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if not (isinstance(shape, list) and isinstance(offsets, list) and len(offsets) == 2):
            raise InvalidInput(f"safetensors entry {str(key)[:40]!r} is malformed")
        try:
            found.append(
                TensorInfo(
                    str(key),
                    str(entry.get("dtype", "?")),
                    tuple(int(d) for d in shape),
                    int(offsets[1]) - int(offsets[0]),
                )
            )
        except (TypeError, ValueError) as e:
            raise InvalidInput(f"safetensors entry {str(key)[:40]!r} is malformed") from e
    return found


def npy_tensor(head: bytes) -> TensorInfo:
    """The one array of a ``.npy`` file, from its header (a Python literal, never eval'd).

    Raises:
        InvalidInput: the header is truncated or not the documented dictionary.
    """
    if not head.startswith(b"\x93NUMPY"):
        raise InvalidInput("npy header is truncated")
    start, length = npy_header_span(head)
    if length > NPY_MAX_HEADER:
        raise InvalidInput("npy header is truncated or too large")
    try:
        value = ast.literal_eval(head[start : start + length].decode("latin-1"))
        descr, shape = str(value["descr"]), tuple(int(d) for d in value["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError) as e:
        raise InvalidInput(f"npy header is malformed: {e}") from e
    itemsize = int("".join(c for c in descr if c.isdigit()) or 0)
    count = 1
    for dimension in shape:
        count *= dimension
    return TensorInfo("array", descr, shape, count * itemsize)
