"""The pure checks: each piece of evidence flips exactly its measures, and the level follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from airlock.assess.controls import CONTROLS, EvidenceKind, parse_level
from airlock.assess.evidence import (
    Attestation,
    Cited,
    DatasetSeen,
    ModelSeen,
    Snapshot,
    Status,
    VoteSeen,
    assess_controls,
    gaps,
    level_reached,
)
from airlock.budgets.limits import Budget, BudgetScope
from airlock.errors import InvalidInput

NOW = datetime(2026, 6, 1, tzinfo=UTC)
MODEL = 100 * 2**30  # 100 GiB of weights: 1 GiB at 100x compression
PER_DAY = Budget(BudgetScope.ENCLAVE, "*", 2**30 // 400, timedelta(days=1))  # 400 days at 100x


def statuses(snapshot: Snapshot) -> dict[str, Status]:
    return {f.control.id: f.status for f in assess_controls(snapshot)}


def moved(before: Snapshot, after: Snapshot) -> dict[str, tuple[Status, Status]]:
    a, b = statuses(before), statuses(after)
    return {k: (a[k], b[k]) for k in a if a[k] is not b[k]}


def attested(*ids: str) -> dict[str, Attestation]:
    return {c: Attestation(c, True, "carol", "checked", 50 + n) for n, c in enumerate(ids)}


FRESH = Snapshot(
    now=NOW,
    snapshot_index=40,
    ledger_ok=True,
    ledger_problem="",
    ledger_entries=40,
    hold_requires_approvals=2,
    anomaly_locks_enabled=True,
)
SL2 = replace(
    FRESH,
    models=(ModelSeen(Cited("frontier-1", 3), MODEL, 1.25),),
    enclave_budget=(Budget(BudgetScope.ENCLAVE, "*", 100 * 2**20, timedelta(days=1)), 1),
)
VOTES = (
    VoteSeen("req_1", "bob", "rita", True, True, True, 10),
    VoteSeen("req_1", "carol", "rita", True, True, True, 11),
)
SL3 = replace(
    SL2,
    enclave_budget=(PER_DAY, 30),
    witnesses=1,
    latest_checkpoint_at=NOW,
    latest_cosignature_at=NOW,
    cosigned_size=39,
    votes=VOTES,
    released_by_approval=(("req_1", ("bob", "carol"), 12),),
    sbom=(("tidy", "1.0"),),
    admitted={("tidy", "1.0"): 20},
    datasets_released=(DatasetSeen("ds_1", True, 0, "https://vendor.example/sst2", 25),),
    attestations=attested("sc-isolation", "pe-physical"),
)
SL5 = replace(
    SL3,
    attestations=attested(*(c.id for c in CONTROLS if c.evidence is EvidenceKind.ATTESTED)),
)


def test_a_fresh_enclave_reaches_no_level_and_says_why() -> None:
    findings = {f.control.id: f for f in assess_controls(FRESH)}
    assert level_reached({k: f.status for k, f in findings.items()}) == 0
    assert findings["cm-inventory"].status is Status.NOT_SATISFIED
    assert "weights register" in findings["cm-inventory"].reason
    assert findings["sc-budget"].status is Status.NOT_SATISFIED
    assert findings["pe-physical"].status is Status.NOT_ASSESSED  # unanswered: never assumed


@pytest.mark.parametrize(("snapshot", "level"), [(FRESH, 0), (SL2, 2), (SL3, 3), (SL5, 5)])
def test_the_walk_up_the_levels(snapshot: Snapshot, level: int) -> None:
    assert level_reached(statuses(snapshot)) == level


def test_registering_a_model_and_a_budget_flips_exactly_inventory_and_budget() -> None:
    step = replace(FRESH, models=SL2.models)
    assert moved(FRESH, step) == {
        "cm-inventory": (Status.NOT_SATISFIED, Status.SATISFIED),
    }
    # A budget of 100 MiB a day lets the model leave within a day: the floors stay unmet.
    assert moved(step, SL2) == {"sc-budget": (Status.NOT_SATISFIED, Status.SATISFIED)}


def test_the_exfiltration_floors_follow_the_budget() -> None:
    def exfil(budget: Budget) -> dict[str, Status]:
        s = statuses(replace(SL2, enclave_budget=(budget, 1)))
        return {k: v for k, v in s.items() if k.startswith("sc-exfil")}

    sat, no = Status.SATISFIED, Status.NOT_SATISFIED
    assert exfil(replace(PER_DAY, limit_bytes=2**30 // 20)) == dict.fromkeys(
        ("sc-exfil-sl3", "sc-exfil-sl4", "sc-exfil-sl5"), no
    )  # 20 days
    assert exfil(replace(PER_DAY, limit_bytes=2**30 // 40)) == {
        "sc-exfil-sl3": sat, "sc-exfil-sl4": no, "sc-exfil-sl5": no,
    }  # fmt: skip
    assert exfil(replace(PER_DAY, limit_bytes=2**30 // 200)) == {
        "sc-exfil-sl3": sat, "sc-exfil-sl4": sat, "sc-exfil-sl5": no,
    }  # fmt: skip
    assert set(exfil(PER_DAY).values()) == {sat}
    finding = next(f for f in assess_controls(SL3) if f.control.id == "sc-exfil-sl5")
    assert "100x compression" in finding.reason
    assert finding.evidence == (30, 3)  # the budget.set and weights.register entries
    assert "1.25x lossless (measured)" in finding.reason
    assumed = replace(SL3, models=(ModelSeen(Cited("frontier-0", 2), MODEL),))
    finding = next(f for f in assess_controls(assumed) if f.control.id == "sc-exfil-sl5")
    assert "1.50x lossless (assumed)" in finding.reason


@pytest.mark.parametrize(
    ("change", "flipped"),
    [
        ({"enclave_budget": None}, {"sc-budget", "sc-exfil-sl3", "sc-exfil-sl4", "sc-exfil-sl5"}),
        ({"models": ()}, {"cm-inventory", "sc-exfil-sl3", "sc-exfil-sl4", "sc-exfil-sl5"}),
        ({"ledger_ok": False, "ledger_problem": "entry 7 seal"}, {"au-ledger"}),
        ({"uninspected_exports": ("req_9",)}, {"sc-inspect"}),
        ({"hold_requires_approvals": 1}, {"ac-dual-policy"}),
        ({"anomaly_locks_enabled": False}, {"si-locks"}),
        ({"latest_cosignature_at": None}, {"au-witness"}),
        ({"witnesses": 0}, {"au-witness"}),
        ({"latest_cosignature_at": NOW - timedelta(minutes=5)}, {"au-witness"}),
        ({"released_by_approval": ()}, {"ac-dual-used"}),
        ({"released_by_approval": (("req_1", ("bob", "bob"), 12),)}, {"ac-dual-used"}),
        (
            {"votes": (*VOTES, VoteSeen("req_2", "rita", "rita", True, True, True, 13))},
            {"ac-dual-used"},
        ),
        (
            {"votes": (*VOTES, VoteSeen("req_2", "local-operator", "rita", True, False, True, 13))},
            {"ac-identity"},
        ),
        ({"sbom": None}, {"cm-allowlist"}),
        ({"sbom": (("tidy", "1.0"), ("evil", "6.6"))}, {"cm-allowlist"}),
        (
            {"datasets_released": (DatasetSeen("ds_2", False, 1, "https://x.example", 26),)},
            {"sr-data"},
        ),
        ({"datasets_released": (DatasetSeen("ds_2", True, 0, " ", 26),)}, {"sr-data"}),
        ({"attestations": {}}, {c.id for c in CONTROLS if c.evidence is EvidenceKind.ATTESTED}),
        (
            {
                "attestations": {
                    **SL5.attestations,
                    "sc-hsm": Attestation("sc-hsm", False, "c", "", 60),
                }
            },
            {"sc-hsm"},
        ),
    ],
)
def test_removing_one_piece_of_evidence_flips_exactly_its_measures(
    change: dict[str, object], flipped: set[str]
) -> None:
    after = replace(SL5, **change)  # type: ignore[arg-type]
    changes = moved(SL5, after)
    assert set(changes) == flipped
    assert all(before is Status.SATISFIED for before, _ in changes.values())
    assert level_reached(statuses(after)) < 5


def test_a_policy_that_never_releases_held_exports_satisfies_dual_approval() -> None:
    assert (
        statuses(replace(SL2, hold_requires_approvals=None))["ac-dual-policy"] is Status.SATISFIED
    )


def test_gaps_are_ranked_by_how_far_fixing_each_would_raise_the_level() -> None:
    one_short = replace(SL5, attestations={}, votes=())
    findings = assess_controls(one_short)
    ranked = gaps(findings, 5)
    assert [g.finding.control.level for g in ranked][:2] == [3, 3]
    assert all(g.level_if_fixed == 2 for g in ranked)  # two SL3 attestations are missing
    lone = assess_controls(replace(SL5, attestations=attested(
        *(c.id for c in CONTROLS if c.evidence is EvidenceKind.ATTESTED and c.id != "pe-physical")
    )))  # fmt: skip
    assert [(g.finding.control.id, g.level_if_fixed) for g in gaps(lone, 5)] == [("pe-physical", 5)]
    assert gaps(lone, 2) == ()  # beyond the target, nothing is a gap


def test_findings_cite_their_ledger_entries() -> None:
    findings = {f.control.id: f for f in assess_controls(SL5)}
    assert findings["ac-dual-used"].evidence == (12,)
    assert findings["ac-identity"].evidence == (11, 10)
    assert findings["cm-allowlist"].evidence == (20,)
    assert findings["pe-physical"].evidence == (51,)
    assert findings["si-locks"].evidence == (40,)  # the assess.snapshot entry
    assert all(f.evidence for f in findings.values() if f.status is Status.SATISFIED)


def test_levels_parse_and_refuse() -> None:
    assert parse_level("SL3") == parse_level("sl3") == parse_level("3") == 3
    with pytest.raises(InvalidInput):
        parse_level("SL6")
