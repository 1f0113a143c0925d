"""The documented alert rules name only metrics that /metrics exposes."""

from __future__ import annotations

import re

from airlock.approvals.friction import FrictionReport
from airlock.ops.metrics import BoundaryFigures, BudgetFigure, families
from airlock.ops.scrape import DecisionTimer
from tests.conftest import REPO_ROOT

FIGURES = BoundaryFigures(
    decisions={("export", "deny"): 2},
    inspected={"export": (2, 10)},
    released_bytes={"export": 5},
    weight_denials=1,
    budgets=(BudgetFigure("enclave", "*", 950, 1000),),
    holds_waiting=0,
    oldest_hold_seconds=0.0,
    active_locks=0,
    ledger_size=3,
    seconds_since_checkpoint=None,
    seconds_since_cosignature=12.0,
    friction=FrictionReport(7.0, 2, 0.0, None, None, {}, 0, None),
)


def test_every_metric_in_the_alert_rules_is_exposed() -> None:
    rules = (REPO_ROOT / "docs" / "ops" / "alerts.yml").read_text()
    named = set(re.findall(r"\bairlock_[a-z_]+", rules))
    timer = DecisionTimer(None)
    timer.observe("export", 0.01)
    exposed = timer.exposition(FIGURES).decode()
    names = set(re.findall(r"^(airlock_[a-z_]+)", exposed, re.MULTILINE))
    assert named, "no airlock metric in the rules"
    assert named <= names, f"rules name unexposed metrics: {sorted(named - names)}"


def test_a_log_never_checkpointed_reports_infinity_so_the_alert_fires() -> None:
    by_name = {f.name: f for f in families(FIGURES)}
    assert by_name["airlock_seconds_since_checkpoint"].samples[0].value == float("inf")
    assert by_name["airlock_seconds_since_cosignature"].samples[0].value == 12.0
