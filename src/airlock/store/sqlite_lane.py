"""The driver lane: the output gateway's statements per request on SQLite, run through the
``sqlite3`` driver instead of SQLAlchemy's execution machinery (issue 20, docs/adr/0037).

Through SQLAlchemy a transaction on this path cost about 0.2 ms of CPU before its first
statement (pool checkout and check-in, connection events, BEGIN through an execution
context) and each statement 0.1 to 0.3 ms more (compiled-cache lookup, execution context,
result set-up); SQLite ran the whole transaction in about 15 microseconds. The gateway makes
two per request (the lock check; the charge with the transcript), so those go through here:

* a small pool of ``sqlite3`` connections with the engine's pragmas, one taken per
  transaction; none is carried across a fork (a child opens its own);
* statements compiled once, with the engine's own dialect, from the SQLAlchemy constructs
  the store runs elsewhere, so each has one definition; values bound with the dialect's
  bind processors, so dates are stored and compared exactly as the engine stores them;
* writes queue on the engine's :class:`WriterLock`, begin IMMEDIATE like its writers, and
  commit lazily (``synchronous=NORMAL``): :meth:`Transactions.sync` flushes the WAL they are
  in, as it does every other lazy commit (docs/adr/0014, 0020).

What it does not do: serve PostgreSQL or an in-memory database (the store keeps the
SQLAlchemy path there), join a write batch (a store method called inside one uses the
batch's connection), or write durably (a durable write takes the SQLAlchemy path).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler

from airlock.errors import Conflict, StoreError
from airlock.store.writer_lock import WriterLock

MAX_IDLE = 8  # connections kept between transactions; more are opened (and closed) on demand
_REQUIRED = object()


class DriverStatement:
    """One SQLAlchemy statement compiled for the driver: its SQL, how to bind its
    parameters, and (a select) how to read its columns."""

    __slots__ = ("_binds", "_columns", "sql")

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] = ()
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) or None)
        if not isinstance(compiled, SQLCompiler) or not dialect.positional:
            raise ValueError(f"the driver lane runs positional SQL, not {dialect.name}'s")
        self.sql = compiled.string
        binds: list[tuple[str, object, Callable[[Any], Any] | None]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            default = _REQUIRED if bind.required else bind.effective_value
            binds.append((name, default, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        self._binds = tuple(binds)
        columns: list[tuple[str, Callable[[Any], Any] | None]] = []
        if isinstance(statement, Select):
            for column in statement.selected_columns:
                process = column.type.dialect_impl(dialect).result_processor(dialect, None)
                columns.append((str(column.key), process))
        self._columns = tuple(columns)

    def params(self, values: Mapping[str, object]) -> tuple[object, ...]:
        """The driver's parameters, in order. Raises: KeyError for a value left out."""
        out: list[object] = []
        for name, default, process in self._binds:
            value = values.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the bind parameter {name!r}")
            out.append(value if process is None or value is None else process(value))
        return tuple(out)

    def rows(self, cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
        """A select's rows, each column read as the engine reads it."""
        found = []
        for raw in cursor.fetchall():
            row: dict[str, Any] = {}
            for (key, process), value in zip(self._columns, raw, strict=True):
                row[key] = value if process is None or value is None else process(value)
            found.append(row)
        return found


class LaneWrites:
    """The statements of one write transaction of the lane."""

    __slots__ = ("_compile", "_db")

    def __init__(self, db: sqlite3.Connection, compile_: Callable[..., DriverStatement]) -> None:
        self._db = db
        self._compile = compile_

    def execute(
        self,
        statement: ClauseElement,
        values: Mapping[str, object],
        column_keys: Sequence[str] = (),
    ) -> int:
        """Run one statement; the number of rows it changed."""
        prepared = self._compile(statement, column_keys)
        return self._db.execute(prepared.sql, prepared.params(values)).rowcount

    def query(self, statement: Select[Any], values: Mapping[str, object]) -> list[dict[str, Any]]:
        prepared = self._compile(statement)
        return prepared.rows(self._db.execute(prepared.sql, prepared.params(values)))


class SqliteLane:
    """Driver connections to one SQLite database file, for the few hot statements."""

    def __init__(
        self,
        path: str,
        dialect: Dialect,
        writers: WriterLock | None,
        busy_timeout_ms: int,
        describe: str,
    ) -> None:
        self._path = path
        self._dialect = dialect
        self._writers = writers
        self._busy_timeout_ms = busy_timeout_ms
        self._describe = describe  # the database, as error messages name it
        self._guard = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        # Keyed by the statement object (kept alive in the value, so no id is reused).
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[object, DriverStatement]] = {}

    def compile(self, statement: ClauseElement, column_keys: Sequence[str] = ()) -> DriverStatement:
        key = (id(statement), tuple(column_keys))
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = (
                statement,
                DriverStatement(statement, self._dialect, column_keys),
            )
        return found[1]

    def query(self, statement: Select[Any], values: Mapping[str, object]) -> list[dict[str, Any]]:
        """One select, in a read transaction of its own (SQLite's autocommit)."""
        prepared = self.compile(statement)
        with self._errors(), self._connection() as db:
            return prepared.rows(db.execute(prepared.sql, prepared.params(values)))

    @contextmanager
    def write(self) -> Iterator[LaneWrites]:
        """One write transaction, committed lazily when the block ends (rolled back if it
        raises): visible to every connection at once, durable at the next sync.

        Raises:
            StoreError: the transaction could not begin or commit (nothing was written).
            Conflict: a statement broke a constraint.
        """
        queue = self._writers.hold() if self._writers is not None else nullcontext()
        with self._errors(), queue, self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield LaneWrites(db, self.compile)
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
            forked = self._pid != os.getpid()
        if not forked:
            for db in idle:
                db.close()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._guard:
            if self._pid != os.getpid():  # forked: the parent's connections are not ours
                self._pid, self._idle = os.getpid(), []
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._open()
        try:
            yield db
        except BaseException:
            if db.in_transaction:  # could not roll back: do not hand it on
                db.close()
                raise
            self._give_back(db)
            raise
        self._give_back(db)

    def _give_back(self, db: sqlite3.Connection) -> None:
        with self._guard:
            if self._pid == os.getpid() and len(self._idle) < MAX_IDLE:
                self._idle.append(db)
                return
        db.close()

    def _open(self) -> sqlite3.Connection:
        # Autocommit (isolation_level None): this module issues BEGIN and COMMIT itself.
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        # The lane's writes are lazy: in WAL mode a commit reaches the WAL without an fsync
        # and Transactions.sync flushes it (the database is WAL already: the engine set it).
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.IntegrityError as e:
            raise Conflict(f"the change conflicts with existing data: {e}") from e
        except sqlite3.Error as e:
            raise StoreError(
                f"database {self._describe} failed: {e}; check that it is running and that "
                "database_url is right"
            ) from e
