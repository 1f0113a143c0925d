"""The audit log: airlock's tamper-evident ledger, wired to its store, key and clock.

Every decision is appended here *before* it takes effect (issue 3): a decision whose leaf
is not durable is not acknowledged. Entries are sealed with an HMAC keyed from the ledger
signing key, so rows written by anyone without the key fail :meth:`AuditLog.verify`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airlock.clock import Clock
from airlock.errors import Conflict, InvalidInput, LedgerIntegrityError, NotFound
from airlock.ledger.checkpoints import (
    Checkpoint,
    SignedCheckpoint,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from airlock.ledger.proofs import consistency_plan, inclusion_plan, materialise, root_at
from airlock.ledger.receipts import VerifiedReceipt, build_receipt
from airlock.ledger.records import LedgerRecord, parse_record
from airlock.ledger.signed_note import LedgerKey, NoteSigner, VerifierKey
from airlock.ledger.state_seal import state_key
from airlock.local_witness import LocalWitness
from airlock.store.ledger_interface import (
    LedgerStore,
    StoredCheckpoint,
    StoredCosignature,
    StoredEntry,
)

_SEAL_CONTEXT = b"airlock/ledger-entry-seal/v1"


def file_seed(signing_key: LedgerKey) -> bytes | None:
    """The raw Ed25519 seed of a key file; None for a key held in a PKCS#11 token, which
    never shows its seed."""
    if not isinstance(signing_key, Ed25519PrivateKey):
        return None
    return signing_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def derived_secret(signing_key: LedgerKey, context: bytes) -> bytes:
    """SHA-256 of ``context`` and the key's seed: for a token key, of ``context`` and its
    (deterministic, RFC 8032) Ed25519 signature over ``context``, which stands in for it."""
    seed = file_seed(signing_key)
    return hashlib.sha256(context + (signing_key.sign(context) if seed is None else seed)).digest()


def seal_key(signing_key: LedgerKey) -> bytes:
    """The HMAC key of per-entry seals, derived from the ledger key."""
    return derived_secret(signing_key, _SEAL_CONTEXT)


_STATE_SEED_CONTEXT = b"airlock/state-seal-seed/v1"


def state_seal_key(signing_key: LedgerKey) -> bytes:
    """The key of row seals (docs/adr/0012-sealed-state.md), HKDF from the same seed.

    A key held in a PKCS#11 token never shows its seed: its deterministic Ed25519 signature
    over a fixed context stands in for it (ADR 0017), as for :func:`seal_key`.
    """
    seed = file_seed(signing_key)
    if seed is None:
        seed = hashlib.sha256(signing_key.sign(_STATE_SEED_CONTEXT)).digest()
    return state_key(seed)


def seal_entry(key: bytes, index: int, body: bytes) -> bytes:
    return hmac.new(key, index.to_bytes(8, "big") + body, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    size: int
    proof: tuple[bytes, ...]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    proof: tuple[bytes, ...]


class AuditLog:
    """Append, checkpoint, prove and verify the enclave's ledger."""

    def __init__(
        self,
        store: LedgerStore,
        signing_key: LedgerKey,
        origin: str,
        clock: Clock,
        checkpoint_interval: timedelta = timedelta(seconds=60),
        *,
        witness: LocalWitness | None = None,
    ) -> None:
        self._store = store
        self._witness = witness
        self._signer = NoteSigner(origin, signing_key)
        self._seal_key = seal_key(signing_key)
        self._clock = clock
        self._interval = checkpoint_interval

    @property
    def verifier_key(self) -> VerifierKey:
        return self._signer.verifier

    @property
    def origin(self) -> str:
        return self._signer.name

    def _seal(self, index: int, body: bytes) -> bytes:
        return seal_entry(self._seal_key, index, body)

    def append(self, record: LedgerRecord) -> int:
        """Durably append one record; returns its index."""
        return self._store.append([record.to_bytes()], self._clock.now(), self._seal)

    def append_many(self, records: Sequence[LedgerRecord]) -> int:
        """Durably append records in one transaction; returns the first index."""
        return self._store.append([r.to_bytes() for r in records], self._clock.now(), self._seal)

    def size(self) -> int:
        return self._store.size()

    def entry(self, index: int) -> StoredEntry:
        return self._store.entry(index)

    # --- checkpoints ----------------------------------------------------------------

    def checkpoint(self) -> SignedCheckpoint:
        """Sign the current tree head (or return the latest if the log has not grown)."""
        size = self._store.size()
        latest = self._store.latest_checkpoint()
        if latest is not None and latest.size == size:
            opened = open_checkpoint(latest.note, self.verifier_key)
            if self._witness is not None and self._witness_behind(size):
                self._witness_cosign(latest.note)  # e.g. a witness added to an older home
            return opened
        root = root_at(size, self._store)
        text = sign_checkpoint(Checkpoint(self.origin, size, root), self._signer)
        stored = StoredCheckpoint(size, root, text, self._clock.now())
        try:
            self._store.add_checkpoint(stored)
        except Conflict:
            # Another gateway process signed this size first; serve its checkpoint.
            existing = self.checkpoint_at(size)
            if existing is None:
                raise
            return existing
        self._witness_cosign(text)
        return open_checkpoint(text, self.verifier_key)

    def _witness_behind(self, size: int) -> bool:
        assert self._witness is not None
        retained = self._witness.retained()
        return retained is None or retained.size < size

    def _witness_cosign(self, note: str) -> None:
        """Have the home's witness cosign and retain the checkpoint just signed (issue 22).

        Raises: LedgerIntegrityError when the witness sees a rollback or a fork.
        """
        if self._witness is None:
            return
        cosigned = self._witness.cosign(
            note,
            self._store.size(),
            lambda old, new: materialise(consistency_plan(old, new), self._store),
        )
        if cosigned is not None:
            self.add_cosignature(cosigned, [self._witness.verifier])

    def rollback_problem(self) -> str | None:
        """Why the log is not (an extension of) the checkpoint retained outside the
        database, or None when it is or when no checkpoint is retained.

        Raises: LedgerIntegrityError when the retained file is not our signed checkpoint.
        """
        retained = None if self._witness is None else self._witness.retained()
        if retained is None:
            return None
        size = self._store.size()
        if size < retained.size:
            return (
                f"the log holds {size} entries but the checkpoint retained outside the "
                f"database covers {retained.size}: the ledger was truncated or rolled back"
            )
        try:
            root = root_at(retained.size, self._store)
        except (LedgerIntegrityError, NotFound, KeyError) as e:
            return f"the log cannot prove the retained checkpoint of size {retained.size}: {e}"
        if root != retained.root:
            return (
                f"the log's first {retained.size} entries no longer hash to the retained "
                "checkpoint's root: the ledger was rewritten"
            )
        return None

    def confirm_receipt(self, receipt: VerifiedReceipt) -> None:
        """Check that a receipt (already verified offline) is still true of this log: the log
        extends the retained checkpoint and the receipt's checkpoint, and holds its entry.

        Raises: LedgerIntegrityError when the entry was removed or the log rewritten.
        """
        self.check_not_rolled_back()
        size, signed = self._store.size(), receipt.checkpoint.checkpoint
        if not receipt.index < signed.size <= size:
            raise LedgerIntegrityError(
                f"the receipt's checkpoint covers {signed.size} entries but the log holds "
                f"{size}: entry {receipt.index} was removed (the ledger was truncated)"
            )
        if root_at(signed.size, self._store) != signed.root:
            raise LedgerIntegrityError(
                f"the log no longer hashes to the receipt's checkpoint at size {signed.size}"
            )
        if parse_record(self._store.entry(receipt.index).body) != receipt.record:
            raise LedgerIntegrityError(f"ledger entry {receipt.index} differs from the receipt")

    def check_not_rolled_back(self) -> None:
        """Refuse to serve a log shorter than, or forked from, the retained checkpoint.

        Raises: LedgerIntegrityError naming what is wrong.
        """
        problem = self.rollback_problem()
        if problem is not None:
            raise LedgerIntegrityError(
                f"{problem}; refusing to start: restore the database from a backup that holds "
                "the retained checkpoint, then run `airlock ledger verify --state`"
            )

    def checkpoint_if_due(self) -> SignedCheckpoint | None:
        """Sign a checkpoint when the log grew and the interval since the last has passed."""
        latest = self._store.latest_checkpoint()
        if latest is not None and self._clock.now() - latest.signed_at < self._interval:
            return None
        if latest is not None and latest.size == self._store.size():
            return None
        return self.checkpoint()

    def latest_checkpoint(self) -> SignedCheckpoint:
        latest = self._store.latest_checkpoint()
        if latest is None:
            return self.checkpoint()
        return open_checkpoint(latest.note, self.verifier_key)

    def checkpoint_at(self, size: int) -> SignedCheckpoint | None:
        for stored in self._store.checkpoints():
            if stored.size == size:
                return open_checkpoint(stored.note, self.verifier_key)
        return None

    def add_cosignature(self, cosigned_note: str, witnesses: Sequence[VerifierKey]) -> str:
        """Keep the cosignatures of known witnesses on one of our checkpoints.

        Returns the witness names whose cosignatures were accepted, comma-separated.

        Raises:
            LedgerIntegrityError: the note is not our checkpoint, or no known witness cosigned.
        """
        opened = open_checkpoint(cosigned_note, self.verifier_key)
        ours = self.checkpoint_at(opened.checkpoint.size)
        if ours is None or ours.checkpoint != opened.checkpoint:
            raise LedgerIntegrityError("the cosigned checkpoint is not one this log signed")
        accepted: list[str] = []
        for witness in witnesses:
            try:
                timestamp = verify_cosignature(opened.note, witness)
            except LedgerIntegrityError:
                continue
            line = next(
                s.line() for s in opened.note.signatures_by(witness) if len(s.payload) == 72
            )
            self._store.add_cosignature(
                StoredCosignature(opened.checkpoint.size, witness.name, line, timestamp)
            )
            accepted.append(witness.name)
        if not accepted:
            raise LedgerIntegrityError(
                "no cosignature by a configured witness: add its key to [ledger] witness_keys"
            )
        return ", ".join(accepted)

    def cosigned_checkpoint(self) -> str:
        """The latest checkpoint note with every stored witness cosignature appended."""
        latest = self.latest_checkpoint()
        lines = self._store.cosignatures(latest.checkpoint.size)
        return latest.text + "".join(c.line for c in lines)

    # --- proofs -----------------------------------------------------------------------

    def prove_inclusion(self, index: int, size: int | None = None) -> InclusionProof:
        """Raises: InvalidInput when the index or size is outside the log."""
        size = self._store.size() if size is None else size
        if not 0 <= index < size <= self._store.size():
            raise InvalidInput(
                f"entry {index} is not in a tree of size {size} (log size {self._store.size()})"
            )
        proof = materialise(inclusion_plan(index, size), self._store)
        return InclusionProof(index, size, tuple(proof), root_at(size, self._store))

    def prove_consistency(self, old_size: int, new_size: int) -> ConsistencyProof:
        """Raises: InvalidInput unless 0 < old_size <= new_size <= log size."""
        if not 0 < old_size <= new_size <= self._store.size():
            raise InvalidInput(
                f"consistency needs 0 < old <= new <= {self._store.size()}, "
                f"got {old_size} and {new_size}"
            )
        proof = materialise(consistency_plan(old_size, new_size), self._store)
        return ConsistencyProof(old_size, new_size, tuple(proof))

    def receipt(self, index: int) -> bytes:
        """An offline-verifiable receipt for entry ``index`` against a signed checkpoint.

        Raises:
            NotFound: no such entry.
        """
        if not 0 <= index < self._store.size():
            raise NotFound(f"ledger has no entry {index}")
        latest = self._store.latest_checkpoint()
        signed = (
            open_checkpoint(latest.note, self.verifier_key)
            if latest is not None and latest.size > index
            else self.checkpoint()
        )
        size = signed.checkpoint.size
        proof = materialise(inclusion_plan(index, size), self._store)
        entry = self._store.entry(index)
        return build_receipt(index, entry.body, proof, signed.text, size)

    def record(self, index: int) -> dict[str, object]:
        """The decoded record at ``index``.

        Raises:
            NotFound: no such entry. LedgerIntegrityError: the stored bytes are not canonical.
        """
        return parse_record(self._store.entry(index).body)

    def checked_record(self, index: int) -> dict[str, object]:
        """The record at ``index`` after checking its seal and that the log still holds it.

        Raises:
            LedgerIntegrityError: the entry is gone (the log was truncated), its seal fails
                or its bytes are not a canonical record.
        """
        size = self._store.size()
        if not 0 <= index < size:
            raise LedgerIntegrityError(
                f"ledger entry {index} is missing: the log holds {size} entries (truncated?)"
            )
        try:
            entry = self._store.entry(index)
        except NotFound as e:
            raise LedgerIntegrityError(f"ledger entry {index} is missing: {e}") from e
        if not hmac.compare_digest(entry.seal, self._seal(index, entry.body)):
            raise LedgerIntegrityError(f"ledger entry {index} has an invalid seal")
        return parse_record(entry.body)

    def now(self) -> datetime:
        return self._clock.now()
