"""Walk archives and compressed streams member by member, bounded.

Each walker hands every member to ``run.walk`` one nesting level deeper, through a reader
that counts decompressed bytes against the run's limits. Archive structure that is
suspicious in itself (too many members, names escaping the archive, links, a member that
expands past the ratio limit) becomes a finding; a member is never extracted to disk.
"""

from __future__ import annotations

import bz2
import lzma
import tarfile
import zipfile
import zlib
from typing import IO, Protocol

import zstandard

from airlock.domain.requests import Outcome
from airlock.exports.findings import FindingKind
from airlock.exports.formats import Format
from airlock.exports.inflate import GzipReader
from airlock.exports.limits import InspectionLimits
from airlock.exports.readers import (
    BoundedReader,
    LimitReached,
    PrefixedReader,
    Readable,
    unsafe_name,
)

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)
# Member names that make an archive a model whatever its bytes look like.
_MODEL_LAYOUTS = (
    (("data.pkl",), ("/data/",), "PyTorch checkpoint (zip with data.pkl and tensor storages)"),
    (("saved_model.pb",), ("variables.data-",), "TensorFlow SavedModel with variables"),
    (("variables.index",), ("variables.data-",), "TensorFlow checkpoint (index and data shards)"),
    (("metadata.json",), ("model.weights.h5",), "Keras v3 model archive with weights"),
)


class Walker(Protocol):
    """What a container walker needs from the inspection run."""

    limits: InspectionLimits

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
    ) -> None: ...

    def walk(self, stream: Readable, member: str, depth: int, size: int) -> None: ...

    def bounded(self, stream: Readable, member: str, compressed: int) -> BoundedReader: ...


def model_layout(names: set[str]) -> str | None:
    """The model kind an archive's member names spell out, if any (PyTorch, SavedModel...)."""
    for firsts, seconds, label in _MODEL_LAYOUTS:
        if any(n.endswith(firsts) for n in names) and any(s in n for n in names for s in seconds):
            return label
    return None


def _note_layout(run: Walker, names: set[str], member: str) -> None:
    label = model_layout(names)
    if label is not None:
        run.add(FindingKind.TENSOR_FORMAT, Outcome.DENY, label, member=member, confidence=0.99)


def walk_zip(run: Walker, reader: PrefixedReader, member: str, depth: int) -> None:
    """Walk a zip's members through its central directory, each read as a bounded stream."""
    limits = run.limits
    try:
        archive = zipfile.ZipFile(reader.whole(limits.max_spool_bytes))
        infos = archive.infolist()
    except LimitReached as e:
        run.add(FindingKind.LIMIT, Outcome.HOLD, str(e), member=member)
        return
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        run.add(FindingKind.MALFORMED, Outcome.HOLD, f"unreadable zip archive: {e}", member=member)
        return
    if len(infos) > limits.max_members:
        run.add(
            FindingKind.LIMIT,
            Outcome.HOLD,
            f"zip holds {len(infos)} members, over {limits.max_members}",
            member=member,
        )
        return
    _note_layout(run, {i.filename for i in infos}, member)
    for info in infos:
        path = f"{member}/{info.filename}" if member else info.filename
        if unsafe_name(info.filename):
            run.add(
                FindingKind.UNSAFE_NAME,
                Outcome.HOLD,
                f"archive member name {info.filename[:80]!r} escapes the archive",
                member=path,
            )
        if info.is_dir():
            continue
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            run.add(
                FindingKind.LIMIT,
                Outcome.HOLD,
                f"member expands {info.file_size // max(1, info.compress_size)}x: "
                "a decompression bomb",
                member=path,
            )
            continue
        try:
            with archive.open(info) as inner:
                bounded = run.bounded(inner, path, info.compress_size)
                run.walk(bounded, path, depth + 1, info.file_size)
        except _ZIP_ERRORS as e:
            run.add(FindingKind.MALFORMED, Outcome.HOLD, f"unreadable member: {e}", member=path)


def walk_tar(run: Walker, reader: PrefixedReader, member: str, depth: int) -> None:
    """Walk a tar stream in order (no seeking); links and escaping names hold."""
    count = 0
    names: set[str] = set()
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for info in archive:
                count += 1
                path = f"{member}/{info.name}" if member else info.name
                if count > run.limits.max_members:
                    run.add(
                        FindingKind.LIMIT,
                        Outcome.HOLD,
                        f"tar holds over {run.limits.max_members} members",
                        member=member,
                    )
                    return
                if unsafe_name(info.name) or info.issym() or info.islnk():
                    run.add(
                        FindingKind.UNSAFE_NAME,
                        Outcome.HOLD,
                        f"tar member {info.name[:80]!r} is a link or escapes the archive",
                        member=path,
                    )
                names.add(info.name)
                if not info.isfile():
                    continue
                inner = archive.extractfile(info)
                if inner is not None:
                    run.walk(run.bounded(inner, path, 0), path, depth + 1, info.size)
    except (tarfile.TarError, OSError, EOFError, ValueError) as e:
        run.add(FindingKind.MALFORMED, Outcome.HOLD, f"unreadable tar archive: {e}", member=member)
    finally:
        _note_layout(run, names, member)


def walk_compressed(
    run: Walker, fmt: Format, reader: PrefixedReader, member: str, *, depth: int, size: int
) -> None:
    """Walk the decompressed stream of gzip, bzip2, xz or zstd; corruption holds."""
    path = f"{member}!{fmt.value}" if member else f"!{fmt.value}"
    try:
        inner = _decompressor(fmt, reader)
        run.walk(run.bounded(inner, path, size), path, depth + 1, 0)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zstandard.ZstdError) as e:
        run.add(
            FindingKind.MALFORMED,
            Outcome.HOLD,
            f"{fmt.value} stream is corrupt or truncated: {e}",
            member=path,
        )


def _decompressor(fmt: Format, reader: PrefixedReader) -> Readable:
    # Streams are closed with the run; the decompressors hold no OS resources of their own.
    if fmt is Format.GZIP:
        return GzipReader(reader)  # ISA-L when installed: gzip inflation bounds the scan
    if fmt is Format.BZIP2:
        return bz2.BZ2File(reader)
    raw: IO[bytes] = reader  # type: ignore[assignment]  # a RawIOBase is an IO[bytes] at run time
    if fmt is Format.XZ:
        return lzma.LZMAFile(raw)
    return zstandard.ZstdDecompressor().stream_reader(raw)
