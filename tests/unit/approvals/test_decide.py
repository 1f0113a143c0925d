"""Cedar decisions: allow, hold for k approvals, deny; and the default policy's intent."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

import cedarpy
import pytest

from airlock.approvals.decide import (
    MAX_APPROVALS,
    BoundaryFacts,
    CompiledPolicy,
    reads_resource,
)
from airlock.approvals.policy import PolicyBundle
from airlock.domain.requests import Outcome

SCHEMA = resources.files("airlock.defaults").joinpath("airlock.cedarschema").read_text()
DEFAULT = resources.files("airlock.defaults").joinpath("airlock.cedar").read_text()


def facts(verdict: Outcome = Outcome.ALLOW, within_budget: bool = True) -> BoundaryFacts:
    return BoundaryFacts(
        "export", "rita", "researcher", "person", "p1", "ab" * 32, 1000, verdict, within_budget
    )


@pytest.fixture(scope="module")
def default_policy() -> CompiledPolicy:
    return CompiledPolicy(PolicyBundle.load(DEFAULT, SCHEMA))


def test_clean_in_budget_export_is_released(default_policy: CompiledPolicy) -> None:
    decided = default_policy.decide(facts())
    assert decided.outcome is Outcome.ALLOW
    assert "auto-release-clean-export" in decided.reasons[0].message


def test_held_inspection_needs_two_approvals(default_policy: CompiledPolicy) -> None:
    decided = default_policy.decide(facts(Outcome.HOLD))
    assert (decided.outcome, decided.required_approvals) == (Outcome.HOLD, 2)
    assert decided.reasons[0].code == "approvals-required"


def test_weights_are_forbidden_whoever_approves(default_policy: CompiledPolicy) -> None:
    decided = default_policy.decide(facts(Outcome.DENY))
    assert decided.outcome is Outcome.DENY
    assert "never-export-weights" in decided.reasons[0].message


def test_over_budget_is_denied_with_the_reason(default_policy: CompiledPolicy) -> None:
    decided = default_policy.decide(facts(within_budget=False))
    assert decided.outcome is Outcome.DENY
    assert decided.reasons[0].code == "budget-exceeded"


def test_policy_with_no_permit_denies_everything() -> None:
    only_forbid = '@id("nothing") forbid (principal, action, resource) when { false };'
    decided = CompiledPolicy(PolicyBundle.load(only_forbid, SCHEMA)).decide(facts())
    assert decided.outcome is Outcome.DENY
    assert decided.reasons[0].code == "no-policy-permits"


def test_version_is_carried_into_the_outcome(default_policy: CompiledPolicy) -> None:
    assert (
        default_policy.decide(facts()).policy_version == PolicyBundle.load(DEFAULT, SCHEMA).version
    )


# Permits at one, three and five approvals, and a forbid that approvals cannot lift: the
# first count alone settles some of these requests and not others.
GRADED = """
@id("clean") permit (principal, action, resource)
when { context.inspection_verdict == "allow" && context.within_budget };
@id("one") permit (principal, action, resource)
when { context.inspection_verdict == "hold" && context.approvals >= 1 && context.project == "p1" };
@id("three") permit (principal, action, resource)
when { context.inspection_verdict == "hold" && context.approvals >= 3 };
@id("five") permit (principal, action, resource)
when { !context.within_budget && context.approvals >= 5 };
@id("weights") forbid (principal, action, resource)
when { context.inspection_verdict == "deny" };
"""


def every_count_at_once(policy: str, f: BoundaryFacts) -> tuple[Outcome, int]:
    """The answer from asking Cedar every approval count in one batch, the way it was first
    written: the reference the cheaper first-count-alone path must agree with."""
    compiled = CompiledPolicy(PolicyBundle.load(policy, SCHEMA))
    requests = [compiled._request(f, k) for k in range(MAX_APPROVALS + 1)]
    results = cedarpy.is_authorized_batch(
        requests, cedarpy.PolicySet.from_str(policy), compiled._entities(f)
    )
    if any(compiled._effects[p] == "forbid" for p in results[0].diagnostics.reasons):
        return Outcome.DENY, 0
    for count, result in enumerate(results):
        if result.decision == cedarpy.Decision.Allow:
            return (Outcome.ALLOW if count == 0 else Outcome.HOLD), count
    return Outcome.DENY, 0


@pytest.mark.parametrize("policy", [DEFAULT, GRADED], ids=["default", "graded"])
@pytest.mark.parametrize("verdict", list(Outcome))
@pytest.mark.parametrize("within_budget", [True, False])
@pytest.mark.parametrize("project", ["p1", "p2"])
def test_first_count_alone_agrees_with_asking_every_count(
    policy: str, verdict: Outcome, within_budget: bool, project: str
) -> None:
    f = replace(facts(verdict, within_budget), project=project)
    decided = CompiledPolicy(PolicyBundle.load(policy, SCHEMA)).decide(f)
    assert (decided.outcome, decided.required_approvals) == every_count_at_once(policy, f)


SIZE_CAPPED = """
@id("small") permit (principal, action, resource)
when { context.inspection_verdict == "allow" && resource.size_bytes < 5000 };
"""


def test_reads_resource_is_conservative() -> None:
    def parsed(policy: str) -> dict[str, object]:
        return dict(json.loads(cedarpy.policies_to_json_str(policy)))

    assert not reads_resource(parsed(DEFAULT))
    assert not reads_resource(parsed(GRADED))
    assert reads_resource(parsed(SIZE_CAPPED))
    scoped = 'permit (principal, action, resource == Airlock::Artifact::"ab");'
    assert reads_resource(parsed(scoped))
    assert reads_resource(parsed("permit (principal, action, resource) when { resource has x };"))
    assert reads_resource({"templates": {"t": {}}, "staticPolicies": {}})


def test_an_outcome_is_remembered_only_when_the_artifact_cannot_matter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    real = cedarpy.is_authorized_batch

    def counting(requests: list[dict[str, object]], *args: object) -> object:
        asked.append(len(requests))
        return real(requests, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cedarpy, "is_authorized_batch", counting)
    blind = CompiledPolicy(PolicyBundle.load(DEFAULT, SCHEMA))
    first = blind.decide(replace(facts(), digest="aa" * 32, size_bytes=10))
    again = blind.decide(replace(facts(), digest="bb" * 32, size_bytes=10**9))
    assert first == again and first.outcome is Outcome.ALLOW
    assert len(asked) == 1  # the second export of the same kind did not reach Cedar
    assert blind.decide(replace(facts(), principal="sam")).outcome is Outcome.ALLOW
    assert len(asked) == 2  # another person is another question

    sized = CompiledPolicy(PolicyBundle.load(SIZE_CAPPED, SCHEMA))
    assert sized.decide(replace(facts(), size_bytes=10)).outcome is Outcome.ALLOW
    assert sized.decide(replace(facts(), size_bytes=10**6)).outcome is Outcome.DENY


def test_remembered_outcomes_agree_with_asking_every_count() -> None:
    for policy in (DEFAULT, GRADED):
        compiled = CompiledPolicy(PolicyBundle.load(policy, SCHEMA))
        for round_ in range(2):  # the second round is answered from memory
            for verdict in Outcome:
                for within in (True, False):
                    for project in ("p1", "p2"):
                        f = replace(
                            facts(verdict, within), project=project, digest=f"{round_:02x}" * 32
                        )
                        decided = compiled.decide(f)
                        expected = every_count_at_once(policy, f)
                        assert (decided.outcome, decided.required_approvals) == expected
