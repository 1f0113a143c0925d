"""Row seals wired to the store and the ledger: seal rows as they are written, check them
before acting on them (issue 22, docs/adr/0012-sealed-state.md).

Writers call :meth:`StateSeals.seal` right after a row is written, with the index of the
ledger entry that made the change; inside a write batch the seal commits with the row. The
release path and authentication call :meth:`StateSeals.check`, which fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping

from airlock.audit import AuditLog
from airlock.errors import LedgerIntegrityError, TamperedState
from airlock.ledger.state_seal import SPECS, RowSeal, row_key, seal_problem, seal_row
from airlock.store.seal_interface import Row, SealStore

_READS = 3  # reads of a row and its seal before a mismatch is believed; see _sealed_row
_ADVICE = "; refusing to act on it: run `airlock ledger verify --state` and restore the database"


class StateSeals:
    """Seal and check rows of the tables in :data:`airlock.ledger.state_seal.SPECS`."""

    def __init__(self, store: SealStore, key: bytes, ledger: AuditLog) -> None:
        self._store = store
        self._key = key
        self._ledger = ledger

    def seal(self, table: str, where: Mapping[str, object], ledger_index: int) -> int:
        """(Re)seal the rows of ``table`` matching ``where`` as they now stand; returns how many."""
        rows = self._store.rows(table, where)
        self._store.put([seal_row(self._key, table, r, ledger_index) for r in rows])
        return len(rows)

    def sealed_by(self, table: str, key: str) -> int | None:
        """The ledger index behind the seal of the row with ``key`` (None: no seal); the
        seal is not checked here."""
        seal = self._store.get(table, key)
        return None if seal is None else seal.ledger_index

    def seal_unsealed(self, ledger_index: int) -> int:
        """Seal every row that has no seal yet (rows from before seals existed); rows whose
        seal fails stay as they are. Returns how many were sealed."""
        sealed = {(x.table, x.row_key) for x in self._store.all()}
        new = [
            seal_row(self._key, table, row, ledger_index)
            for table in SPECS
            for row in self._store.rows(table)
            if (table, row_key(table, row)) not in sealed
        ]
        self._store.put(new)
        return len(new)

    def check_written(self, table: str, where: Mapping[str, object]) -> None:
        """Every row of ``table`` matching ``where`` carries a seal that holds (the HMAC only).

        For use inside a write batch, where the ledger cannot be read: a row written without
        the key is refused; whether its ledger entry is still in the log is :meth:`check`'s
        part, done before the batch.

        Raises:
            LedgerIntegrityError: a matching row has no seal, or one that does not match.
        """
        # One read: a write batch holds the writer lock, so no reseal can land in between.
        for row in self._store.rows(table, where):
            problem = self._problem(table, row)[1]
            if problem is not None:
                raise TamperedState(f"{problem}{_ADVICE}")

    def _problem(self, table: str, row: Row) -> tuple[RowSeal | None, str | None]:
        """The row's seal, and what is wrong with it (None when it holds)."""
        seal = self._store.get(table, row_key(table, row))
        return seal, seal_problem(self._key, table, row, seal)

    def _sealed_row(self, table: str, where: Mapping[str, object]) -> tuple[Row, RowSeal]:
        """The one matching row and its seal, which must hold.

        The row and its seal are two reads: on PostgreSQL (READ COMMITTED) a writer that
        reseals the row between them (a racing vote) makes them disagree for a moment. A
        mismatch is read again, up to ``_READS`` times: an edit made outside airlock stays
        a mismatch however often it is read (issue 22: racing votes got a false 422).

        Raises: LedgerIntegrityError (no such row, no seal, or one that does not hold).
        """
        problem: str | None = None
        for _ in range(_READS):
            rows = self._store.rows(table, where)
            if len(rows) != 1:
                raise TamperedState(f"{table} has {len(rows)} rows for {dict(where)}{_ADVICE}")
            seal, problem = self._problem(table, rows[0])
            if problem is None and seal is not None:
                return rows[0], seal
        raise TamperedState(f"{problem}{_ADVICE}")

    def check(
        self,
        table: str,
        where: Mapping[str, object],
        *,
        outcome: str | None = None,
        subjects: tuple[str, ...] = (),
    ) -> Row:
        """The one row of ``table`` matching ``where``, if its seal holds and the ledger
        still has the entry behind the seal (with ``outcome`` and one of ``subjects``).

        Raises:
            LedgerIntegrityError: no such row, no seal, a seal that does not match, or a
                ledger entry that is missing (truncated log), forged or says otherwise.
        """
        row, seal = self._sealed_row(table, where)
        name = seal.row_key
        try:
            record = self._ledger.checked_record(seal.ledger_index)
        except LedgerIntegrityError as e:
            raise TamperedState(f"{table} row {name} is sealed by {e}{_ADVICE}") from e
        if outcome is not None and record.get("outcome") != outcome:
            raise TamperedState(
                f"{table} row {name}: ledger entry {seal.ledger_index} says "
                f"{record.get('outcome')!r}, not {outcome!r}{_ADVICE}"
            )
        if subjects and not ({record.get("subject"), record.get("request_digest")} & set(subjects)):
            raise TamperedState(
                f"{table} row {name}: ledger entry {seal.ledger_index} is about something else"
                f"{_ADVICE}"
            )
        return row
