"""`ledger export --webhook`: signed batches to a real HTTP receiver on 127.0.0.1, retried
through its failures, never past a refusal."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.gateway import CliRunner

SECRET = "a shared webhook secret"


class Receiver(ThreadingHTTPServer):
    answers: list[int]
    batches: list[list[dict[str, object]]]
    forged: int


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        fields = dict(p.split("=", 1) for p in self.headers["X-Airlock-Signature"].split(","))
        expected = hmac.new(
            SECRET.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
        ).hexdigest()
        status = self.server.answers.pop(0) if self.server.answers else 200
        if not hmac.compare_digest(expected, fields["v1"]):
            self.server.forged += 1
            status = 401
        elif status == 200:
            self.server.batches.append([json.loads(x) for x in body.splitlines()])
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 -- stdlib name
        del format, args


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), _Handler)
    server.answers, server.batches, server.forged = [], [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_batches_are_signed_and_retried_until_taken(
    initialised_cli: CliRunner, receiver: Receiver, tmp_path: Path
) -> None:
    cli = initialised_cli
    for name in ("p1", "p2", "p3"):
        assert cli("project", "add", name).code == 0
    url = f"http://127.0.0.1:{receiver.server_address[1]}/ingest"
    cursor = tmp_path / "cursor"
    receiver.answers = [503, 503]  # down twice, then up
    done = cli(
        "ledger",
        "export",
        "--webhook",
        url,
        "--cursor-file",
        str(cursor),
        env={"AIRLOCK_WEBHOOK_SECRET": SECRET},
    )
    assert done.code == 0, done.err
    assert receiver.forged == 0
    delivered = [e["index"] for batch in receiver.batches for e in batch]
    assert delivered == list(range(len(done.out.splitlines())))
    assert int(cursor.read_text()) == len(delivered)

    # The receiver refuses (400) the next batch: the export stops, the cursor stays.
    assert cli("project", "add", "p4").code == 0
    receiver.answers = [400]
    refused = cli(
        "ledger",
        "export",
        "--webhook",
        url,
        "--cursor-file",
        str(cursor),
        env={"AIRLOCK_WEBHOOK_SECRET": SECRET},
    )
    assert refused.code != 0 and "refused entries" in refused.err
    assert int(cursor.read_text()) == len(delivered)
    # With the wrong secret every batch is rejected as forged.
    wrong = cli(
        "ledger",
        "export",
        "--webhook",
        url,
        "--cursor-file",
        str(cursor),
        env={"AIRLOCK_WEBHOOK_SECRET": "not the shared secret at all"},
    )
    assert wrong.code != 0 and receiver.forged == 1
    assert int(cursor.read_text()) == len(delivered)
