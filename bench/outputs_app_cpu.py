"""The output gateway app's own CPU per request (issue 20, docs/adr/0020): the ASGI app
called in-process (no sockets, no HTTP client) with an in-memory upstream, so what is timed
is the app alone (gate, forcing, budgets, transcript, answer), by ``thread_time``. With
``--window`` > 0 the periodic disk flush is not run (it is off the request path there).

Each ``outputs.lease_requests`` value (0: one reservation per request; N > 0: budget leases,
decision 6) is run in turn on a fresh SQLite home, the values taking turns over
``--repeat`` rounds; medians over rounds are printed with the load beside each.

    python bench/outputs_app_cpu.py [--requests 600] [--lease-requests 0,16] [--repeat 3]
        [--window 10] [--where /dev/shm]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from airlock.api.app import create_app
from airlock.cli.main import run
from airlock.outputs.upstream import ScriptedUpstream
from airlock.service import Airlock
from airlock.settings import Settings
from bench.outputs_phases import output_home

TOKENS = list(range(65, 81))
ANSWER = {
    "choices": [
        {
            "index": 0,
            "text": bytes(TOKENS).decode(),
            "finish_reason": "length",
            "token_ids": TOKENS,
            "prompt_token_ids": [1, 2, 3],
        }
    ]
}
BODY = json.dumps({"model": "m", "prompt": [1, 2, 3], "max_tokens": 16}).encode()
WARM_UP = 50


async def _call(app: Any, token: str) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/completions",
        "raw_path": b"/v1/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(BODY)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8750),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def measure(where: str | None, requests: int, window: int, lease_requests: int) -> float:
    """CPU ms per request of the app, one fresh home."""
    with tempfile.TemporaryDirectory(dir=where) as tmp, contextlib.redirect_stdout(io.StringIO()):
        home, env = output_home(Path(tmp), window, lease_requests)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run(["principal", "add", "bench", "--role", "researcher"], env)
        token = next(w for w in out.getvalue().split() if w.startswith("alk_"))
        airlock = Airlock.from_settings(Settings.load(env, home))
        app = create_app(airlock)
        gateway = airlock.outputs_gateway()
        gateway.upstream = ScriptedUpstream([json.dumps(ANSWER).encode()])

        async def drive() -> float:
            for _ in range(WARM_UP):
                assert await _call(app, token) == 200
            start = time.thread_time()
            for _ in range(requests):
                assert await _call(app, token) == 200
            return (time.thread_time() - start) * 1000 / requests

        cpu = asyncio.run(drive())
        gateway.close_leases()
        airlock.close()
        return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--where", default=None)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--window", type=int, default=10, help="outputs.flush_window_ms")
    parser.add_argument("--lease-requests", default="0,16")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    values = [int(v) for v in args.lease_requests.split(",")]
    results: dict[int, list[float]] = {v: [] for v in values}
    for turn in range(args.repeat):
        for value in values if turn % 2 == 0 else values[::-1]:
            cpu = measure(args.where, args.requests, args.window, value)
            results[value].append(cpu)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"lease_requests {value:4}: app CPU {cpu:.3f} ms/request [load {load}]")
    print(f"medians over {args.repeat} rounds, flush_window_ms {args.window}:")
    for value, samples in results.items():
        print(f"  lease_requests {value:4}: {statistics.median(samples):.3f} ms/request")


if __name__ == "__main__":
    main()
