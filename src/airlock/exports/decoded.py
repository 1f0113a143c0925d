"""Bytes decoded from base64 or hex text, decompressed on the fly when they are compressed.

Text pushes decoded bytes as it streams past, so archives inside it cannot be walked with
the pull-based walkers; compressed streams can, with the push-mode decompressors of the
standard library and zstandard. Output is bounded per input piece and charged to the run,
so a bomb inside base64 hits the same limits as a bomb on disk.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable, Iterator

import zstandard

from airlock.exports.flat_scan import FlatScan
from airlock.exports.formats import COMPRESSORS, IMAGES, Format, sniff
from airlock.exports.inflate import GzipInflater
from airlock.exports.readers import LimitReached

SNIFF_BYTES = 512
OUT_PIECE = 1 << 20  # largest output per decompressor call
ZSTD_IN_PIECE = 512  # zstd's push API has no output bound: feed it small inputs instead
_ERRORS = (zlib.error, OSError, EOFError, ValueError, lzma.LZMAError, zstandard.ZstdError)


class PushDecompressor:
    """Decompress gzip (all members), bzip2, xz or zstd from pieces, in bounded outputs."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self._zstd = zstandard.ZstdDecompressor() if fmt is Format.ZSTD else None
        self._new()

    def _new(self) -> None:
        if self.fmt is Format.GZIP:
            self._inner: object = GzipInflater()  # all members, in turn
        elif self.fmt is Format.BZIP2:
            self._inner = bz2.BZ2Decompressor()
        elif self.fmt is Format.XZ:
            self._inner = lzma.LZMADecompressor()
        else:
            assert self._zstd is not None
            self._inner = self._zstd.decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decompressed output for ``data``, in pieces of at most ``OUT_PIECE`` bytes."""
        inner = self._inner
        if isinstance(inner, GzipInflater):
            out = inner.inflate(data, OUT_PIECE)
            while out:
                yield out
                out = b"" if inner.needs_input else inner.inflate(b"", OUT_PIECE)
        elif isinstance(inner, bz2.BZ2Decompressor | lzma.LZMADecompressor):
            out = inner.decompress(data, OUT_PIECE)
            while out:
                yield out
                out = b"" if inner.eof else inner.decompress(b"", OUT_PIECE)
        else:
            for start in range(0, len(data), ZSTD_IN_PIECE):
                out = inner.decompress(data[start : start + ZSTD_IN_PIECE])  # type: ignore[attr-defined]
                if out:
                    yield out

    @property
    def complete(self) -> bool:
        """Whether the stream ended properly (zstd cannot tell; it counts as complete)."""
        inner = self._inner
        if isinstance(inner, GzipInflater):
            return inner.complete
        if isinstance(inner, bz2.BZ2Decompressor | lzma.LZMADecompressor):
            return inner.eof
        return True


class DecodedSink:
    """Takes the bytes decoded from one encoded run and feeds the plain bytes to a scan.

    ``compressed`` names the compression found (None: the bytes were not compressed);
    ``broken`` is set when the compressed stream turned out corrupt.
    """

    def __init__(
        self, scan: FlatScan, count: Callable[[int], None], max_ratio: int, keep: int = 0
    ) -> None:
        self.scan = scan
        # An encoded image (a notebook's plot) is kept, up to ``keep`` bytes, to be decoded.
        self.image: Format | None = None
        self.kept = bytearray()
        self._keep = keep
        self.decoded = 0  # bytes decoded from the text
        self.plain = 0  # bytes after decompression
        self.compressed: Format | None = None
        self.broken = ""
        self._count = count
        self._max_ratio = max_ratio
        self._head = b""
        self._decided = False
        self._inflater: PushDecompressor | None = None

    def feed(self, data: bytes) -> None:
        self.decoded += len(data)
        if not self._decided:
            self._head += data
            if len(self._head) < SNIFF_BYTES:
                return
            data, self._head = self._head, b""
            self._decide(data)
        self._push(data)

    def finish(self) -> None:
        if not self._decided and self._head:
            data, self._head = self._head, b""
            self._decide(data)
            self._push(data)
        if self._inflater is not None and not self.broken and not self._inflater.complete:
            self.broken = "the stream is truncated"

    def _decide(self, head: bytes) -> None:
        self._decided = True
        fmt = sniff(head)
        if fmt in IMAGES and self._keep:
            self.image = fmt
        if fmt in COMPRESSORS:
            self.compressed = fmt
            self._inflater = PushDecompressor(fmt)

    def _push(self, data: bytes) -> None:
        if self._inflater is None:
            self._plain(data)
            return
        if self.broken:
            return
        try:
            for out in self._inflater.feed(data):
                self._plain(out)
                if self.plain > self._max_ratio * self.decoded + OUT_PIECE:
                    raise LimitReached(
                        f"encoded {self.compressed} expands more than {self._max_ratio}x: "
                        "a decompression bomb",
                        self.scan.member,
                    )
        except _ERRORS as e:
            self.broken = f"{type(e).__name__}: {e}"

    def _plain(self, data: bytes) -> None:
        self._count(len(data))
        self.plain += len(data)
        if self.image is not None and len(self.kept) <= self._keep:
            self.kept += data[: self._keep + 1 - len(self.kept)]
        self.scan.feed(data)
