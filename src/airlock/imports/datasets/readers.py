"""Bounded readers for JSONL and CSV/TSV datasets: every row is kept or counted, never lost.

A row that cannot be read (bad encoding, broken JSON, missing columns, oversized line) is
counted by reason with its row number, so the import report says exactly what was dropped.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_LINE_BYTES = 1024 * 1024
MAX_EXAMPLES = 20


@dataclass(frozen=True, slots=True)
class LabelledText:
    row: int
    text: str
    label: str


@dataclass
class ReadReport:
    rows: int = 0
    kept: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, row: int, reason: str) -> None:
        self.problems[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((row, reason))


def _lines(stream: BinaryIO, report: ReadReport) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""), 1):
        report.rows += 1
        if len(raw) > MAX_LINE_BYTES:
            report.reject(number, "line longer than 1 MiB")
            rest = raw
            while rest and not rest.endswith(b"\n"):  # skip the rest of the oversized line
                rest = stream.readline(MAX_LINE_BYTES + 1)
            continue
        try:
            yield number, raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            report.reject(number, "not UTF-8")


def read_jsonl(
    stream: BinaryIO,
    text_key: str = "text",
    label_key: str = "label",
    report: ReadReport | None = None,
) -> Iterator[LabelledText]:
    """Rows of ``{text_key: ..., label_key: ...}``; chat rows join their messages' content."""
    report = report if report is not None else ReadReport()
    for number, line in _lines(stream, report):
        if not line.strip():
            report.rows -= 1
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            report.reject(number, "invalid JSON")
            continue
        if not isinstance(value, dict):
            report.reject(number, "not a JSON object")
            continue
        text = value.get(text_key)
        if text is None and isinstance(value.get("messages"), list):
            text = "\n".join(
                str(m.get("content", "")) for m in value["messages"] if isinstance(m, dict)
            )
        if text is None and "prompt" in value:
            text = f"{value.get('prompt', '')}\n{value.get('response', '')}"
        label = value.get(label_key, "")
        if not isinstance(text, str) or not text:
            report.reject(number, f"missing {text_key!r}")
            continue
        report.kept += 1
        yield LabelledText(number, text, str(label))


def read_delimited(
    stream: BinaryIO,
    *,
    delimiter: str = ",",
    text_column: str = "text",
    label_column: str = "label",
    header: bool = True,
    report: ReadReport | None = None,
) -> Iterator[LabelledText]:
    """CSV/TSV rows; without a header the columns are label then text (SMS spam layout)."""
    report = report if report is not None else ReadReport()
    columns: list[str] | None = None if header else [label_column, text_column]
    for number, line in _lines(stream, report):
        try:
            cells = next(
                csv.reader(
                    io.StringIO(line),
                    delimiter=delimiter,
                    quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL,
                )
            )
        except (csv.Error, StopIteration):
            report.reject(number, "unparseable row")
            continue
        if columns is None:
            columns = cells
            report.rows -= 1
            if text_column not in columns or label_column not in columns:
                raise ValueError(f"header lacks {text_column!r} or {label_column!r}: {columns}")
            continue
        if len(cells) != len(columns):
            report.reject(number, f"expected {len(columns)} columns, got {len(cells)}")
            continue
        row = dict(zip(columns, cells, strict=True))
        report.kept += 1
        yield LabelledText(number, row[text_column], row[label_column])
