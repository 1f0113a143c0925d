"""TensorBoard event files read as what they are: TFRecord-framed ``Event`` protobufs.

A bounded reader, fed the file in pieces: each record is ``length (u64) | crc (u32) |
data | crc (u32)``, at most ``MAX_RECORD`` bytes. Each record's ``Event`` is walked by
field number along the paths TensorBoard writes (``summary.value`` -> ``histo``, ``tensor``,
``image``, ``audio``), with no protobuf library: scalars are explained; histogram bucket
arrays and tensor values become arrays for :func:`airlock.exports.arrays.judge_array`;
byte strings (an image's PNG, a tensor's raw content, a text summary) become blobs that
the engine walks like any other file. Bad framing or a record over the bound raises
:class:`BadEvents`, which holds.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_RECORD = 64 * 1024 * 1024
MIN_BLOB = 4096  # shorter strings are tags, names and short texts
MAX_NESTING = 8
ArraySink = Callable[[str, npt.NDArray[Any]], None]
BlobSink = Callable[[str, bytes], None]

# Field numbers along the paths TensorBoard writes (tensorflow/core/framework/summary.proto).
_EVENT_SUMMARY = 5
_SUMMARY_VALUE = 1
_VALUE_TAG, _VALUE_IMAGE, _VALUE_HISTO, _VALUE_AUDIO, _VALUE_TENSOR = 1, 4, 5, 6, 8
_HISTO_ARRAYS = {6: "<f8", 7: "<f8"}  # bucket_limit, bucket: packed doubles
_TENSOR_ARRAYS = {5: "<f4", 6: "<f8"}  # float_val, double_val: packed
_TENSOR_HALF = 13  # half_val: fp16 bit patterns as packed varints


class BadEvents(Exception):
    """The stream is not well-formed TFRecord/Event data (the reason is the message)."""


class EventScan:
    """Feed an event file in pieces; arrays and blobs go to the sinks, per record and tag."""

    def __init__(self, member: str, arrays: ArraySink, blobs: BlobSink) -> None:
        self.member = member
        self.records = 0
        self._arrays = arrays
        self._blobs = blobs
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data
        position = 0
        buffer = self._buffer
        while len(buffer) - position >= 12:
            (length,) = struct.unpack_from("<Q", buffer, position)
            if length > MAX_RECORD:
                raise BadEvents(f"record {self.records} declares {length} bytes")
            end = position + 12 + length + 4
            if len(buffer) < end:
                break
            self._record(bytes(buffer[position + 12 : position + 12 + length]))
            position = end
        del buffer[:position]

    def finish(self) -> None:
        if self._buffer:
            raise BadEvents(f"the file ends inside a record ({len(self._buffer)} bytes left)")

    def _record(self, data: bytes) -> None:
        self.records += 1
        where = f"{self.member}#record{self.records}"
        for number, value in _fields(data):
            if number == _EVENT_SUMMARY and isinstance(value, bytes):
                for inner, item in _fields(value):
                    if inner == _SUMMARY_VALUE and isinstance(item, bytes):
                        self._value(where, item)
            elif isinstance(value, bytes) and len(value) >= MIN_BLOB:
                self._blobs(where, value)  # a graph, run metadata, a log message

    def _value(self, where: str, data: bytes) -> None:
        fields = list(_fields(data))
        tag = next((v for n, v in fields if n == _VALUE_TAG and isinstance(v, bytes)), b"")
        here = f"{where}:{tag[:80].decode('utf-8', 'replace')}"
        for number, value in fields:
            if not isinstance(value, bytes) or number == _VALUE_TAG:
                continue
            if number == _VALUE_HISTO:
                self._numbers(here, value, _HISTO_ARRAYS)
            elif number == _VALUE_TENSOR:
                self._numbers(here, value, _TENSOR_ARRAYS)
            elif number in (_VALUE_IMAGE, _VALUE_AUDIO):
                for _, inner in _fields(value):
                    if isinstance(inner, bytes) and len(inner) >= MIN_BLOB:
                        self._blobs(here, inner)
            elif len(value) >= MIN_BLOB:
                self._blobs(here, value)

    def _numbers(self, where: str, data: bytes, packed: dict[int, str]) -> None:
        """A histogram's or tensor's packed values as arrays; its byte strings as blobs."""
        halves: list[int] = []
        for number, value in _fields(data):
            if not isinstance(value, bytes):
                continue
            if number in packed and len(value) % np.dtype(packed[number]).itemsize == 0:
                self._arrays(where, np.frombuffer(value, dtype=packed[number]))
            elif number == _TENSOR_HALF:
                halves.extend(v for v in _varints(value, 0, len(value)))
            elif len(value) >= MIN_BLOB:
                self._blobs(where, value)  # tensor_content, string_val
        if halves:
            self._arrays(where, np.asarray(halves, dtype=np.uint16).view(np.float16))


def _fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: ints for varint/fixed, bytes else."""
    position, end = 0, len(data)
    while position < end:
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire == 1:
            _need(data, position + 8)
            yield number, int.from_bytes(data[position : position + 8], "little")
            position += 8
        elif wire == 2:
            length, position = _varint(data, position)
            _need(data, position + length)
            yield number, data[position : position + length]
            position += length
        elif wire == 5:
            _need(data, position + 4)
            yield number, int.from_bytes(data[position : position + 4], "little")
            position += 4
        else:
            raise BadEvents(f"protobuf wire type {wire} is not one an event file uses")


def _need(data: bytes, end: int) -> None:
    if end > len(data):
        raise BadEvents("a protobuf field runs past the end of its record")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise BadEvents("a protobuf varint is truncated or too long")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _varints(data: bytes, position: int, end: int) -> Iterator[int]:
    while position < end:
        value, position = _varint(data, position)
        yield value & 0xFFFF
