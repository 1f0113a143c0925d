"""Text that carries tensors: base64 or hex blobs, and floats written out as numbers.

Runs of base64 or hex characters (line breaks allowed, as MIME wraps them) are decoded as
they stream past and handed to a nested binary analysis; decimal numbers are counted and
sampled so that a CSV or JSON dump of weights is recognised by its size and its values.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from airlock.exports.encodings import Base85Run, EncodedRun, LineDecoder, classify_run
from airlock.exports.tensor_stats import Bytes, entropy_bits
from airlock.exports.text_numbers import (
    count_decimals,
    count_standalone_ints,
    decimal_floats,
    standalone_ints,
)

MIN_RUN_CHARS = 4096  # shorter encoded strings (hashes, keys, small images) are not payloads
_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n")
_ALPHABET_BYTES = {bytes([b]) for b in _ALPHABET}
_IN_ALPHABET = np.zeros(256, dtype=bool)
_IN_ALPHABET[list(_ALPHABET)] = True
LONG_RUN = 256  # shorter runs are words, not payloads
_RUN_TABLE = bytes(1 if c in _ALPHABET else 0 for c in range(256))
_RUN_NEEDLE = b"\x01" * LONG_RUN
# Any LONG_RUN consecutive bytes include LONG_RUN // _STRIDE offsets that are multiples of
# _STRIDE, so a long run shows as that many alphabet bytes in a row in text[::_STRIDE].
_STRIDE = 8
_STRIDE_NEEDLE = b"\x01" * (LONG_RUN // _STRIDE)
_DIGITS = b"0123456789"
_NUMBER_LIST_BYTES = _DIGITS + b"-+,;: \t\r\n[](){}"
_SAMPLE_LIMIT = 200_000
SPOT_MIN_MINUS = 384  # weights written out: one "-" per ~17 bytes
SPOT_BYTES = 12 * 1024  # about 1,300 numbers written like weights: enough to judge alone
SPOT_SAMPLES = 20_000
_SLICE = 16 * 1024
DENSE_TEXT_BITS = 6.2  # base85/base91 text; English ~4.5, base64 6.0, minified code ~5.3


@dataclass
class FloatStats:
    """Decimal numbers in text: the first ``_SAMPLE_LIMIT`` values, an estimated count, and
    the estimated count in windows whose own numbers look like weights."""

    count: int = 0
    samples: list[float] = field(default_factory=list)
    weighty: int = 0  # estimated numbers in windows that are weight-like on their own

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

    def may_matter(self) -> bool:
        """Whether the count can still change a verdict (judge_text needs weight-like
        samples for any finding): asked once the samples are complete, when they are final."""
        return self.weight_like()


@dataclass
class IntStats:
    """Whole numbers in text: weights scaled to integers, or binary as a list of byte values."""

    count: int = 0
    samples: list[int] = field(default_factory=list)
    weighty: int = 0  # estimated integers in windows whose own values encode weights/bytes
    evidence: list[int] = field(default_factory=list)  # the values of one such window

    def _values(self) -> npt.NDArray[np.int64] | None:
        if len(self.samples) < 4096:
            return None
        return np.asarray(self.samples, dtype=np.int64)

    def weight_like(self) -> bool:
        """Signed integers spread symmetrically around zero (quantized or scaled weights)."""
        values = self._values()
        if values is None:
            return False
        negative = float((values < 0).mean())
        spread = float(np.std(values))
        return 0.3 < negative < 0.7 and spread >= 2 and abs(float(np.mean(values))) < spread / 4

    def byte_values(self) -> Bytes | None:
        """The samples as bytes when the text is a list of byte values with varied content."""
        values = self._values()
        if values is None or not bool(((values >= 0) & (values <= 255)).all()):
            return None
        as_bytes = values.astype(np.uint8)
        return as_bytes if entropy_bits(as_bytes) >= 5.0 else None

    def may_matter(self) -> bool:
        """Whether the count can still change a verdict (judge_text needs weight-like samples
        or byte values for any finding): asked once the samples are complete and final."""
        return self.weight_like() or self.byte_values() is not None


class TextScanner:
    """Feed text windows; learns float statistics and decodes long encoded runs."""

    def __init__(
        self,
        open_nested: Callable[[str], Callable[[bytes], None]],
        close_nested: Callable[[Callable[[bytes], None]], None],
        *,
        seed: int = 0,
    ) -> None:
        self._open_nested = open_nested
        self._close_nested = close_nested
        # uuencode, quoted-printable, yEnc, ascii85 and base85 bodies (issue 15)
        self._lines = LineDecoder(open_nested, close_nested)
        self._base85 = Base85Run(open_nested, close_nested)
        self._window_dense = False
        self.floats = FloatStats()
        self.ints = IntStats()
        self.dense_windows = 0  # windows of printable ASCII as dense as base85
        # None while the samples fill; then whether counting on can change a verdict. Logs
        # settle after a few hundred windows and skip the counting from then on (issue 4).
        self._floats_matter: bool | None = None
        self._ints_matter: bool | None = None
        self._carry = b""
        self._run: EncodedRun | None = None
        self.runs_decoded = 0
        # Keyed by the caller (the enclave's key and the content's digest): the same text
        # samples the same slices on every run (issue 15).
        self._random = random.Random(seed)  # noqa: S311 -- sampling, not crypto

    def feed(self, window: bytes) -> None:
        self._lines.feed(window)
        self._count_numbers(window)
        self._base85.feed(window, self._window_dense)
        text = self._joined(window)
        position = 0
        if self._run is not None:
            lead = _alphabet_lead(text, LONG_RUN)
            if lead < min(LONG_RUN, len(text)):  # the open run ends early in this window,
                if lead:  # too short for _long_runs to see: feed the rest of it here
                    self._continue(text[:lead])
                self._end_run()
                position = lead
        for start, end in _long_runs(text):
            if self._run is not None and start > position:
                self._end_run()  # the open run stopped before this run
            if end == len(text):
                self._open_tail(text[start:])
                return
            if self._run is not None or end - start >= MIN_RUN_CHARS:
                self._continue(text[start:end])
                self._end_run()
            position = end
        if self._run is not None and position == 0 and text[:1] not in _ALPHABET_BYTES:
            self._end_run()
        tail = _alphabet_tail(text, position)
        if tail:
            self._open_tail(tail)
        elif self._run is not None:
            self._end_run()

    def _joined(self, window: bytes) -> bytes:
        """The carried tail and ``window`` as one text; just ``window`` (no copy of it)
        when the run the tail starts ends early in ``window`` and short of a long run."""
        carry, self._carry = self._carry, b""
        if not carry:
            return window
        limit = min(LONG_RUN - len(carry), len(window))
        return window if _alphabet_lead(window, limit) < limit else carry + window

    def _open_tail(self, tail: bytes) -> None:
        """A run reaching the window's end may continue in the next window."""
        if self._run is None and len(tail) < MIN_RUN_CHARS:
            self._carry = tail
        else:
            self._continue(tail)

    def finish(self) -> None:
        if self._carry and len(self._carry) >= MIN_RUN_CHARS:
            self._continue(self._carry)
        if self._run is not None:
            self._end_run()
        self._lines.finish()
        self._base85.finish()

    def _continue(self, text: bytes) -> None:
        if self._run is None:
            encoding = classify_run(text)
            if encoding is None:
                return  # quoted-printable: the line decoder's
            self._run = EncodedRun(self._open_nested(encoding), encoding)
        self._run.feed(text)

    def _end_run(self) -> None:
        if self._run is not None:
            self._run.finish()
            self._close_nested(self._run.sink)
            self.runs_decoded += 1
            self._run = None

    def _count_numbers(self, window: bytes) -> None:
        # Large windows are estimated from four random 16 KiB slices, counting "." followed
        # by two digits (ten times faster than the full number pattern); whole numbers are
        # counted in one slice, and floats parsed into values only while samples fill.
        pieces = [window]
        scale = 1.0
        if len(window) > 8 * _SLICE:
            starts = sorted(self._random.sample(range(len(window) // _SLICE), 4))
            pieces = [window[i * _SLICE : (i + 1) * _SLICE] for i in starts]
            scale = len(window) / (4 * _SLICE)
        self._judge_window_floats(pieces, scale)
        if self._floats_matter is not False:
            # One call for all slices: a line break between them (not a digit) keeps a
            # match from spanning two.
            self.floats.count += round(count_decimals(b"\n".join(pieces)) * scale)
            room = _SAMPLE_LIMIT - len(self.floats.samples)
            if room > 0:
                self.floats.samples += decimal_floats(pieces[0], room)
            elif self._floats_matter is None:
                self._floats_matter = self.floats.may_matter()
        self._judge_window_ints(pieces, len(window))
        if self._ints_matter is not False:
            self._count_ints(pieces[0], len(window))
        self._window_dense = _dense(pieces[0])
        if self._window_dense:
            self.dense_windows += 1

    # Pooled samples can be diluted (weights between long benign logs) and stop growing
    # once full, so each window's randomly placed slice is also judged on its own, behind
    # a cheap byte count; the numbers of weight-like windows add up in ``floats.weighty``.
    # Whole numbers likewise add up in ``ints.weighty``, with one such window's values kept.
    def _judge_window_floats(self, pieces: list[bytes], scale: float) -> None:
        piece = pieces[0][:SPOT_BYTES]
        if piece.count(b"-") < SPOT_MIN_MINUS:  # half of any weights are negative
            return
        probe = FloatStats(samples=decimal_floats(piece, SPOT_SAMPLES))
        if probe.weight_like():
            self.floats.weighty += round(count_decimals(b"\n".join(pieces)) * scale)

    def _judge_window_ints(self, pieces: list[bytes], window: int) -> None:
        # Integers that encode weights or bytes come as bare lists: hardly a letter between
        # them. Logs are full of words and skip the parse.
        head = pieces[0][:SPOT_BYTES]
        if len(head.translate(None, _NUMBER_LIST_BYTES)) * 10 > len(head):
            return
        text = b"\n".join(pieces)
        probe = IntStats(samples=standalone_ints(text)[:SPOT_SAMPLES].tolist())
        if probe.may_matter():
            self.ints.weighty += round(len(probe.samples) * window / max(1, len(text)))
            if not self.ints.evidence:
                self.ints.evidence = probe.samples

    def _count_ints(self, piece: bytes, window: int) -> None:
        # Whole numbers are parsed only where digits are a quarter of the text or more, and
        # into values only while the samples fill.
        digits = len(piece) - len(piece.translate(None, _DIGITS))
        if digits * 4 < len(piece):
            return
        room = _SAMPLE_LIMIT - len(self.ints.samples)
        if room > 0:
            ints = standalone_ints(piece)
            found = ints.size
            self.ints.samples += ints[:room].tolist()
        else:
            found = count_standalone_ints(piece)
            if self._ints_matter is None:
                self._ints_matter = self.ints.may_matter()
        self.ints.count += round(found * window / max(1, len(piece)))


def _dense(piece: bytes) -> bool:
    """Printable ASCII with more entropy per character than base64: base85, base91..."""
    if len(piece) < 4096:
        return False
    array = np.frombuffer(piece, dtype=np.uint8)
    return bool((array < 0x80).all()) and entropy_bits(array) >= DENSE_TEXT_BITS


def _alphabet_lead(text: bytes, limit: int) -> int:
    """How many encoded-alphabet characters open ``text``, counting at most ``limit``."""
    lead, limit = 0, min(limit, len(text))
    while lead < limit and text[lead] in _ALPHABET:
        lead += 1
    return lead


def _alphabet_tail(text: bytes, position: int) -> bytes:
    """The encoded-alphabet characters ending ``text`` (shorter than a long run)."""
    start = len(text)
    while start > position and text[start - 1] in _ALPHABET:
        start -= 1
    return text[start:]


def _long_runs(text: bytes) -> list[tuple[int, int]]:
    """Spans of encoded-alphabet characters at least LONG_RUN long.

    ``bytes.translate`` and ``bytes.find`` rule out the common case (no long run) at C speed,
    first on every eighth byte (a necessary condition), then on all bytes; only windows
    that have a long run pay for the exact numpy pass.
    """
    if not text or text[::_STRIDE].translate(_RUN_TABLE).find(_STRIDE_NEEDLE) < 0:
        return []
    if text.translate(_RUN_TABLE).find(_RUN_NEEDLE) < 0:
        return []
    inside = _IN_ALPHABET[np.frombuffer(text, dtype=np.uint8)].astype(np.int8)
    edges = np.diff(inside, prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = (ends - starts) >= LONG_RUN
    return [(int(a), int(b)) for a, b in zip(starts[keep], ends[keep], strict=True)]
