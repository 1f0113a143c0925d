"""A push parser that turns the bytes of a safetensors, NumPy or GGUF file into tensors.

Bytes are fed front to back in pieces of any size (as the inspection engine reads an
export, or as a registration streams a shard); each tensor comes out as float32 with its
declared shape once its last byte has arrived. Memory is bounded: the header up to
``max_header`` bytes and one tensor up to ``max_tensor_bytes`` at a time (a larger tensor, a
dtype not decoded here, or a malformed entry is skipped and named in :attr:`skipped`).
It does not seek, open files or decide anything: callers judge what it finds.
"""

from __future__ import annotations

import ast
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from airlock.errors import InvalidInput
from airlock.exports.formats import npy_header_span, safetensors_header_json
from airlock.identity.dtypes import (
    SAFETENSORS_WIDTH,
    decode_gguf,
    decode_safetensors,
    gguf_nbytes,
)

if TYPE_CHECKING:
    from airlock.identity.dtypes import Floats

MiB = 1024 * 1024
Decoder = Callable[[bytes | memoryview], "Floats | None"]


class _NeedMore(Exception):
    """The header is not whole yet."""


@dataclass(slots=True)
class _Entry:
    name: str
    start: int
    end: int
    shape: tuple[int, ...]
    decode: Decoder
    buffer: bytearray = field(default_factory=bytearray)
    skip: bool = False


def tensor_format(head: bytes) -> str | None:
    """'safetensors', 'npy', 'gguf' or None, from the first bytes of a file."""
    if head.startswith(b"GGUF"):
        return "gguf"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if len(head) >= 9 and head[8:9] == b"{":
        (length,) = struct.unpack_from("<Q", head)
        if 2 <= length < 1 << 32:
            return "safetensors"
    return None


class TensorStream:
    """Feed bytes, get ``(name, float32 array)`` pairs; see the module docstring."""

    def __init__(
        self,
        *,
        max_header: int = 16 * MiB,
        max_tensor_bytes: int = 256 * MiB,
        want: Callable[[tuple[int, ...]], bool] | None = None,
    ) -> None:
        self.max_header = max_header
        self.max_tensor_bytes = max_tensor_bytes
        self.want = want  # tensors of a shape it refuses are passed over unread
        self.format: str | None = None
        self.skipped: list[str] = []
        self.failed = ""  # why the header could not be read, if it could not
        self._head = bytearray()
        self._entries: list[_Entry] | None = None
        self._next = 0  # first entry not yet finished
        self._at = 0  # stream offset of the next byte fed

    def feed(self, data: bytes | memoryview) -> Iterator[tuple[str, Floats]]:
        if self.failed:
            return
        if self._entries is None:
            self._head += data
            try:
                self._entries = self._plan(bytes(self._head))
            except _NeedMore:
                if len(self._head) > self.max_header:
                    self.failed = f"tensor header larger than {self.max_header} bytes"
                return
            except (InvalidInput, ValueError, struct.error, KeyError, TypeError) as e:
                self.failed = f"tensor header unreadable: {e}"
                return
            data, self._at = bytes(self._head), 0
            self._head = bytearray()
        yield from self._consume(memoryview(data))

    def _consume(self, data: memoryview) -> Iterator[tuple[str, Floats]]:
        assert self._entries is not None
        begin, end = self._at, self._at + len(data)
        self._at = end
        i = self._next
        while i < len(self._entries) and self._entries[i].start < end:
            entry = self._entries[i]
            if entry.end <= begin:
                i += 1
                continue
            if not entry.skip:
                lo, hi = max(entry.start, begin), min(entry.end, end)
                entry.buffer += data[lo - begin : hi - begin]
            if entry.end <= end:
                if not entry.skip:
                    found = self._finish(entry)
                    if found is not None:
                        yield found
                entry.buffer = bytearray()
                if i == self._next:
                    self._next += 1
            i += 1

    def _finish(self, entry: _Entry) -> tuple[str, Floats] | None:
        # A view, not a copy: decoders make new float32 arrays (a 256 MiB tensor was held
        # three times: buffer, copy, floats; the scan's RSS bound is 256 MiB, issue 15).
        values = entry.decode(memoryview(entry.buffer))
        count = int(np.prod(entry.shape)) if entry.shape else 1
        if values is None or values.size != count:
            self.skipped.append(entry.name)
            return None
        return entry.name, values.reshape(entry.shape)

    # --- headers ----------------------------------------------------------------------

    def _plan(self, head: bytes) -> list[_Entry]:
        self.format = tensor_format(head[:16]) if len(head) >= 16 else None
        if self.format is None:
            if len(head) < 16:
                raise _NeedMore
            raise InvalidInput("not a safetensors, NumPy or GGUF file")
        plan = {"safetensors": self._safetensors, "npy": self._npy, "gguf": self._gguf}
        entries = plan[self.format](head)
        for entry in entries:
            if self.want is not None and not self.want(entry.shape):
                entry.skip = True
            elif entry.end - entry.start > self.max_tensor_bytes:
                entry.skip = True
                self.skipped.append(entry.name)
        return sorted(entries, key=lambda e: (e.start, e.end))

    def _safetensors(self, head: bytes) -> list[_Entry]:
        (length,) = struct.unpack_from("<Q", head)
        if len(head) < 8 + length:
            raise _NeedMore
        header, _ = safetensors_header_json(head, self.max_header)
        base = 8 + length
        entries = []
        for name, spec in header.items():
            if name == "__metadata__" or not isinstance(spec, dict):
                continue
            dtype = str(spec.get("dtype"))
            start, stop = (int(x) for x in spec["data_offsets"])
            shape = tuple(int(d) for d in spec["shape"])
            entry = _Entry(str(name), base + start, base + stop, shape, _st_decoder(dtype))
            width = SAFETENSORS_WIDTH.get(dtype)
            if width is None or stop - start != width * int(np.prod(shape)):
                entry.skip = True
                self.skipped.append(entry.name)
            entries.append(entry)
        return entries

    def _npy(self, head: bytes) -> list[_Entry]:
        try:
            start, length = npy_header_span(head)
        except InvalidInput as e:
            raise _NeedMore from e
        if len(head) < start + length:
            raise _NeedMore
        value = ast.literal_eval(head[start : start + length].decode("latin-1"))
        dtype = np.dtype(str(value["descr"]))
        if dtype.kind not in "fiu":
            raise InvalidInput(f"npy dtype {dtype} is not numeric")
        shape = tuple(int(d) for d in value["shape"])
        fortran = bool(value.get("fortran_order", False))
        base = start + length
        size = int(np.prod(shape)) * dtype.itemsize

        def decode(data: bytes | memoryview) -> Floats:
            flat = np.frombuffer(data, dtype=dtype).astype(np.float32)
            if fortran:
                return flat.reshape(shape[::-1]).T.reshape(-1)
            return flat

        return [_Entry("array", base, base + size, shape, decode)]

    def _gguf(self, head: bytes) -> list[_Entry]:
        reader = _Cursor(head)
        reader.take("<I")  # magic, checked by tensor_format
        version = reader.take("<I")
        if version < 2:
            raise InvalidInput(f"GGUF version {version} is not supported")
        count, kv_count = reader.take("<Q"), reader.take("<Q")
        alignment = 32
        for _ in range(kv_count):
            key = reader.string()
            value = reader.value(reader.take("<I"))
            if key == "general.alignment" and isinstance(value, int) and value > 0:
                alignment = value
        infos = []
        for _ in range(count):
            name = reader.string()
            dims = [reader.take("<Q") for _ in range(reader.take("<I"))]
            infos.append((name, tuple(reversed(dims)), reader.take("<I"), reader.take("<Q")))
        base = -(-reader.offset // alignment) * alignment
        entries = []
        for name, shape, type_id, offset in infos:
            elements = int(np.prod(shape)) if shape else 1
            size = gguf_nbytes(type_id, elements)
            entry = _Entry(
                name, base + offset, base + offset + (size or 0), shape, _gguf_decoder(type_id)
            )
            if size is None:
                entry.skip = True
                self.skipped.append(name)
            entries.append(entry)
        return entries


def _st_decoder(dtype: str) -> Decoder:
    return lambda data: decode_safetensors(dtype, data)


def _gguf_decoder(type_id: int) -> Decoder:
    return lambda data: decode_gguf(type_id, data)


_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?"}
_SCALARS |= {10: "<Q", 11: "<q", 12: "<d"}
MAX_GGUF_ARRAY = 50_000_000


class _Cursor:
    """Reads GGUF header fields; running off the end means the header is not whole yet."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def take(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.data):
            raise _NeedMore
        (value,) = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return int(value)

    def string(self) -> str:
        length = self.take("<Q")
        if self.offset + length > len(self.data):
            raise _NeedMore
        text = self.data[self.offset : self.offset + length].decode("utf-8", "replace")
        self.offset += length
        return text

    def value(self, kind: int) -> object:
        if kind in _SCALARS:
            fmt = _SCALARS[kind]
            size = struct.calcsize(fmt)
            if self.offset + size > len(self.data):
                raise _NeedMore
            (value,) = struct.unpack_from(fmt, self.data, self.offset)
            self.offset += size
            return value
        if kind == 8:
            return self.string()
        if kind == 9:
            inner, length = self.take("<I"), self.take("<Q")
            if length > MAX_GGUF_ARRAY:
                raise InvalidInput(f"GGUF array of {length} items")
            if inner in _SCALARS:  # skip fixed-width arrays without building them
                self.offset += length * struct.calcsize(_SCALARS[inner])
                if self.offset > len(self.data):
                    raise _NeedMore
                return None
            for _ in range(length):
                self.value(inner)
            return None
        raise InvalidInput(f"GGUF value type {kind} is unknown")
