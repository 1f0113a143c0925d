"""File-object wrappers that bound what untrusted archives and streams can make us read."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Protocol


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class LimitReached(Exception):
    """Internal control flow: a bound was hit; the engine turns it into a finding."""

    def __init__(self, message: str, member: str) -> None:
        super().__init__(message)
        self.member = member


def unsafe_name(name: str) -> bool:
    """Absolute paths, '..' components, drive letters and control characters."""
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
        or any(ord(c) < 32 for c in name)
    )


def read_full(stream: Readable, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the stream (raw reads may be short)."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        piece = stream.read(wanted)
        if not piece:
            break
        parts.append(piece)
        wanted -= len(piece)
    return b"".join(parts)


class PrefixedReader(io.RawIOBase):
    """Replays already-read head bytes, then continues with the stream."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self._head = head
        self._stream = stream
        self._position = 0

    def readable(self) -> bool:
        return True

    def peek_head(self, size: int) -> bytes:
        """The first ``size`` bytes of the stream (at most the head already read)."""
        return self._head[:size]

    def read(self, size: int = -1, /) -> bytes:
        # Hands the inner stream's bytes on as they are: RawIOBase.read would copy each
        # piece twice, and every decompressed byte passes through here (issue 4).
        if size < 0:
            return self.readall()
        if self._position < len(self._head):
            piece = self._head[self._position : self._position + size]
        else:
            piece = self._stream.read(size)
        self._position += len(piece)
        return piece

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def whole(self, limit: int) -> io.IOBase | io.BytesIO:
        """A seekable view of the whole stream (for zip): the stream itself when seekable,
        otherwise a copy in memory of at most ``limit`` bytes.

        Raises:
            LimitReached: the stream is not seekable and longer than ``limit``.
        """
        inner = self._stream
        if isinstance(inner, io.IOBase) and inner.seekable():
            inner.seek(0)
            return inner
        data = self._head + read_full(self._stream, limit - len(self._head) + 1)
        if len(data) > limit:
            raise LimitReached(
                f"a nested zip larger than {limit} bytes cannot be walked in bounded memory", ""
            )
        return io.BytesIO(data)


class BoundedReader(io.RawIOBase):
    """Counts decompressed bytes against the run's total and the layer's ratio limit."""

    def __init__(
        self, stream: Readable, member: str, limit: tuple[int, int], count: Callable[[int], None]
    ) -> None:
        self._stream = stream
        self._member = member
        self._max_ratio, self._compressed = limit  # compressed size 0: no ratio check
        self._count = count
        self._produced = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        # No copy, as in PrefixedReader.read; a read of everything goes piece by piece
        # through here, so each piece is counted before the next is asked for.
        if size < 0:
            return self.readall()
        data = self._stream.read(size)
        self._produced += len(data)
        self._count(len(data))
        if self._compressed and self._produced > self._max_ratio * self._compressed + 1024 * 1024:
            raise LimitReached(
                f"expands more than {self._max_ratio}x: a decompression bomb", self._member
            )
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return False
