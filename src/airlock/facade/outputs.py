"""Model outputs (issue 20): the inference gateway's workflow, committing transcripts
to the ledger, replaying a sample of them, offline proofs and the channel's figures.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from airlock.approvals.permissions import Action, require
from airlock.errors import Conflict
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor

if TYPE_CHECKING:
    from airlock.outputs.gateway import OutputGateway
    from airlock.outputs.metrics import OutputMetrics
    from airlock.outputs.reference import ReferenceModel
    from airlock.outputs.verifier import VerifyReport as OutputsReport


class OutputsMixin(FacadeCore):
    """The model-output channel, for :class:`airlock.service.Airlock`."""

    def outputs_gateway(self) -> OutputGateway:
        """The inference gateway's workflow, built on first use (it pulls in httpx clients)."""
        if self._outputs is None:
            from airlock.outputs.gateway import OutputGateway

            self._outputs = OutputGateway(
                self.settings.outputs,
                self._store,
                self.ledger,
                self._clock,
                lambda: self._policy.version,
            )
        return self._outputs

    def commit_outputs(self) -> int | None:
        """Commit pending transcripts as one ledger leaf; the leaf's index, if any."""
        return self.outputs_gateway().commit_batch()

    def verify_outputs(
        self,
        actor: Actor,
        reference: ReferenceModel,
        fraction: float | None = None,
        tolerance: float | None = None,
        lock_bits: int | None = None,
    ) -> OutputsReport:
        """Replay a beacon-chosen sample of logged responses (see airlock.outputs.verifier).

        Raises:
            PermissionDenied: the actor is neither admin nor approver.
        """
        from airlock.outputs.verifier import VERIFIER_ACTOR, VerifyOptions, verify_outputs

        require(actor, Action.OUTPUTS_VERIFY)
        s = self.settings.outputs
        self.commit_outputs()
        options = VerifyOptions(
            fraction=s.verify_fraction if fraction is None else fraction,
            tolerance=s.logit_tolerance if tolerance is None else tolerance,
            lock_bits=s.lock_bits if lock_bits is None else lock_bits,
        )
        return verify_outputs(
            self._store,
            self.ledger,
            self._clock,
            reference,
            options=options,
            impose=lambda lock: self._egress.impose_lock(lock, VERIFIER_ACTOR),
            policy_version=self._policy.version,
            timer=time.perf_counter,
        )

    def output_proof(self, digest: str) -> bytes:
        """An offline proof that a response is in the output log (committing it if needed).

        Raises:
            NotFound: no transcript with that digest.
        """
        from airlock.outputs.batches import build_output_proof
        from airlock.outputs.transcript import TranscriptDigest

        key = TranscriptDigest(digest.lower())
        row = self._store.outputs.get(key)
        if row.batch_index is None:
            self.commit_outputs()
            row = self._store.outputs.get(key)
        if row.batch_index is None or row.leaf_index is None:
            raise Conflict(f"transcript {digest[:16]}... is not committed yet: try again")
        digests = self._store.outputs.batch(row.batch_index)
        return build_output_proof(
            row.transcript, row.leaf_index, digests, self.ledger.receipt(row.batch_index)
        )

    def output_metrics(self) -> OutputMetrics:
        from airlock.outputs.metrics import output_metrics
        from airlock.outputs.release_clock import timing_bound

        outputs = self.settings.outputs
        return output_metrics(
            self._store.outputs.totals(),
            self._store.budgets.budgets(),
            [(m.name, m.size) for m in self._store.protected_models()],
            timing_bound(outputs.release_quantum_ms, outputs.timeout_seconds),
        )
