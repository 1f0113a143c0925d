"""Text that carries tensors: base64 or hex blobs, and floats written out as numbers.

Runs of base64 or hex characters (line breaks allowed, as MIME wraps them) are decoded as
they stream past and handed to a nested binary analysis; decimal numbers are counted and
sampled so that a CSV or JSON dump of weights is recognised by its size and its values.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

MIN_RUN_CHARS = 4096  # shorter encoded strings (hashes, keys, small images) are not payloads
_RUN = re.compile(rb"[A-Za-z0-9+/=\r\n]+")
_HEX = re.compile(rb"[0-9a-fA-F\r\n]+")
_FLOAT = re.compile(rb"-?\d*\.\d{3,}(?:[eE][-+]?\d+)?|-?\d\.?\d*[eE][-+]?\d+")
_SAMPLE_LIMIT = 200_000


@dataclass
class FloatStats:
    count: int = 0
    samples: list[float] = field(default_factory=list)

    def weight_like(self) -> bool:
        """Small values spread symmetrically around zero, as trained weights are."""
        if len(self.samples) < 1000:
            return False
        values = np.asarray(self.samples, dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size < 1000:
            return False
        spread = float(np.std(values))
        negative = float((values < 0).mean())
        return spread < 1.0 and abs(float(np.mean(values))) < spread and 0.3 < negative < 0.7


class EncodedRun:
    """Decodes one streaming base64 or hex run in aligned pieces."""

    def __init__(self, sink: Callable[[bytes], None], hex_only: bool) -> None:
        self.sink = sink
        self.hex_only = hex_only
        self.pending = b""
        self.chars = 0
        self.broken = False

    def feed(self, text: bytes) -> None:
        compact = text.replace(b"\r", b"").replace(b"\n", b"")
        self.chars += len(compact)
        data = self.pending + compact
        unit = 2 if self.hex_only else 4
        usable = len(data) - len(data) % unit
        self.pending = data[usable:]
        if usable and not self.broken:
            try:
                decoded = (
                    binascii.unhexlify(data[:usable])
                    if self.hex_only
                    else base64.b64decode(
                        data[:usable].rstrip(b"=") + b"=" * (-len(data[:usable].rstrip(b"=")) % 4)
                    )
                )
            except (binascii.Error, ValueError):
                self.broken = True
                return
            self.sink(decoded)


class TextScanner:
    """Feed text windows; learns float statistics and decodes long encoded runs."""

    def __init__(
        self,
        open_nested: Callable[[str], Callable[[bytes], None]],
        close_nested: Callable[[], None],
    ) -> None:
        self._open_nested = open_nested
        self._close_nested = close_nested
        self.floats = FloatStats()
        self._carry = b""
        self._run: EncodedRun | None = None
        self.runs_decoded = 0

    def feed(self, window: bytes) -> None:
        self._count_floats(window)
        text = self._carry + window
        self._carry = b""
        position = 0
        for match in _RUN.finditer(text):
            start, end = match.span()
            if self._run is not None and start > position:
                self._end_run()
            if end == len(text):
                if self._run is None and end - start < MIN_RUN_CHARS:
                    self._carry = text[start:]  # may continue in the next window
                    return
                self._continue(text[start:end])
                return
            if self._run is not None or end - start >= MIN_RUN_CHARS:
                self._continue(text[start:end])
                self._end_run()
            position = end
        if self._run is not None:
            self._end_run()

    def finish(self) -> None:
        if self._carry and len(self._carry) >= MIN_RUN_CHARS:
            self._continue(self._carry)
        if self._run is not None:
            self._end_run()

    def _continue(self, text: bytes) -> None:
        if self._run is None:
            hex_only = _HEX.fullmatch(text) is not None
            self._run = EncodedRun(self._open_nested("hex" if hex_only else "base64"), hex_only)
        self._run.feed(text)

    def _end_run(self) -> None:
        if self._run is not None:
            self._close_nested()
            self.runs_decoded += 1
            self._run = None

    def _count_floats(self, window: bytes) -> None:
        tokens = _FLOAT.findall(window)
        self.floats.count += len(tokens)
        room = _SAMPLE_LIMIT - len(self.floats.samples)
        if room > 0 and tokens:
            step = max(1, len(tokens) // max(1, min(room, 20_000)))
            for token in tokens[::step][:room]:
                try:
                    self.floats.samples.append(float(token))
                except ValueError:
                    continue
