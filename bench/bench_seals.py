"""Row seals (issue 22): what sealing costs the export path, and what checking costs a release.

In one process on one SQLite file: small benign exports per second with row seals, and with
sealing replaced by a no-op (the baseline, same run); the latency of the release path's seal
and ledger check; and `verify --state` over the resulting rows.

    python bench/bench_seals.py [--exports 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.domain.principals import Principal, Role
from airlock.home import initialise_home
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from airlock.state_seals import StateSeals
from airlock.store.sql import SqlStore
from bench.common import percentile


def _open(home: Path) -> Airlock:
    initialise_home(home, "bench", None)
    settings = Settings.load({}, home)
    store = SqlStore.from_url(settings.database_url)
    store.migrate()
    store.close()
    return Airlock.from_settings(settings)


def _exports(airlock: Airlock, who: Principal, count: int) -> tuple[float, list[str]]:
    ids: list[str] = []
    start = time.perf_counter()
    for i in range(count):
        data = f"epoch,loss\n{i},0.{i:04d}\n".encode()
        ids.append(airlock.submit_export(who, io.BytesIO(data), "m.csv", "paper").request.id)
    return count / (time.perf_counter() - start), ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exports", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        airlock = _open(Path(tmp) / "home")
        op = Actor.local_operator()
        airlock.set_budget(op, Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 10**12, timedelta(1)))
        who = airlock.add_principal(op, "rita", Role.RESEARCHER).principal
        _exports(airlock, who, 50)  # warm up
        sealed, plain, ids = [], [], []
        original = StateSeals.seal
        for _ in range(args.rounds):  # alternated, so drift and neighbours hit both alike
            rate, made = _exports(airlock, who, args.exports)
            sealed.append(rate)
            ids += made
            StateSeals.seal = lambda self, table, where, ledger_index: 0  # type: ignore[method-assign]
            try:
                plain.append(_exports(airlock, who, args.exports)[0])
            finally:
                StateSeals.seal = original  # type: ignore[method-assign]
        sealed_rate, plain_rate = statistics.median(sealed), statistics.median(plain)
        checks = []
        for rid in ids[:300]:
            request = airlock.get_request(Actor.local_operator(), rid)[0]
            start = time.perf_counter()
            airlock._egress.check_released(request)
            checks.append(time.perf_counter() - start)
        start = time.perf_counter()
        report = airlock.verify_state()
        verify_seconds = time.perf_counter() - start
        airlock.close()
    print(f"exports with seals:    {sealed_rate:8.1f} decisions/s (median of {len(sealed)} rounds)")
    print(f"exports, seals no-op:  {plain_rate:8.1f} decisions/s (baseline, same run)")
    print(f"ratio sealed/baseline: {sealed_rate / plain_rate:8.2f}")
    print(
        f"release seal check:    median {statistics.median(checks) * 1e3:.2f} ms, "
        f"p99 {percentile(checks, 0.99) * 1e3:.2f} ms"
    )
    print(
        f"verify --state:        {report.rows_checked} rows, {report.entries_replayed} entries "
        f"in {verify_seconds:.2f} s ({len(report.problems)} problems: the no-op round is unsealed)"
    )


if __name__ == "__main__":
    main()
