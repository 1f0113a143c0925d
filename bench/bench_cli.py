"""CLI and gateway start-up benchmark: whole processes, as a user runs them (issue 13).

Makes its own home with `airlock init` in a temporary folder, then runs each command
``--runs`` times as a fresh process and prints the median wall time and the largest peak
RSS (from ``os.wait4``, per child). Baselines measured in the same run: ``python -c pass``
(the interpreter's floor), ``python -c "import click"`` (the floor of any click CLI;
the ratio column divides by it), importing click, sqlite3 and cedarpy (the floor of
`airlock status` on SQLite, which reads the store with the standard library and validates
the policy) and importing click, SQLAlchemy and cedarpy (the floor of any command that
opens the store through the facade). Then the gateway:
seconds from spawning `airlock serve` (1 and 2 workers) to the first 200 from /healthz,
beside the same for a bare ASGI app on uvicorn (the server's floor).

Targets (issue 13): `airlock --version` and `airlock status` <= 0.3 s and <= 60 MB;
the gateway answers /healthz <= 2 s after spawn. Timings are noisy on a shared machine:
the load average is printed with the figures.

    python bench/bench_cli.py [--runs 7] [--gateway-rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CLI_TARGET_SECONDS = 0.3
CLI_TARGET_MIB = 60.0
GATEWAY_TARGET_SECONDS = 2.0
READY_TIMEOUT_SECONDS = 60.0

_BARE_ASGI = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@dataclass(frozen=True)
class Run:
    seconds: float  # wall, spawn to exit
    cpu_seconds: float  # user + system, of the process and what it waited for
    peak_mib: float


# A child's peak RSS as wait4 reports it includes what it had before exec, which for a
# child forked from this Python process is this process's own RSS. GNU time forks from a
# small C process, so its %M is the command's own peak; without it the figure is an upper
# bound.
_GNU_TIME = "/usr/bin/time"


def run_once(argv: Sequence[str], env: dict[str, str]) -> Run:
    """One whole process: wall and CPU time from spawn to exit, and its peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        timed = Path(_GNU_TIME).exists()
        full = [_GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *argv] if timed else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(full, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {err}")
        peak_kib = int(rss.read().split()[-1]) if timed else usage.ru_maxrss  # Linux: KiB
    return Run(elapsed, usage.ru_utime + usage.ru_stime, peak_kib / 1024)


def measure(argv: Sequence[str], env: dict[str, str], runs: int) -> Run:
    """Medians of wall and CPU seconds and the largest peak MiB over ``runs`` runs."""
    run_once(argv, env)  # bytecode caches and the page cache, as on a second use
    samples = [run_once(argv, env) for _ in range(runs)]
    return Run(
        statistics.median(s.seconds for s in samples),
        statistics.median(s.cpu_seconds for s in samples),
        max(s.peak_mib for s in samples),
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def seconds_to_ready(argv: Sequence[str], env: dict[str, str], port: int) -> tuple[float, float]:
    """Seconds from spawning ``argv`` until GET /healthz on ``port`` answers 200, and the CPU
    seconds the whole process tree used from spawn to exit (start, one probe, stop)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    ready: float | None = None
    try:
        while ready is None and time.perf_counter() - start < READY_TIMEOUT_SECONDS:
            if proc.poll() is not None:
                raise SystemExit(f"{' '.join(argv)} exited {proc.returncode} before it was ready")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        ready = time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.01)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and its workers
    cpu = float("nan")
    with contextlib.suppress(ChildProcessError):  # already reaped if it exited early
        _, _, usage = os.wait4(proc.pid, 0)  # its workers are reaped by the server
        cpu = usage.ru_utime + usage.ru_stime
    if ready is None:
        raise SystemExit(f"{' '.join(argv)} did not answer /healthz in {READY_TIMEOUT_SECONDS} s")
    return ready, cpu


def median_ready(argv: Sequence[str], env: dict[str, str], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        port = free_port()
        samples.append(seconds_to_ready([*argv, str(port)], env, port))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def airlock_command() -> list[str]:
    """The installed `airlock` script beside this interpreter, as users run it."""
    script = Path(sys.executable).with_name("airlock")
    if script.exists():
        return [str(script)]
    found = shutil.which("airlock")
    return [found] if found else [sys.executable, "-m", "airlock.cli.main"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="runs per command (median)")
    parser.add_argument("--gateway-rounds", type=int, default=3, help="gateway starts (median)")
    args = parser.parse_args()

    airlock = airlock_command()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        env = {**os.environ, "AIRLOCK_HOME": str(Path(tmp) / "home")}
        env.pop("AIRLOCK_DATABASE_URL", None)  # the embedded SQLite default, like `make run`
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode
        subprocess.run([*airlock, "init"], env=env, check=True, capture_output=True)

        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'command':34} {'median s':>9} {'cpu s':>6} {'peak MiB':>9} {'x click':>8}")
        floor = measure([sys.executable, "-c", "pass"], env, args.runs)
        click = measure([sys.executable, "-c", "import click"], env, args.runs)
        # What `airlock status` cannot do without on SQLite: sqlite3 and Cedar; and what
        # every command that opens the store through the facade (SQLAlchemy) pays.
        glance_floor = measure(
            [sys.executable, "-c", "import click, sqlite3, cedarpy"], env, args.runs
        )
        store_floor = measure(
            [sys.executable, "-c", "import click, sqlalchemy, cedarpy"], env, args.runs
        )
        rows = [
            ("python -c pass (baseline)", floor),
            ("python -c import click (baseline)", click),
            ("import click, sqlite3, cedarpy", glance_floor),
            ("import click, sqlalchemy, cedarpy", store_floor),
        ]
        for words in (["--version"], ["status"]):
            rows.append((f"airlock {' '.join(words)}", measure([*airlock, *words], env, args.runs)))
        for label, r in rows:
            judged = label.startswith("airlock")
            ok = r.seconds <= CLI_TARGET_SECONDS and r.peak_mib <= CLI_TARGET_MIB
            target = f"{'meets' if ok else 'OVER'} target (<= {CLI_TARGET_SECONDS} s, "
            target += f"<= {CLI_TARGET_MIB:.0f} MiB)"
            print(
                f"{label:34} {r.seconds:9.3f} {r.cpu_seconds:6.3f} {r.peak_mib:9.1f} "
                f"{r.seconds / click.seconds:8.2f}  {target if judged else ''}"
            )

        heading = f"{'gateway, spawn to first /healthz 200':36} {'median s':>9} {'cpu s':>6}"
        print(f"\n{heading} {'x bare':>7}")
        bare, bare_cpu = median_ready([sys.executable, "-c", _BARE_ASGI], env, args.gateway_rounds)
        print(f"{'bare ASGI app on uvicorn (baseline)':36} {bare:9.3f} {bare_cpu:6.2f} {1:7.2f}")
        for workers in (1, 2):
            ready, cpu = median_ready(
                [*airlock, "serve", "--workers", str(workers), "--port"], env, args.gateway_rounds
            )
            ok = ready <= GATEWAY_TARGET_SECONDS
            print(
                f"{f'airlock serve --workers {workers}':36} {ready:9.3f} {cpu:6.2f} "
                f"{ready / bare:7.2f}  {'meets' if ok else 'OVER'} target "
                f"(<= {GATEWAY_TARGET_SECONDS} s)"
            )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("cpu s: user + system of the process (and, for the gateway, its workers, start")
        print("to stop); unlike wall time it hardly depends on what else the machine runs.")


if __name__ == "__main__":
    main()
