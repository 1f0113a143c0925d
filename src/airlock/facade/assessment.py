"""The security-level assessment (issue 17): judging every measure from the store and
the ledger, recording its result, and people's questionnaire answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from airlock.domain.principals import Principal, PrincipalKind
from airlock.errors import PermissionDenied
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor

if TYPE_CHECKING:
    from airlock.assess.attest import Answer
    from airlock.assess.gather import Assessment


class AssessmentMixin(FacadeCore):
    """Assessment and attestation, for :class:`airlock.service.Airlock`."""

    def assess(
        self, target: int, sbom: tuple[tuple[str, str], ...] | None = None, record: bool = True
    ) -> Assessment:
        """Judge every SL measure from the store and ledger (see :mod:`airlock.assess.gather`).

        With ``record``, appends an ``assess.snapshot`` entry and signs a checkpoint over it.
        """
        from airlock.assess.gather import Sources, assess

        sources = Sources(
            store=self._store,
            ledger=self.ledger,
            policy=self._compiled,
            policy_version=self._policy.version,
            clock=self._clock,
            checkpoint_interval=timedelta(seconds=self.settings.ledger.checkpoint_interval_seconds),
            witness_names=tuple(k.name for k in self.independent_witness_keys()),
            anomaly_rules=self._egress.rules,
            verify=self.verify_ledger,
            friction=self.friction,
        )
        return assess(sources, self.settings.enclave_name, target, sbom, record)

    def record_assessment(self, assessment: Assessment, results_sha256: str) -> int:
        """Append the ``assess.result`` entry a later ``--since`` compares with."""
        from airlock.assess.gather import record_result

        return record_result(self.ledger, self._clock, assessment, results_sha256)

    def last_assessment(self, before: int) -> int | None:
        """The ledger index of the newest ``assess.result`` entry below ``before``."""
        from airlock.assess.gather import last_result

        return last_result(self._store, before)

    def attest(self, principal: Principal, answers: Sequence[Answer]) -> list[int]:
        """Record questionnaire answers as the authenticated principal's own.

        Raises:
            PermissionDenied: an answer names someone else, or the principal is not a person.
        """
        if principal.kind is not PrincipalKind.PERSON:
            raise PermissionDenied(f"{principal.name} is a service; only people attest")
        for answer in answers:
            if answer.by != principal.name:
                raise PermissionDenied(
                    f"the answer to {answer.control} is by {answer.by!r}, but {principal.name} "
                    "signed in: each person records their own answers with their own token"
                )
        return [
            self._record(
                "assess.attest",
                Actor.of(principal),
                a.control,
                answer="yes" if a.satisfied else "no",
                note=a.note,
            )
            for a in answers
        ]
