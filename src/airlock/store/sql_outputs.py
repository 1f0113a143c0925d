"""OutputStore on SQL: one row per transcript, keyed by its digest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from airlock.budgets.leases import Amount
from airlock.errors import NotFound, TamperedState
from airlock.outputs.transcript import Transcript, TranscriptDigest
from airlock.store import schema
from airlock.store.output_interface import OutputTotals, StoredTranscript, Verification
from airlock.store.sql_engine import Transactions
from airlock.store.sql_leases import SqlLeaseStore

BeginTransaction = Callable[..., AbstractContextManager[Connection]]
_t = schema.output_transcripts
# One statement per dialect, built once: a digest stored already is left as it is.
_ADD = {
    "postgresql": postgresql.insert(_t).on_conflict_do_nothing(index_elements=[_t.c.digest]),
    "sqlite": sqlite.insert(_t).on_conflict_do_nothing(index_elements=[_t.c.digest]),
}
_MARK_BATCH = (
    _t.update()
    .where(_t.c.digest == bindparam("key"), _t.c.batch_index.is_(None))
    .values(batch_index=bindparam("batch"), leaf_index=bindparam("leaf"))
)


class SqlOutputStore:
    def __init__(self, transactions: Transactions, leases: SqlLeaseStore) -> None:
        self._transactions = transactions
        self._begin: BeginTransaction = transactions.begin
        self._leases = leases

    def add_transcript(
        self, transcript: Transcript, size_bytes: int, at: datetime
    ) -> TranscriptDigest:
        digest, row = _row(transcript, size_bytes, at)
        with self._begin(write=True) as c:
            # One statement on the request path: a digest stored already is left as it is.
            c.execute(_ADD["postgresql" if c.dialect.name == "postgresql" else "sqlite"], row)
        return digest

    def add_charged_transcript(
        self,
        transcript: Transcript,
        size_bytes: int,
        at: datetime,
        lease_id: str,
        used: Amount,
        *,
        durable: bool = True,
    ) -> TranscriptDigest | None:
        lane = None if durable else self._transactions.lane
        if lane is None:
            joined = self._transactions.in_batch
            with nullcontext() if joined else self._transactions.write_batch(durable=durable):
                if not self._leases.charge_lease(lease_id, used):
                    return None
                return self.add_transcript(transcript, size_bytes, at)
        # Every response through the gateway: the SQLite driver lane (docs/adr/0037).
        digest, row = _row(transcript, size_bytes, at)
        with lane.write() as writes:
            if not self._leases.charge_in(writes, lease_id, used):
                return None
            writes.execute(_ADD["sqlite"], row, tuple(row))
        return digest

    def pending(self, limit: int) -> Sequence[TranscriptDigest]:
        with self._begin() as c:
            rows = c.execute(
                select(_t.c.digest)
                .where(_t.c.batch_index.is_(None))
                .order_by(_t.c.seq)
                .limit(limit)
            )
            return [TranscriptDigest(r.digest) for r in rows]

    def mark_batch(self, digests: Sequence[TranscriptDigest], ledger_index: int) -> int:
        if not digests:
            return 0
        with self._begin(write=True) as c:
            # Only still-pending rows: a batch committed twice by two processes keeps the
            # first. Checked after the update (executemany's rowcount is not portable).
            c.execute(
                _MARK_BATCH,
                [{"key": d, "batch": ledger_index, "leaf": i} for i, d in enumerate(digests)],
            )
            marked = c.execute(
                select(func.count()).where(_t.c.batch_index == ledger_index)
            ).scalar_one()
        return int(marked)

    def batch(self, ledger_index: int) -> Sequence[TranscriptDigest]:
        with self._begin() as c:
            rows = c.execute(
                select(_t.c.digest)
                .where(_t.c.batch_index == ledger_index)
                .order_by(_t.c.leaf_index)
            )
            return [TranscriptDigest(r.digest) for r in rows]

    def get(self, digest: TranscriptDigest) -> StoredTranscript:
        with self._begin() as c:
            row = c.execute(select(_t).where(_t.c.digest == digest)).first()
        if row is None:
            raise NotFound(f"no transcript {digest[:16]}... in the output log")
        return _stored(row)

    def unverified(self, below_index: int, limit: int) -> Sequence[StoredTranscript]:
        with self._begin() as c:
            rows = c.execute(
                select(_t)
                .where(_t.c.batch_index < below_index, _t.c.verified_at.is_(None))
                .order_by(_t.c.seq)
                .limit(limit)
            )
            return [_stored(r) for r in rows]

    def mark_verified(
        self,
        results: Sequence[Verification],
        considered: Sequence[TranscriptDigest],
        at: datetime,
    ) -> None:
        with self._begin(write=True) as c:
            for digest in considered:
                c.execute(_t.update().where(_t.c.digest == digest).values(verified_at=at))
            for v in results:
                c.execute(
                    _t.update()
                    .where(_t.c.digest == v.digest)
                    .values(
                        unexplained_milli=v.unexplained_milli,
                        capacity_milli=v.capacity_milli,
                        verified_at=at,
                    )
                )

    def totals(self) -> OutputTotals:
        verified = _t.c.unexplained_milli.is_not(None)
        with self._begin() as c:
            row = c.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(_t.c.tokens), 0),
                    func.coalesce(func.sum(_t.c.size_bytes), 0),
                )
            ).one()
            done = c.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(_t.c.tokens), 0),
                    func.coalesce(func.sum(_t.c.unexplained_milli), 0),
                    func.coalesce(func.sum(_t.c.capacity_milli), 0),
                ).where(verified)
            ).one()
        return OutputTotals(
            responses=int(row[0]),
            tokens=int(row[1]),
            bytes=int(row[2]),
            verified_responses=int(done[0]),
            verified_tokens=int(done[1]),
            unexplained_milli=int(done[2]),
            capacity_milli=int(done[3]),
        )


def _row(
    transcript: Transcript, size_bytes: int, at: datetime
) -> tuple[TranscriptDigest, dict[str, Any]]:
    """The transcript's digest and its row (Transcript.digest, without encoding the
    transcript a second time)."""
    body = transcript.to_bytes()
    digest = TranscriptDigest(hashlib.sha256(body).hexdigest())
    row = {
        "digest": digest,
        "caller": transcript.caller,
        "upstream": transcript.upstream,
        "body": body.decode(),
        "tokens": len(transcript.output_tokens),
        "size_bytes": size_bytes,
        "created_at": at,
    }
    return digest, row


def _stored(row: Row[Any]) -> StoredTranscript:
    """The row as a transcript, once its body still hashes to its digest.

    Raises:
        TamperedState: the body was changed after it was logged. The digest is what the
            ledger's batch root commits to and what the verifier's draw is made on; a body
            read regardless was replayed in place of the response that left.
    """
    body = row.body.encode()
    if hashlib.sha256(body).hexdigest() != row.digest:
        raise TamperedState(
            f"transcript {row.digest[:16]}... was changed after it was logged: its body no "
            "longer hashes to its digest, so it is not the response that left (restore the "
            "database from a backup and find who wrote to it)"
        )
    transcript = Transcript.from_json(json.loads(body))
    return StoredTranscript(
        transcript,
        TranscriptDigest(row.digest),
        int(row.size_bytes),
        None if row.batch_index is None else int(row.batch_index),
        None if row.leaf_index is None else int(row.leaf_index),
        None if row.unexplained_milli is None else int(row.unexplained_milli),
    )
