"""Gzip inflation, bounded per call, with ISA-L's igzip when it is installed and zlib if not.

Compressed exports can only be scanned as fast as they inflate (ADR 0003); igzip inflates
deflate two to three times faster than zlib (issue 4). Both backends take the same bytes
and give the same output and verdicts: corrupt data, a bad CRC or length and a truncated
stream fail, concatenated members are read in turn and zero padding after a member is
skipped, as the ``gzip`` module does. No call returns more than its ``limit``, so a bomb
never materialises more than one piece.
"""

from __future__ import annotations

import zlib
from typing import Protocol, cast

from airlock.exports.readers import Readable

try:
    from isal import igzip_lib

    HAVE_ISAL = True
except ImportError:  # pragma: no cover -- isal ships wheels for the platforms we deploy on
    HAVE_ISAL = False

IN_PIECE = 4 * 1024 * 1024  # compressed bytes read from the source at a time


class InflateError(ValueError):
    """The gzip stream is corrupt (bad deflate data, header, CRC or length)."""


class _Member(Protocol):
    """One gzip member's decompressor, in the style of ``bz2``/``lzma``/``isal``."""

    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes: ...


class _ZlibMember:
    """zlib's gzip decompressor behind the ``needs_input`` interface of the others."""

    def __init__(self) -> None:
        self._inner = zlib.decompressobj(wbits=31)
        self._tail = b""
        self.needs_input = True

    @property
    def eof(self) -> bool:
        return self._inner.eof

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data

    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes:
        if self._tail:
            data = self._tail + data
        out = self._inner.decompress(data, max(0, max_length))
        self._tail = self._inner.unconsumed_tail
        # A full output may leave more in zlib's window: ask again before feeding more.
        self.needs_input = not self._tail and (max_length < 0 or len(out) < max_length)
        return out


if HAVE_ISAL:
    _BACKEND_ERRORS: tuple[type[Exception], ...] = (
        zlib.error,
        cast("type[Exception]", igzip_lib.IsalError),
    )
else:  # pragma: no cover
    _BACKEND_ERRORS = (zlib.error,)


def _new_member(use_isal: bool) -> _Member:
    if use_isal:
        return cast("_Member", igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP))
    return _ZlibMember()


class GzipInflater:
    """Push compressed bytes in, take at most ``limit`` decompressed bytes out per call.

    ``use_isal=False`` forces zlib (tests compare the two). Does not read any source
    itself; :class:`GzipReader` does that for pull-based callers.
    """

    def __init__(self, *, use_isal: bool = HAVE_ISAL) -> None:
        self._use_isal = use_isal and HAVE_ISAL
        self._member: _Member | None = None
        self._rest = b""  # input after a finished member, not yet handed to the next
        self.members = 0

    @property
    def needs_input(self) -> bool:
        """Whether ``inflate`` can give no more output without more input."""
        member = self._member
        return not self._rest and (member is None or member.needs_input)

    @property
    def complete(self) -> bool:
        """At least one member, and the last one ended with its CRC and length checked."""
        return self._member is None and not self._rest and self.members > 0

    def inflate(self, data: bytes, limit: int) -> bytes:
        """Take ``data`` (may be empty) and return up to ``limit`` decompressed bytes.

        Call again with ``b""`` while :attr:`needs_input` is false.

        Raises:
            InflateError: the stream is corrupt, or is followed by bytes that are not gzip.
        """
        if self._rest:
            data, self._rest = self._rest + data, b""
        while True:
            if self._member is None:
                data = data.lstrip(b"\0")  # zero padding between members, as gzip allows
                if not data:
                    return b""
                self._member = _new_member(self._use_isal)
            member = self._member
            try:
                out = member.decompress(data, limit)
            except _BACKEND_ERRORS as e:
                raise InflateError(f"corrupt gzip data: {e}") from e
            data = b""
            if member.eof:
                self.members += 1
                self._rest = member.unused_data
                self._member = None
            if out or not self._rest:
                return out
            data, self._rest = self._rest, b""


class GzipReader:
    """The decompressed bytes of the gzip stream in ``source``, read on demand.

    ``read(n)`` returns ``n`` bytes except at the end, like ``gzip.GzipFile``.

    Raises:
        InflateError: from ``read``, when the stream is corrupt.
        EOFError: from ``read``, when the stream ends inside a member.
    """

    def __init__(self, source: Readable, *, use_isal: bool = HAVE_ISAL) -> None:
        self._source = source
        self._inflater = GzipInflater(use_isal=use_isal)
        self._source_done = False

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            return b"".join(iter(lambda: self.read(IN_PIECE * 4), b""))
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:
            data = b""
            if self._inflater.needs_input:
                if self._source_done:
                    break
                data = self._source.read(IN_PIECE)
                if not data:
                    self._source_done = True
                    if not self._inflater.complete:
                        raise EOFError("gzip stream ended before its end-of-stream marker")
                    break
            out = self._inflater.inflate(data, wanted)
            if not out and not data and not self._inflater.needs_input:
                raise InflateError("gzip decompressor made no progress")
            if out:
                parts.append(out)
                wanted -= len(out)
        return b"".join(parts)
