"""Bounded readers for JSONL, CSV/TSV and Parquet datasets: every row is kept or counted.

A row that cannot be read (bad encoding, broken JSON, wrong column count, oversized line or
field, bad chat messages) is counted by reason with example row numbers; a limit or a fatal
problem (a header without the needed columns, a file that is not Parquet) stops the read and
says so in :attr:`ReadReport.stopped`. The readers never raise on the bytes they read.
They do not guess formats: the caller names one, or :func:`format_for_name` maps a suffix.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import BinaryIO

from airlock.errors import InvalidInput
from airlock.imports.datasets.limits import DatasetLimits
from airlock.imports.datasets.parquet import read_parquet
from airlock.imports.datasets.records import Columns, DatasetRecord, Problem, ReadResult, Tally
from airlock.imports.datasets.rows import to_record

__all__ = [
    "DatasetFormat",
    "format_for_name",
    "gzipped_format_for_name",
    "read_dataset",
    "read_delimited",
    "read_jsonl",
]


class DatasetFormat(StrEnum):
    """Formats the readers understand."""

    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"


_SUFFIXES = {
    ".jsonl": DatasetFormat.JSONL,
    ".ndjson": DatasetFormat.JSONL,
    ".csv": DatasetFormat.CSV,
    ".tsv": DatasetFormat.TSV,
    ".parquet": DatasetFormat.PARQUET,
}


def format_for_name(name: str) -> DatasetFormat:
    """The format a file name's suffix names.

    Raises:
        InvalidInput: the suffix is not one of .jsonl, .ndjson, .csv, .tsv, .parquet (an
            unknown format is refused, not guessed).
    """
    lowered = name.lower()
    for suffix, fmt in _SUFFIXES.items():
        if lowered.endswith(suffix):
            return fmt
    raise InvalidInput(
        f"cannot tell the dataset format of {name!r}; name it .jsonl, .csv, .tsv or .parquet"
    )


def gzipped_format_for_name(name: str) -> tuple[DatasetFormat, bool]:
    """The format a file name names and whether it is gzipped (``reviews.csv.gz``).

    Raises: InvalidInput, as :func:`format_for_name`.
    """
    gzipped = name.lower().endswith(".gz")
    return format_for_name(name[:-3] if gzipped else name), gzipped


def _lines(stream: BinaryIO, tally: Tally, limits: DatasetLimits) -> Iterator[tuple[int, str]]:
    """Decoded lines with their numbers; overlong and non-UTF-8 lines are counted as rows."""
    total, number = 0, 0
    while True:
        raw = stream.readline(limits.max_line_bytes + 1)
        if not raw:
            return
        if tally.rows_seen >= limits.max_rows:
            tally.stop(Problem.ROW_LIMIT, f"more than {limits.max_rows} rows")
            return
        number += 1
        if number > 2 * limits.max_rows:  # blank lines are no rows, but each costs a turn
            tally.stop(Problem.ROW_LIMIT, f"more than {2 * limits.max_rows} lines")
            return
        total += len(raw)
        overlong = len(raw) > limits.max_line_bytes and not raw.endswith(b"\n")
        while overlong and raw and not raw.endswith(b"\n"):  # skip the rest of the line
            raw = stream.readline(limits.max_line_bytes + 1)
            total += len(raw)
            if total > limits.max_total_bytes:
                break
        if total > limits.max_total_bytes:
            tally.stop(Problem.BYTE_LIMIT, f"more than {limits.max_total_bytes} bytes")
            return
        if overlong:
            tally.rows_seen += 1
            tally.reject(number, Problem.LINE_TOO_LONG)
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            tally.rows_seen += 1
            tally.reject(number, Problem.NOT_UTF8)
            continue
        yield number, line.removeprefix("\ufeff") if number == 1 else line


class _DuplicateKey(ValueError):
    """A JSON object names one key twice."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object's pairs as a dict, refusing a key named twice.

    ``json.loads`` keeps the last value of a repeated key; other parsers a trainer may use
    keep the first or fail, so a row ``{"text": <poison>, ..., "text": <clean>}`` would be
    scanned as clean and trained on as poison. Such a row is rejected (and so held).
    """
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def read_jsonl(
    stream: BinaryIO, columns: Columns | None = None, limits: DatasetLimits | None = None
) -> ReadResult:
    """One JSON object per line; blank lines are skipped and not counted as rows."""
    columns, limits = columns or Columns(), limits or DatasetLimits()
    tally = Tally(limits.max_examples)
    for number, line in _lines(stream, tally, limits):
        if not line.strip():
            continue
        tally.rows_seen += 1
        try:
            value = json.loads(line, object_pairs_hook=_unique_keys)
        except _DuplicateKey:
            tally.reject(number, Problem.DUPLICATE_KEY)
            continue
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            tally.reject(number, Problem.INVALID_JSON)
            continue
        if not isinstance(value, dict):
            tally.reject(number, Problem.NOT_AN_OBJECT)
            continue
        _keep(tally, number, to_record(number, value, columns, limits))
    return tally.result()


def _keep(tally: Tally, number: int, outcome: DatasetRecord | Problem) -> None:
    if isinstance(outcome, Problem):
        tally.reject(number, outcome)
    else:
        tally.records.append(outcome)


def read_delimited(
    stream: BinaryIO,
    *,
    delimiter: str = ",",
    columns: Columns | None = None,
    fieldnames: Sequence[str] | None = None,
    quoting: bool | None = None,
    limits: DatasetLimits | None = None,
) -> ReadResult:
    """CSV or TSV rows; the first line is the header unless ``fieldnames`` are given.

    ``quoting`` defaults to on for commas and off for tabs (TSV corpora such as SST-2 carry
    bare quote characters); with it on, a quoted field may span lines. Python's csv module
    caps one field at 128 KiB; a longer field is counted as an unparseable row.
    """
    columns, limits = columns or Columns(), limits or DatasetLimits()
    tally = Tally(limits.max_examples)
    quoted = delimiter != "\t" if quoting is None else quoting
    lines = _lines(stream, tally, limits)
    numbers: list[int] = [0]

    def text_lines() -> Iterator[str]:
        for number, line in lines:
            numbers[0] = number
            yield line

    reader = csv.reader(
        text_lines(),
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
        strict=False,
    )
    names: list[str] | None = list(fieldnames) if fieldnames is not None else None
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            tally.rows_seen += 1
            tally.reject(numbers[0], Problem.UNPARSEABLE_ROW)
            continue
        if not cells:
            continue
        if names is None:
            names = _header(cells, columns, limits, tally)
            if names is None:
                break
            continue
        tally.rows_seen += 1
        if len(cells) != len(names):
            tally.reject(numbers[0], Problem.WRONG_COLUMN_COUNT)
            continue
        values = dict(zip(names, cells, strict=True))
        _keep(tally, numbers[0], to_record(numbers[0], values, columns, limits))
    return tally.result()


def _header(
    cells: list[str], columns: Columns, limits: DatasetLimits, tally: Tally
) -> list[str] | None:
    if len(cells) > limits.max_columns:
        tally.stop(Problem.TOO_MANY_COLUMNS, f"{len(cells)} columns in the header")
        return None
    repeated = sorted({c for c in cells if cells.count(c) > 1})
    if repeated:  # csv keeps the last of two same-named columns, pandas the first
        tally.stop(
            Problem.DUPLICATE_COLUMN,
            f"the header names {', '.join(repr(c[:40]) for c in repeated[:5])} more than once",
        )
        return None
    if columns.text not in cells and columns.prompt not in cells and columns.messages not in cells:
        shown = ", ".join(repr(c[:40]) for c in cells[:10])
        tally.stop(
            Problem.MISSING_COLUMNS,
            f"the header has no {columns.text!r} or {columns.prompt!r} column (it has {shown});"
            " name the text column",
        )
        return None
    return cells


def read_dataset(
    stream: BinaryIO,
    fmt: DatasetFormat,
    *,
    columns: Columns | None = None,
    fieldnames: Sequence[str] | None = None,
    limits: DatasetLimits | None = None,
) -> ReadResult:
    """Read ``stream`` in format ``fmt`` (``fieldnames`` applies to headerless CSV/TSV)."""
    match fmt:
        case DatasetFormat.JSONL:
            return read_jsonl(stream, columns, limits)
        case DatasetFormat.CSV:
            return read_delimited(stream, columns=columns, fieldnames=fieldnames, limits=limits)
        case DatasetFormat.TSV:
            return read_delimited(
                stream, delimiter="\t", columns=columns, fieldnames=fieldnames, limits=limits
            )
        case DatasetFormat.PARQUET:
            return read_parquet(stream, columns, limits)
