"""Regular expressions compiled the first time they are used (issue 16: start-up).

Python compiles a pattern in Python code (``re._parser``, ``re._compiler``): the vetting
modules' patterns cost ~10 ms of every ``airlock package vet`` process, and one file seldom
needs half of them (the chain patterns read only the text of a sink a file calls, the
off-screen ones only a file with long runs of blanks). A :class:`LazyPattern` has the
methods the vetting code calls and compiles, with the same flags, on the first call: the
same matches, paid for only when asked. Compiling twice from two threads is harmless (the
results are equal). What it deliberately does not do: cache anything across processes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any, AnyStr, Generic


class LazyPattern(Generic[AnyStr]):
    """``re.compile(source, flags)``, done when a method is first called."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: AnyStr, flags: int = 0) -> None:
        self._source: AnyStr = source
        self._flags = flags
        self._compiled: re.Pattern[AnyStr] | None = None

    @property
    def compiled(self) -> re.Pattern[AnyStr]:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    @property
    def pattern(self) -> AnyStr:
        return self._source

    def search(
        self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[AnyStr] | None:
        return self.compiled.search(string, pos, endpos)

    def match(
        self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[AnyStr] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(
        self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[AnyStr] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(
        self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[AnyStr]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r}, {self._flags})"


class AtLineStart(Generic[AnyStr]):
    """``re.compile("^" + body, re.MULTILINE)`` with the same matches, found faster.

    A pattern that starts with ``^`` has no literal to skip ahead to: the engine tries it at
    every character, ~3x the time of a pattern that starts with a literal (issue 16: the
    import scans ran over every module at ~10 ns a character). Here the body is tried at
    the text's start and after each ``\\n``, found by searching ``"\\n" + body``, whose
    literal head the engine skips to. The same places match: under ``re.MULTILINE``, ``^``
    matches at the start and right after a ``\\n`` only. The matches' groups and their
    spans are the body's own (the ``\\n`` is outside every group); ``start()`` of a match
    after the first is its ``\\n``'s place, so only groups are read from it.

    One condition makes :meth:`finditer` find the same matches in the same order: no match
    of the body ends with ``\\n`` (so the next search, from its end, never starts at a line
    start), which each use states and a test checks against the ``^`` pattern.
    """

    __slots__ = ("_first", "_later")

    def __init__(self, body: AnyStr, flags: int = 0) -> None:
        later = "\n" + body if isinstance(body, str) else b"\n" + body
        self._first: LazyPattern[AnyStr] = LazyPattern(body, flags)
        self._later: LazyPattern[AnyStr] = LazyPattern(later, flags)

    @property
    def body(self) -> AnyStr:
        """The pattern without its ``^``."""
        return self._first.pattern

    def finditer(self, string: AnyStr) -> Iterator[re.Match[AnyStr]]:
        first = self._first.match(string)
        if first is not None:
            yield first
        yield from self._later.finditer(string, first.end() if first is not None else 0)

    def search(self, string: AnyStr) -> re.Match[AnyStr] | None:
        first = self._first.match(string)
        return first if first is not None else self._later.search(string)
