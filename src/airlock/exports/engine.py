"""The inspection engine: walk containers and encodings, bounded, and report findings.

Pull-based over file objects so archives can be walked member by member; flat content
is pushed through :class:`FlatScan`. Every layer is bounded by :class:`InspectionLimits`;
a malformed or over-limit input becomes a finding that holds, never an exception.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from typing import IO

import zstandard

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.exports.chunking import FingerprintIndex, ModelFingerprint
from airlock.exports.findings import FileReport, Finding, FindingKind
from airlock.exports.flat_scan import FlatScan
from airlock.exports.formats import (
    COMPRESSORS,
    TENSOR_FORMATS,
    Format,
    read_gguf_header,
    read_npy_header,
    read_pickle_opcodes,
    read_safetensors_header,
    sniff,
)
from airlock.exports.limits import InspectionLimits
from airlock.exports.readers import (
    BoundedReader,
    LimitReached,
    PrefixedReader,
    Readable,
    unsafe_name,
)
from airlock.exports.text_scan import TextScanner

HEAD_BYTES = 64 * 1024
_MEDIA = {Format.PNG, Format.JPEG, Format.PDF}
MEDIA_LIMIT = 64 * 1024 * 1024


class Inspector:
    """Inspects export candidates against limits and registered protected models."""

    def __init__(
        self, limits: InspectionLimits | None = None, protected: Sequence[ModelFingerprint] = ()
    ) -> None:
        self.limits = limits or InspectionLimits()
        self.index = FingerprintIndex(protected)

    def inspect(self, name: str, stream: Readable, size: int) -> FileReport:
        """One file's report. Never raises for bad content; read errors become findings."""
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
        return FileReport(name, size, tuple(run.findings))


class _Run:
    def __init__(self, inspector: Inspector) -> None:
        self.limits = inspector.limits
        self.index = inspector.index
        self.findings: list[Finding] = []
        self.expanded = 0

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
            self.zip(reader, member, depth)
        elif fmt is Format.TAR:
            self.tar(reader, member, depth)
        elif fmt in COMPRESSORS:
            self.decompress(fmt, reader, member, depth, size)
        else:
            self.flat(fmt, head, reader, member, size)

    # --- containers -------------------------------------------------------------------

    def zip(self, reader: PrefixedReader, member: str, depth: int) -> None:
        try:
            archive = zipfile.ZipFile(reader.whole())
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            self.add(
                FindingKind.MALFORMED, Outcome.HOLD, f"unreadable zip archive: {e}", member=member
            )
            return
        if len(infos) > self.limits.max_members:
            self.add(
                FindingKind.LIMIT,
                Outcome.HOLD,
                f"zip holds {len(infos)} members, over {self.limits.max_members}",
                member=member,
            )
            return
        names = {i.filename for i in infos}
        if any(n.endswith("data.pkl") for n in names) and any("/data/" in n for n in names):
            self.add(
                FindingKind.TENSOR_FORMAT,
                Outcome.DENY,
                "PyTorch checkpoint (zip with data.pkl and tensor storages)",
                member=member,
                confidence=0.99,
            )
        for info in infos:
            path = f"{member}/{info.filename}" if member else info.filename
            if unsafe_name(info.filename):
                self.add(
                    FindingKind.UNSAFE_NAME,
                    Outcome.HOLD,
                    f"archive member name {info.filename[:80]!r} escapes the archive",
                    member=path,
                )
            if info.is_dir():
                continue
            if info.compress_size and info.file_size / info.compress_size > self.limits.max_ratio:
                self.add(
                    FindingKind.LIMIT,
                    Outcome.HOLD,
                    f"member expands {info.file_size // max(1, info.compress_size)}x: "
                    "a decompression bomb",
                    member=path,
                )
                continue
            try:
                with archive.open(info) as inner:
                    self.walk(
                        self.bounded(inner, path, info.compress_size),
                        path,
                        depth + 1,
                        info.file_size,
                    )
            except (
                zipfile.BadZipFile,
                OSError,
                ValueError,
                EOFError,
                zlib.error,
                NotImplementedError,
                RuntimeError,
            ) as e:
                self.add(
                    FindingKind.MALFORMED, Outcome.HOLD, f"unreadable member: {e}", member=path
                )

    def tar(self, reader: PrefixedReader, member: str, depth: int) -> None:
        count = 0
        try:
            with tarfile.open(fileobj=reader, mode="r|") as archive:
                for info in archive:
                    count += 1
                    path = f"{member}/{info.name}" if member else info.name
                    if count > self.limits.max_members:
                        self.add(
                            FindingKind.LIMIT,
                            Outcome.HOLD,
                            f"tar holds over {self.limits.max_members} members",
                            member=member,
                        )
                        return
                    if unsafe_name(info.name) or info.issym() or info.islnk():
                        self.add(
                            FindingKind.UNSAFE_NAME,
                            Outcome.HOLD,
                            f"tar member {info.name[:80]!r} is a link or escapes the archive",
                            member=path,
                        )
                    if not info.isfile():
                        continue
                    inner = archive.extractfile(info)
                    if inner is not None:
                        self.walk(self.bounded(inner, path, 0), path, depth + 1, info.size)
        except (tarfile.TarError, OSError, EOFError, ValueError) as e:
            self.add(
                FindingKind.MALFORMED, Outcome.HOLD, f"unreadable tar archive: {e}", member=member
            )

    def decompress(
        self, fmt: Format, reader: PrefixedReader, member: str, depth: int, size: int
    ) -> None:
        path = f"{member}!{fmt.value}" if member else f"!{fmt.value}"
        try:
            inner = _decompressor(fmt, reader)
            self.walk(self.bounded(inner, path, size), path, depth + 1, 0)
        except (OSError, EOFError, ValueError, lzma.LZMAError, zstandard.ZstdError) as e:
            self.add(
                FindingKind.MALFORMED,
                Outcome.HOLD,
                f"{fmt.value} stream is corrupt or truncated: {e}",
                member=path,
            )

    def bounded(self, stream: Readable, member: str, compressed: int) -> BoundedReader:
        return BoundedReader(
            stream, member, (self.limits.max_ratio, compressed), lambda n: self.count(n, member)
        )

    # --- flat content -----------------------------------------------------------------

    def flat(
        self, fmt: Format, head: bytes, reader: PrefixedReader, member: str, size: int
    ) -> None:
        self.describe_format(fmt, head, member, size)
        scan = FlatScan(
            member,
            self.limits,
            self.index,
            check_opacity=fmt not in _MEDIA and fmt not in TENSOR_FORMATS,
        )
        text = TextScanner(*self.nested_decoder(member)) if fmt is Format.TEXT else None
        pickle_head = bytearray()
        total = 0
        while True:
            piece = reader.read(self.limits.window_bytes)
            if not piece:
                break
            total += len(piece)
            scan.feed(piece)
            if text is not None:
                text.feed(piece)
            if fmt is Format.PICKLE and len(pickle_head) < self.limits.max_header_bytes:
                pickle_head += piece[: self.limits.max_header_bytes - len(pickle_head)]
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
            self.judge_text(text, member)
        if fmt is Format.PICKLE:
            self.judge_pickle(bytes(pickle_head), member, total)
        if fmt in _MEDIA and total > MEDIA_LIMIT:
            self.add(
                FindingKind.LIMIT,
                Outcome.HOLD,
                f"{fmt.value} of {total} bytes is larger than any plot or report",
                member=member,
                size=total,
            )

    def describe_format(self, fmt: Format, head: bytes, member: str, size: int) -> None:
        try:
            summary = None
            if fmt is Format.SAFETENSORS:
                summary = read_safetensors_header(
                    head, size or len(head), self.limits.max_header_bytes
                )
            elif fmt is Format.NPY:
                summary = read_npy_header(head, size or len(head))
            elif fmt is Format.GGUF:
                summary = read_gguf_header(head, size)
        except InvalidInput as e:
            self.add(FindingKind.MALFORMED, Outcome.HOLD, str(e), member=member)
            return
        if summary is not None:
            big = summary.payload_bytes >= self.limits.weight_threshold_bytes or size == 0
            self.add(
                FindingKind.TENSOR_FORMAT,
                Outcome.DENY if big else Outcome.HOLD,
                summary.detail,
                member=member,
                size=summary.payload_bytes,
            )
        elif fmt in (Format.HDF5, Format.ONNX):
            big = size >= self.limits.weight_threshold_bytes or size == 0
            self.add(
                FindingKind.TENSOR_FORMAT,
                Outcome.DENY if big else Outcome.HOLD,
                f"{fmt.value} model/tensor container",
                member=member,
                size=size,
            )

    def judge_pickle(self, head: bytes, member: str, total: int) -> None:
        try:
            summary = read_pickle_opcodes(head, self.limits.max_pickle_opcodes)
        except InvalidInput as e:
            if len(head) >= self.limits.max_header_bytes:
                self.add(
                    FindingKind.LIMIT,
                    Outcome.HOLD,
                    "pickle too large to read its opcodes within limits",
                    member=member,
                )
            else:
                self.add(FindingKind.MALFORMED, Outcome.HOLD, str(e), member=member)
            return
        if summary.tensor_globals or summary.persistent_ids:
            big = total >= self.limits.weight_threshold_bytes
            self.add(
                FindingKind.TENSOR_FORMAT,
                Outcome.DENY if big else Outcome.HOLD,
                "pickle that rebuilds tensors ("
                + ", ".join(summary.tensor_globals[:4] or ("persistent storages",))
                + ")",
                member=member,
                size=total,
            )
        elif summary.large_bytes >= self.limits.weight_threshold_bytes:
            self.add(
                FindingKind.TENSOR_FORMAT,
                Outcome.HOLD,
                f"pickle carries {summary.large_bytes} bytes of binary blobs",
                member=member,
                size=summary.large_bytes,
            )

    def nested_decoder(
        self, member: str
    ) -> tuple[Callable[[str], Callable[[bytes], None]], Callable[[], None]]:
        current: list[tuple[FlatScan, str]] = []

        def open_nested(encoding: str) -> Callable[[bytes], None]:
            path = f"{member}~{encoding}"
            scan = FlatScan(path, self.limits, self.index, check_opacity=True)
            current.append((scan, path))

            def sink(data: bytes) -> None:
                self.count(len(data), path)
                scan.feed(data)

            return sink

        def close_nested() -> None:
            scan, path = current.pop()
            self.findings += scan.finish()
            fmt = sniff(scan.head)
            if fmt in TENSOR_FORMATS:
                self.add(
                    FindingKind.TENSOR_FORMAT,
                    Outcome.DENY,
                    f"encoded {fmt.value} tensor file",
                    member=path,
                )
            elif fmt in COMPRESSORS or fmt in (Format.ZIP, Format.TAR):
                self.add(
                    FindingKind.OPAQUE,
                    Outcome.HOLD,
                    f"an encoded {fmt.value} archive inside text; a person must look",
                    member=path,
                )

        return open_nested, close_nested

    def judge_text(self, text: TextScanner, member: str) -> None:
        # Written out, 1 MiB of float32 weights is 262,144 numbers. Weight-like numbers
        # (small, centred on zero, both signs) are denied from half that count -- it is
        # estimated from samples -- and held from a sixteenth. Other numbers (losses,
        # timings, counts) are what logs are made of and pass.
        floats = text.floats
        full = self.limits.max_text_numbers
        if floats.weight_like() and floats.count >= full // 16:
            big = floats.count >= full // 2
            self.add(
                FindingKind.TENSOR_TEXT,
                Outcome.DENY if big else Outcome.HOLD,
                f"about {floats.count} decimal numbers spread around zero like weights",
                member=member,
                size=floats.count * 4,
                confidence=0.8,
            )


def _decompressor(fmt: Format, reader: PrefixedReader) -> Readable:
    # Streams are closed with the run; the decompressors hold no OS resources of their own.
    if fmt is Format.GZIP:
        return gzip.GzipFile(fileobj=reader)
    if fmt is Format.BZIP2:
        return bz2.BZ2File(reader)
    raw: IO[bytes] = reader  # type: ignore[assignment]  # a RawIOBase is an IO[bytes] at run time
    if fmt is Format.XZ:
        return lzma.LZMAFile(raw)
    return zstandard.ZstdDecompressor().stream_reader(raw)
