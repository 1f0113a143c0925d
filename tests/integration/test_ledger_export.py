"""`airlock ledger export --follow`: a SIEM-style consumer misses nothing across restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from airlock.ledger.hashes import hash_leaf
from airlock.ledger.records import canonical_json
from tests.support.gateway import CliRunner, free_port, serve_process
from tests.support.ocsf import ocsf_problems


def _wait_for(predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _exporter(env: dict[str, str], cursor: Path, out: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "airlock.cli.main", "ledger", "export", "--follow"]
    command += ["--format", "ocsf", "--cursor-file", str(cursor), "--poll-seconds", "0.1"]
    with out.open("ab") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.DEVNULL)


def _events(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def _export_some(env: dict[str, str], token: str, log: Path, count: int) -> None:
    port = free_port()
    with log.open("a") as sink:
        server = serve_process(env, port, 1, sink)
    try:
        _wait_for(
            lambda: log.read_text().count("Application startup complete") >= 1, log.read_text()
        )
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for i in range(count):
                answer = http.post(
                    "/exports", files={"file": (f"{i}.csv", b"a,b\n1,2\n")}, data={"purpose": "t"}
                )
                assert answer.status_code == 201, answer.text
    finally:
        server.terminate()
        server.wait(timeout=20)
    log.write_text("")  # the next gateway's start-up line is the one to wait for


def test_siem_consumer_follows_across_gateway_and_exporter_restarts(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    env = {**os.environ, "AIRLOCK_HOME": str(cli.home)}
    token = cli("principal", "add", "rita", "--role", "researcher").out.strip()
    cursor, out, log = tmp_path / "cursor", tmp_path / "events.jsonl", tmp_path / "gw.log"
    exporter = _exporter(env, cursor, out)
    try:
        _export_some(env, token, log, 4)
        # The consumer's exporter dies and comes back from its cursor file; then the gateway
        # restarts (a new process on a new port) and more decisions land.
        _wait_for(lambda: cursor.exists() and int(cursor.read_text()) >= 5, "no cursor saved")
        exporter.terminate()
        exporter.wait(timeout=10)
        _export_some(env, token, log, 3)
        exporter = _exporter(env, cursor, out)
        _export_some(env, token, log, 3)
        size = _ledger_size(cli)
        _wait_for(lambda: int(cursor.read_text()) >= size, "exporter fell behind")
    finally:
        exporter.terminate()
        exporter.wait(timeout=10)

    events = _events(out)
    seen = {e["metadata"]["sequence"] for e in events}
    assert seen == set(range(size)), "an entry is missing or invented"
    decisions = [e for e in events if e["api"]["operation"] == "export.decision"]
    assert len({e["metadata"]["sequence"] for e in decisions}) == 10
    for event in events:
        assert ocsf_problems(event) == [], event
        record = event["unmapped"]["airlock_record"]
        proof = event["unmapped"]["airlock_proof"]
        assert proof["leaf_hash"] == hash_leaf(canonical_json(record)).hex()
    # Any exported entry can be proved later with a receipt, offline.
    last = max(seen)
    receipt = tmp_path / "r.json"
    assert cli("ledger", "receipt", str(last), "-o", str(receipt)).code == 0
    key = cli("ledger", "key").out.strip()
    checked = cli("ledger", "verify-receipt", str(receipt), "--key", key)
    assert checked.code == 0 and f"entry {last} " in checked.out


def _ledger_size(cli: CliRunner) -> int:
    note = cli("ledger", "checkpoint").out
    return int(note.splitlines()[1])


def test_export_without_follow_stops_at_the_head_and_resumes_from_since(
    initialised_cli: CliRunner,
) -> None:
    cli = initialised_cli
    for name in ("p1", "p2", "p3"):
        assert cli("project", "add", name).code == 0
    everything = [json.loads(x) for x in cli("ledger", "export").out.splitlines()]
    assert [e["index"] for e in everything] == list(range(len(everything)))
    tail = [json.loads(x) for x in cli("ledger", "export", "--since", "2").out.splitlines()]
    assert tail == everything[2:]
    assert tail[0]["cursor"] == 3 and tail[-1]["record"]["subject"] == "p3"
