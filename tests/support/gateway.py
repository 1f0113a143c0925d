"""Shared fixtures that drive airlock as users do: the CLI in-process, the gateway over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from airlock.cli.main import run
from airlock.cli.serve import bind_socket, build_server
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.waiting import wait_until


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


class CliRunner:
    """Runs `airlock ...` in-process against one home folder."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str], extra_env: dict[str, str]):
        self.home = home
        self._capsys = capsys
        self.env = {"AIRLOCK_HOME": str(home), **extra_env}
        self.tokens: dict[str, str] = {}  # each principal's token, as `principal add` printed it

    def __call__(self, *argv: str, env: dict[str, str] | None = None) -> CliResult:
        self._capsys.readouterr()
        code = run(list(argv), {**self.env, **(env or {})})
        captured = self._capsys.readouterr()
        if code == 0 and argv[:2] == ("principal", "add"):
            self.tokens[argv[2]] = captured.out.strip()
        if (
            code == 0
            and argv[:2] == ("principal", "add")
            and "admin" in argv
            and "AIRLOCK_TOKEN" not in self.env
        ):
            # Like an operator after bootstrap, the runner then acts with the first admin's
            # own token (issue 14: direct access acts only before an admin exists).
            self.env["AIRLOCK_TOKEN"] = captured.out.strip()
        return CliResult(code, captured.out, captured.err)

    def signed_in(self, name: str) -> dict[str, str]:
        """The environment of a shell where ``name`` acts with their own token."""
        return {"AIRLOCK_TOKEN": self.tokens[name]}


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    return CliRunner(tmp_path / "home", capsys, {})


@pytest.fixture
def initialised_cli(cli: CliRunner) -> CliRunner:
    result = cli("init")
    assert result.code == 0, result.err
    return cli


def ledger_records(cli: CliRunner) -> list[dict[str, Any]]:
    """Every ledger entry of ``cli``'s home, oldest first (read through a fresh facade)."""
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        return [airlock.ledger.record(i) for i in range(airlock.ledger.size())]
    finally:
        airlock.close()


@dataclass
class Gateway:
    url: str
    airlock: Airlock
    admin_token: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


def start_gateway(airlock: Airlock) -> Iterator[Gateway]:
    """A real uvicorn server on an ephemeral 127.0.0.1 port, in a thread."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = build_server(airlock, "critical")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()

    def started() -> bool:
        assert thread.is_alive(), "the gateway thread ended before it started serving"
        return bool(server.started)

    wait_until(started, "the in-process gateway to start", interval=0.01)
    admin = airlock.add_principal(
        Actor.local_operator(), "root-admin", role=Actor.local_operator().role
    )
    try:
        yield Gateway(f"http://127.0.0.1:{port}", airlock, admin.token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_home(cli: CliRunner) -> Iterator[Gateway]:
    """:func:`start_gateway` on the airlock of ``cli``'s home as its config now reads."""
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        yield from start_gateway(airlock)
    finally:
        airlock.close()


@pytest.fixture
def gateway(initialised_cli: CliRunner) -> Iterator[Gateway]:
    yield from serve_home(initialised_cli)


def export_from_threads(urls: Sequence[str], token: str, *, threads: int, each: int) -> list[str]:
    """Outcomes of ``threads`` concurrent clients (spread over ``urls``) that each post
    ``each`` exports of the same 1000-byte CSV."""
    payload = b"x,y\n" + b"1,2\n" * 249
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(url: str) -> None:
        with httpx.Client(
            base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for _ in range(each):
                answer = http.post(
                    "/exports", files={"file": ("a.csv", payload)}, data={"purpose": "metrics"}
                )
                with lock:
                    outcomes.append(answer.json()["outcome"])

    workers = [threading.Thread(target=client, args=(urls[i % len(urls)],)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return outcomes


def answers_healthz(url: str) -> bool:
    """Whether a gateway at ``url`` answers /healthz with 200 now."""
    try:
        return httpx.get(url + "/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_process(
    env: dict[str, str], port: int, workers: int, log: IO[str]
) -> subprocess.Popen[bytes]:
    """`airlock serve` as its own process, as an operator starts it; both streams to ``log``
    (uvicorn writes access lines to stdout)."""
    command = [sys.executable, "-m", "airlock.cli.main", "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
