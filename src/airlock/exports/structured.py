"""Parquet, Arrow, HDF5, SQLite and NumPy files judged column by column, array by array.

Each file is parsed in memory (bounded by ``max_parsed_bytes`` before parsing and by its own
declared sizes while parsing) with the library that writes it: pyarrow, h5py (the
``formats`` extra), the standard library's sqlite3 (a read-only in-memory copy, never a
file on disk) and numpy (``allow_pickle=False``). Every numeric column, dataset or blob
column is judged by :func:`airlock.exports.arrays.judge_array`; what is not explained
becomes a finding whose size the information account adds up (account.py).

Text columns are handed back to be walked like files (base64 or numbers written out in
them are found by the text scanner), and so are blobs of a known format (a dataset of
images). When the file does not parse the caller judges its raw bytes as before and the
parse failure itself holds.
"""

from __future__ import annotations

import array
import io
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from airlock.domain.requests import Outcome
from airlock.exports.arrays import judge_array
from airlock.exports.findings import BytesMatcher, Finding, FindingKind
from airlock.exports.formats import Format, sniff
from airlock.exports.limits import InspectionLimits

_WEIGHT_LIKE = frozenset(
    {FindingKind.RAW_TENSOR, FindingKind.WEIGHT_LIKE_VALUES, FindingKind.SMALL_TENSOR}
)
Files = list[bytes]  # contents walked like files: a text column joined, images one by one
Arrays = Iterator[tuple[str, npt.NDArray[Any] | Files]]
MAX_TEXT = 64 * 1024 * 1024  # a text column's joined values beyond this are cut
ADVICE = "export summary statistics or a plot instead of the raw values"


class Unparsed(Exception):
    """The file could not be parsed: the reason, for a finding that holds."""


def judge_structured(
    fmt: Format,
    data: bytes,
    member: str,
    limits: InspectionLimits,
    match: BytesMatcher | None = None,
) -> tuple[list[Finding], bool, list[tuple[str, bytes]]]:
    """Findings for one structured file, whether it parsed (False: judge its bytes), and
    contents to walk like files (text columns, so base64 or numbers in them are found;
    blobs of a known format such as images).

    ``match`` is given the stored bytes of every column judged weight-like and returns the
    protected models found in them: a column the per-export allowance would let pass is
    still denied, and the model named, when it is a piece of a registered model.
    """
    reader = _READERS[fmt]
    found: list[Finding] = []
    files: list[tuple[str, bytes]] = []
    try:
        for name, values in reader(data, limits):
            where = f"{member}:{name}" if member else name
            if isinstance(values, list):
                files += [
                    (where if len(values) == 1 else f"{where}[{i}]", v)
                    for i, v in enumerate(values)
                ]
            else:
                judged = judge_values(values, where, limits)
                if match is not None and any(f.kind in _WEIGHT_LIKE for f in judged):
                    judged = match(np.ascontiguousarray(values).tobytes(), where) + judged
                found += judged
    except Unparsed as e:
        return [_hold(member, f"{fmt.value} file could not be read: {e}")], False, []
    except Exception as e:  # noqa: BLE001 -- fail closed: any parser failure holds
        detail = f"{fmt.value} file could not be parsed ({type(e).__name__}: {e})"
        return [_hold(member, detail)], False, []
    return found, True, files


def _text(values: list[Any]) -> Files:
    """String values, one a line, as one text to scan (empty: nothing to scan). A tab ends
    each value: base64 runs may span lines, so values must not run into each other."""
    joined = "\t\n".join(v for v in values if isinstance(v, str)).encode("utf-8", "replace")
    return [joined[:MAX_TEXT]] if joined else []


def _blobs(values: list[bytes]) -> npt.NDArray[np.uint8] | Files:
    """Blobs of a known format (images...) one by one; others as one byte array."""
    values = [v for v in values if v]
    if values and sniff(values[0][:4096]) is not Format.BINARY:
        return values
    return np.frombuffer(b"".join(values), dtype=np.uint8)


def _hold(member: str, detail: str) -> Finding:
    return Finding(FindingKind.MALFORMED, Outcome.HOLD, detail, member=member)


def judge_values(values: npt.NDArray[Any], where: str, limits: InspectionLimits) -> list[Finding]:
    """No finding for an explained array; else one that the information account counts."""
    judged = judge_array(values)
    if judged.explained:
        return []
    if judged.tensorish:
        big = judged.size >= limits.weight_threshold_bytes
        return [
            Finding(
                FindingKind.RAW_TENSOR
                if big
                else FindingKind.WEIGHT_LIKE_VALUES
                if judged.as_values
                else FindingKind.SMALL_TENSOR,
                Outcome.DENY if big else Outcome.ALLOW,
                f"{judged.what}: {ADVICE}"
                if big
                else f"{judged.what} (counted in the "
                "information account: many such pieces hold or deny)",
                member=where,
                size=judged.size,
                confidence=0.9 if big else 0.6,
            )
        ]
    return [
        Finding(
            FindingKind.OPAQUE,
            Outcome.ALLOW,
            f"{judged.what} (counted in the information account)",
            member=where,
            size=judged.size,
            confidence=0.5,
        )
    ]


def _need(module: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        raise Unparsed(f"{module} is not installed: install airlock[formats]") from e


# --- Parquet and Arrow IPC ----------------------------------------------------------------


def _parquet(data: bytes, limits: InspectionLimits) -> Arrays:
    pa = _need("pyarrow")
    pq = _need("pyarrow.parquet")
    meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if declared > limits.max_parsed_bytes:
        raise Unparsed(f"its columns declare {declared} bytes, over {limits.max_parsed_bytes}")
    yield from _table(pq.read_table(pa.BufferReader(data)))


def _arrow(data: bytes, limits: InspectionLimits) -> Arrays:
    pa = _need("pyarrow")
    ipc = _need("pyarrow.ipc")
    del limits  # an IPC file's buffers are the file's own bytes: no expansion
    yield from _table(ipc.open_file(pa.BufferReader(data)).read_all())


def _table(table: Any) -> Arrays:
    for name in table.column_names:
        yield from _column(f"column {name!r}", table.column(name).combine_chunks())


def _column(name: str, column: Any) -> Arrays:
    pa = _need("pyarrow")
    types = pa.types
    kind = column.type
    if types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind):
        yield from _column(name, column.flatten())
    elif types.is_struct(kind):
        for index in range(kind.num_fields):
            yield from _column(f"{name}.{kind.field(index).name}", column.field(index))
    elif types.is_integer(kind) or types.is_floating(kind):
        yield name, column.drop_null().to_numpy(zero_copy_only=False)
    elif types.is_binary(kind) or types.is_large_binary(kind) or types.is_fixed_size_binary(kind):
        yield name, _blobs(column.drop_null().to_pylist())
    elif types.is_string(kind) or types.is_large_string(kind):
        yield name, _text(column.drop_null().to_pylist())


# --- HDF5 ---------------------------------------------------------------------------------


def _hdf5(data: bytes, limits: InspectionLimits) -> Arrays:
    h5py = _need("h5py")
    datasets: list[tuple[str, Any]] = []
    with h5py.File(io.BytesIO(data), "r") as handle:
        handle.visititems(
            lambda name, item: (
                datasets.append((name, item)) if isinstance(item, h5py.Dataset) else None
            )
        )
        total = 0
        for name, dataset in datasets:
            total += int(dataset.size) * int(dataset.dtype.itemsize)
            if total > limits.max_parsed_bytes:
                raise Unparsed(f"its datasets hold over {limits.max_parsed_bytes} bytes")
            values = np.asarray(dataset[()])
            if values.dtype.kind in "SUO":  # strings: scanned as text
                text = [
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                    for v in values.reshape(-1).tolist()
                ]
                yield f"dataset {name}", _text(text)
            elif values.dtype.names:
                for field in values.dtype.names:
                    yield f"dataset {name}.{field}", np.asarray(values[field])
            else:
                yield f"dataset {name}", values


# --- SQLite -------------------------------------------------------------------------------


def _sqlite(data: bytes, limits: InspectionLimits) -> Arrays:
    del limits  # values come from the file's own pages: no expansion
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        connection.execute("PRAGMA query_only = ON")
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            quoted = _quoted(str(table))
            cursor = connection.execute(f"SELECT * FROM {quoted} LIMIT 0")  # noqa: S608
            for (name,) in [(d[0],) for d in cursor.description]:
                rows = connection.execute(f"SELECT {_quoted(name)} FROM {quoted}")  # noqa: S608
                yield from _sql_column(f"table {table!r} column {name!r}", rows)
    except sqlite3.DatabaseError as e:
        raise Unparsed(str(e)) from e
    finally:
        connection.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_column(name: str, rows: Iterator[tuple[Any, ...]]) -> Arrays:
    """One column read row by row into compact arrays: numbers, blobs and text apart."""
    floats, ints = array.array("d"), array.array("q")
    blobs: list[bytes] = []
    text: list[str] = []
    for (value,) in rows:
        if isinstance(value, float):
            floats.append(value)
        elif isinstance(value, int) and -(1 << 63) <= value < (1 << 63):
            ints.append(value)
        elif isinstance(value, bytes):
            blobs.append(value)
        elif isinstance(value, str):
            text.append(value)
    if floats:
        yield name, np.frombuffer(floats, dtype=np.float64)
    if ints:
        yield name, np.frombuffer(ints, dtype=np.int64)
    if blobs:
        yield f"{name} blobs", _blobs(blobs)
    if text:
        yield f"{name} text", _text(text)


# --- NumPy --------------------------------------------------------------------------------


def _npy(data: bytes, limits: InspectionLimits) -> Arrays:
    del limits  # the payload is the file's own bytes
    try:
        values = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:  # object arrays need pickle: not judged, held
        raise Unparsed(str(e)) from e
    yield "array", values


_READERS: dict[Format, Callable[[bytes, InspectionLimits], Arrays]] = {
    Format.PARQUET: _parquet,
    Format.ARROW: _arrow,
    Format.HDF5: _hdf5,
    Format.SQLITE: _sqlite,
    Format.NPY: _npy,
}
STRUCTURED = frozenset(_READERS)
