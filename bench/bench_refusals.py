"""Refused-content benchmark (issue 14): the export path's look-up, however many refusals.

On an SQLite file holding N refused artifacts (default 10^2 and 10^4), each remembered with a
sketch of ``--chunks`` chunk digests (a 1 MiB artifact has about 256), the median and p99 of
``refusals_like`` for a small export (one chunk), a 1 MiB export that matches nothing and a
near-copy of a refused artifact, against a baseline measured in the same run on the same
database: one budget reservation (enclave, principal and project, docs/adr/0006), which
every export pays already. Then the sketch's own price: cutting 1 MiB into content-defined
chunks, against SHA-256 of the same bytes (what the outbox pays to store them).

    python bench/bench_refusals.py [--sizes 100 10000] [--chunks 256] [--samples 500]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.budgets.refusals import ContentRules, Sketch, SketchBuilder, best_match
from airlock.exports.chunking import Chunker
from airlock.store import schema
from airlock.store.sql import SqlStore
from bench.common import summary_us

T = datetime(2026, 7, 1, tzinfo=UTC)
DAY = timedelta(days=1)
RULES = ContentRules()


def sketch_of(seed: int, chunks: int) -> Sketch:
    return (
        SketchBuilder()
        .add_all(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(chunks))
        .sketch()
    )


def fill(store: SqlStore, count: int, chunks: int) -> None:
    rc, ch = schema.refused_content, schema.refused_chunks
    with store._begin(write=True) as c:  # a bulk load, not the code measured
        c.execute(
            rc.insert(),
            [
                {
                    "id": n + 1,
                    "digest": hashlib.sha256(f"whole:{n}".encode()).hexdigest(),
                    "request_id": f"req_{n:032x}",
                    "principal": f"p{n % 50}",
                    "refused_at": T,
                    "level": 0,
                }
                for n in range(count)
            ],
        )
        for n in range(count):
            c.execute(
                ch.insert(),
                [{"chunk": d, "content_id": n + 1} for d in sketch_of(n, chunks).digests],
            )


def sample(action: Callable[[], object], samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def run(work: Path, count: int, chunks: int, samples: int) -> None:
    store = SqlStore.from_url(f"sqlite:///{work / f'refusals-{count}.db'}")
    store.migrate()
    started = time.perf_counter()
    fill(store, count, chunks)
    loaded = time.perf_counter() - started
    print(f"\n{count} refused artifacts, {count * chunks} chunk rows ({loaded:.0f} s to load)")
    budgets = store.budgets
    budgets.set_budget(Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 1 << 50, DAY))
    budgets.set_budget(Budget(BudgetScope.PRINCIPAL, "*", 1 << 40, DAY))
    budgets.set_budget(Budget(BudgetScope.PROJECT, "*", 1 << 40, DAY))
    keys = [
        (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT),
        (BudgetScope.PRINCIPAL, "rita"),
        (BudgetScope.PROJECT, "demo"),
    ]
    n = iter(range(10**9))
    since = T - DAY
    small = sketch_of(-1, 1)
    clean = sketch_of(-2, chunks)
    near = (
        SketchBuilder()
        .add_all([*sorted(sketch_of(count // 2, chunks).digests)[3:], *sketch_of(-3, 3).digests])
        .sketch()
    )

    def reserve() -> object:
        return budgets.reserve(keys, f"r{next(n)}", 1, T + timedelta(microseconds=next(n)))

    def look(sketch: Sketch) -> Callable[[], object]:
        def action() -> object:
            candidates = budgets.refusals_like("0" * 64, sketch, since)
            return best_match(sketch, candidates, RULES)

        return action

    found = look(near)()
    assert found is not None, "the near-copy must match"
    print(f"  baseline: budget reservation  {summary_us(sample(reserve, samples))}")
    print(f"  look-up, small export         {summary_us(sample(look(small), samples))}")
    print(f"  look-up, 1 MiB, no match      {summary_us(sample(look(clean), samples))}")
    print(f"  look-up, near-copy (match)    {summary_us(sample(look(near), samples))}")
    store.close()


def chunking(samples: int) -> None:
    data = os.urandom(1024 * 1024)

    def chunk() -> object:
        chunker, builder = Chunker(judge=False), SketchBuilder()
        for c in [*chunker.feed(data), *chunker.finish()]:
            builder.add(c.digest)
        return builder.sketch()

    print("\n1 MiB of export content")
    sha = sample(lambda: hashlib.sha256(data).digest(), samples)
    print(f"  baseline: SHA-256             {summary_us(sha)}")
    print(f"  chunk + sketch                {summary_us(sample(chunk, samples))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--chunks", type=int, default=256)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as tmp:
        for count in args.sizes:
            run(Path(tmp), count, args.chunks, args.samples)
    chunking(min(args.samples, 100))


if __name__ == "__main__":
    main()
