"""Hold to decision with webhook notices (issue 18): does the wait shrink to the approver's
own time?

A gateway (`airlock serve`, one worker) announces each held export to a webhook receiver on
127.0.0.1; the receiver plays two approvers who each "review" for --think seconds after the
notice arrives and then approve over the API. The baseline, measured in the same run, is
that review time itself: with notices, the median hold-to-decision should be the review time
plus only the delivery (and vote) overhead. Printed: median and p90 hold to decision, hold
to first look, the overhead over the baseline, and the notice delivery latency.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

SECRET = "bench-secret-bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0, help="seconds each approver reviews")
    args = parser.parse_args()
    airlock = [sys.executable, "-m", "airlock.cli.main"]
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as scratch:
        home = Path(scratch) / "home"
        env = {**os.environ, "AIRLOCK_HOME": str(home), "AIRLOCK_NOTIFY_SECRET": SECRET}
        env.pop("AIRLOCK_TOKEN", None)

        def cli(*argv: str, token: str | None = None) -> str:
            run_env = {**env, **({"AIRLOCK_TOKEN": token} if token else {})}
            done = subprocess.run(
                [*airlock, *argv], env=run_env, check=True, capture_output=True, text=True
            )
            return done.stdout.strip()

        cli("init")
        admin = cli("principal", "add", "ops", "--role", "admin")
        # One researcher per request: five holds in ten minutes would lock one person.
        researchers = [f"rita{i}" for i in range(args.requests)]
        tokens = {
            name: cli("principal", "add", name, "--role", role, token=admin)
            for name, role in (
                ("bob", "approver"),
                ("carol", "approver"),
                *((r, "researcher") for r in researchers),
            )
        }
        cli("budget", "set", "enclave", "--bytes", "1GB", token=admin)
        received: dict[str, float] = {}
        held_at: dict[str, float] = {}
        approver_took: dict[tuple[str, str], float] = {}
        port = free_port()
        url = f"http://127.0.0.1:{port}"

        def review(rid: str, who: str) -> None:
            # The approver's own time: reading the notice, reviewing, and their own two
            # requests (open the request, cast the vote), from the notice to their answer.
            began = time.monotonic()
            time.sleep(args.think)
            with httpx.Client(base_url=url, timeout=30) as client:
                headers = {"Authorization": f"Bearer {tokens[who]}"}
                digest = client.get(f"/requests/{rid}", headers=headers).json()["digest"]
                body = {"approve": True, "reason": "looks fine", "digest": digest}
                client.post(f"/requests/{rid}/votes", json=body, headers=headers)
            approver_took[(rid, who)] = time.monotonic() - began

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                notice = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rid = notice["request"]["request_id"]
                received[rid] = time.monotonic()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                for who in ("bob", "carol"):
                    threading.Thread(target=review, args=(rid, who), daemon=True).start()

            def log_message(self, *args: object) -> None:
                pass

        receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        config = home / "config.toml"
        config.write_text(
            config.read_text()
            + f'\n[notify]\n[notify.groups.approvers]\nwebhook_url = "http://127.0.0.1:'
            f'{receiver.server_address[1]}/hook"\nsecret_env = "AIRLOCK_NOTIFY_SECRET"\n'
        )
        server = subprocess.Popen(
            [*airlock, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(url)
            with httpx.Client(base_url=url, timeout=60) as client:
                for name in researchers:
                    answer = client.post(
                        "/exports",
                        files={"file": ("blob.bin", os.urandom(20_000))},
                        data={"purpose": "bench"},
                        headers={"Authorization": f"Bearer {tokens[name]}"},
                    ).json()
                    held_at[answer["request"]["id"]] = time.monotonic()
                    assert answer["outcome"] == "hold", answer
                    time.sleep(args.think / 2)  # requests arrive while others are reviewed
                client.headers["Authorization"] = f"Bearer {admin}"
                deadline = time.monotonic() + 60 + args.requests * args.think
                while time.monotonic() < deadline:
                    if not client.get("/requests", params={"status": "held"}).json():
                        break
                    time.sleep(0.2)
                report = client.get("/metrics/friction").json()
        finally:
            server.terminate()
            server.wait(timeout=10)
            receiver.shutdown()
    delivery = [received[r] - held_at[r] for r in held_at if r in received]
    median = report["median_seconds_to_decision"]
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} CPUs)")
    print(f"requests held: {len(held_at)}; notices received: {len(delivery)}")
    print(f"baseline: approver review time {args.think:.2f} s")
    print(
        f"hold to decision: median {median:.2f} s, p90 {report['p90_seconds_to_decision']:.2f} s"
        f" (median / baseline = {median / args.think:.2f}x)"
    )
    print(f"hold to first look: median {report['median_seconds_to_first_look']:.2f} s")
    # A request is decided by the slower of its two approvers: that approver's own time
    # (review plus their two requests) is what the wait cannot be shorter than.
    slower = [max(approver_took.get((r, w), 0.0) for w in ("bob", "carol")) for r in held_at]
    if slower:
        own = statistics.median(slower)
        print(
            f"approvers' own time (review + their requests, the slower of two): median "
            f"{own:.2f} s; hold to decision / that = {median / own:.2f}x; the rest, "
            f"{(median - own) * 1000:.0f} ms, is the notice and the decision's own work"
        )
    if delivery:
        print(
            "notice arrival relative to the export's HTTP answer (negative: before it): "
            f"median {statistics.median(delivery) * 1000:.0f} ms, "
            f"max {max(delivery) * 1000:.0f} ms"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the gateway at {url} did not start")


if __name__ == "__main__":
    main()
