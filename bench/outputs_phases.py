"""Where the output gateway's time goes on the database side (issue 20, docs/adr/0020).

Calls the gateway's two database steps in-process, as `airlock serve` does per request:
`admit` (lock check and reservation) and `finish` (transcript and settlement, then the
flush with `flush_window_ms = 0`), and prints CPU (thread time) and wall time per step.
Baseline in the same run, on the same folder: one bare SQLite commit with
`synchronous=FULL` (the cost of one fsync) and with `NORMAL`.

    python bench/outputs_phases.py [--where /dev/shm] [--requests 300] [--window 0]
        [--lease-requests 0,16]

``--lease-requests`` runs each value in turn (``outputs.lease_requests``: 0 reserves per
request, N > 0 admits from budget leases, docs/adr/0020 decision 6); the mean CPU includes
the lease renewals that the median skips.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from airlock.cli.main import run
from airlock.outputs.openai import Endpoint, Piece
from airlock.outputs.reference import model_digest
from airlock.service import Airlock
from airlock.settings import Settings

WARM_UP = 20


def bare_commits(folder: Path, synchronous: str, n: int) -> float:
    """p50 ms of one small committed insert in WAL mode."""
    db = sqlite3.connect(folder / f"bare-{synchronous}.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE t (x TEXT)")
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (?)", ("y" * 300,))
        db.execute("COMMIT")
        samples.append((time.perf_counter() - start) * 1000)
    db.close()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--where", default=None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--window", type=int, default=0, help="outputs.flush_window_ms")
    parser.add_argument(
        "--lease-requests", default="none", help="outputs.lease_requests values, e.g. 0,16"
    )
    args = parser.parse_args()
    for text in args.lease_requests.split(","):
        measure(args, None if text == "none" else int(text))


def output_home(
    folder: Path, window: int, lease_requests: int | None
) -> tuple[Path, dict[str, str]]:
    """A fresh airlock home in ``folder`` serving outputs of a one-byte model, with output
    budgets no bench reaches; its path and the environment naming it."""
    home = folder / "home"
    env = {"AIRLOCK_HOME": str(home)}
    run(["init", "--enclave-name", "bench"], env)
    (folder / "model").mkdir()
    (folder / "model" / "w.bin").write_bytes(b"w")
    with (home / "config.toml").open("a") as config:
        config.write(
            '\n[outputs]\nupstream_url = "http://127.0.0.1:9"\nmodel = "m"\n'
            f'model_digest = "{model_digest(folder / "model")}"\nmax_tokens = 64\n'
            f"flush_window_ms = {window}\n"
        )
        if lease_requests is not None:
            config.write(f"lease_requests = {lease_requests}\n")
    for scope in ("tokens-enclave", "output-enclave"):
        run(["budget", "set", scope, "*", "--bytes", str(10**12)], env)
    return home, env


def measure(args: argparse.Namespace, lease_requests: int | None) -> None:
    with tempfile.TemporaryDirectory(dir=args.where) as tmp:
        folder = Path(tmp)
        home, env = output_home(folder, args.window, lease_requests)
        airlock = Airlock.from_settings(Settings.load(env, home))
        gateway = airlock.outputs_gateway()
        piece = Piece(tuple(range(65, 81)), "ABCDEFGHIJKLMNOP", (1, 2, 3))
        body = {"model": "m", "prompt": [1, 2, 3], "max_tokens": 16}
        steps: dict[str, list[tuple[float, float]]] = {"admit": [], "finish": []}
        for i in range(args.requests + WARM_UP):
            c0, w0 = time.thread_time(), time.perf_counter()
            admission = gateway.admit("bench", Endpoint.COMPLETIONS, body)
            c1, w1 = time.thread_time(), time.perf_counter()
            gateway.finish(admission, [piece])
            c2, w2 = time.thread_time(), time.perf_counter()
            if i >= WARM_UP:
                steps["admit"].append(((c1 - c0) * 1000, (w1 - w0) * 1000))
                steps["finish"].append(((c2 - c1) * 1000, (w2 - w1) * 1000))
        airlock.close()
        full = bare_commits(folder, "FULL", args.requests)
        normal = bare_commits(folder, "NORMAL", args.requests)
    where = args.where or tempfile.gettempdir()
    leases = "default" if lease_requests is None else lease_requests
    print(f"flush_window_ms {args.window}, lease_requests {leases}, database in {where}:")
    for name, samples in steps.items():
        cpu = statistics.median(s[0] for s in samples)
        mean = statistics.fmean(s[0] for s in samples)
        wall = statistics.median(s[1] for s in samples)
        print(f"  {name:6}: p50 CPU {cpu:.3f} ms (mean {mean:.3f}), wall {wall:.3f} ms")
    print(f"  baseline: one bare commit p50 {full:.3f} ms (FULL), {normal:.3f} ms (NORMAL)")


if __name__ == "__main__":
    main()
