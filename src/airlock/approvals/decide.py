"""Boundary decisions from Cedar policy: allow, hold for k approvals, or deny.

Cedar answers yes or no; airlock needs "yes", "yes once k people agree", or "no". We ask
Cedar with no approvals first and, unless that settles it, once per approval count 1..max in
one batch (the counts come from Python, as the issue requires), and read the smallest count
that permits. A matching ``forbid`` is final.
Anything Cedar cannot evaluate denies: the default is closed.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import cedarpy

from airlock.approvals.policy import PolicyBundle
from airlock.domain.requests import Outcome, Reason
from airlock.errors import InvalidInput

MAX_APPROVALS = 5
MAX_REMEMBERED = 4096  # outcomes kept per policy; the table starts over when full


@dataclass(frozen=True, slots=True)
class BoundaryFacts:
    """Everything policy may look at for one request, gathered by the caller."""

    action: str  # "export" | "data_import" | "package_import"
    principal: str
    role: str
    kind: str
    project: str
    digest: str
    size_bytes: int
    inspection_verdict: Outcome
    within_budget: bool


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    outcome: Outcome
    required_approvals: int
    reasons: tuple[Reason, ...]
    policy_version: str


class CompiledPolicy:
    """A validated policy bundle, parsed once and reused for every decision."""

    def __init__(self, bundle: PolicyBundle) -> None:
        self.version = bundle.version
        self._policies = cedarpy.PolicySet.from_str(bundle.policies)
        self._schema = cedarpy.Schema.from_str(bundle.schema)
        parsed = json.loads(cedarpy.policies_to_json_str(bundle.policies))
        static = parsed["staticPolicies"]
        self._names = {
            pid: body.get("annotations", {}).get("id", pid) for pid, body in static.items()
        }
        self._effects = {pid: body["effect"] for pid, body in static.items()}
        self._reads_resource = reads_resource(parsed)
        self._remembered: dict[tuple[object, ...], PolicyOutcome] = {}
        self._remembered_lock = threading.Lock()

    def decide(self, facts: BoundaryFacts) -> PolicyOutcome:
        """Raises: InvalidInput when the facts do not fit the policy schema."""
        if self._reads_resource:
            return self._evaluate(facts)
        # No policy looks at the artifact itself, so its digest and size cannot change the
        # answer: remember it per everything else, and most of a person's exports skip Cedar.
        key = (
            facts.action,
            facts.principal,
            facts.role,
            facts.kind,
            facts.project,
            facts.inspection_verdict,
            facts.within_budget,
        )
        with self._remembered_lock:
            known = self._remembered.get(key)
        if known is not None:
            return known
        decided = self._evaluate(facts)
        with self._remembered_lock:
            if len(self._remembered) >= MAX_REMEMBERED:
                self._remembered.clear()
            self._remembered[key] = decided
        return decided

    def _evaluate(self, facts: BoundaryFacts) -> PolicyOutcome:
        entities = self._entities(facts)
        # Most requests are settled by the first count (released or forbidden), so that one
        # is asked alone; cedarpy holds the GIL while it evaluates, so each count costs the
        # whole gateway time.
        results = self._ask(facts, entities, range(1))
        first = results[0]
        forbidding = [
            self._names[p] for p in first.diagnostics.reasons if self._effects.get(p) == "forbid"
        ]
        if forbidding:
            return self._outcome(
                Outcome.DENY, 0, "policy-forbids", f"forbidden by policy {', '.join(forbidding)}"
            )
        if first.decision != cedarpy.Decision.Allow:
            results += self._ask(facts, entities, range(1, MAX_APPROVALS + 1))
        for count, result in enumerate(results):
            if result.decision == cedarpy.Decision.Allow:
                names = ", ".join(self._names[p] for p in result.diagnostics.reasons)
                if count == 0:
                    return self._outcome(
                        Outcome.ALLOW, 0, "policy-permits", f"permitted by policy {names}"
                    )
                return self._outcome(
                    Outcome.HOLD,
                    count,
                    "approvals-required",
                    f"policy {names} permits this after {count} approval"
                    f"{'s' if count > 1 else ''} by someone other than the requester",
                )
        if not facts.within_budget:
            return self._outcome(
                Outcome.DENY,
                0,
                "budget-exceeded",
                "the request does not fit the byte budget, whoever approves",
            )
        return self._outcome(
            Outcome.DENY,
            0,
            "no-policy-permits",
            f"no policy permits this {facts.action}, even with {MAX_APPROVALS} approvals",
        )

    def _ask(
        self, facts: BoundaryFacts, entities: list[dict[str, Any]], counts: range
    ) -> list[cedarpy.AuthzResult]:
        results = cedarpy.is_authorized_batch(
            [self._request(facts, k) for k in counts], self._policies, entities, self._schema
        )
        errors = [str(e) for r in results for e in r.diagnostics.errors]
        if errors:
            raise InvalidInput(f"policy could not evaluate this request: {'; '.join(errors[:3])}")
        return list(results)

    def _outcome(self, outcome: Outcome, count: int, code: str, message: str) -> PolicyOutcome:
        return PolicyOutcome(outcome, count, (Reason(code, message),), self.version)

    @staticmethod
    def _request(facts: BoundaryFacts, approvals: int) -> dict[str, Any]:
        return {
            "principal": {"type": "Airlock::Principal", "id": facts.principal},
            "action": {"type": "Airlock::Action", "id": facts.action},
            "resource": {"type": "Airlock::Artifact", "id": facts.digest},
            "context": {
                "inspection_verdict": facts.inspection_verdict.value,
                "within_budget": facts.within_budget,
                "approvals": approvals,
                "project": facts.project,
            },
        }

    @staticmethod
    def _entities(facts: BoundaryFacts) -> list[dict[str, Any]]:
        return [
            {
                "uid": {"type": "Airlock::Principal", "id": facts.principal},
                "attrs": {"kind": facts.kind},
                "parents": [{"type": "Airlock::Role", "id": facts.role}],
            },
            {"uid": {"type": "Airlock::Role", "id": facts.role}, "attrs": {}, "parents": []},
            {
                "uid": {"type": "Airlock::Artifact", "id": facts.digest},
                "attrs": {"size_bytes": facts.size_bytes, "digest": facts.digest},
                "parents": [],
            },
        ]


def reads_resource(parsed: dict[str, Any]) -> bool:
    """Whether any policy (in Cedar's JSON form) could depend on the request's resource.

    Conservative: templates, a constrained resource scope or any mention of the ``resource``
    variable in a condition all count as reading it.
    """
    if parsed.get("templates") or parsed.get("templateLinks"):
        return True
    for body in parsed["staticPolicies"].values():
        if body.get("resource", {}).get("op") != "All":
            return True
        if '"resource"' in json.dumps(body.get("conditions", [])):
            return True
    return False
