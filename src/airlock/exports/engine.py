"""The inspection engine: walk containers and encodings, bounded, and report findings.

Pull-based over file objects so archives can be walked member by member; flat content
is pushed through :class:`FlatScan` (and, by format, the text, pickle and media readers).
Every layer is bounded by :class:`InspectionLimits`; a malformed or over-limit input
becomes a finding that holds, never an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable, Sequence

from airlock.budgets.refusals import SketchBuilder
from airlock.domain.requests import Outcome
from airlock.exports.chunking import FingerprintIndex, ModelFingerprint
from airlock.exports.containers import walk_compressed, walk_tar, walk_zip
from airlock.exports.decoded import DecodedSink
from airlock.exports.encodings import LineDecoder
from airlock.exports.findings import FileReport, Finding, FindingKind
from airlock.exports.flat_scan import FlatScan
from airlock.exports.formats import COMPRESSORS, MEDIA, TENSOR_FORMATS, Format, sniff
from airlock.exports.judges import describe_format, judge_decoded, judge_pickle, judge_text
from airlock.exports.limits import InspectionLimits
from airlock.exports.media import PARSED_MEDIA, MediaScan
from airlock.exports.readers import (
    BoundedReader,
    LimitReached,
    PrefixedReader,
    Readable,
    read_full,
)
from airlock.exports.text_scan import TextScanner

HEAD_BYTES = 64 * 1024
# The key of an inspector built without the enclave's: sampling is still a function of the
# bytes (same verdict every run), but an exporter who reads this source can predict it.
PUBLIC_SAMPLING_KEY = b"airlock: no enclave sampling key"
MIN_UNKNOWN_TRAILING = 4096  # bytes after an image's end beyond a stray newline or two


class Inspector:
    """Inspects export candidates against limits and registered protected models.

    Build one per set of protected models and reuse it: the fingerprint index is built
    once. ``inspect`` is safe to call for many files in turn (each call has its own state).

    ``sampling_key`` is the enclave's secret (``airlock.home.load_sampling_key``): which
    slices of a large window are sampled is derived from it and the content's digest, so the
    same bytes get the same verdict on every run and every worker, and an exporter without
    the key cannot know which bytes will be looked at (issue 15).
    """

    def __init__(
        self,
        limits: InspectionLimits | None = None,
        protected: Sequence[ModelFingerprint] = (),
        *,
        sampling_key: bytes = PUBLIC_SAMPLING_KEY,
    ) -> None:
        self.limits = limits or InspectionLimits()
        self.index = FingerprintIndex(protected)
        self.sampling_key = sampling_key

    def inspect(self, name: str, stream: Readable, size: int) -> FileReport:
        """One file's report; ``size`` is its length in bytes (0 when unknown).

        Never raises for bad content: truncation, corruption, bombs and parser failures
        become findings that hold. Reads the stream once, front to back, in windows of
        ``limits.window_bytes`` (a zip is the exception: its directory sits at the end, so
        a non-seekable zip is spooled up to a bound).
        """
        run = _Run(self)
        try:
            run.walk(stream, "", 0, size)
        except LimitReached as e:
            run.add(FindingKind.LIMIT, Outcome.HOLD, str(e), member=e.member)
        except OSError as e:
            run.add(FindingKind.MALFORMED, Outcome.HOLD, f"could not read the file: {e}")
        except Exception as e:  # noqa: BLE001 -- fail closed: any parser failure holds
            run.add(
                FindingKind.MALFORMED,
                Outcome.HOLD,
                f"inspection stopped on malformed content ({type(e).__name__}: {e})",
            )
        return FileReport(name, size, tuple(run.findings), run.sketch.sketch())


class _Run:
    """The state of one file's inspection: findings so far and bytes expanded."""

    def __init__(self, inspector: Inspector) -> None:
        self.limits = inspector.limits
        self.index = inspector.index
        self._sampling_key = inspector.sampling_key
        self._content = b""  # digest of the first window of the member being judged
        self.findings: list[Finding] = []
        self.expanded = 0
        self.sketch = SketchBuilder()  # every layer's chunks: a re-zipped copy sketches alike

    def add(
        self,
        kind: FindingKind,
        verdict: Outcome,
        detail: str,
        *,
        member: str = "",
        offset: int = 0,
        size: int = 0,
        confidence: float = 1.0,
    ) -> None:
        self.findings.append(Finding(kind, verdict, detail, offset, member, size, confidence))

    def count(self, n: int, member: str) -> None:
        self.expanded += n
        if self.expanded > self.limits.max_expanded_bytes:
            raise LimitReached(
                f"more than {self.limits.max_expanded_bytes} bytes after decompression "
                "(a decompression bomb or an oversized archive)",
                member,
            )

    def walk(self, stream: Readable, member: str, depth: int, size: int) -> None:
        if depth > self.limits.max_depth:
            self.add(
                FindingKind.LIMIT,
                Outcome.HOLD,
                f"nested deeper than {self.limits.max_depth} containers",
                member=member,
            )
            return
        head = stream.read(HEAD_BYTES)
        fmt = sniff(head)
        reader = PrefixedReader(head, stream)
        if fmt is Format.ZIP:
            walk_zip(self, reader, member, depth)
        elif fmt is Format.TAR:
            walk_tar(self, reader, member, depth)
        elif fmt in COMPRESSORS:
            walk_compressed(self, fmt, reader, member, depth=depth, size=size)
        else:
            self.flat(fmt, reader, member, size)

    def bounded(self, stream: Readable, member: str, compressed: int) -> BoundedReader:
        return BoundedReader(
            stream, member, (self.limits.max_ratio, compressed), lambda n: self.count(n, member)
        )

    def nested_scan(self, path: str, *, check_opacity: bool) -> FlatScan:
        return FlatScan(
            path,
            self.limits,
            self.index,
            check_opacity=check_opacity,
            sample_key=self.sample_key(path),
            sketch=self.sketch,
        )

    def sample_key(self, path: str) -> int:
        """A 128-bit sampling key for the scan at ``path``: HMAC of the enclave's key over
        the digest of the content it lies in (the first window and size of the member being
        judged: every scan is opened while its member is) and ``path`` itself -- a function
        of the bytes, never of the run."""
        mac = hmac.new(self._sampling_key, self._content + path.encode(), hashlib.sha256)
        return int.from_bytes(mac.digest()[:16], "little")

    # --- flat content -----------------------------------------------------------------

    def flat(self, fmt: Format, reader: PrefixedReader, member: str, size: int) -> None:
        limits = self.limits
        first = read_full(reader, max(limits.window_bytes, _header_need(fmt, reader, limits)))
        self._content = hashlib.sha256(first).digest() + size.to_bytes(8, "little")
        self.findings += describe_format(fmt, first, member, size, limits)
        scan = self.nested_scan(member, check_opacity=fmt not in MEDIA | TENSOR_FORMATS)
        text = (
            TextScanner(*self.nested_decoder(member), seed=self.sample_key(f"{member}#numbers"))
            if fmt is Format.TEXT
            else None
        )
        media = self.media(fmt, member) if fmt in PARSED_MEDIA else None
        # yEnc is 8-bit, so a news article carrying it is binary, not text (issue 15)
        yenc = (
            LineDecoder(*self.nested_decoder(member), every_line=True)
            if fmt is Format.BINARY and b"=ybegin " in first[:HEAD_BYTES]
            else None
        )
        pickle_head = bytearray()
        total = 0
        piece = first
        while piece:
            total += len(piece)
            scan.feed(piece)
            if text is not None:
                text.feed(piece)
            if media is not None:
                media[0].feed(piece)
            if yenc is not None:
                yenc.feed(piece)
            if fmt is Format.PICKLE and len(pickle_head) < limits.max_header_bytes:
                pickle_head += piece[: limits.max_header_bytes - len(pickle_head)]
            piece = reader.read(limits.window_bytes)
        if yenc is not None:
            yenc.finish()
        flat_findings = scan.finish()
        self.findings += flat_findings
        if fmt is Format.BINARY and not flat_findings and total:
            # Fail closed: bytes we cannot name are not released without a person.
            self.add(
                FindingKind.UNKNOWN_FORMAT,
                Outcome.HOLD,
                "binary data of no recognised format; a person must look at it",
                member=member,
                size=total,
                confidence=0.5,
            )
        if text is not None:
            text.finish()
            self.findings += judge_text(text, member, limits)
        if fmt is Format.PICKLE:
            self.findings += judge_pickle(bytes(pickle_head), member, total, limits)
        if media is not None:
            media[1]()
        if fmt in MEDIA and total > limits.max_media_bytes:
            self.add(
                FindingKind.LIMIT,
                Outcome.HOLD,
                f"{fmt.value} of {total} bytes is larger than any plot or report",
                member=member,
                size=total,
            )

    def media(self, fmt: Format, member: str) -> tuple[MediaScan, Callable[[], None]]:
        """A media reader whose appended and decoded bytes get scans of their own."""
        trailing = self.nested_scan(f"{member}#after-end", check_opacity=True)
        decoded = self.nested_scan(f"{member}#streams", check_opacity=False)
        scan = MediaScan(
            fmt,
            trailing.feed,
            decoded.feed,
            lambda n: self.count(n, member),
            self.limits.max_ratio,
        )

        def finish() -> None:
            self.findings += decoded.finish()
            found = trailing.finish()
            self.findings += found
            if not found and scan.trailing_bytes >= MIN_UNKNOWN_TRAILING:
                self.add(
                    FindingKind.UNKNOWN_FORMAT,
                    Outcome.HOLD,
                    f"{scan.trailing_bytes} bytes appended after the end of the {fmt.value}; "
                    "a person must look at them",
                    member=f"{member}#after-end",
                    size=scan.trailing_bytes,
                    confidence=0.7,
                )

        return scan, finish

    def nested_decoder(
        self, member: str
    ) -> tuple[Callable[[str], Callable[[bytes], None]], Callable[[Callable[[bytes], None]], None]]:
        """Callbacks for :class:`TextScanner`: one nested scan per encoded run or body
        (base64, base32, hex, uuencode, quoted-printable, yEnc, ascii85, base85); several
        may be open at once, so a run is closed by the sink it was given."""
        current: list[DecodedSink] = []

        def open_nested(encoding: str) -> Callable[[bytes], None]:
            path = f"{member}~{encoding}"
            scan = self.nested_scan(path, check_opacity=True)
            sink = DecodedSink(scan, lambda n: self.count(n, path), self.limits.max_ratio)
            current.append(sink)
            return sink.feed

        def close_nested(feed: Callable[[bytes], None]) -> None:
            sink = next(s for s in current if s.feed == feed)
            current.remove(sink)
            sink.finish()
            self.findings += judge_decoded(sink, sink.scan.finish())

        return open_nested, close_nested


def _header_need(fmt: Format, reader: PrefixedReader, limits: InspectionLimits) -> int:
    """How many bytes the first read must cover to hold a safetensors header whole."""
    if fmt is not Format.SAFETENSORS:
        return 0
    (length,) = struct.unpack_from("<Q", reader.peek_head(8).ljust(8, b"\0"))
    return int(min(length, limits.max_header_bytes) + 8)
