"""The timing channel of the model-output channel (issue 20, docs/adr/0064): how much an
upstream that delays its answers gets to a caller through `airlock serve`, with responses
leaving as they come (``release_quantum_ms = 0``) and at release points, and what the
release points cost honest answers.

The upstream (its own process) answers honest tokens after 0 or ``--delay`` ms, the choice
being a secret bit per answer from a seeded stream the bench also knows. The caller sees
only its own timings. It is given the best receiver the bench can build: the first fifth
of the answers is a preamble whose bits it knows, from which it sets its threshold (the
midpoint of the two classes' medians); it decodes the rest. Reported per quantum: the bit
error rate, the bits an answer carries (1 - H(error), the capacity of that binary channel),
bits per second at one client, and the p50 latency of the answers without delay (what an
honest answer pays for the release). The release points' own bound (log2 of twice the
points before the timeout) is printed beside it.

    python bench/outputs_timing.py [--requests 200] [--delay 20] [--quanta 0,50]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
from bench.outputs_overhead import BODY, fixed_answer, rig  # noqa: E402

DELAY_ENV = "AIRLOCK_BENCH_DELAY_MS"
SEED = 20261203
TIMEOUT_SECONDS = 300  # the gateway's default outputs.timeout_seconds


def secret_bits(count: int) -> list[int]:
    rng = random.Random(SEED)
    return [rng.getrandbits(1) for _ in range(count)]


def delaying_upstream() -> FastAPI:
    """An upstream that waits ``$AIRLOCK_BENCH_DELAY_MS`` before its i-th answer when bit i
    of the secret is 1 (uvicorn --factory)."""
    app = FastAPI()
    delay = int(os.environ.get(DELAY_ENV, "0")) / 1000
    bits = secret_bits(1_000_000)
    answered = [0]

    @app.post("/v1/completions")
    async def complete() -> Response:
        bit = bits[answered[0]]
        answered[0] += 1
        if bit:
            await asyncio.sleep(delay)
        return fixed_answer()

    return app


def binary_entropy(p: float) -> float:
    if p in (0.0, 1.0):
        return 0.0
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


async def timings(gateway: str, token: str, count: int) -> list[float]:
    """Seconds of each of ``count`` answers, one after another (one client)."""
    out = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60, headers=headers) as client:
        for _ in range(count):
            start = time.perf_counter()
            answer = await client.post(gateway + "/v1/completions", json=BODY)
            if answer.status_code != 200:
                raise SystemExit(f"the gateway answered {answer.status_code}: {answer.text}")
            out.append(time.perf_counter() - start)
    return out


def decode(took: list[float], bits: list[int]) -> dict[str, Any]:
    """The preamble-trained threshold receiver's error rate on the answers after it."""
    cut = len(took) // 5
    ones = [t for t, b in zip(took[:cut], bits[:cut], strict=True) if b]
    zeros = [t for t, b in zip(took[:cut], bits[:cut], strict=True) if not b]
    threshold = (statistics.median(ones) + statistics.median(zeros)) / 2
    wrong = sum((t > threshold) != bool(b) for t, b in zip(took[cut:], bits[cut:], strict=True))
    error = wrong / (len(took) - cut)
    carried = 1 - binary_entropy(min(error, 0.5))
    fast = [t for t, b in zip(took, bits, strict=True) if not b]
    return {
        "error": error,
        "bits_per_answer": carried,
        "bits_per_second": carried / statistics.mean(took),
        "honest_p50_ms": statistics.median(fast) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--delay", type=int, default=20, help="ms the upstream adds for a 1")
    parser.add_argument("--quanta", default="0,50", help="release_quantum_ms values")
    parser.add_argument("--where", default=None, help="folder of the gateway's database")
    args = parser.parse_args()
    os.environ[DELAY_ENV] = str(args.delay)
    bits = secret_bits(args.requests + 25)[25:]  # the first 25 answers warm the gateway up
    from airlock.outputs.release_clock import timing_bound  # noqa: PLC0415

    print(f"timing channel: upstream delay {args.delay} ms for a 1, {args.requests} answers")
    results = []
    for quantum in (int(q) for q in args.quanta.split(",")):
        outputs = f"release_quantum_ms = {quantum}\n"
        with rig(args.where, 1, 10, None, "outputs_timing:delaying_upstream", outputs) as r:
            asyncio.run(timings(r.gateway, r.token, 25))
            took = asyncio.run(timings(r.gateway, r.token, args.requests))
        found = decode(took, bits) | {"quantum_ms": quantum}
        bound = timing_bound(quantum, TIMEOUT_SECONDS)
        limit = (
            f"open: {bound.per_token:.1f} bits per streamed token"
            if bound.open
            else f"bound {bound.per_response:.1f} bits/answer"
        )
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"  release_quantum_ms {quantum:>4}: bit errors {found['error']:.1%}, "
            f"{found['bits_per_answer']:.3f} bits/answer, {found['bits_per_second']:.1f} bits/s "
            f"| honest answer p50 {found['honest_p50_ms']:.1f} ms | {limit} [load {load}]"
        )
        results.append(found)
    if len(results) > 1:
        base = results[0]
        for found in results[1:]:
            print(
                f"  quantum {found['quantum_ms']} ms vs {base['quantum_ms']}: bits/answer "
                f"{found['bits_per_answer']:.3f} vs {base['bits_per_answer']:.3f}; honest p50 "
                f"+{found['honest_p50_ms'] - base['honest_p50_ms']:.1f} ms"
            )


if __name__ == "__main__":
    main()
