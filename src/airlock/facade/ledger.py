"""The ledger as an operator and an auditor use it: reading entries, witnesses and
their cosignatures, replaying the ledger and the sealed state, and exporting entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from airlock.approvals.permissions import Action, require
from airlock.errors import AirlockError, ConfigError, LedgerIntegrityError
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor

if TYPE_CHECKING:
    from airlock.audit_verify import VerifyReport
    from airlock.ledger.signed_note import VerifierKey
    from airlock.ops.siem import LedgerEvent
    from airlock.state_verify import StateReport


class LedgerMixin(FacadeCore):
    """Ledger reads, witnesses and verification, for :class:`airlock.service.Airlock`."""

    def accept_cosignature(self, actor: Actor, cosigned_note: str) -> str:
        """Store cosignatures by configured witnesses on one of our checkpoints.

        Raises:
            LedgerIntegrityError: not our checkpoint, or no configured witness cosigned it.
            ConfigError: a configured witness key is malformed.
        """
        require(actor, Action.COSIGNATURE_DELIVER)
        return self.ledger.add_cosignature(cosigned_note, self.witness_keys())

    def ledger_record(self, actor: Actor, index: int) -> dict[str, object]:
        """The decoded ledger entry at ``index``, if the actor may read it (auditors and
        approvers any; researchers and services their own).

        Raises: NotFound, LedgerIntegrityError, PermissionDenied (someone else's entry).
        """
        record = self.ledger.record(index)
        require(actor, Action.LEDGER_READ, owner=str(record.get("actor", "")))
        return record

    def witness_keys(self) -> list[VerifierKey]:
        """The local witness (if any) and the configured ones.

        Raises: ConfigError naming a malformed key in [ledger] witness_keys."""
        from airlock.local_witness import LocalWitness

        local = LocalWitness.in_home(self.settings.home, self.ledger.verifier_key)
        return ([] if local is None else [local.verifier]) + self.independent_witness_keys()

    def independent_witness_keys(self) -> list[VerifierKey]:
        """The witnesses of [ledger] witness_keys. The local witness is left out: it lives in
        the home, so whoever can rewrite the home can rewrite it; it catches a rolled-back
        database, not an operator (issue 22), and the assessment does not count it.

        Raises: ConfigError naming a malformed key in [ledger] witness_keys."""
        from airlock.ledger.signed_note import VerifierKey

        keys: list[VerifierKey] = []
        for text in self.settings.ledger.witness_keys:
            try:
                keys.append(VerifierKey.parse(text))
            except LedgerIntegrityError as e:
                raise ConfigError(
                    f"[ledger] witness_keys entry {text[:40]!r} is invalid: {e}"
                ) from e
        return keys

    def verify_ledger(self) -> VerifyReport:
        """Replay the whole ledger from storage (see :mod:`airlock.audit_verify`), and
        compare it with the checkpoint retained outside the database (issue 22)."""
        from airlock.audit import seal_key
        from airlock.audit_verify import Problem, verify_log

        report = verify_log(
            self._store.ledger, self.ledger.verifier_key, seal_key(self._signing_key)
        )
        try:
            problem = self.ledger.rollback_problem()
        except LedgerIntegrityError as e:
            problem = f"the retained checkpoint does not verify: {e}"
        if problem is not None:
            report.problems.append(Problem(None, problem))
        return report

    def seal_unsealed_state(self, actor: Actor) -> int:
        """Seal the rows of a database from before seals existed (migration 0013), once,
        right after upgrading. It trusts those rows as they stand: run it only on a
        database you trust. Rows with a failing seal are left to be reported.

        Raises:
            PermissionDenied: not an administrator.
            LedgerIntegrityError: the ledger itself does not verify.
        """
        require(actor, Action.STATE_SEAL)
        if not self.verify_ledger().ok:
            raise LedgerIntegrityError("the ledger does not verify: run `airlock ledger verify`")
        index = self._record("state.seal", actor, "rows without a seal")
        return self.seals.seal_unsealed(index)

    def verify_state(self) -> StateReport:
        """Every sealed row against its seal and the ledger (see :mod:`airlock.state_verify`)."""
        from airlock.audit import state_seal_key
        from airlock.state_verify import verify_state

        return verify_state(
            self._store.seals, self._store.ledger, state_seal_key(self._signing_key)
        )

    def ledger_events(
        self,
        since: int,
        *,
        follow: bool,
        poll_seconds: float = 1.0,
        on_error: Callable[[AirlockError], None] = lambda _e: None,
    ) -> Iterator[list[LedgerEvent]]:
        """Ledger entries from ``since`` on, in batches (:mod:`airlock.ops.ledger_export`)."""
        from airlock.ops.ledger_export import ledger_events

        return ledger_events(
            self._store.ledger,
            self.ledger.origin,
            since,
            follow=follow,
            poll_seconds=poll_seconds,
            on_error=on_error,
        )
