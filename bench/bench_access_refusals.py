"""Refusals in the ledger (issue 14): what a flood of refused requests costs the gateway.

One in-process gateway on 127.0.0.1 over an SQLite home. A signed-in researcher sends N
requests that are allowed (GET /principals/me: the baseline, same server, same run), then N
that are refused with 403 (GET /status: the gate's refusal, recorded), then N without a
token (401, counted per address). For each: requests/s, median and p99 latency, and how many
ledger entries the phase added (coalescing should keep the refused phases at one or two).

    python bench/bench_access_refusals.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.cli.main import run
from airlock.cli.serve import bind_socket, build_server
from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from bench.common import percentile


def phase(
    name: str, airlock: Airlock, count: int, call: Callable[[], httpx.Response], status: int
) -> None:
    before = airlock.ledger.size()
    timings = []
    started = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        answer = call()
        timings.append(time.perf_counter() - t)
        assert answer.status_code == status, answer.text
    elapsed = time.perf_counter() - started
    median, p99 = statistics.median(timings) * 1e3, percentile(timings, 0.99) * 1e3
    print(
        f"{name:<28} {count / elapsed:8.0f} req/s  median {median:6.2f} ms"
        f"  p99 {p99:6.2f} ms  ledger +{airlock.ledger.size() - before}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {"AIRLOCK_HOME": str(home), "PATH": os.environ.get("PATH", "")}
        assert run(["init"], env) == 0
        airlock = Airlock.from_settings(Settings.load(env, home))
        operator = Actor.local_operator()
        token = airlock.add_principal(operator, "rita", Role.RESEARCHER).token
        sock = bind_socket("127.0.0.1", 0)
        server = build_server(airlock, "critical")
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        try:
            with (
                httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as rita,
                httpx.Client(base_url=url) as anonymous,
            ):
                n = args.requests
                print(f"load: {os.getloadavg()[0]:.2f} (1-min average)")
                phase("allowed (baseline)", airlock, n, lambda: rita.get("/principals/me"), 200)
                phase("refused 403, recorded", airlock, n, lambda: rita.get("/status"), 403)
                phase("no token 401, counted", airlock, n, lambda: anonymous.get("/status"), 401)
                print(f"load: {os.getloadavg()[0]:.2f} (1-min average)")
        finally:
            before = airlock.ledger.size()
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            print(f"at shutdown, summaries written: {airlock.ledger.size() - before}")
            airlock.close()


if __name__ == "__main__":
    main()
