"""`airlock serve --unix-socket` (issue 14): the kernel says who connects (SO_PEERCRED), and
`[identity] os_users` maps that OS user to a principal, so the CLI acts without a token.

A real Unix socket, a real uvicorn server in a thread, the CLI in-process as a person runs it.
The test's own OS user (whoever runs the suite) is the one mapped.
"""

from __future__ import annotations

import io
import os
import pwd
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from airlock.cli.serve import bind_unix_socket, build_server
from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner
from tests.support.waiting import wait_until

OPERATOR = Actor.local_operator()
ME = pwd.getpwuid(os.getuid()).pw_name


def configure(cli: CliRunner, text: str) -> None:
    config = cli.home / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def serve_on_socket(airlock: Airlock, path: Path) -> Iterator[None]:
    sock = bind_unix_socket(path)
    server = build_server(airlock, "critical")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: bool(server.started), "the socket gateway to start", interval=0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def over(path: Path, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.HTTPTransport(uds=str(path))
    return httpx.Client(base_url="http://airlock", transport=transport, headers=headers)


@pytest.fixture
def socket_path(tmp_path: Path) -> Path:
    return tmp_path / "airlock.sock"


def test_the_os_user_on_the_socket_votes_without_a_token_and_the_ledger_says_how(
    initialised_cli: CliRunner, socket_path: Path
) -> None:
    cli = initialised_cli
    configure(
        cli,
        f'[identity]\nos_users = {{ {ME} = "ann" }}\n[approvals]\nvote_methods = ["peercred"]\n',
    )
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        airlock.add_principal(OPERATOR, "ann", Role.APPROVER)
        rita = airlock.add_principal(OPERATOR, "rita", Role.RESEARCHER).principal
        blob = np.random.default_rng(7).bytes(50_000)
        held = airlock.submit_export(rita, io.BytesIO(blob), "b.bin", "x").request
        assert held.status.value == "held"
        for _ in serve_on_socket(airlock, socket_path):
            assert oct(socket_path.stat().st_mode & 0o777) == "0o666"
            with over(socket_path) as client:
                assert client.get("/principals/me").json()["name"] == "ann"
            before = airlock.ledger.size()
            env = {"AIRLOCK_URL": f"unix:{socket_path}", "AIRLOCK_TOKEN": ""}
            voted = cli("approve", held.id, "--reason", "looked at it", env=env)
            assert voted.code == 0, voted.err
            votes = [
                airlock.ledger.record(i)
                for i in range(before, airlock.ledger.size())
                if airlock.ledger.record(i)["kind"] == "approval.vote"
            ]
            assert [(v["actor"], v["details"]) for v in votes] == [
                ("ann", {"auth": "peercred", "os_user": ME, "uid": str(os.getuid())})
            ]
    finally:
        airlock.close()


def test_an_os_user_mapped_to_nobody_must_send_a_token(
    initialised_cli: CliRunner, socket_path: Path
) -> None:
    cli = initialised_cli
    configure(cli, '[identity]\nos_users = { someone-else = "ann" }\n')
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        token = airlock.add_principal(OPERATOR, "rita", Role.RESEARCHER).token
        for _ in serve_on_socket(airlock, socket_path):
            with over(socket_path) as anonymous:
                refused = anonymous.get("/principals/me")
                assert refused.status_code == 401
                assert (
                    f"OS user {ME} (uid {os.getuid()}) is mapped to no principal"
                    in (refused.json()["error"]["message"])
                )
                upload = anonymous.post("/exports", files={"file": ("a.csv", b"a\n")})
                assert upload.status_code == 401
            with over(socket_path, token) as rita:  # a token works on the socket too
                assert rita.get("/principals/me").json()["name"] == "rita"
        # Stopped: the refusals were counted per local user, and written as one summary.
        entries = [
            airlock.ledger.record(i)
            for i in range(airlock.ledger.size())
            if airlock.ledger.record(i)["kind"] == "access.refused"
        ]
        summary = [(r["actor"], r["details"]) for r in entries]
        assert len(summary) == 1 and summary[0][0] == "anonymous"
        details = summary[0][1]
        assert isinstance(details, dict)
        assert (details["address"], details["count"], details["auth"]) == (
            f"uid {os.getuid()}",
            2,
            "none",
        )
    finally:
        airlock.close()
