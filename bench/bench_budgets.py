"""Budget benchmark: one reservation against 3 budgets, however full the window.

For 10^3, 10^4 and 10^5 reservations in a one-day window on an SQLite file, the median and
p99 of one reservation (enclave, principal and project budgets) with running totals
(docs/adr/0006), against a baseline measured in the same run on the same data: the
reservation as it was before, which locked the budget rows, summed each budget's window
through the (scope, subject, at) index of revision 0009 and inserted its rows.

The clock advances by window / N per reservation, so each one sees about one reservation
per budget leave the window: the steady state of a gateway at a constant rate. Reservations
run 64 to a transaction, as group commit runs them; commits are not timed.

    python bench/bench_budgets.py [--sizes 1000 10000 100000] [--samples 2000]

About four minutes, nearly all of it the baseline at 10^5 (2000 reservations of ~0.1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.store import schema
from airlock.store import sql_statements as statements
from airlock.store.budget_interface import BudgetKey
from airlock.store.sql import SqlStore
from airlock.store.sql_budgets import SqlBudgetStore
from airlock.store.sql_engine import WRITE_OPTION
from bench.common import summary_us

WINDOW = timedelta(days=1)
T = datetime(2026, 7, 1, tzinfo=UTC)
BATCH = 64
KEYS: list[BudgetKey] = [
    (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT),
    (BudgetScope.PRINCIPAL, "rita"),
    (BudgetScope.PROJECT, "demo"),
]
_u = schema.budget_usage
# The statement every reservation ran per budget before running totals.
OLD_USED = select(func.coalesce(func.sum(_u.c.bytes), 0)).where(
    _u.c.scope == bindparam("scope"),
    _u.c.subject == bindparam("subject"),
    _u.c.at > bindparam("since", type_=schema.UtcDateTime()),
)
Reserve = Callable[[Connection, str, datetime], object]


def old_reserve(c: Connection, request_id: str, now: datetime) -> object:
    """The reservation of revision 0009, statement for statement."""
    params: dict[str, object] = {}
    for i, (scope, subject) in enumerate(sorted(KEYS)):
        params[f"s{i}"], params[f"n{i}"] = scope.value, subject
    rows = c.execute(statements.budgets_for_update(len(KEYS)), params).all()
    used = [
        int(
            c.execute(
                OLD_USED,
                {"scope": r.scope, "subject": r.subject, "since": now - WINDOW},
            ).scalar_one()
        )
        for r in rows
    ]
    if all(u + 1 <= r.limit_bytes for u, r in zip(used, rows, strict=True)):
        c.execute(
            _u.insert(),
            [
                {
                    "scope": r.scope,
                    "subject": r.subject,
                    "request_id": request_id,
                    "bytes": 1,
                    "at": now,
                    "expires_at": now + WINDOW,
                }
                for r in rows
            ],
        )
    return used


def new_reserve(c: Connection, request_id: str, now: datetime) -> object:
    """Today's reservation, on the caller's connection and transaction."""
    return SqlBudgetStore(lambda **_: nullcontext(c)).reserve(KEYS, request_id, 1, now)


def fill(store: SqlStore, count: int) -> timedelta:
    """``count`` reservations per budget spread over the window ending at T; the step."""
    for key in KEYS:
        store.budgets.set_budget(Budget(*key, 10**15, WINDOW))
    step = WINDOW / count
    with store.engine.begin() as c:
        for start in range(0, count, 10_000):
            c.execute(
                _u.insert(),
                [
                    {
                        "scope": scope.value,
                        "subject": subject,
                        "request_id": f"fill-{n}",
                        "bytes": 1,
                        "at": T - WINDOW + n * step,
                        "expires_at": T + n * step,
                    }
                    for n in range(start, min(count, start + 10_000))
                    for scope, subject in KEYS
                ],
            )
    return step


def run(
    engine: Engine, reserve: Reserve, name: str, start: datetime, step: timedelta, n: int
) -> list[float]:
    """Time ``n`` reservations, ``step`` apart from ``start``, 64 to a transaction."""
    samples: list[float] = []
    for first in range(0, n, BATCH):
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
            for k in range(first, min(n, first + BATCH)):
                now = start + k * step
                t0 = time.perf_counter()
                reserve(c, f"{name}-{k}", now)
                samples.append(time.perf_counter() - t0)
    return samples


def bench_size(work: Path, count: int, samples: int) -> None:
    store = SqlStore.from_url(f"sqlite:///{work / f'budgets-{count}.db'}")
    store.migrate()
    step = fill(store, count)
    engine = store.engine
    # The first reservation after set_budget (or migration 0010) counts the window once.
    (recount,) = run(engine, new_reserve, "recount", T, step, 1)
    new = run(engine, new_reserve, "new", T + step, step, samples)
    with engine.begin() as c:  # the indexes of revision 0009, for the baseline
        c.execute(text("DROP INDEX ix_budget_usage_key_expires"))
        c.execute(text("CREATE INDEX ix_budget_usage_key_at ON budget_usage (scope, subject, at)"))
    old = run(engine, old_reserve, "old", T + (samples + 1) * step, step, samples)
    store.close()
    ratio = statistics.median(old) / statistics.median(new)
    print(f"{count:>7} in window  running total: {summary_us(new)}")
    print(f"{'':>7}            SUM per budget: {summary_us(old)}   old/new {ratio:6.1f}x")
    print(
        f"{'':>7}            first reservation after set_budget (recount): {recount * 1e3:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as tmp:
        for count in args.sizes:
            bench_size(Path(tmp), count, args.samples)


if __name__ == "__main__":
    main()
