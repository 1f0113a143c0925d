"""The inspection engine: walk containers and encodings, bounded, and report findings.

Pull-based over file objects so archives can be walked member by member; flat content
is pushed through :class:`FlatScan` (and, by format, the text, pickle and media readers).
Every layer is bounded by :class:`InspectionLimits`; a malformed or over-limit input
becomes a finding that holds, never an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import struct
from collections.abc import Callable, Sequence
from typing import Any

import numpy.typing as npt

from airlock.budgets.refusals import SketchBuilder
from airlock.domain.requests import Outcome
from airlock.exports.account import account_finding
from airlock.exports.anchor_scan import anchor_index
from airlock.exports.chunking import FingerprintIndex, ModelFingerprint
from airlock.exports.containers import walk_compressed, walk_tar, walk_zip
from airlock.exports.decoded import DecodedSink
from airlock.exports.derivative_scan import DerivativeScan, derivative_index
from airlock.exports.encodings import LineDecoder
from airlock.exports.findings import FileReport, Finding, FindingKind
from airlock.exports.flat_scan import FlatScan
from airlock.exports.formats import (
    COMPRESSORS,
    IMAGES,
    MEDIA,
    TENSOR_FORMATS,
    Format,
    sniff,
)
from airlock.exports.gitpack import BadPack, pack_contents
from airlock.exports.images import judge_image
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
from airlock.exports.structured import STRUCTURED, judge_structured, judge_values
from airlock.exports.text_scan import TextScanner
from airlock.exports.tfevents import BadEvents, EventScan

HEAD_BYTES = 64 * 1024
_SKETCHED = {Format.SAFETENSORS, Format.NPY, Format.GGUF}
_PARSED_APART = {Format.GIT, Format.TFEVENTS}  # judged by their parsers, like STRUCTURED
# The key of an inspector built without the enclave's: sampling is still a function of the
# bytes (same verdict every run), but an exporter who reads this source can predict it.
PUBLIC_SAMPLING_KEY = b"airlock: no enclave sampling key"
MIN_UNKNOWN_TRAILING = 4096  # bytes after an image's end beyond a stray newline or two
# Machine code's byte histograms pass these tests by themselves (issue 15: wheels with .so
# files were denied as "fp8"); float windows inside a library still count.
CODE_LOOKALIKES = frozenset(["fp8 e4m3", "fp8 e5m2", "int8 quantized", "4-bit quantized"])


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
        identity_key: bytes = b"",
        sampling_key: bytes = PUBLIC_SAMPLING_KEY,
    ) -> None:
        self.limits = limits or InspectionLimits()
        # Sampled fingerprints and derivative sketches are keyed by the enclave's identity
        # key (issue 19); without it only full fingerprints are matched.
        self.index = FingerprintIndex(protected, key=identity_key)
        self.derivatives = derivative_index(protected, identity_key)
        self.anchors = anchor_index(protected, identity_key)
        self.sampling_key = sampling_key
        # Which windows a sampling scan chunks: keyed by the enclave, not by the content, so
        # that a copy edited in place is chunked in the same windows (refusal sketches).
        self.chunk_key = hmac.new(sampling_key, b"chunk windows", hashlib.sha256).digest()[:16]

    def inspect(self, name: str, stream: Readable, size: int) -> FileReport:
        """One file's report; ``size`` is its length in bytes (0 when unknown).

        Never raises for bad content: truncation, corruption, bombs and parser failures
        become findings that hold. Reads the stream once, front to back, in windows of
        ``limits.window_bytes`` (a zip is the exception: its directory sits at the end, so
        a non-seekable zip is spooled up to a bound).
        """
        run = _Run(self)
        run.expanded_bound = max(self.limits.max_expanded_bytes, size * self.limits.max_ratio)
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
        account = account_finding(run.findings, self.limits)
        if account is not None:
            run.findings.append(account)
        return FileReport(name, size, tuple(run.findings), run.sketch.sketch())


class _Run:
    """The state of one file's inspection: findings so far and bytes expanded."""

    def __init__(self, inspector: Inspector) -> None:
        self.limits = inspector.limits
        self.index = inspector.index
        self.derivatives = inspector.derivatives
        self.anchors = inspector.anchors
        self._sampling_key = inspector.sampling_key
        self._content = b""  # digest of the first window of the member being judged
        self._chunk_key = inspector.chunk_key
        self.findings: list[Finding] = []
        self.expanded = 0
        self.expanded_bound = self.limits.max_expanded_bytes  # raised to size x ratio
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
        """Charge ``n`` decompressed bytes to the file: the work per byte of input is bounded
        (``max_ratio`` times its size, or ``max_expanded_bytes`` if more), never the total, so
        a large log is scanned whatever it inflates to (issue 15); nested layers, whose
        ratios multiply, are what this stops."""
        self.expanded += n
        if self.expanded > self.expanded_bound:
            raise LimitReached(
                f"more than {self.expanded_bound} bytes after decompression, over "
                f"{self.limits.max_ratio}x the file's size (a decompression bomb or an "
                "oversized archive)",
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
            self.flat(fmt, reader, member, size, depth)

    def bounded(self, stream: Readable, member: str, compressed: int) -> BoundedReader:
        return BoundedReader(
            stream, member, (self.limits.max_ratio, compressed), lambda n: self.count(n, member)
        )

    def nested_scan(
        self,
        path: str,
        *,
        check_opacity: bool,
        ignore_dtypes: frozenset[str] = frozenset(),
        text_runs: bool = False,
        tensors_count: bool = True,
    ) -> FlatScan:
        """A flat scan at ``path``; ``tensors_count=False`` where its raw-tensor findings may
        be dropped (a parsed structured file), so chunk matching must never sample."""
        return FlatScan(
            path,
            self.limits,
            self.index,
            check_opacity=check_opacity,
            sample_key=self.sample_key(path),
            sketch=self.sketch,
            ignore_dtypes=ignore_dtypes,
            text_runs=text_runs,
            sample_chunks_after=(
                self.limits.sample_chunks_after_tensor_bytes if tensors_count else 0
            ),
            chunk_key=self._chunk_key,
            anchors=self.anchors,
        )

    def sample_key(self, path: str) -> int:
        """A 128-bit sampling key for the scan at ``path``: HMAC of the enclave's key over
        the digest of the content it lies in (the first window and size of the member being
        judged: every scan is opened while its member is) and ``path`` itself -- a function
        of the bytes, never of the run."""
        mac = hmac.new(self._sampling_key, self._content + path.encode(), hashlib.sha256)
        return int.from_bytes(mac.digest()[:16], "little")

    # --- flat content -----------------------------------------------------------------

    def flat(
        self, fmt: Format, reader: PrefixedReader, member: str, size: int, depth: int = 0
    ) -> None:
        limits = self.limits
        whole, parsed = self.parse(fmt, reader, member, depth)
        if whole is not None:
            reader = PrefixedReader(whole, reader)
        first = read_full(reader, max(limits.window_bytes, _header_need(fmt, reader, limits)))
        self._content = hashlib.sha256(first).digest() + size.to_bytes(8, "little")
        if not parsed:
            self.findings += describe_format(fmt, first, member, size, limits)
        scan = self.nested_scan(
            member,
            check_opacity=fmt not in MEDIA | TENSOR_FORMATS | STRUCTURED,
            ignore_dtypes=CODE_LOOKALIKES if fmt is Format.NATIVE else frozenset(),
            # binary runs spliced into text, or text into binary runs (issue 15)
            text_runs=fmt in (Format.TEXT, Format.BINARY),
            # raw-tensor findings of parsed formats are dropped below: match every byte
            tensors_count=fmt not in STRUCTURED and fmt not in _PARSED_APART,
        )
        text = (
            TextScanner(*self.nested_decoder(member), seed=self.sample_key(f"{member}#numbers"))
            if fmt is Format.TEXT
            else None
        )
        media = self.media(fmt, member) if fmt in PARSED_MEDIA else None
        events = self.events(member, depth) if fmt is Format.TFEVENTS else None
        tensors = (
            DerivativeScan(self.derivatives, member, limits, key=self._chunk_key)
            if fmt in _SKETCHED
            else None
        )
        # yEnc is 8-bit, so a news article carrying it is binary, not text (issue 15)
        yenc = (
            LineDecoder(*self.nested_decoder(member), every_line=True)
            if fmt is Format.BINARY and b"=ybegin " in first[:HEAD_BYTES]
            else None
        )
        parts = (text, media and media[0], events, tensors, yenc)
        feeders = [scan.feed] + [part.feed for part in parts if part]
        pickle_head = bytearray()
        if fmt is Format.PICKLE:
            feeders.append(lambda piece: _keep_head(pickle_head, piece, limits.max_header_bytes))
        total = 0
        piece = first
        while piece:
            total += len(piece)
            for feed in feeders:
                feed(piece)
            piece = reader.read(limits.window_bytes)
        if yenc is not None:
            yenc.finish()
        flat_findings = scan.finish()
        if events is not None:
            parsed = events.finish()
        if parsed:  # judged column by column: only a protected model's chunks still count
            flat_findings = [f for f in flat_findings if f.kind is FindingKind.PROTECTED_MODEL]
        self.findings += flat_findings
        if tensors is not None:
            self.findings += tensors.finish()
        self.unexplained(fmt, member, total, bool(flat_findings))
        self.finish_readers(
            fmt, member, total, text=text, media=media, pickle_head=bytes(pickle_head)
        )

    def finish_readers(
        self,
        fmt: Format,
        member: str,
        total: int,
        *,
        text: TextScanner | None,
        media: tuple[MediaScan, Callable[[], None]] | None,
        pickle_head: bytes,
    ) -> None:
        """Judge what the text, pickle and media readers saw of a flat member."""
        limits = self.limits
        if text is not None:
            text.finish()
            self.findings += judge_text(text, member, limits)
        if fmt is Format.PICKLE:
            self.findings += judge_pickle(pickle_head, member, total, limits)
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

    def unexplained(self, fmt: Format, member: str, total: int, found: bool) -> None:
        """Fail closed: bytes of no recognised format, with nothing else found, are not
        released without a person."""
        if fmt is Format.BINARY and not found and total:
            self.add(
                FindingKind.UNKNOWN_FORMAT,
                Outcome.HOLD,
                "binary data of no recognised format; a person must look at it",
                member=member,
                size=total,
                confidence=0.5,
            )

    def parse(
        self, fmt: Format, reader: PrefixedReader, member: str, depth: int
    ) -> tuple[bytes | None, bool]:
        """Read a structured file or an image whole (bounded) and judge it by its content.

        Returns the bytes read (None: nothing to parse) and whether a structured file
        parsed; a file over ``max_parsed_bytes`` holds and is judged by its bytes alone.
        """
        if fmt not in STRUCTURED and fmt not in IMAGES and fmt is not Format.GIT:
            return None, False
        bound = self.limits.max_parsed_bytes
        whole = read_full(reader, bound + 1)
        if len(whole) > bound:
            self.add(
                FindingKind.LIMIT,
                Outcome.HOLD,
                f"{fmt.value} file of more than {bound} bytes is too large to parse and "
                "judge by its content; split it into smaller files",
                member=member,
                size=len(whole),
            )
            return whole, False
        if fmt in IMAGES:
            self.findings += judge_image(whole, member, self.limits, self.match_decoded)
            return whole, False
        if fmt is Format.GIT:
            return whole, self.git(whole, member, depth)
        found, parsed, files = judge_structured(fmt, whole, member, self.limits, self.match_decoded)
        self.findings += found
        for where, content in files:
            self.walk(io.BytesIO(content), where, depth + 1, len(content))
        return whole, parsed

    def match_decoded(self, decoded: bytes, path: str) -> list[Finding]:
        """A protected model's chunks in decoded bytes: an image's pixels (weights stored as
        pixels) or a weight-like column of a table."""
        if not self.index:
            return []
        scan = self.nested_scan(path, check_opacity=False)
        window = self.limits.window_bytes
        for start in range(0, len(decoded), window):
            scan.feed(decoded[start : start + window])
        return [f for f in scan.finish() if f.kind is FindingKind.PROTECTED_MODEL]

    def git(self, data: bytes, member: str, depth: int) -> bool:
        """Walk a pack's blobs and deltas' inserted bytes like files; False if malformed."""
        try:
            for label, content in pack_contents(data, lambda n: self.count(n, member)):
                self.walk(io.BytesIO(content), f"{member}#{label}", depth + 1, len(content))
        except BadPack as e:
            self.add(FindingKind.MALFORMED, Outcome.HOLD, f"git pack: {e}", member=member)
            return False
        return True

    def events(self, member: str, depth: int) -> _Events:
        """A TensorBoard event reader whose arrays are judged and whose blobs are walked."""

        def array(where: str, values: npt.NDArray[Any]) -> None:
            self.findings += judge_values(values, where, self.limits)

        def blob(where: str, data: bytes) -> None:
            self.walk(io.BytesIO(data), where, depth + 1, len(data))

        return _Events(self, EventScan(member, array, blob))

    def media(self, fmt: Format, member: str) -> tuple[MediaScan, Callable[[], None]]:
        """A media reader whose appended and decoded bytes get scans of their own."""
        trailing = self.nested_scan(f"{member}#after-end", check_opacity=True)
        decoded = self.nested_scan(f"{member}#streams", check_opacity=False)
        # Image samples and font programs, as their dictionaries declare: 8-bit look-alikes
        # of quantized weights are what pictures and fonts are; float windows still count.
        binary = self.nested_scan(
            f"{member}#image-font-streams", check_opacity=False, ignore_dtypes=CODE_LOOKALIKES
        )
        scan = MediaScan(
            fmt,
            trailing.feed,
            decoded.feed,
            lambda n: self.count(n, member),
            self.limits.max_ratio,
            binary=binary.feed,
        )

        def finish() -> None:
            self.findings += decoded.finish() + binary.finish()
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
        opened = [0]

        def open_nested(encoding: str) -> Callable[[bytes], None]:
            # The second and later runs are numbered: each is a piece of its own in the
            # information account (a notebook's many outputs add up).
            opened[0] += 1
            path = f"{member}~{encoding}" + (f"[{opened[0]}]" if opened[0] > 1 else "")
            scan = self.nested_scan(path, check_opacity=True)
            sink = DecodedSink(
                scan,
                lambda n: self.count(n, path),
                self.limits.max_ratio,
                keep=self.limits.max_media_bytes,
            )
            current.append(sink)
            return sink.feed

        def close_nested(feed: Callable[[bytes], None]) -> None:
            sink = next(s for s in current if s.feed == feed)
            current.remove(sink)
            sink.finish()
            found = sink.scan.finish()
            if sink.image is not None:
                found = self.decoded_image(sink.image, bytes(sink.kept), sink.scan.member, found)
            self.findings += judge_decoded(sink, found)

        return open_nested, close_nested

    def decoded_image(
        self, fmt: Format, data: bytes, path: str, found: list[Finding]
    ) -> list[Finding]:
        """An image encoded in text (a notebook's output, an HTML report's inline plot):
        judged by its pixels; a real picture's compressed bytes are not opaque data."""
        judged = judge_image(data, path, self.limits, self.match_decoded)
        trailing = 0
        if fmt in PARSED_MEDIA:
            ends = MediaScan(fmt, lambda _: None, lambda _: None, lambda _: None)
            ends.feed(data)
            trailing = ends.trailing_bytes
        picture = trailing < MIN_UNKNOWN_TRAILING and not any(
            f.kind in (FindingKind.MALFORMED, FindingKind.LIMIT) for f in judged
        )
        if picture:
            found = [f for f in found if f.kind is not FindingKind.OPAQUE]
        return found + judged


class _Events:
    """An :class:`EventScan` that stops at bad framing and says so with a finding."""

    def __init__(self, run: _Run, scan: EventScan) -> None:
        self._run = run
        self._scan = scan
        self._broken = ""

    def feed(self, data: bytes) -> None:
        if not self._broken:
            try:
                self._scan.feed(data)
            except BadEvents as e:
                self._broken = str(e)

    def finish(self) -> bool:
        """Whether the whole file read as events (False: a finding holds it)."""
        if not self._broken:
            try:
                self._scan.finish()
            except BadEvents as e:
                self._broken = str(e)
        if self._broken:
            self._run.add(
                FindingKind.MALFORMED,
                Outcome.HOLD,
                f"TensorBoard event file is malformed: {self._broken}",
                member=self._scan.member,
            )
        return not self._broken


def _keep_head(head: bytearray, piece: bytes, bound: int) -> None:
    """Append to ``head`` what of ``piece`` fits under ``bound`` bytes."""
    if len(head) < bound:
        head += piece[: bound - len(head)]


def _header_need(fmt: Format, reader: PrefixedReader, limits: InspectionLimits) -> int:
    """How many bytes the first read must cover to hold a safetensors header whole."""
    if fmt is not Format.SAFETENSORS:
        return 0
    (length,) = struct.unpack_from("<Q", reader.peek_head(8).ljust(8, b"\0"))
    return int(min(length, limits.max_header_bytes) + 8)
