"""The friction dashboard's charts: the trends of :mod:`airlock.approvals.friction_trends`
as SVG bars, week by week and team by team (issue 18). Pure: numbers in, markup out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from airlock.approvals.friction_trends import FrictionTrends, Slice
from airlock.render.svg import bar_chart


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    heading: str
    svg: str  # escaped by airlock.render.svg: safe to insert as markup


TIME = "time"  # seconds, charted in the unit that suits the longest
_TIME_UNITS = ((86400.0 * 2, 86400.0, " days"), (7200.0, 3600.0, " h"), (120.0, 60.0, " min"))


def time_unit(longest: float) -> tuple[float, str]:
    """(seconds per unit, unit) for charting waits up to ``longest`` seconds."""
    for above, size, unit in _TIME_UNITS:
        if longest >= above:
            return size, unit
    return 1.0, " s"


_MEASURES: tuple[tuple[str, str, str, Callable[[Slice], float]], ...] = (
    ("auto", "Released automatically", "%", lambda s: s.report.auto_release_rate * 100),
    (
        "median",
        "Median wait for a decision",
        TIME,
        lambda s: s.report.median_seconds_to_decision or 0.0,
    ),
    (
        "p90",
        "90th percentile wait for a decision",
        TIME,
        lambda s: s.report.p90_seconds_to_decision or 0.0,
    ),
    (
        "first-look",
        "Median time from hold to first look",
        TIME,
        lambda s: s.report.median_seconds_to_first_look or 0.0,
    ),
    ("overturned", "Holds overturned by approvers", "", lambda s: float(s.overturned)),
    ("locks", "Locks imposed", "", lambda s: float(s.report.locks)),
    ("lock-hours", "Mean lock duration", " h", lambda s: s.report.mean_lock_hours or 0.0),
)


def charts(trends: FrictionTrends) -> tuple[Chart, ...]:
    """One chart per measure, per week and per team."""
    made = []
    for by, slices in (("week", trends.weeks), ("team", trends.teams)):
        if not slices:
            continue
        for key, heading, unit, measure in _MEASURES:
            made.append(_chart(f"{key}-by-{by}", f"{heading}, by {by}", unit, slices, measure))
    return tuple(made)


def _chart(
    chart_id: str,
    heading: str,
    unit: str,
    slices: Sequence[Slice],
    measure: Callable[[Slice], float],
) -> Chart:
    values = [measure(s) for s in slices]
    if unit == TIME:
        size, unit = time_unit(max(values, default=0.0))
        values = [v / size for v in values]
    labels = [s.label for s in slices]
    described = "; ".join(
        f"{label}: {value:.1f}{unit}" for label, value in zip(labels, values, strict=True)
    )
    svg = bar_chart(
        f"{heading}. {described}",
        values,
        labels,
        unit=unit,
        ceiling=100.0 if unit == "%" else None,
    )
    return Chart(chart_id, heading, svg)
