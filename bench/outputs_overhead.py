"""Gateway overhead of the model-output channel (issue 20): latency added by `airlock serve`
in front of an OpenAI-compatible upstream, against calling that upstream directly.

The upstream is a fixed answer (16 tokens, no model) in its own process, so what is measured
is the gateway: authentication, forcing the request, the budget reservation, the transcript
and settlement, stripping the answer. The direct calls and the calls through airlock go to
the same upstream process and alternate in rounds, so a change of machine load shifts both.
Reported per mode (non-streaming, streaming: the whole stream read) and per concurrency
(1 and 8 clients): p50, p90 and p95 of each, the p50, p90 and p95 added, and CPU per request.

Two baselines are measured in the same rounds, so a figure can be read against what the
machine gives any Python gateway: the *floor*, a bare proxy on the same stack (uvicorn with
httptools and uvloop, aiohttp to the upstream) that forwards the request and answer and does
nothing else, in its own process; and the disk's flush, ``fsync`` of 4 KiB appends in the
database's folder (p50 / p90, before each report), which a response waits for with
``flush_window_ms = 0``. The gateway is warmed up with 25 requests per client first (its
first request imports the upstream client, about 0.4 s, which is not a per-request cost).

To compare two trees on the same machine in one run (the before and after of a change),
name their source folders with ``--src``; with ``--repeat N`` each tree is measured N times,
the trees taking turns, and a summary prints the medians per tree:

    python bench/outputs_overhead.py [--requests 400] [--where /dev/shm] [--workers 1]
        [--windows 0,10] [--src /work/main/src --src src --repeat 3] [--clients 1,8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOKENS = list(range(65, 81))  # 16 tokens, one ASCII letter each
BODY = {"model": "m", "prompt": [1, 2, 3], "max_tokens": 16}


def fast_upstream() -> FastAPI:
    """An OpenAI-compatible upstream that answers at once (uvicorn --factory)."""
    app = FastAPI()

    @app.post("/v1/completions")
    async def complete(request: Request) -> Response:
        body: dict[str, Any] = json.loads(await request.body())
        if body.get("stream"):
            return StreamingResponse(_events(body), media_type="text/event-stream")
        return fixed_answer()

    return app


def fixed_answer() -> JSONResponse:
    """The upstream's whole answer: the 16 tokens, with their ids and the prompt's."""
    choice = {
        "index": 0,
        "text": bytes(TOKENS).decode(),
        "finish_reason": "length",
        "token_ids": TOKENS,
        "prompt_token_ids": [1, 2, 3],
    }
    return JSONResponse({"id": "x", "object": "text_completion", "choices": [choice]})


async def _events(body: dict[str, Any]) -> AsyncIterator[bytes]:
    for i, token in enumerate(TOKENS):
        choice: dict[str, Any] = {"index": 0, "text": chr(token), "token_ids": [token]}
        if i == 0:
            choice["prompt_token_ids"] = [1, 2, 3]
        event = {
            "id": "x",
            "object": "text_completion",
            "model": body.get("model"),
            "choices": [choice],
        }
        yield b"data: " + json.dumps(event).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"


FLOOR_UPSTREAM = "AIRLOCK_BENCH_FLOOR_UPSTREAM"


def floor_proxy() -> Any:
    """The floor (uvicorn --factory): an ASGI proxy that forwards ``POST`` bodies to the
    upstream named by ``$AIRLOCK_BENCH_FLOOR_UPSTREAM`` and relays the answer as it comes,
    through aiohttp like the gateway; no authentication, budget, log or flush."""
    import aiohttp  # noqa: PLC0415 -- only the floor's process needs it

    upstream = os.environ[FLOOR_UPSTREAM]
    session: list[aiohttp.ClientSession] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if not session:
            session.append(aiohttp.ClientSession())
        headers = {"content-type": "application/json"}
        async with session[0].post(upstream + scope["path"], data=body, headers=headers) as got:
            kind = got.headers.get("content-type", "application/json").encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": got.status,
                    "headers": [(b"content-type", kind)],
                }
            )
            async for chunk in got.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


def fsync_ms(folder: str | None, count: int = 64) -> tuple[float, float]:
    """p50 and p90 of ``fsync`` after a 4 KiB append, in ``folder``: the disk's flush."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        fd = os.open(Path(tmp) / "probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        took = []
        try:
            for _ in range(count):
                os.write(fd, b"x" * 4096)
                start = time.perf_counter()
                os.fsync(fd)
                took.append((time.perf_counter() - start) * 1000)
        finally:
            os.close(fd)
    return _pct(took, 50), _pct(took, 90)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise SystemExit(f"{url} did not start")


def _wait_port(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until something listens on ``port`` (the floor has no route to ask)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"port {port}: the process exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            time.sleep(0.1)
        else:
            return
    raise SystemExit(f"port {port}: nothing listens")


@dataclass(frozen=True)
class Rig:
    upstream: str
    gateway: str
    token: str
    gateway_pid: int
    upstream_pid: int
    floor: str
    floor_pid: int


def _airlock(args: list[str], env: dict[str, str]) -> str:
    """Runs the CLI of the tree in ``env["PYTHONPATH"]`` (this environment's without it)."""
    done = subprocess.run(
        [sys.executable, "-m", "airlock.cli.main", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@contextmanager
def rig(
    where: str | None,
    workers: int = 1,
    flush_window_ms: int | None = None,
    src: str | None = None,
    upstream_factory: str = "outputs_overhead:fast_upstream",
    outputs: str = "",
) -> Iterator[Rig]:
    """An upstream, an `airlock serve` in front of it and the floor proxy, each in its own
    process; the gateway runs the tree whose source folder is ``src`` (default: this
    environment's). ``upstream_factory``: a module in this folder and its app factory;
    ``outputs``: more ``[outputs]`` lines of the gateway's config."""
    uport, gport, fport = _free_port(), _free_port(), _free_port()
    quiet = subprocess.DEVNULL
    upstream_process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", upstream_factory),
            *("--app-dir", str(BENCH), "--port", str(uport), "--log-level", "critical"),
        ],
        stdout=quiet,
        stderr=quiet,
    )
    upstream = f"http://127.0.0.1:{uport}"
    floor_process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "outputs_overhead:floor_proxy"),
            *("--app-dir", str(BENCH), "--port", str(fport), "--log-level", "critical"),
            *("--http", "httptools", "--loop", "uvloop", "--no-access-log"),
        ],
        stdout=quiet,
        stderr=quiet,
        env={**os.environ, FLOOR_UPSTREAM: upstream},
    )
    floor = f"http://127.0.0.1:{fport}"
    gateway_process: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(dir=where) as tmp:
            home = Path(tmp) / "home"
            env = {"AIRLOCK_HOME": str(home)} | ({"PYTHONPATH": src} if src else {})
            _airlock(["init", "--enclave-name", "bench"], env)
            sys.path.insert(0, str(ROOT / "src"))
            from airlock.outputs.reference import model_digest  # noqa: PLC0415

            model_dir = Path(tmp) / "model"
            model_dir.mkdir()
            (model_dir / "weights.bin").write_bytes(b"stand-in")
            with (home / "config.toml").open("a") as config:
                config.write(
                    f'\n[outputs]\nupstream_url = "{upstream}"\nmodel = "m"\n'
                    f'model_digest = "{model_digest(model_dir)}"\nmax_tokens = 64\n'
                )
                if flush_window_ms is not None:  # None: a tree without the setting
                    config.write(f"flush_window_ms = {flush_window_ms}\n")
                config.write(outputs)
            for scope in ("tokens-enclave", "output-enclave"):
                _airlock(["budget", "set", scope, "*", "--bytes", str(10**12)], env)
            out = _airlock(["principal", "add", "bench", "--role", "researcher"], env)
            token = next(w for w in out.split() if w.startswith("alk_"))
            gateway_process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "airlock.cli.main", "serve", "--port", str(gport)),
                    *("--workers", str(workers)),
                ],
                env={**os.environ, **env},
                stdout=quiet,
                stderr=quiet,
            )
            gateway = f"http://127.0.0.1:{gport}"
            _wait(upstream + "/docs", upstream_process)
            _wait(gateway + "/healthz", gateway_process)
            _wait_port(fport, floor_process)
            yield Rig(
                upstream,
                gateway,
                token,
                gateway_process.pid,
                upstream_process.pid,
                floor,
                floor_process.pid,
            )
    finally:
        for process in (gateway_process, upstream_process, floor_process):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


async def _one(client: httpx.AsyncClient, url: str, body: dict[str, Any], stream: bool) -> float:
    start = time.perf_counter()
    if stream:
        async with client.stream("POST", url, json=body | {"stream": True}) as answer:
            lines = [line async for line in answer.aiter_lines()]
        ok = answer.status_code == 200 and lines.count("data: [DONE]") == 1
    else:
        answer = await client.post(url, json=body)
        ok = answer.status_code == 200
        lines = [answer.text]
    elapsed = time.perf_counter() - start
    if not ok:
        raise SystemExit(f"{url}: {answer.status_code} {' '.join(lines)[:300]}")
    return elapsed * 1000


async def _round(
    client: httpx.AsyncClient, url: str, stream: bool, concurrency: int, n: int
) -> list[float]:
    samples: list[float] = []

    async def worker(count: int) -> None:
        for _ in range(count):
            samples.append(await _one(client, url, BODY, stream))

    share = [n // concurrency + (i < n % concurrency) for i in range(concurrency)]
    await asyncio.gather(*(worker(k) for k in share))
    return samples


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children (uvicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


async def measure(
    r: Rig, *, stream: bool, concurrency: int, requests: int, rounds: int = 8
) -> dict[str, float]:
    """Alternating rounds of direct, floor and gateway calls; percentiles of each, in ms."""
    urls = {
        "direct": r.upstream + "/v1/completions",
        "floor": r.floor + "/v1/completions",
        "gateway": r.gateway + "/v1/completions",
    }
    pids = {"direct": r.upstream_pid, "floor": r.floor_pid, "gateway": r.gateway_pid}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    samples: dict[str, list[float]] = {name: [] for name in urls}
    cpu = dict.fromkeys(urls, 0.0)
    async with (
        httpx.AsyncClient(timeout=60, limits=limits) as plain,
        httpx.AsyncClient(
            timeout=60, limits=limits, headers={"Authorization": f"Bearer {r.token}"}
        ) as authed,
    ):
        clients = {"direct": plain, "floor": plain, "gateway": authed}
        for name, url in urls.items():  # warm-up: one-time imports and connections
            await _round(clients[name], url, stream, concurrency, 25 * concurrency)
        per_round = max(concurrency, requests // rounds)
        for _ in range(rounds):
            for name, url in urls.items():
                start = cpu_seconds(pids[name])
                samples[name] += await _round(clients[name], url, stream, concurrency, per_round)
                cpu[name] += cpu_seconds(pids[name]) - start
    direct, floor, through = samples["direct"], samples["floor"], samples["gateway"]
    result = {
        "requests": float(len(through)),
        # CPU per request: the upstream's per direct call (the baseline), the floor's and the
        # gateway's per call through them. Unlike latency it hardly moves with the load.
        "upstream_cpu_ms": cpu["direct"] / len(direct) * 1000,
        "floor_cpu_ms": cpu["floor"] / len(floor) * 1000,
        "gateway_cpu_ms": cpu["gateway"] / len(through) * 1000,
    }
    for q in (50, 90, 95):
        d, f, g = _pct(direct, q), _pct(floor, q), _pct(through, q)
        result |= {f"direct_p{q}": d, f"gateway_p{q}": g, f"added_p{q}": g - d}
        result |= {f"floor_p{q}": f, f"floor_added_p{q}": f - d}
    return result


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(
    requests: int,
    where: str | None,
    label: str,
    workers: int,
    window: int | None,
    src: str | None = None,
    clients: tuple[int, ...] = (1, 8),
) -> list[dict[str, Any]]:
    rows = []
    with rig(where, workers, window, src) as r:
        flush_p50, flush_p90 = fsync_ms(where)
        print(
            f"  disk flush in the database's folder: fsync p50 {flush_p50:.2f} "
            f"p90 {flush_p90:.2f} ms"
        )
        for stream in (False, True):
            for concurrency in clients:
                before = _load()
                m = asyncio.run(
                    measure(r, stream=stream, concurrency=concurrency, requests=requests)
                )
                mode = "stream" if stream else "plain"
                print(
                    f"  {mode:6} x{concurrency}: direct p50 {m['direct_p50']:6.2f} "
                    f"p90 {m['direct_p90']:6.2f} | airlock p50 {m['gateway_p50']:6.2f} "
                    f"p90 {m['gateway_p90']:6.2f} | added p50 {m['added_p50']:5.2f} "
                    f"p90 {m['added_p90']:5.2f} p95 {m['added_p95']:5.2f} ms (target p50 <= 2) "
                    "| CPU/request: airlock "
                    f"{m['gateway_cpu_ms']:.2f} ms, upstream {m['upstream_cpu_ms']:.2f} ms "
                    f"| floor (bare proxy) added p50 {m['floor_added_p50']:.2f} ms, CPU "
                    f"{m['floor_cpu_ms']:.2f} ms | airlock over the floor p50 "
                    f"{m['added_p50'] - m['floor_added_p50']:.2f} ms [{before}]",
                    flush=True,
                )
                rows.append(
                    {
                        "db": label,
                        "src": src or "",
                        "window": window,
                        "mode": mode,
                        "clients": concurrency,
                        "load": before,
                        "fsync_p50": flush_p50,
                        "fsync_p90": flush_p90,
                        **m,
                    }
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--where", default=None, help="folder for the database (default: tmp)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--windows",
        default="0,10",
        help="outputs.flush_window_ms values to run ('none': leave it out, for older trees)",
    )
    parser.add_argument(
        "--src",
        action="append",
        default=None,
        help="a tree's source folder for the gateway (repeat to compare trees in one run)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="measurements per tree")
    parser.add_argument("--clients", default="1,8", help="concurrencies to measure")
    args = parser.parse_args()
    label = args.where or tempfile.gettempdir()
    trees: list[str | None] = list(args.src) if args.src else [None]
    rows = []
    for turn in range(args.repeat):
        for src in trees if turn % 2 == 0 else trees[::-1]:  # take turns, first and last
            for text in args.windows.split(","):
                window = None if text == "none" else int(text)
                print(
                    f"gateway overhead, database in {label}, {args.workers} worker(s), "
                    f"flush_window_ms {window}, tree {src or 'this environment'}:",
                    flush=True,
                )
                clients = tuple(int(c) for c in args.clients.split(","))
                rows += report(args.requests, args.where, label, args.workers, window, src, clients)
    if args.repeat > 1 or len(trees) > 1:
        summary(rows)
    print(json.dumps(rows))


def summary(rows: list[dict[str, Any]]) -> None:
    """Medians over the repeats, per tree, window, mode and concurrency."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["window"], row["mode"], row["clients"], row["src"]), []).append(row)
    print("medians over repeats (ms): added p50 / p95, direct p50, CPU per request airlock")
    for (window, mode, clients, src), group in sorted(groups.items(), key=str):
        med = {k: statistics.median(g[k] for g in group) for k in group[0] if k.endswith("ms")}
        med |= {k: statistics.median(g[k] for g in group) for k in ("added_p50", "added_p95")}
        med["direct_p50"] = statistics.median(g["direct_p50"] for g in group)
        print(
            f"  window {window} {mode:6} x{clients} {src or 'this environment':24}: added "
            f"{med['added_p50']:6.2f} / {med['added_p95']:6.2f}, direct {med['direct_p50']:5.2f}, "
            f"CPU {med['gateway_cpu_ms']:5.2f} ({len(group)} runs)"
        )


if __name__ == "__main__":
    main()
