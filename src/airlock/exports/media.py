"""Plots and reports (PNG, JPEG, PDF) checked for what they could smuggle.

Images and PDFs are compressed, so their bytes say little; what matters is structure:
bytes appended after a PNG's ``IEND`` or a JPEG's end-of-image marker are not part of the
picture, and a PDF's Flate streams can hold anything. :class:`MediaScan` is fed the file
as it streams past, hands appended bytes to one nested scan and decoded PDF streams to
another, each bounded by the run's expansion count.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable

from airlock.exports.formats import Format
from airlock.exports.readers import LimitReached

_PNG_SIGNATURE = 8
_JPEG_STANDALONE = frozenset([0x01, *range(0xD0, 0xD8)])  # TEM and RSTn carry no length
_STREAM = re.compile(rb"stream\r?\n")
PARSED_MEDIA = frozenset([Format.PNG, Format.JPEG, Format.PDF])
MAX_CARRY = 2048  # bytes kept between pieces: a marker cut in two, a stream's dictionary
DICT_LOOKBACK = 1024  # how far before "stream" its dictionary is looked for
# A PDF stream's dictionary declares what it is: an image's samples or a font program are
# not weights even when their byte histograms pass the 8-bit tests (issue 15).
_BINARY_STREAM = re.compile(
    rb"/Subtype\s*/Image|/FontFile[23]?\b|/Length1\b|/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType)"
)
Sink = Callable[[bytes], None]


class MediaScan:
    """Feed a PNG, JPEG or PDF in any pieces; trailing and decoded bytes go to the sinks.

    ``count`` is charged for every decompressed byte so that a PDF bomb hits the run's
    expansion limit (it raises to stop the run); so does a ratio over ``max_ratio``.
    """

    def __init__(
        self,
        fmt: Format,
        trailing: Sink,
        decoded: Sink,
        count: Callable[[int], None],
        max_ratio: int = 250,
        *,
        binary: Sink | None = None,
    ) -> None:
        self.fmt = fmt
        self.fed_bytes = 0
        self._max_ratio = max_ratio
        self.trailing_bytes = 0
        self.decoded_bytes = 0
        self._trailing = trailing
        self._decoded = decoded
        self._binary = binary or decoded  # image and font streams, by their dictionary
        self._sink = decoded  # where the open stream goes
        self._count = count
        self._buffer = b""
        self._ended = False
        self._skip = _PNG_SIGNATURE if fmt is Format.PNG else 2  # signature / SOI
        self._last_chunk = False  # PNG: the chunk being skipped is IEND
        self._in_scan = False  # JPEG: inside entropy-coded data, looking for EOI
        self._inflate: zlib._Decompress | None = None  # PDF: the open Flate stream

    def feed(self, data: bytes) -> None:
        self.fed_bytes += len(data)
        if self._ended:
            self.trailing_bytes += len(data)
            self._trailing(data)
            return
        if self.fmt is Format.PDF:
            self._pdf(data)
            return
        self._buffer += data
        rest = self._png() if self.fmt is Format.PNG else self._jpeg()
        if rest is not None:
            self._ended = True
            self._buffer = b""
            if rest:
                self.feed(rest)

    def _skip_within(self, buffer: bytes, position: int) -> int:
        """Skip as much of the current segment's remaining length as ``buffer`` holds."""
        step = min(self._skip, len(buffer) - position)
        self._skip -= step
        return position + step

    # --- PNG: length-prefixed chunks up to IEND -------------------------------------

    def _png(self) -> bytes | None:
        buffer = self._buffer
        position = 0
        while True:
            if self._skip:
                position = self._skip_within(buffer, position)
                if self._skip:
                    break
            if self._last_chunk:
                return buffer[position:]
            if len(buffer) - position < 8:
                break
            length, kind = struct.unpack_from(">I4s", buffer, position)
            position += 8
            self._skip = length + 4  # data and CRC
            self._last_chunk = kind == b"IEND"
        self._buffer = buffer[position:]
        return None

    # --- JPEG: marker segments, then entropy-coded data up to EOI -------------------

    def _jpeg(self) -> bytes | None:
        buffer = self._buffer
        position = 0
        while True:
            if self._in_scan:
                end = buffer.find(b"\xff\xd9", position)
                if end < 0:
                    self._buffer = buffer[max(position, len(buffer) - 1) :]
                    return None
                return buffer[end + 2 :]
            if self._skip:
                position = self._skip_within(buffer, position)
                if self._skip:
                    break
            if len(buffer) - position < 4:
                break
            marker = buffer[position + 1]
            if buffer[position] != 0xFF or marker == 0xD9:
                return buffer[position + (2 if marker == 0xD9 else 0) :]
            if marker in _JPEG_STANDALONE or marker == 0xFF:
                position += 1 if marker == 0xFF else 2
                continue
            (length,) = struct.unpack_from(">H", buffer, position + 2)
            position += 2
            self._skip = length
            self._in_scan = marker == 0xDA  # start of scan: compressed data follows
        self._buffer = buffer[position:]
        return None

    # --- PDF: inflate every Flate stream --------------------------------------------

    def _pdf(self, data: bytes) -> None:
        buffer = self._buffer + data
        position = 0
        while position < len(buffer):
            if self._inflate is None:
                match = _STREAM.search(buffer, position)
                if match is None:
                    self._buffer = buffer[max(position, len(buffer) - MAX_CARRY) :]
                    return
                if match.end() >= len(buffer):  # the stream's first byte is still to come
                    self._buffer = buffer[match.start() :]
                    return
                position = match.end()
                if buffer[position : position + 1] != b"\x78":  # not a zlib stream
                    continue
                self._inflate = zlib.decompressobj()
                self._sink = self._declared(
                    buffer[max(0, match.start() - DICT_LOOKBACK) : match.start()]
                )
            try:
                out = self._inflate.decompress(buffer[position:], 1 << 20)
            except zlib.error:
                self._inflate = None
                continue
            self._emit(out)
            while self._inflate.unconsumed_tail and not self._inflate.eof:
                out = self._inflate.decompress(self._inflate.unconsumed_tail, 1 << 20)
                self._emit(out)
            if not self._inflate.eof:
                self._buffer = b""
                return
            unused = self._inflate.unused_data
            self._inflate = None
            buffer, position = unused, 0
        self._buffer = b""

    def _declared(self, before: bytes) -> Sink:
        """The sink for a stream whose dictionary is in ``before`` (from its object's start)."""
        start = before.rfind(b" obj")
        dictionary = before[start:] if start >= 0 else before
        return self._binary if _BINARY_STREAM.search(dictionary) else self._decoded

    def _emit(self, out: bytes) -> None:
        if out:
            self._count(len(out))
            self.decoded_bytes += len(out)
            if self.decoded_bytes > self._max_ratio * self.fed_bytes + (1 << 20):
                raise LimitReached(
                    f"PDF streams expand more than {self._max_ratio}x: a decompression bomb",
                    "#streams",
                )
            self._sink(out)
