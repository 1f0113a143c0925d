"""Ledger benchmark: durable appends, proof latency at 10^6 leaves, full verify at 10^5.

Each figure is printed with a baseline measured in the same run on the same machine:
appends against bare durable SQLite inserts of the same rows, proofs against a single
primary-key lookup, verify against hashing the same bytes. Targets (issue 3):
>= 5,000 appends/s batched on SQLite, proofs < 1 ms at 10^6 leaves, verify of 10^5 < 10 s.

    python bench/bench_ledger.py [--proof-leaves 1000000] [--verify-entries 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.audit import AuditLog, seal_entry, seal_key
from airlock.audit_verify import verify_log
from airlock.clock import SystemClock
from airlock.ledger.proofs import consistency_plan, inclusion_plan, materialise
from airlock.ledger.records import LedgerRecord
from airlock.store.sql import SqlStore
from bench.common import percentile, summary_us

KEY = Ed25519PrivateKey.generate()


def record_bytes(n: int) -> bytes:
    return LedgerRecord(
        kind="export.decision",
        actor=f"researcher-{n % 50}",
        at=datetime.now(UTC),
        subject=f"req_{n:032x}",
        request_digest=hashlib.sha256(str(n).encode()).hexdigest(),
        policy_version="ab" * 32,
        outcome="allow",
        reasons=({"code": "clean", "message": "no tensor content found"},),
    ).to_bytes()


def open_store(path: Path) -> SqlStore:
    store = SqlStore.from_url(f"sqlite:///{path}")
    store.migrate()
    return store


def fill(store: SqlStore, count: int, batch: int) -> None:
    key = seal_key(KEY)
    now = datetime.now(UTC)
    for start in range(0, count, batch):
        bodies = [record_bytes(n) for n in range(start, min(count, start + batch))]
        store.ledger.append(bodies, now, lambda i, b: seal_entry(key, i, b))


def bare_inserts(path: Path, bodies: list[bytes], batch: int) -> float:
    """Baseline: the same rows inserted durably by plain sqlite3, no Merkle work."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE t (idx INTEGER PRIMARY KEY, body BLOB, seal BLOB)")
    start = time.perf_counter()
    for offset in range(0, len(bodies), batch):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO t VALUES (?, ?, ?)",
            [(offset + i, b, b[:32]) for i, b in enumerate(bodies[offset : offset + batch])],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return len(bodies) / elapsed


def bench_appends(work: Path, single: int, batched: int, batch: int) -> None:
    log = AuditLog(open_store(work / "single.db").ledger, KEY, "bench", SystemClock())
    records = [
        LedgerRecord(kind="bench", actor="bench", at=datetime.now(UTC), subject=str(n))
        for n in range(single)
    ]
    start = time.perf_counter()
    for rec in records:
        log.append(rec)
    single_rate = single / (time.perf_counter() - start)
    single_base = bare_inserts(work / "base1.db", [r.to_bytes() for r in records], 1)

    store = open_store(work / "batched.db")
    start = time.perf_counter()
    fill(store, batched, batch)
    batched_rate = batched / (time.perf_counter() - start)
    batched_base = bare_inserts(work / "base2.db", [record_bytes(n) for n in range(batched)], batch)
    print(
        f"appends, one per transaction : {single_rate:10.0f}/s   bare SQLite {single_base:10.0f}/s"
        f"   ratio {single_rate / single_base:.2f}"
    )
    print(
        f"appends, batches of {batch:<5}    : {batched_rate:10.0f}/s   bare SQLite "
        f"{batched_base:10.0f}/s   ratio {batched_rate / batched_base:.2f}   target >= 5000/s "
        f"{'MET' if batched_rate >= 5000 else 'MISSED'}"
    )


def bench_proofs(work: Path, leaves: int, samples: int) -> None:
    store = open_store(work / "proofs.db")
    start = time.perf_counter()
    fill(store, leaves, 5000)
    print(f"built a {leaves}-leaf log in {time.perf_counter() - start:.1f} s")
    rng = random.Random(7)
    inclusion, consistency, lookup = [], [], []
    for _ in range(samples):
        index = rng.randrange(leaves)
        t0 = time.perf_counter()
        materialise(inclusion_plan(index, leaves), store.ledger)
        inclusion.append(time.perf_counter() - t0)
        old = rng.randrange(1, leaves)
        t0 = time.perf_counter()
        materialise(consistency_plan(old, leaves), store.ledger)
        consistency.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.ledger.nodes([(0, index)])
        lookup.append(time.perf_counter() - t0)
    print(f"inclusion proof @ {leaves}   : {summary_us(inclusion)}")
    print(f"consistency proof @ {leaves} : {summary_us(consistency)}")
    print(f"baseline: one node lookup     : {summary_us(lookup)}")
    p99 = max(percentile(inclusion, 0.99), percentile(consistency, 0.99))
    print(
        f"proof p99 / lookup median = {p99 / statistics.median(lookup):.1f}x   target < 1 ms "
        f"{'MET' if p99 < 0.001 else 'MISSED'}"
    )


def bench_verify(work: Path, entries: int) -> None:
    store = open_store(work / "verify.db")
    fill(store, entries, 5000)
    log = AuditLog(store.ledger, KEY, "bench", SystemClock())
    log.checkpoint()
    start = time.perf_counter()
    report = verify_log(store.ledger, log.verifier_key, seal_key(KEY))
    elapsed = time.perf_counter() - start
    assert report.ok, report.problems[:3]
    bodies = [e.body for e in store.ledger.entries(0, entries)]
    start = time.perf_counter()
    for body in bodies:
        hashlib.sha256(b"\x00" + body).digest()
    hashing = time.perf_counter() - start
    print(
        f"full verify of {entries} entries: {elapsed:.2f} s   (hashing the bodies alone "
        f"{hashing:.3f} s, ratio {elapsed / hashing:.0f}x)   target < 10 s "
        f"{'MET' if elapsed < 10 else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--batched", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--proof-leaves", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--verify-entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as tmp:
        work = Path(tmp)
        bench_appends(work, args.single, args.batched, args.batch)
        bench_verify(work, args.verify_entries)
        bench_proofs(work, args.proof_leaves, args.samples)


if __name__ == "__main__":
    main()
