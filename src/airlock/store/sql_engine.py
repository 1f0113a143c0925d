"""Engines and transactions for the SQL store: SQLite pragmas, write locks and write batches.

A *write batch* is one database transaction that several units of work share, so that one
commit (one fsync) makes all of them durable together: group commit. Each unit runs in its
own savepoint, so a unit that fails leaves no trace while its neighbours still commit.

A write may also be *visible before it is durable* (``durable=False``): it commits at once,
every connection of every process sees it, a crash of the process loses nothing, and only a
crash of the machine (or of the PostgreSQL server) before the next :meth:`Transactions.sync`
can lose it. The write lock is then held for the writes alone, not for a disk flush, and one
``sync`` makes the commits of many requests durable (docs/adr/0014).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from airlock.errors import Conflict, StoreError
from airlock.store import sql_statements as statements
from airlock.store.sqlite_lane import SqliteLane
from airlock.store.writer_lock import WriterLock

_SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "airlock_write"
LAZY_OPTION = "airlock_lazy"  # durable=False: visible at commit, durable at the next sync
_SYNCHRONOUS = "airlock_synchronous"  # the connection's PRAGMA synchronous, to skip repeats


def create_store_engine(database_url: str) -> Engine:
    """An engine for the URL, with SQLite set to WAL, foreign keys on and a busy timeout.

    Raises:
        StoreError: the URL is malformed or names a driver that is not installed.
    """
    try:
        url = make_url(database_url)
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # the driver airlock ships with
        # A pooled connection to a server can go stale; one to an SQLite file cannot, and a
        # ping per checkout would be one more statement on every request.
        engine = create_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")
    except (ArgumentError, NoSuchModuleError, ValueError) as e:
        raise StoreError(
            f"database_url {redact(database_url)} is not usable ({e}): "
            "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB"
        ) from e
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _begin_sqlite); pysqlite's own
    # implicit BEGIN is DEFERRED, which lets two writers deadlock on the lock upgrade.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")  # a decision is acknowledged only once durable
    cursor.close()
    record.info[_SYNCHRONOUS] = "FULL"


def _begin_sqlite(connection: Connection) -> None:
    # Writers take the write lock up front (IMMEDIATE), so concurrent writers queue on the
    # busy timeout instead of failing; readers stay DEFERRED and run beside them under WAL.
    options = connection.get_execution_options()
    # A lazy write commits to the WAL without an fsync (synchronous=NORMAL: in WAL mode the
    # database stays consistent and a crash of the process loses nothing); Transactions.sync
    # flushes the WAL later. The pragma cannot change inside a transaction: set it here,
    # for writers only (a reader commits nothing, so it need not switch it back).
    synchronous = "NORMAL" if options.get(LAZY_OPTION) else "FULL"
    if options.get(WRITE_OPTION) and connection.info.get(_SYNCHRONOUS) != synchronous:
        connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        connection.info[_SYNCHRONOUS] = synchronous
    mode = "IMMEDIATE" if options.get(WRITE_OPTION) else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def redact(database_url: str) -> str:
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable url>"


class DeferredWrites(Protocol):
    """Writes a store holds back during a write batch and makes in one go before the commit.

    A unit that fails is undone in memory too: the batch rolls its deferred writes back to
    the mark taken when the unit began.
    """

    def mark(self) -> int: ...

    def rollback_to(self, mark: int) -> None: ...

    def flush(self, connection: Connection) -> None: ...


D = TypeVar("D", bound=DeferredWrites)


class Transactions:
    """Opens transactions on one engine; inside a write batch, joins the batch instead.

    The batch is per thread: a store call made on the thread that opened
    :meth:`write_batch` runs in the batch's transaction, calls from other threads do not.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._batch = threading.local()
        self._writers = _writer_lock(engine)
        self._wal = _wal_file(engine)
        self._wal_seen: tuple[int, int] | None = None  # (device, inode) last flushed
        # Lazy writes only where sync can flush them: an SQLite file or PostgreSQL.
        self._lazy_ok = self._wal is not None or engine.dialect.name == "postgresql"
        # The gateway's hot statements through the driver (docs/adr/0037): an SQLite file.
        self._lane = (
            None
            if self._wal is None or engine.url.database is None
            else SqliteLane(
                engine.url.database,
                engine.dialect,
                self._writers,
                _SQLITE_BUSY_TIMEOUT_MS,
                redact(str(engine.url)),
            )
        )

    def close(self) -> None:
        if self._lane is not None:
            self._lane.close()
        if self._writers is not None:
            self._writers.close()

    @property
    def in_batch(self) -> bool:
        """Whether this thread is in a write batch (store calls join it)."""
        return self._joined() is not None

    @property
    def lane(self) -> SqliteLane | None:
        """The driver lane (an SQLite file), unless this thread is in a write batch: then a
        store call joins the batch's transaction, as every call does."""
        if self._lane is None or self._joined() is not None:
            return None
        return self._lane

    def _joined(self) -> Connection | None:
        connection: Connection | None = getattr(self._batch, "connection", None)
        return connection

    def pending(self, key: str) -> bool:
        """Whether this thread's write batch holds deferred writes under ``key``."""
        writes = getattr(self._batch, "deferred", {}).get(key)
        return writes is not None and writes.mark() > 0

    def deferred(self, key: str, create: Callable[[Connection], D]) -> D | None:
        """This thread's write batch's deferred writes under ``key``, made by ``create`` on
        first use; None outside a write batch, where a store writes at once."""
        connection = self._joined()
        if connection is None:
            return None
        pending: dict[str, DeferredWrites] = self._batch.deferred
        if key not in pending:
            pending[key] = create(connection)
        return cast(D, pending[key])

    @contextmanager
    def begin(self, *, write: bool = False, durable: bool = True) -> Iterator[Connection]:
        """One transaction; ``write=True`` for any transaction that may write.

        ``durable=False``: the commit is visible at once but survives a crash of the machine
        only after the next :meth:`sync` (or a later durable commit). Joined write batches
        keep the durability they were opened with.
        """
        joined = self._joined()
        with self._errors():
            if joined is not None:
                yield joined
                return
            lazy = write and not durable and self._lazy_ok
            options = {WRITE_OPTION: write, LAZY_OPTION: lazy}
            queue = self._writers.hold() if write and self._writers else nullcontext()
            with (
                queue,
                self.engine.connect().execution_options(**options) as connection,
                connection.begin(),
            ):
                if lazy and connection.dialect.name == "postgresql":
                    # The WAL writer flushes within 3 x wal_writer_delay; sync() at once.
                    connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield connection

    def sync(self) -> None:
        """Make every commit this process has seen durable (a no-op where all are).

        SQLite: an fsync of the WAL file, which holds every commit in order, so the commits of
        all writers before this call are on disk after it (and the folder, the first time a
        WAL file is seen, as SQLite does for a new WAL). PostgreSQL: one durable commit,
        which flushes the WAL up to it, every earlier asynchronous commit included. Outside
        the write lock: writers go on while the disk flushes.

        Raises:
            StoreError: the flush failed; what was written since the last sync may be lost.
        """
        if self.engine.dialect.name == "postgresql":
            with self.begin(write=True) as connection:
                # A row lock writes WAL and takes a transaction id, so this commit flushes
                # (whatever the server's default synchronous_commit).
                connection.exec_driver_sql("SET LOCAL synchronous_commit = on")
                connection.execute(statements.SYNC_ROW_FOR_UPDATE)
            return
        if self._wal is None:
            return
        try:
            fd = os.open(self._wal, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed and removed: SQLite synced the database file itself
        except OSError as e:
            raise StoreError(f"cannot open {self._wal} to flush it: {e}") from e
        try:
            os.fsync(fd)
            seen = os.fstat(fd)
            identity = (seen.st_dev, seen.st_ino)
            if identity != self._wal_seen:
                folder = os.open(self._wal.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
                self._wal_seen = identity
        except OSError as e:
            raise StoreError(f"flushing {self._wal} to disk failed: {e}") from e
        finally:
            os.close(fd)

    @contextmanager
    def probe(self) -> Iterator[Connection]:
        """A write transaction that is always rolled back: for readiness checks, which must
        find out whether a write would work without making one."""
        with (
            self._errors(),
            self.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
        ):
            transaction = connection.begin()
            try:
                yield connection
            finally:
                transaction.rollback()

    @contextmanager
    def write_batch(self, *, durable: bool = True) -> Iterator[None]:
        """One write transaction that this thread's store calls join; one commit at the end
        (durable at once, or at the next :meth:`sync` with ``durable=False``).

        It takes the ledger head lock first: every export appends to the ledger anyway, and
        taking that one lock before any budget row keeps two batches from deadlocking on
        PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises whole transactions).

        Raises:
            StoreError: the transaction could not begin or commit; nothing in it is durable.
        """
        if self._joined() is not None:
            raise RuntimeError("write batches do not nest")
        with self.begin(write=True, durable=durable) as connection:
            if connection.dialect.name != "sqlite":  # there BEGIN IMMEDIATE took the lock
                connection.execute(statements.LEDGER_SIZE_FOR_UPDATE)
            self._batch.connection = connection
            self._batch.deferred = {}
            try:
                yield
                for writes in self._batch.deferred.values():
                    writes.flush(connection)
            finally:
                self._batch.connection = None
                self._batch.deferred = {}

    @contextmanager
    def unit(self) -> Iterator[None]:
        """A savepoint inside the current write batch: an exception undoes only this unit."""
        connection = self._joined()
        if connection is None:
            raise RuntimeError("a unit of work needs an open write batch")
        pending: dict[str, DeferredWrites] = self._batch.deferred
        marks = {key: writes.mark() for key, writes in pending.items()}
        try:
            with self._errors(), connection.begin_nested():
                yield
        except BaseException:
            for key, writes in pending.items():
                writes.rollback_to(marks.get(key, 0))  # made during this unit: all of it goes
            raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError as e:
            raise Conflict(f"the change conflicts with existing data: {e.orig}") from e
        except SQLAlchemyError as e:
            raise StoreError(
                f"database {redact(str(self.engine.url))} failed: {_first_line(e)}; "
                "check that it is running and that database_url is right"
            ) from e


def _writer_lock(engine: Engine) -> WriterLock | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # URI filenames: leave them to SQLite's own locking
        return None
    return WriterLock(Path(f"{database}-writer.lock"), _SQLITE_BUSY_TIMEOUT_MS / 1000)


def _wal_file(engine: Engine) -> Path | None:
    """The WAL file of an SQLite database file (None for memory, URIs, other backends)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(f"{database}-wal").absolute()


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
