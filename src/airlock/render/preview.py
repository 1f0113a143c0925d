"""A preview that suits the content, so an approver can judge what would cross (issue 18).

Text reads as text, an image as the image, CSV and Parquet as a table of the first rows, an
archive as its member list, and opaque bytes as a byte histogram and an entropy-per-block
plot (random or encrypted data is flat at 8 bits a byte; text and code sit near 4 to 5).

Everything here reads a bounded amount of the stored file: the head, an image up to
:data:`MAX_IMAGE_BYTES`, a zip's central directory, a Parquet file's first row group batch.
The caller decides who may see a preview (ADR 0016: researchers only their own requests).
Charts come from :mod:`airlock.render.svg`; strings are escaped by the page's templates.
"""

from __future__ import annotations

import base64
import csv
import difflib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airlock.render.svg import bar_chart, line_chart

HEAD_BYTES = 64 * 1024
TEXT_CHARS = 8000
HEX_BYTES = 512
MAX_IMAGE_BYTES = 2 * 1024 * 1024
TABLE_ROWS = 10
TABLE_COLUMNS = 20
CELL_CHARS = 80
MEMBERS_SHOWN = 200
ENTROPY_BLOCK = 4096
ENTROPY_BLOCKS = 128
HISTOGRAM_BYTES = 1024 * 1024
DIFF_LINES = 400
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class Preview:
    """What the page shows. ``kind`` is one of text, image, table, archive, binary, empty;
    ``media_type`` is what the content looks like to people (e.g. ``text/csv``)."""

    kind: str
    media_type: str
    text: str = ""
    truncated: bool = False
    image_url: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    members: tuple[Member, ...] = ()
    histogram_svg: str = ""
    entropy_svg: str = ""
    mean_entropy: float = 0.0
    note: str = ""


def preview_file(path: Path, name: str, size: int) -> Preview:  # noqa: PLR0911 -- one per kind
    """The preview of the stored file at ``path`` (``name`` is what the requester called it).

    A file that cannot be read as its format claims falls back to the opaque-bytes view.
    """
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        return Preview("empty", "application/octet-stream", note="the file is empty")
    lowered = name.lower()
    for magic, media in _IMAGES:
        if head.startswith(magic):
            return _image(path, media, size)
    if head.startswith(b"PAR1"):
        table = _parquet(path)
        if table is not None:
            return table
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        archive = _zip(path)
        if archive is not None:
            return archive
    text = _as_text(head)
    if text is not None:
        if lowered.endswith((".csv", ".tsv")):
            table = _csv(text, "\t" if lowered.endswith(".tsv") else ",")
            if table is not None:
                return table
        shown = text[:TEXT_CHARS]
        return Preview(
            "text",
            "text/plain",
            text=shown,
            truncated=len(shown) < len(text) or len(head) < size,
        )
    return binary_preview(path, size)


def _as_text(head: bytes) -> str | None:
    """``head`` as UTF-8 text, forgiving a character cut at the end; None for binary."""
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 3 and e.reason == "unexpected end of data":
            return head[: e.start].decode("utf-8", errors="strict")
        return None


def _image(path: Path, media: str, size: int) -> Preview:
    if size > MAX_IMAGE_BYTES:
        histogram, entropy, mean = _charts(path, size)
        return Preview(
            "binary",
            media,
            note=f"an image too large to preview ({size} bytes); its bytes are charted below",
            histogram_svg=histogram,
            entropy_svg=entropy,
            mean_entropy=mean,
        )
    data = path.read_bytes()[:MAX_IMAGE_BYTES]
    url = f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
    return Preview("image", media, image_url=url)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _csv(text: str, delimiter: str) -> Preview | None:
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows = []
        for row in reader:
            rows.append(tuple(_cell(c) for c in row[:TABLE_COLUMNS]))
            if len(rows) > TABLE_ROWS:
                break
    except csv.Error:
        return None
    if not rows:
        return None
    return Preview(
        "table",
        "text/tab-separated-values" if delimiter == "\t" else "text/csv",
        columns=rows[0],
        rows=tuple(rows[1 : TABLE_ROWS + 1]),
        note=f"the first {min(TABLE_ROWS, len(rows) - 1)} rows",
    )


def _parquet(path: Path) -> Preview | None:
    import pyarrow.parquet as pq  # noqa: PLC0415 -- heavy, only for a Parquet preview

    try:
        parquet = pq.ParquetFile(path)
        batch = next(parquet.iter_batches(batch_size=TABLE_ROWS), None)
        total = parquet.metadata.num_rows
    except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
        return None
    names = tuple(parquet.schema_arrow.names[:TABLE_COLUMNS])
    rows: tuple[tuple[str, ...], ...] = ()
    if batch is not None:
        columns = [batch.column(i).to_pylist() for i in range(min(batch.num_columns, len(names)))]
        rows = tuple(tuple(_cell(col[r]) for col in columns) for r in range(batch.num_rows))
    return Preview(
        "table",
        "application/vnd.apache.parquet",
        columns=names,
        rows=rows,
        note=f"the first {len(rows)} of {total} rows",
    )


def _zip(path: Path) -> Preview | None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    members = tuple(Member(i.filename, i.file_size) for i in infos[:MEMBERS_SHOWN])
    note = f"{len(infos)} members" + (
        f", the first {MEMBERS_SHOWN} shown" if len(infos) > MEMBERS_SHOWN else ""
    )
    return Preview("archive", "application/zip", members=members, note=note)


def binary_preview(path: Path, size: int) -> Preview:
    """Opaque bytes: the first bytes in hex, a byte histogram and entropy per block."""
    with path.open("rb") as handle:
        head = handle.read(HEX_BYTES)
    histogram, entropy, mean = _charts(path, size)
    return Preview(
        "binary",
        "application/octet-stream",
        text=" ".join(f"{b:02x}" for b in head),
        histogram_svg=histogram,
        entropy_svg=entropy,
        mean_entropy=mean,
    )


def _charts(path: Path, size: int) -> tuple[str, str, float]:
    """(histogram SVG, entropy SVG, mean entropy in bits per byte)."""
    import numpy as np  # noqa: PLC0415 -- heavy, only for an opaque-bytes preview

    with path.open("rb") as handle:
        sample = np.frombuffer(handle.read(HISTOGRAM_BYTES), dtype=np.uint8)
        counts = np.bincount(sample, minlength=256)
        blocks = max(1, min(ENTROPY_BLOCKS, size // ENTROPY_BLOCK))  # whole blocks only
        stride = max(ENTROPY_BLOCK, size // blocks)
        entropies = []
        for i in range(blocks):
            handle.seek(i * stride)
            block = np.frombuffer(handle.read(ENTROPY_BLOCK), dtype=np.uint8)
            entropies.append(_entropy(np.bincount(block, minlength=256)))
    sampled = "the first MiB" if size > HISTOGRAM_BYTES else "all bytes"
    histogram = bar_chart(
        f"How often each byte value 0 to 255 occurs ({sampled}); flat means random or encrypted",
        [float(c) for c in counts],
        [f"0x{v:02x}" for v in range(256)],
    )
    entropy = line_chart(
        f"Entropy per {ENTROPY_BLOCK}-byte block across the file, in bits per byte "
        "(8 is random or encrypted, text is near 4 to 5)",
        entropies,
        ceiling=8.0,
        x_label=f"{len(entropies)} blocks, start to end",
        unit=" bits",
    )
    return histogram, entropy, sum(entropies) / len(entropies) if entropies else 0.0


def _entropy(counts: Any) -> float:
    """Shannon entropy in bits per byte of a 256-bin byte count (a numpy array)."""
    import numpy as np  # noqa: PLC0415 -- heavy, only for an opaque-bytes preview

    array = np.asarray(counts, dtype=np.float64)
    total = array.sum()
    if total == 0:
        return 0.0
    p = array[array > 0] / total
    return float(-(p * np.log2(p)).sum())


def read_text(path: Path) -> str | None:
    """The head of a stored file as text, or None if it is not text."""
    with path.open("rb") as handle:
        return _as_text(handle.read(HEAD_BYTES))


def text_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff of two texts (at most :data:`DIFF_LINES` lines); empty when equal."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=2
        )
    )
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"... {len(lines) - DIFF_LINES} more lines of changes"]
    return "\n".join(lines)
