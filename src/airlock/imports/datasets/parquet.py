"""Bounded Parquet reader (pyarrow): the file is capped in size, then decoded in batches.

Parquet needs random access (its footer is at the end), so the stream is read into memory up
to ``max_parquet_bytes``. The footer's uncompressed sizes are checked against
``max_total_bytes`` before any page is decoded, which bounds decompression bombs; only the
columns a record needs are decoded.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from airlock.imports.datasets.limits import DatasetLimits
from airlock.imports.datasets.records import Columns, Problem, ReadResult, Tally
from airlock.imports.datasets.rows import to_record

# What pyarrow raises on a corrupt or hostile file; it has no single base class for these.
_ARROW_ERRORS = (pa.ArrowException, OSError, ValueError, TypeError, KeyError, IndexError)


def _open(data: bytes, tally: Tally, limits: DatasetLimits) -> Any:
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        metadata = parquet.metadata
        width = metadata.num_columns
        expanded = sum(
            metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)
        )
    except _ARROW_ERRORS as error:
        tally.stop(Problem.NOT_PARQUET, f"not a readable Parquet file: {str(error)[:200]}")
        return None
    if width > limits.max_columns:
        tally.stop(Problem.TOO_MANY_COLUMNS, f"{width} columns")
        return None
    if expanded > limits.max_total_bytes:
        tally.stop(Problem.BYTE_LIMIT, f"{expanded} bytes once decompressed")
        return None
    return parquet


def read_parquet(
    stream: BinaryIO, columns: Columns | None = None, limits: DatasetLimits | None = None
) -> ReadResult:
    """Rows of a Parquet file; row numbers count from 1 in file order."""
    columns, limits = columns or Columns(), limits or DatasetLimits()
    tally = Tally(limits.max_examples)
    data = stream.read(limits.max_parquet_bytes + 1)
    if len(data) > limits.max_parquet_bytes:
        tally.stop(Problem.BYTE_LIMIT, f"Parquet file larger than {limits.max_parquet_bytes}")
        return tally.result()
    parquet = _open(data, tally, limits)
    if parquet is None:
        return tally.result()
    wanted = (
        columns.text, columns.label, columns.prompt, columns.response, columns.messages,
        columns.system,
    )  # fmt: skip
    present = [name for name in parquet.schema_arrow.names if name in wanted]
    if len(set(present)) != len(present):  # which of two same-named columns would be read?
        tally.stop(Problem.DUPLICATE_COLUMN, f"columns named twice: {sorted(set(present))}")
        return tally.result()
    if not {columns.text, columns.prompt, columns.messages} & set(present):
        tally.stop(
            Problem.MISSING_COLUMNS,
            f"no {columns.text!r}, {columns.prompt!r} or {columns.messages!r} column",
        )
        return tally.result()
    try:
        for batch in parquet.iter_batches(batch_size=limits.parquet_batch_rows, columns=present):
            for values in batch.to_pylist():
                if tally.rows_seen >= limits.max_rows:
                    tally.stop(Problem.ROW_LIMIT, f"more than {limits.max_rows} rows")
                    return tally.result()
                tally.rows_seen += 1
                outcome = to_record(tally.rows_seen, values, columns, limits)
                if isinstance(outcome, Problem):
                    tally.reject(tally.rows_seen, outcome)
                else:
                    tally.records.append(outcome)
    except _ARROW_ERRORS as error:
        tally.stop(Problem.NOT_PARQUET, f"corrupt Parquet data: {str(error)[:200]}")
    return tally.result()
