"""Approvers learn of a held item without polling (issue 18): a signed webhook per group,
retried with back-off, and an e-mail, delivered off the decision's path. The receivers are
real servers on 127.0.0.1: an HTTP server and a minimal SMTP server (socketserver)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import io
import json
import os
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from airlock.service import Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner

SECRET = "s3cret-s3cret-s3cret"


@dataclass
class Hook:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    fail_first: int = 0  # answer 503 to this many requests first
    hold: threading.Event | None = None  # when set, wait for it before answering
    answered: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            if state.hold is not None:
                state.hold.wait(10)
            failing = len(state.received) <= state.fail_first
            self.send_response(503 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            state.answered.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[int, list[str]]]:
    """A minimal SMTP server (RFC 5321's happy path) that keeps each message's data."""
    messages: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 test ESMTP\r\n")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    self.wfile.write(b"250 test\r\n")
                elif verb == b"DATA":
                    self.wfile.write(b"354 go ahead\r\n")
                    data = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(chunk.decode())
                    messages.append("".join(data))
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], messages
    server.shutdown()
    server.server_close()


def configure(cli: CliRunner, hook: Hook, smtp_port: int, projects: str = "") -> None:
    config = cli.home / "config.toml"
    config.write_text(
        config.read_text()
        + f"""
[notify]
base_url = "https://airlock.example"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_from = "airlock@example.org"
attempts = 3

[notify.groups.approvers]
webhook_url = "{hook.url}"
secret_env = "AIRLOCK_TEST_HOOK_SECRET"
email = ["bob@example.org", "carol@example.org"]
{projects}
"""
    )
    cli.env["AIRLOCK_TEST_HOOK_SECRET"] = SECRET


def people(cli: CliRunner) -> None:
    for name in ("bob", "carol"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("principal", "add", "rita", "--role", "researcher").code == 0


def test_a_held_export_reaches_the_webhook_signed_and_retried_and_the_mailbox(
    initialised_cli: CliRunner, hook: Hook, mailbox: tuple[int, list[str]], tmp_path: Path
) -> None:
    cli = initialised_cli
    port, messages = mailbox
    hook.fail_first = 1  # the first POST meets a 503: the notifier must try again
    configure(cli, hook, port)
    people(cli)
    blob = tmp_path / "weights-dump.bin"
    blob.write_bytes(os.urandom(40_000))
    held = cli("export", str(blob), "--purpose", "results", env=cli.signed_in("rita"))
    assert held.code == 10, held.err
    # the CLI's close waited (bounded) for the queue: both tries and the mail are done
    assert len(hook.received) == 2
    headers, body = hook.received[-1]
    stamp, mac = (part.split("=", 1)[1] for part in headers["x-airlock-signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(mac, expected.hexdigest())
    notice = json.loads(body)
    assert notice["event"] == "request.held" and notice["group"] == "approvers"
    shown = notice["request"]
    assert shown["name"] == "weights-dump.bin" and shown["summary"] == "0 of 2"
    assert shown["eligible"] == ["bob", "carol"]
    assert notice["link"] == f"https://airlock.example/ui/requests/{shown['request_id']}"
    assert "rita's export weights-dump.bin (39 KiB) is held" in notice["text"]
    assert len(messages) == 1
    mail = email.message_from_string(messages[0], policy=email.policy.default)
    assert str(mail["Subject"]).strip().startswith("[airlock] rita's export weights-dump.bin")
    assert "bob@example.org" in str(mail["To"])
    text = mail.get_content()
    assert "next       waiting for 2 more approvals from bob, carol" in text
    assert f"open it: https://airlock.example/ui/requests/{shown['request_id']}" in text
    # a released export notifies nobody
    loss = tmp_path / "loss.csv"
    loss.write_text("step,loss\n1,0.5\n")
    assert cli("export", str(loss), "--purpose", "fig", env=cli.signed_in("rita")).code == 0
    assert len(hook.received) == 2 and len(messages) == 1


def test_a_decision_never_waits_for_the_webhook(
    initialised_cli: CliRunner, hook: Hook, mailbox: tuple[int, list[str]]
) -> None:
    cli = initialised_cli
    hook.hold = threading.Event()  # the receiver hangs until released
    configure(cli, hook, mailbox[0])
    people(cli)
    env = {**cli.env}
    airlock = Airlock.from_settings(Settings.load(env, cli.home))
    try:
        rita = airlock.principal("rita")
        result = airlock.submit_export(rita, io.BytesIO(os.urandom(40_000)), "b.bin", "p")
        assert result.request.status.value == "held"
        deadline = time.monotonic() + 10
        while not hook.received and time.monotonic() < deadline:
            time.sleep(0.01)
        # the decision came back while the receiver still holds the notice's connection
        assert hook.received and not hook.answered.is_set()
        hook.hold.set()
        assert hook.answered.wait(10)
    finally:
        airlock.close()
    assert airlock.friction().held == 1


def test_a_group_hears_only_of_its_projects(
    initialised_cli: CliRunner, hook: Hook, mailbox: tuple[int, list[str]], tmp_path: Path
) -> None:
    cli = initialised_cli
    configure(cli, hook, mailbox[0], projects='projects = ["vision"]')
    people(cli)
    blob = tmp_path / "b.bin"
    blob.write_bytes(os.urandom(40_000))
    assert cli("export", str(blob), "--purpose", "r", env=cli.signed_in("rita")).code == 10
    assert hook.received == []  # rita's export is charged to no project


def test_hold_to_first_look_is_a_friction_metric(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    people(cli)
    blob = tmp_path / "b.bin"
    blob.write_bytes(os.urandom(40_000))
    assert cli("export", str(blob), "--purpose", "r", env=cli.signed_in("rita")).code == 10
    before = json.loads(cli("metrics", "--json").out)
    assert before["held"] == 1 and before["held_unlooked"] == 1
    rid = json.loads(cli("request", "list", "--json").out)[0]["id"]
    assert cli("approve", rid, "--reason", "ok", env=cli.signed_in("bob")).code == 0
    after = json.loads(cli("metrics", "--json").out)
    assert after["held_unlooked"] == 0
    assert after["median_seconds_to_first_look"] is not None
    assert "median hold to first look" in cli("metrics").out


def test_a_webhook_without_a_secret_is_refused_at_load(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    config = cli.home / "config.toml"
    config.write_text(
        config.read_text() + '\n[notify.groups.x]\nwebhook_url = "http://127.0.0.1:9/h"\n'
    )
    refused = cli("status")
    assert refused.code == 2 and "secret_env" in refused.err
