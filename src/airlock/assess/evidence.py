"""Pure checks of each measure against a snapshot of airlock's state.

The workflow (:mod:`airlock.assess.gather`) reads the store and ledger into a
:class:`Snapshot`; everything here is a function of that value. Every check returns an
explicit status with the reason as text and the ledger entries it rests on. Missing evidence
is never a pass: an unanswered attestation or an absent SBOM is *not assessed*, which counts
as unsatisfied for the level.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from airlock.assess.controls import (
    CONTROLS,
    EXFILTRATION_FLOOR_DAYS,
    LEVELS,
    Control,
    EvidenceKind,
)
from airlock.budgets.exfiltration import ASSUMED_COMPRESSION, time_to_exfiltrate
from airlock.budgets.limits import Budget, describe_window
from airlock.errors import InvalidInput

MAX_LINKS = 12  # ledger entries cited per finding (the newest); the count says how many more


class Status(StrEnum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not-satisfied"
    NOT_ASSESSED = "not-assessed"


@dataclass(frozen=True, slots=True)
class Cited:
    """Something the snapshot knows, with the ledger entry that records it."""

    subject: str
    ledger_index: int


@dataclass(frozen=True, slots=True)
class ModelSeen:
    """A protected model, its registration entry, and its measured lossless ratio (None for
    models registered before airlock measured it)."""

    cited: Cited
    size: int
    lossless_ratio: float | None = None

    def __post_init__(self) -> None:
        if self.size <= 0 or (self.lossless_ratio is not None and self.lossless_ratio < 1):
            raise InvalidInput("a model has a positive size and a lossless ratio of at least 1")


@dataclass(frozen=True, slots=True)
class VoteSeen:
    request: str
    voter: str
    requester: str
    approve: bool
    voter_is_person: bool
    voter_may_approve: bool
    ledger_index: int


@dataclass(frozen=True, slots=True)
class DatasetSeen:
    id: str
    scan_passed: bool
    approvers: int
    source: str
    ledger_index: int


@dataclass(frozen=True, slots=True)
class Attestation:
    control: str
    satisfied: bool
    by: str
    note: str
    ledger_index: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the checks look at; the workflow gathers it, tests build it by hand."""

    now: datetime
    snapshot_index: int  # the assess.snapshot ledger entry holding the probes below
    models: tuple[ModelSeen, ...] = ()
    enclave_budget: tuple[Budget, int] | None = None  # and the budget.set entry
    assumed_lossless_ratio: float = 1.5  # for models without a measured ratio
    exports: tuple[Cited, ...] = ()  # export requests with their first policy decision entry
    uninspected_exports: tuple[str, ...] = ()
    hold_requires_approvals: int | None = 0  # approvals policy asks of a held export; None: never
    anomaly_locks_enabled: bool = False
    ledger_ok: bool = False
    ledger_problem: str = "the ledger was not verified"
    ledger_entries: int = 0
    witnesses: int = 0  # witness keys configured in [ledger] witness_keys
    latest_checkpoint_at: datetime | None = None
    latest_cosignature_at: datetime | None = None
    cosigned_size: int = 0
    checkpoint_interval: timedelta = timedelta(seconds=60)
    votes: tuple[VoteSeen, ...] = ()
    released_by_approval: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    sbom: tuple[tuple[str, str], ...] | None = None  # installed (name, version); None: no SBOM
    admitted: Mapping[tuple[str, str], int] = field(default_factory=dict)  # -> decision entry
    datasets_released: tuple[DatasetSeen, ...] = ()
    attestations: Mapping[str, Attestation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.assumed_lossless_ratio < 1:
            raise InvalidInput("a lossless compression ratio is at least 1")


@dataclass(frozen=True, slots=True)
class Finding:
    control: Control
    status: Status
    reason: str
    evidence: tuple[int, ...]  # ledger indices, newest first, at most MAX_LINKS
    more_evidence: int = 0


Check = Callable[[Snapshot], tuple[Status, str, list[int]]]
_OK, _NO, _NA = Status.SATISFIED, Status.NOT_SATISFIED, Status.NOT_ASSESSED


def _inventory(s: Snapshot) -> tuple[Status, str, list[int]]:
    if not s.models:
        return _NO, "no protected model is registered: run `airlock weights register`", []
    names = ", ".join(m.cited.subject for m in s.models)
    links = [m.cited.ledger_index for m in s.models]
    return _OK, f"{len(s.models)} protected model(s): {names}", links


def _ledger(s: Snapshot) -> tuple[Status, str, list[int]]:
    if not s.ledger_ok:
        return _NO, f"ledger verification failed: {s.ledger_problem}", [s.snapshot_index]
    return _OK, f"ledger replays cleanly ({s.ledger_entries} entries)", [s.snapshot_index]


def _budget(s: Snapshot) -> tuple[Status, str, list[int]]:
    if s.enclave_budget is None:
        return _NO, "no enclave-wide budget: run `airlock budget set enclave`", []
    budget, index = s.enclave_budget
    return (
        _OK,
        f"enclave budget {budget.limit_bytes} bytes per {describe_window(budget.window)}",
        [index],
    )


def _inspected(s: Snapshot) -> tuple[Status, str, list[int]]:
    if s.uninspected_exports:
        listed = ", ".join(s.uninspected_exports[:5])
        return (
            _NO,
            f"{len(s.uninspected_exports)} export(s) without a policy decision: {listed}",
            [],
        )
    links = [c.ledger_index for c in s.exports]
    return _OK, f"all {len(s.exports)} export(s) were inspected and decided by policy", links


def _dual_policy(s: Snapshot) -> tuple[Status, str, list[int]]:
    n = s.hold_requires_approvals
    if n is None:
        return _OK, "policy never releases a held export", [s.snapshot_index]
    if n >= 2:
        return _OK, f"policy releases a held export only after {n} approvals", [s.snapshot_index]
    return _NO, f"policy releases a held export after {n} approval(s)", [s.snapshot_index]


def _locks(s: Snapshot) -> tuple[Status, str, list[int]]:
    if not s.anomaly_locks_enabled:
        return _NO, "anomaly lock rules are disabled", [s.snapshot_index]
    return _OK, "anomaly lock rules are enabled", [s.snapshot_index]


def _exfil(level: int) -> Check:
    floor_days = EXFILTRATION_FLOOR_DAYS[level]

    def check(s: Snapshot) -> tuple[Status, str, list[int]]:
        if s.enclave_budget is None:
            return _NO, "no enclave-wide budget, so weights could leave at line rate", []
        if not s.models:
            return _NA, "no protected model registered to measure", []
        budget, budget_index = s.enclave_budget
        worst_model = min(
            s.models, key=lambda m: time_to_exfiltrate(m.cited.subject, m.size, budget).seconds
        )
        worst = time_to_exfiltrate(worst_model.cited.subject, worst_model.size, budget)
        ratio = worst_model.lossless_ratio
        lossless = time_to_exfiltrate(
            worst.model, worst.model_bytes, budget, ratio or s.assumed_lossless_ratio
        )
        how = "measured" if ratio is not None else "assumed"
        links = [budget_index, *(m.cited.ledger_index for m in s.models)]
        figures = (
            f"{worst.model}: {_days(worst.days)} at {ASSUMED_COMPRESSION:.0f}x compression, "
            f"{_days(lossless.days)} at {ratio or s.assumed_lossless_ratio:.2f}x lossless ({how})"
        )
        if worst.days < floor_days:
            return _NO, f"{figures}; SL{level} needs {floor_days} days", links
        return _OK, f"{figures}; at least {floor_days} days", links

    return check


def _days(days: float) -> str:
    return "never" if math.isinf(days) else f"{days:.1f} days"


def _witness(s: Snapshot) -> tuple[Status, str, list[int]]:
    if s.witnesses == 0:
        return _NO, "no witness configured: `airlock witness init`, then [ledger] witness_keys", []
    if s.latest_checkpoint_at is None:
        return _NO, "no checkpoint has been signed", []
    if s.latest_cosignature_at is None:
        return _NO, "no witness has cosigned any checkpoint: see `airlock witness`", []
    lag = s.latest_checkpoint_at - s.latest_cosignature_at
    link = [s.cosigned_size - 1] if s.cosigned_size > 0 else []
    if lag > s.checkpoint_interval:
        return _NO, f"newest cosignature is {lag} older than the latest checkpoint", link
    return _OK, f"checkpoint of size {s.cosigned_size} cosigned by a witness", link


def _dual_used(s: Snapshot) -> tuple[Status, str, list[int]]:
    selfish = [v for v in s.votes if v.approve and v.voter == v.requester]
    if selfish:
        return (
            _NO,
            f"{selfish[0].voter} approved their own request {selfish[0].request}",
            [v.ledger_index for v in selfish],
        )
    if not s.released_by_approval:
        return _NA, "no held request has been released by approval yet", []
    single = [r for r, approvers, _ in s.released_by_approval if len(set(approvers)) < 2]
    if single:
        return _NO, f"{len(single)} release(s) by fewer than two approvers: {single[0]}", []
    links = [i for _, _, i in s.released_by_approval]
    return _OK, f"{len(s.released_by_approval)} release(s), each by two distinct people", links


def _identity(s: Snapshot) -> tuple[Status, str, list[int]]:
    if not s.votes:
        return _NA, "no approval vote has been cast yet", []
    weak = [v for v in s.votes if not (v.voter_is_person and v.voter_may_approve)]
    if weak:
        return (
            _NO,
            f"vote by {weak[0].voter} is not a named approver's",
            [v.ledger_index for v in weak],
        )
    return _OK, f"all {len(s.votes)} vote(s) by named approvers", [v.ledger_index for v in s.votes]


def _allowlist(s: Snapshot) -> tuple[Status, str, list[int]]:
    if s.sbom is None:
        return _NA, "no SBOM of the enclave environment given: pass --sbom FILE", []
    missing = [f"{n} {v}" for n, v in s.sbom if (n, v) not in s.admitted]
    if missing:
        return (
            _NO,
            f"{len(missing)} installed package(s) not admitted: {', '.join(missing[:5])}",
            [],
        )
    links = [s.admitted[p] for p in s.sbom]
    return _OK, f"all {len(s.sbom)} installed package(s) were vetted and admitted", links


def _datasets(s: Snapshot) -> tuple[Status, str, list[int]]:
    bad = [d.id for d in s.datasets_released if not (d.scan_passed or d.approvers >= 2)]
    if bad:
        return _NO, f"released without a passed scan or two approvals: {bad[0]}", []
    nameless = [d.id for d in s.datasets_released if not d.source.strip()]
    if nameless:
        return _NO, f"released without a recorded source: {nameless[0]}", []
    links = [d.ledger_index for d in s.datasets_released]
    return _OK, f"{len(s.datasets_released)} released dataset(s), all vetted", links


def _attested(c: Control) -> Check:
    def check(s: Snapshot) -> tuple[Status, str, list[int]]:
        answer = s.attestations.get(c.id)
        if answer is None:
            return _NA, "not answered in the questionnaire: `airlock assess attest`", []
        status = _OK if answer.satisfied else _NO
        return status, f"{answer.by} attests: {answer.note or 'no note'}", [answer.ledger_index]

    return check


_AUTOMATED: dict[str, Check] = {
    "cm-inventory": _inventory,
    "au-ledger": _ledger,
    "sc-budget": _budget,
    "sc-inspect": _inspected,
    "ac-dual-policy": _dual_policy,
    "si-locks": _locks,
    "sc-exfil-sl3": _exfil(3),
    "sc-exfil-sl4": _exfil(4),
    "sc-exfil-sl5": _exfil(5),
    "au-witness": _witness,
    "ac-dual-used": _dual_used,
    "ac-identity": _identity,
    "cm-allowlist": _allowlist,
    "sr-data": _datasets,
}


def assess_controls(snapshot: Snapshot) -> tuple[Finding, ...]:
    """One finding per control, in catalogue order."""
    findings = []
    for c in CONTROLS:
        check = _attested(c) if c.evidence is EvidenceKind.ATTESTED else _AUTOMATED[c.id]
        status, reason, links = check(snapshot)
        # A finding with nothing of its own to cite rests on the snapshot entry, which
        # records the state it was judged on.
        newest = sorted({i for i in links or [snapshot.snapshot_index] if i >= 0}, reverse=True)
        findings.append(
            Finding(c, status, reason, tuple(newest[:MAX_LINKS]), len(newest[MAX_LINKS:]))
        )
    return tuple(findings)


def level_reached(statuses: Mapping[str, Status]) -> int:
    """The highest level whose every measure (its own and lower levels') is satisfied."""
    reached = 0
    for level in LEVELS:
        if all(statuses[c.id] is Status.SATISFIED for c in CONTROLS if c.level == level):
            reached = level
        else:
            break
    return reached


@dataclass(frozen=True, slots=True)
class Gap:
    finding: Finding
    level_if_fixed: int  # the level reached if this alone were satisfied


def gaps(findings: tuple[Finding, ...], target: int) -> tuple[Gap, ...]:
    """Unsatisfied measures up to ``target``, most level-raising first, then lowest level."""
    statuses = {f.control.id: f.status for f in findings}
    out = []
    for f in findings:
        if f.status is Status.SATISFIED or f.control.level > target:
            continue
        out.append(Gap(f, level_reached({**statuses, f.control.id: Status.SATISFIED})))
    return tuple(sorted(out, key=lambda g: (-g.level_if_fixed, g.finding.control.level)))
