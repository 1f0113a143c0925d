"""Two trees' gateways running side by side, measured in short interleaved rounds (issue 20).

``bench/outputs_overhead.py --src A --src B`` measures one tree's rig after the other, a
minute or more each: on a shared machine whose load moves by several points a minute, that
drift lands on one tree more than the other. Here both rigs (upstream, gateway; no floor)
run at once and the rounds alternate every ``--per-round`` requests (direct to each tree's
upstream, then through its gateway), so the trees see the same load within seconds.
Reported per tree: added p50 (gateway p50 less direct p50 of the same rounds), the
gateway's CPU per request, and the upstream's CPU per request made *through* the gateway
(a stream that closes its upstream connection costs the upstream an accept as well).

    python bench/outputs_interleaved.py --src OLD/src --src NEW/src [--window 10]
        [--stream] [--requests 1200] [--per-round 50] [--clients 1] [--where /dev/shm]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.outputs_overhead import BODY, Rig, _one, _pct, cpu_seconds, fsync_ms, rig


async def _calls(
    client: httpx.AsyncClient, url: str, stream: bool, count: int, clients: int = 1
) -> list[float]:
    """``count`` requests from ``clients`` concurrent callers (each one after another)."""

    async def caller(n: int) -> list[float]:
        return [await _one(client, url, BODY, stream) for _ in range(n)]

    if clients == 1:
        return await caller(count)
    shares = [count // clients + (i < count % clients) for i in range(clients)]
    return [t for part in await asyncio.gather(*(caller(n) for n in shares)) for t in part]


async def run(
    rigs: list[tuple[str, Rig]], stream: bool, requests: int, per_round: int, clients: int = 1
) -> dict[str, dict[str, float]]:
    direct: dict[str, list[float]] = {src: [] for src, _ in rigs}
    through: dict[str, list[float]] = {src: [] for src, _ in rigs}
    cpu = {src: 0.0 for src, _ in rigs}
    upstream_cpu = {src: 0.0 for src, _ in rigs}
    async with httpx.AsyncClient(timeout=60) as plain:
        callers = {}
        for src, r in rigs:
            callers[src] = httpx.AsyncClient(
                timeout=60, headers={"Authorization": f"Bearer {r.token}"}
            )
            await _calls(plain, r.upstream + "/v1/completions", stream, 25)
            await _calls(callers[src], r.gateway + "/v1/completions", stream, 50, clients)
        try:
            rounds = max(1, requests // per_round)
            for turn in range(rounds):
                for src, r in rigs if turn % 2 == 0 else rigs[::-1]:
                    url = r.upstream + "/v1/completions"
                    direct[src] += await _calls(plain, url, stream, per_round, clients)
                    g0, u0 = cpu_seconds(r.gateway_pid), cpu_seconds(r.upstream_pid)
                    url = r.gateway + "/v1/completions"
                    through[src] += await _calls(callers[src], url, stream, per_round, clients)
                    cpu[src] += cpu_seconds(r.gateway_pid) - g0
                    upstream_cpu[src] += cpu_seconds(r.upstream_pid) - u0
        finally:
            for client in callers.values():
                await client.aclose()
    out = {}
    for src, _ in rigs:
        n = len(through[src])
        out[src] = {
            "added_p50": _pct(through[src], 50) - _pct(direct[src], 50),
            "added_p90": _pct(through[src], 90) - _pct(direct[src], 90),
            "direct_p50": statistics.median(direct[src]),
            "gateway_cpu_ms": cpu[src] / n * 1000,
            "upstream_cpu_ms": upstream_cpu[src] / n * 1000,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", action="append", required=True)
    parser.add_argument("--window", type=int, default=10, help="outputs.flush_window_ms")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--requests", type=int, default=1200, help="per tree")
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--where", default=None)
    parser.add_argument("--clients", type=int, default=1, help="concurrent callers")
    args = parser.parse_args()
    with ExitStack() as stack:
        rigs = [
            (src, stack.enter_context(rig(args.where, 1, args.window, src))) for src in args.src
        ]
        before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        flush = fsync_ms(args.where)
        results = asyncio.run(run(rigs, args.stream, args.requests, args.per_round, args.clients))
        after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    mode = "stream" if args.stream else "plain"
    print(
        f"{mode}, flush_window_ms {args.window}, {args.clients} client(s), {args.requests} "
        f"requests a tree in rounds of {args.per_round}; fsync p50 {flush[0]:.2f} "
        f"p90 {flush[1]:.2f} ms; load {before} -> {after}"
    )
    for src, m in results.items():
        print(
            f"  {src:28}: added p50 {m['added_p50']:6.2f} p90 {m['added_p90']:6.2f} ms "
            f"(direct p50 {m['direct_p50']:5.2f}) | CPU/request gateway "
            f"{m['gateway_cpu_ms']:.2f} ms, upstream through it {m['upstream_cpu_ms']:.2f} ms"
        )


if __name__ == "__main__":
    main()
