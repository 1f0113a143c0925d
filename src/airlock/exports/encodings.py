"""The text encodings a mail or news client produces, decoded as they stream (issue 15).

Base64 and hex runs are found by :mod:`airlock.exports.text_scan`; this module tells base32
(RFC 4648 standard and hex alphabets, padded or not) apart from base64 and decodes it, and
decodes the line-oriented encodings -- uuencode, quoted-printable and yEnc -- and the dense
ones, ascii85 and base85. Decoded bytes go to the same nested scans as base64 does, so a
registered model found through any of them is named.

Bounded and failing closed: every line is looked at once, a line longer than ``MAX_LINE``
is not one of these encodings, output never exceeds input, and bytes that do not decode
just stop the decoding -- the raw text is judged as before, whatever happens here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

import numpy as np

MAX_LINE = 8 * 1024  # uuencode lines are 61 characters, quoted-printable 76, yEnc ~128-1000
MIN_DECODED = 4096  # shorter encoded bodies are not payloads (as base64's MIN_RUN_CHARS)

_B32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32HEX = b"0123456789ABCDEFGHIJKLMNOPQRSTUV"
_HEX_CHARS = frozenset(b"0123456789abcdefABCDEF\r\n")
_B32_CHARS = frozenset(_B32 + b"=\r\n")
_B32HEX_CHARS = frozenset(_B32HEX + b"=\r\n")
_QP_ESCAPE = re.compile(rb"=[0-9A-F]{2}")


def _table(alphabet: bytes) -> bytes:
    values = bytearray([255] * 256)
    for value, char in enumerate(alphabet):
        values[char] = value
    return bytes(values)


_B32_TABLE = {"base32": _table(_B32), "base32hex": _table(_B32HEX)}
_YENC_TABLE = bytes((b - 42) & 255 for b in range(256))


def classify_run(text: bytes) -> str | None:
    """Which encoding a long run of base64-alphabet characters is in: ``hex``, ``base32``,
    ``base32hex`` or ``base64``; None when it is none of them (quoted-printable's ``=XX``
    escapes are base64 and base32hex characters too, but those have ``=`` only at the end)."""
    chars = frozenset(text)
    if chars <= _HEX_CHARS:
        return "hex"
    if text.rstrip(b"=\r\n").count(b"=") * 32 > len(text):  # padding is only at the end
        return None
    if chars <= _B32_CHARS:
        return "base32"
    if chars <= _B32HEX_CHARS:
        return "base32hex"
    return "base64"


def decode_base32(text: bytes, alphabet: str) -> bytes:
    """Decode base32 (``base32`` or ``base32hex``) with or without ``=`` padding, fast.

    Raises:
        ValueError: a character outside the alphabet.
    """
    text = text.rstrip(b"=")
    values = np.frombuffer(text.translate(_B32_TABLE[alphabet]), dtype=np.uint8)
    if values.size and int(values.max()) > 31:
        raise ValueError(f"not {alphabet}")
    bits = np.unpackbits(values.reshape(-1, 1), axis=1)[:, 3:].reshape(-1)
    whole = bits.size - bits.size % 8
    return np.packbits(bits[:whole]).tobytes()


_UNITS = {"hex": 2, "base64": 4, "base32": 8, "base32hex": 8}  # characters per whole group


class EncodedRun:
    """Decodes one streaming base64, base32 or hex run in aligned pieces."""

    def __init__(self, sink: Callable[[bytes], None], encoding: str) -> None:
        self.sink = sink
        self.encoding = encoding
        self.pending = b""
        self.chars = 0
        self.broken = False

    def feed(self, text: bytes) -> None:
        compact = text.replace(b"\r", b"").replace(b"\n", b"")
        self.chars += len(compact)
        data = self.pending + compact
        usable = len(data) - len(data) % _UNITS[self.encoding]
        self.pending = data[usable:]
        if usable and not self.broken:
            self._decode(data[:usable])

    def finish(self) -> None:
        """Decode what is left (an unpadded base32 run ends in a partial group)."""
        if self.pending and not self.broken and self.encoding.startswith("base32"):
            self._decode(self.pending)
        self.pending = b""

    def _decode(self, data: bytes) -> None:
        try:
            if self.encoding == "hex":
                decoded = binascii.unhexlify(data)
            elif self.encoding == "base64":
                stripped = data.rstrip(b"=")
                decoded = base64.b64decode(stripped + b"=" * (-len(stripped) % 4))
            else:
                decoded = decode_base32(data, self.encoding)
        except (binascii.Error, ValueError):
            self.broken = True
            return
        self.sink(decoded)


def decode_yenc_line(line: bytes) -> bytes:
    """One yEnc data line: ``=`` escapes the next character (+64), then every byte -42."""
    parts = line.split(b"=")
    out = [parts[0]]
    out += [bytes([(p[0] - 64) & 255]) + p[1:] for p in parts[1:] if p]
    return b"".join(out).translate(_YENC_TABLE)


def _uu_line(line: bytes) -> bytes | None:
    """The bytes of a uuencoded line, or None when the line is not one."""
    if len(line) < 2 or not 32 <= line[0] <= 96:
        return None
    count = (line[0] - 32) & 63
    expected = 1 + (count + 2) // 3 * 4
    if count == 0 or len(line) not in (expected, expected + 1):
        return None
    if line.translate(None, bytes(range(32, 97))):
        return None
    try:
        return binascii.a2b_uu(line)
    except binascii.Error:
        return None


_PROBE = 4096
_PROBE_EVERY = 256 * 1024  # a body this long always holds a probe


def _worth_a_look(window: bytes) -> bool:
    """Cheap pre-checks on 4 KiB probes every 256 KiB (bodies shorter than that between
    two probes are below every threshold that counts): a yEnc header, a quarter of a probe
    in full uuencoded lines, or in ``=XX`` escapes (binary quoted-printable is about half
    escapes; a log's ``key=value`` pairs have ``=`` but no escapes)."""
    starts = [*range(0, max(1, len(window) - _PROBE), _PROBE_EVERY), max(0, len(window) - _PROBE)]
    return any(_probe_worth(window[start : start + _PROBE]) for start in starts)


def _probe_worth(probe: bytes) -> bool:
    if b"=ybegin " in probe or probe.count(b"\nM") * 62 * 4 > len(probe):
        return True
    return probe.count(b"=") * 3 * 4 > len(probe) and len(_QP_ESCAPE.findall(probe)) * 3 * 4 > len(
        probe
    )


class LineDecoder:
    """Finds uuencode, quoted-printable and yEnc bodies in streamed text and decodes them.

    ``open_nested(encoding)`` gives a sink for one body's decoded bytes and
    ``close_nested(sink)`` ends it, as for base64 runs. Bodies shorter than ``MIN_DECODED``
    decoded bytes never open a sink. Windows that fail cheap pre-checks are skipped unless
    a body is open or ``every_line`` is set.
    """

    def __init__(
        self,
        open_nested: Callable[[str], Callable[[bytes], None]],
        close_nested: Callable[[Callable[[bytes], None]], None],
        *,
        every_line: bool = False,
    ) -> None:
        self._open_nested = open_nested
        self._close_nested = close_nested
        self._every_line = every_line  # skip the pre-checks (a yEnc article: binary)
        self._carry = b""
        self._kind: str | None = None
        self._sink: Callable[[bytes], None] | None = None
        self._pending = bytearray()
        self._in_yenc = False
        self.bodies = 0  # bodies decoded into a nested scan

    def feed(self, window: bytes) -> None:
        idle = self._kind is None and not self._in_yenc and not self._every_line
        if idle and not _worth_a_look(window):
            self._carry = b""
            return
        text = self._carry + window
        cut = text.rfind(b"\n") + 1
        self._carry = text[cut:]
        if len(self._carry) > MAX_LINE:
            self._carry = b""
            self._end()
            self._in_yenc = False
        for line in text[:cut].split(b"\n")[:-1]:
            self._line(line.rstrip(b"\r"))

    def finish(self) -> None:
        if self._carry:
            self._line(self._carry.rstrip(b"\r"))
            self._carry = b""
        self._end()

    def _line(self, line: bytes) -> None:
        kind, data = self._decode(line)
        if kind != self._kind:
            self._end()
            self._kind = kind
        if kind is not None and data:
            self._emit(kind, data)

    def _decode(self, line: bytes) -> tuple[str | None, bytes]:  # noqa: PLR0911 -- per kind
        if self._in_yenc:
            if line.startswith(b"=yend"):
                self._in_yenc = False
                return "yenc", b""
            if line.startswith(b"=ypart "):
                return "yenc", b""
            return "yenc", decode_yenc_line(line)
        if line.startswith(b"=ybegin "):
            self._in_yenc = True
            return "yenc", b""
        if len(line) > MAX_LINE:
            return None, b""
        if self._kind == "quoted-printable":  # its lines can pass for uuencoded ones
            decoded = self._qp(line)
            if decoded is not None:
                return "quoted-printable", decoded
        decoded = _uu_line(line)
        if decoded is not None:
            return "uuencode", decoded
        if self._kind == "uuencode" and line in (b"`", b"end"):
            return "uuencode", b""
        decoded = self._qp(line)
        return ("quoted-printable", decoded) if decoded is not None else (None, b"")

    def _qp(self, line: bytes) -> bytes | None:
        soft = line.endswith(b"=")
        escapes = len(_QP_ESCAPE.findall(line))
        # Binary quoted-printable: a quarter or more of each line is =XX escapes; inside a
        # body, short plain lines are the data's own line breaks.
        if escapes * 12 >= len(line) > 0 or (soft and escapes) or self._in_qp(line):
            try:
                return binascii.a2b_qp(line[:-1] if soft else line) + (b"" if soft else b"\n")
            except binascii.Error:
                return None
        return None

    def _in_qp(self, line: bytes) -> bool:
        return self._kind == "quoted-printable" and len(line) <= 76 and line.isascii()

    def _emit(self, kind: str, data: bytes) -> None:
        if self._sink is not None:
            self._sink(data)
            return
        self._pending += data
        if len(self._pending) >= MIN_DECODED:
            self._sink = self._open_nested(kind)
            self.bodies += 1
            pending, self._pending = bytes(self._pending), bytearray()
            self._sink(pending)

    def _end(self) -> None:
        if self._sink is not None:
            self._close_nested(self._sink)
        self._sink = None
        self._pending = bytearray()
        self._kind = None


_A85_CHARS = bytes(range(33, 118)) + b"z"
_B85_CHARS = (
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
)
_SPACE = b" \t\r\n"


class Base85Run:
    """Decodes text denser than base64 -- ascii85 (with or without Adobe's ``<~ ~>``) or
    base85 (RFC 1924, git) -- while every window of it is dense. Windows are whole runs of
    the encoding (a85encode/b85encode output wrapped or not); a character outside both
    alphabets ends the decoding, and the raw text's own judgement stands."""

    def __init__(
        self,
        open_nested: Callable[[str], Callable[[bytes], None]],
        close_nested: Callable[[Callable[[bytes], None]], None],
    ) -> None:
        self._open_nested = open_nested
        self._close_nested = close_nested
        self._kind: str | None = None
        self._sink: Callable[[bytes], None] | None = None
        self._pending = b""
        self._broken = False

    def feed(self, window: bytes, dense: bool) -> None:
        if not dense:
            self.finish()
            return
        if self._broken:
            return
        compact = window.translate(None, _SPACE)
        if self._kind is None:
            compact = compact.removeprefix(b"<~")
            if not compact.translate(None, _A85_CHARS):
                self._kind = "ascii85"
            elif not compact.translate(None, _B85_CHARS):
                self._kind = "base85"
            else:
                self._broken = True
                return
            self._sink = self._open_nested(self._kind)
        if self._kind == "ascii85":
            compact = compact.replace(b"~>", b"").rstrip(b"~").replace(b"z", b"!!!!!")
        data = self._pending + compact
        usable = len(data) - len(data) % 5
        self._pending = data[usable:]
        self._decode(data[:usable])

    def finish(self) -> None:
        if self._pending and not self._broken:
            self._decode(self._pending)
        self._pending = b""
        if self._sink is not None:
            self._close_nested(self._sink)
        self._sink = None
        self._kind = None
        self._broken = False

    def _decode(self, data: bytes) -> None:
        if not data or self._sink is None:
            return
        try:
            decoded = base64.a85decode(data) if self._kind == "ascii85" else base64.b85decode(data)
        except ValueError:
            self._broken = True
            return
        self._sink(decoded)
