"""What `GET /metrics` reports, as Prometheus metric families, without I/O.

Most figures are *derived from the store at scrape time*, not counted in memory: every
gateway worker reads the same database, so any worker answers a scrape with the same,
exact numbers, and ``airlock_decisions_total`` adds up to the ledger's decision entries by
construction. Only the decision latency is measured in process; with several workers it is
kept in prometheus_client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``, which the
supervisor sets) and summed over all workers on scrape.

What it does not do: expose anything secret. Principal names are not labels (cardinality,
and a name is an identity); budgets are labelled by scope and subject as configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from airlock.approvals.friction import FrictionReport

# Decision latency, seconds: an export of a few KB decides in milliseconds, a large
# archive in tens of seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)
WEIGHT_CODES = (
    "raw-tensor",
    "tensor-format",
    "protected-model",
    "tensor-as-text",
    "information-account",  # denies only for tensor-like pieces that add up (issue 15)
)


@dataclass(frozen=True, slots=True)
class BudgetFigure:
    scope: str
    subject: str
    used_bytes: int
    limit_bytes: int
    # Of used_bytes: held by the output gateway's open budget leases, not yet spent
    # (docs/adr/0020 decision 6).
    leased_bytes: int = 0


@dataclass(frozen=True, slots=True)
class BoundaryFigures:
    """The store's state at one scrape."""

    decisions: dict[tuple[str, str], int]  # (request kind, outcome) -> decisions taken
    inspected: dict[str, tuple[int, int]]  # request kind -> (requests, bytes) received
    released_bytes: dict[str, int]  # request kind -> bytes of released requests
    weight_denials: int
    budgets: tuple[BudgetFigure, ...]
    holds_waiting: int
    oldest_hold_seconds: float  # 0 when none waits
    active_locks: int
    ledger_size: int
    seconds_since_checkpoint: float | None  # None: never signed
    seconds_since_cosignature: float | None  # None: never cosigned
    friction: FrictionReport


def families(figures: BoundaryFigures) -> Iterator[Metric]:
    """Prometheus families for ``figures`` (names follow the exposition conventions)."""
    decisions = CounterMetricFamily(
        "airlock_decisions",
        "Boundary decisions taken, by request kind and outcome (each has a ledger entry).",
        labels=["kind", "outcome"],
    )
    for (kind, outcome), count in sorted(figures.decisions.items()):
        decisions.add_metric([kind, outcome], count)
    yield decisions
    requests = CounterMetricFamily(
        "airlock_inspected_requests", "Requests received for inspection.", labels=["kind"]
    )
    inspected = CounterMetricFamily(
        "airlock_inspected_bytes",
        "Bytes received for inspection (rate() is the inspection throughput).",
        labels=["kind"],
    )
    for kind, (count, size) in sorted(figures.inspected.items()):
        requests.add_metric([kind], count)
        inspected.add_metric([kind], size)
    yield requests
    yield inspected
    released = CounterMetricFamily(
        "airlock_released_bytes",
        "Bytes of requests released across the boundary.",
        labels=["kind"],
    )
    for kind, size in sorted(figures.released_bytes.items()):
        released.add_metric([kind], size)
    yield released
    yield CounterMetricFamily(
        "airlock_weight_denials",
        "Denied requests whose findings include model weights (tensors, protected models).",
        value=figures.weight_denials,
    )
    used = GaugeMetricFamily(
        "airlock_budget_used_bytes",
        "Bytes counted against a budget's window.",
        labels=["scope", "subject"],
    )
    limit = GaugeMetricFamily(
        "airlock_budget_limit_bytes", "A budget's limit.", labels=["scope", "subject"]
    )
    leased = GaugeMetricFamily(
        "airlock_budget_leased_bytes",
        "Of the bytes (tokens) counted against a budget, those the output gateway's workers "
        "hold on lease and have not spent yet.",
        labels=["scope", "subject"],
    )
    for budget in figures.budgets:
        used.add_metric([budget.scope, budget.subject], budget.used_bytes)
        limit.add_metric([budget.scope, budget.subject], budget.limit_bytes)
        leased.add_metric([budget.scope, budget.subject], budget.leased_bytes)
    yield used
    yield limit
    yield leased
    yield GaugeMetricFamily(
        "airlock_holds_waiting", "Requests held for approval now.", value=figures.holds_waiting
    )
    yield GaugeMetricFamily(
        "airlock_oldest_hold_age_seconds",
        "How long the oldest held request has waited (0 when none waits).",
        value=figures.oldest_hold_seconds,
    )
    yield GaugeMetricFamily(
        "airlock_active_locks", "Principals and projects locked now.", value=figures.active_locks
    )
    yield GaugeMetricFamily(
        "airlock_ledger_entries", "Entries in the ledger.", value=figures.ledger_size
    )
    yield from _ages(figures)
    yield from _friction(figures.friction)


def _ages(figures: BoundaryFigures) -> Iterator[Metric]:
    # A log never checkpointed or cosigned reports +Inf, so "older than 5 minutes" alerts.
    for name, value, what in (
        ("airlock_seconds_since_checkpoint", figures.seconds_since_checkpoint, "signed"),
        ("airlock_seconds_since_cosignature", figures.seconds_since_cosignature, "cosigned"),
    ):
        yield GaugeMetricFamily(
            name,
            f"Seconds since the newest checkpoint was {what} (+Inf: never).",
            value=float("inf") if value is None else value,
        )


def _friction(report: FrictionReport) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "airlock_friction_auto_release_ratio",
        f"Share of requests decided over {report.window_days:g} days released without a person.",
        value=report.auto_release_rate,
    )
    for name, value in (
        ("airlock_friction_median_seconds_to_decision", report.median_seconds_to_decision),
        ("airlock_friction_p90_seconds_to_decision", report.p90_seconds_to_decision),
    ):
        yield GaugeMetricFamily(
            name,
            "Time from request to final decision (NaN: none).",
            value=float("nan") if value is None else value,
        )
    for name, value in (
        ("airlock_friction_median_seconds_to_first_look", report.median_seconds_to_first_look),
        ("airlock_friction_p90_seconds_to_first_look", report.p90_seconds_to_first_look),
    ):
        yield GaugeMetricFamily(
            name,
            "Time from a hold to the first approver's vote on it (NaN: none).",
            value=float("nan") if value is None else value,
        )
    yield GaugeMetricFamily(
        "airlock_friction_held_unlooked",
        "Requests held in the friction window that no approver has acted on yet.",
        value=report.held_unlooked,
    )
    yield GaugeMetricFamily(
        "airlock_friction_carried_approvals",
        "Package files released in the friction window because people approved the same "
        "findings in an earlier release (approvals not asked for again).",
        value=report.carried_approvals,
    )
    yield GaugeMetricFamily(
        "airlock_friction_locks", "Locks imposed in the friction window.", value=report.locks
    )
