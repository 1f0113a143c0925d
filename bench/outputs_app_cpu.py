"""The output gateway app's own CPU per request (issue 20, docs/adr/0020): the ASGI app
called in-process (no sockets, no HTTP client) with an in-memory upstream, so what is timed
is the app alone (gate, forcing, budgets, transcript, answer), by ``thread_time``. With
``--window`` > 0 the periodic disk flush is not run (it is off the request path there);
with ``--window 0`` the flushes are, and the process's CPU (every thread: the flusher's
too) is reported beside the event loop's. ``--stream`` asks for streams of 16 events.

Each ``outputs.lease_requests`` value (0: one reservation per request; N > 0: budget leases,
decision 6) is run in turn on a fresh SQLite home, the values taking turns over
``--repeat`` rounds; medians over rounds are printed with the load beside each.

    python bench/outputs_app_cpu.py [--requests 600] [--lease-requests 0,16] [--repeat 3]
        [--window 10] [--where /dev/shm] [--stream]
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
STREAM_BODY = json.dumps(
    {"model": "m", "prompt": [1, 2, 3], "max_tokens": 16, "stream": True}
).encode()
WARM_UP = 50


def _events() -> bytes:
    """The upstream's 16 events and the end, as one read."""
    out = []
    for i, token in enumerate(TOKENS):
        choice: dict[str, Any] = {"index": 0, "text": chr(token), "token_ids": [token]}
        if i == 0:
            choice["prompt_token_ids"] = [1, 2, 3]
        out.append(b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n")
    return b"".join(out) + b"data: [DONE]\n\n"


async def _call(app: Any, token: str, body: bytes = BODY) -> int:
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
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8750),
    }
    sent = False
    status = 0
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await done.wait()  # a stream listens for the client leaving: it does not
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    return status


def measure(
    where: str | None, requests: int, window: int, lease_requests: int, stream: bool = False
) -> tuple[float, float]:
    """CPU ms per request of the app, one fresh home: the event loop's, the process's."""
    with tempfile.TemporaryDirectory(dir=where) as tmp, contextlib.redirect_stdout(io.StringIO()):
        home, env = output_home(Path(tmp), window, lease_requests)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run(["principal", "add", "bench", "--role", "researcher"], env)
        token = next(w for w in out.getvalue().split() if w.startswith("alk_"))
        airlock = Airlock.from_settings(Settings.load(env, home))
        app = create_app(airlock)
        gateway = airlock.outputs_gateway()
        gateway.upstream = ScriptedUpstream([_events() if stream else json.dumps(ANSWER).encode()])
        body = STREAM_BODY if stream else BODY

        async def drive() -> tuple[float, float]:
            for _ in range(WARM_UP):
                assert await _call(app, token, body) == 200
            start, process = time.thread_time(), time.process_time()
            for _ in range(requests):
                assert await _call(app, token, body) == 200
            return (
                (time.thread_time() - start) * 1000 / requests,
                (time.process_time() - process) * 1000 / requests,
            )

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
    parser.add_argument("--stream", action="store_true", help="streams of 16 events")
    args = parser.parse_args()
    values = [int(v) for v in args.lease_requests.split(",")]
    results: dict[int, list[tuple[float, float]]] = {v: [] for v in values}
    for turn in range(args.repeat):
        for value in values if turn % 2 == 0 else values[::-1]:
            loop, process = measure(args.where, args.requests, args.window, value, args.stream)
            results[value].append((loop, process))
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"lease_requests {value:4}: app CPU {loop:.3f} ms/request on the event loop, "
                f"{process:.3f} in all threads [load {load}]"
            )
    kind = "streams" if args.stream else "requests"
    print(f"medians over {args.repeat} rounds, flush_window_ms {args.window}, {kind}:")
    for value, samples in results.items():
        loop = statistics.median(s[0] for s in samples)
        process = statistics.median(s[1] for s in samples)
        print(f"  lease_requests {value:4}: {loop:.3f} ms/request on the loop, {process:.3f} all")


if __name__ == "__main__":
    main()
