"""Cedar decisions: allow, hold for k approvals, deny; and the default policy's intent."""

from __future__ import annotations

from importlib import resources

import pytest

from airlock.approvals.decide import BoundaryFacts, CompiledPolicy
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
