"""Racing votes over real HTTP against `airlock serve --workers 2` (issue 22, first part).

Each trial sends two votes on one held request at the same moment, from two kept-alive
connections (which the supervisor hands to the two workers), then checks what the store, the
ledger and the budget say about it:
- approve-vs-deny (one approval in, two needed): exactly one vote is accepted, and an
  accepted deny always leaves the request denied;
- approve-vs-approve (none in, two needed): both are counted and the request is released;
- double vote (one approver, twice): exactly one is accepted, stored and logged.
For every request, the ledger's votes and decisions are the store's, and the enclave budget
counts exactly the bytes of the requests that were released or are still held.

``AIRLOCK_RACE_TRIALS`` sets the trials per kind (default 12; the issue's acceptance is 200).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from airlock.approvals.locks import AnomalyRules
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetScope
from airlock.domain.names import request_id
from airlock.domain.principals import Role
from airlock.domain.requests import RequestStatus
from airlock.ledger.records import parse_record
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from airlock.store.sql import SqlStore
from tests.support.gateway import CliRunner, free_port, serve_process

TRIALS = int(os.environ.get("AIRLOCK_RACE_TRIALS", "12"))
BLOB_BYTES = 32_768
HOLDS_EACH = AnomalyRules().holds - 1  # one more held export in a burst locks the researcher


@dataclass
class Desk:
    url: str
    tokens: dict[str, str]
    cli: CliRunner
    clients: dict[str, list[httpx.Client]] = field(default_factory=dict)

    def client(self, who: str, slot: int = 0) -> httpx.Client:
        """A kept-alive connection of ``who``: votes race on open connections, not on
        connection setup."""
        held = self.clients.setdefault(who, [])
        while len(held) <= slot:
            client = httpx.Client(
                base_url=self.url,
                timeout=60,
                headers={"Authorization": f"Bearer {self.tokens[who]}"},
            )
            assert client.get("/principals/me").status_code == 200
            held.append(client)
        return held[slot]


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(cli: CliRunner, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Desk]:
    env = {**os.environ, "AIRLOCK_HOME": str(cli.home)}
    if request.param == "postgresql":
        env["AIRLOCK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        cli.env["AIRLOCK_DATABASE_URL"] = env["AIRLOCK_DATABASE_URL"]
    assert cli("init").code == 0
    assert cli("budget", "set", "enclave", "--bytes", str(10 * 1024**3), "--window", "1d").code == 0
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        tokens = {
            name: airlock.add_principal(Actor.local_operator(), name, Role.APPROVER).token
            for name in ("ann", "bob", "carl")
        }
        for n in range(-(-3 * TRIALS // HOLDS_EACH)):
            made = airlock.add_principal(Actor.local_operator(), f"rita{n}", Role.RESEARCHER)
            tokens[made.principal.name] = made.token
    finally:
        airlock.close()
    port = free_port()
    log_path = tmp_path / "gateway.log"
    with log_path.open("w") as log:
        server = serve_process(env, port, 2, log)
        desk = Desk(f"http://127.0.0.1:{port}", tokens, cli)
        try:
            deadline = time.monotonic() + 30
            while log_path.read_text().count("Application startup complete") < 2:
                assert time.monotonic() < deadline, log_path.read_text()
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
            yield desk
        finally:
            for held in desk.clients.values():
                for client in held:
                    client.close()
            server.terminate()
            server.wait(timeout=20)


def held_requests(desk: Desk, count: int) -> list[tuple[str, str]]:
    """``count`` exports that policy holds for two approvals: (request id, digest); spread
    over researchers so that none is locked for a burst of held exports."""

    def one(n: int) -> tuple[str, str]:
        blob = os.urandom(BLOB_BYTES)
        token = desk.tokens[f"rita{n // HOLDS_EACH}"]
        with httpx.Client(
            base_url=desk.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as rita:
            body = rita.post(
                "/exports", files={"file": (f"blob{n}", blob)}, data={"purpose": "race"}
            ).json()
        assert body["outcome"] == "hold" and body["required_approvals"] == 2, body
        return body["request"]["id"], body["request"]["digest"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def vote(client: httpx.Client, rid: str, digest: str, approve: bool) -> httpx.Response:
    reason = "reviewed" if approve else "this looks like weights"
    return client.post(
        f"/requests/{rid}/votes", json={"approve": approve, "reason": reason, "digest": digest}
    )


def at_once(
    first: tuple[httpx.Client, bool], second: tuple[httpx.Client, bool], rid: str, digest: str
) -> tuple[int, int]:
    """Both votes released from one barrier; their status codes."""
    barrier = threading.Barrier(2)
    codes: list[int] = [0, 0]

    def send(i: int, client: httpx.Client, approve: bool) -> None:
        barrier.wait()
        codes[i] = vote(client, rid, digest, approve).status_code

    threads = [
        threading.Thread(target=send, args=(i, c, a)) for i, (c, a) in enumerate((first, second))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes[0], codes[1]


@dataclass(frozen=True)
class Seen:
    """What the store and the ledger hold about one request."""

    status: RequestStatus
    stored_votes: Counter[tuple[str, bool]]
    logged_votes: Counter[tuple[str, bool]]
    stored_decisions: list[str]
    logged_decisions: list[str]


def what_was_kept(desk: Desk, rids: list[str]) -> tuple[dict[str, Seen], int, int]:
    """Per request, what was kept; and the enclave budget's use against the bytes of the
    requests released or still held."""
    settings = Settings.load(desk.cli.env, desk.cli.home)
    store = SqlStore.from_url(settings.database_url)
    try:
        logged: dict[str, list[dict[str, Any]]] = {}
        for entry in store.ledger.entries(0, store.ledger.size()):
            record = parse_record(entry.body)
            logged.setdefault(str(record.get("subject")), []).append(record)
        seen = {}
        counted = 0
        for rid in rids:
            request = store.get_request(request_id(rid))
            records = logged.get(rid, [])
            seen[rid] = Seen(
                request.status,
                Counter((v.voter, v.approve) for v in store.approvals.get_case(request.id).votes),
                Counter(
                    (r["actor"], r["outcome"] == "approve")
                    for r in records
                    if r["kind"] == "approval.vote"
                ),
                [d.outcome.value for d in store.decisions_for(request.id)],
                [r["outcome"] for r in records if r["kind"] == "export.decision"],
            )
            if request.status in (RequestStatus.RELEASED, RequestStatus.HELD):
                counted += request.size_bytes
        used = store.budgets.used((BudgetScope.ENCLAVE, ENCLAVE_SUBJECT), datetime.now(UTC))
        return seen, used, counted
    finally:
        store.close()


def test_racing_votes_never_lose_a_deny_count_twice_or_disagree_with_the_ledger(
    desk: Desk,
) -> None:
    requests = held_requests(desk, 3 * TRIALS)
    against, together, twice = (
        requests[:TRIALS],
        requests[TRIALS : 2 * TRIALS],
        requests[2 * TRIALS :],
    )
    answers: dict[str, tuple[str, tuple[int, int]]] = {}
    for rid, digest in against:
        assert vote(desk.client("ann"), rid, digest, approve=True).status_code == 200
        bob, carl = desk.client("bob"), desk.client("carl")
        answers[rid] = ("approve-vs-deny", at_once((bob, True), (carl, False), rid, digest))
    for rid, digest in together:
        ann, bob = desk.client("ann"), desk.client("bob")
        answers[rid] = ("approve-vs-approve", at_once((ann, True), (bob, True), rid, digest))
    for rid, digest in twice:
        one, other = desk.client("ann"), desk.client("ann", 1)
        answers[rid] = ("double vote", at_once((one, True), (other, True), rid, digest))

    seen, used, counted = what_was_kept(desk, list(answers))
    wrong = []
    for rid, (kind, codes) in answers.items():
        kept = seen[rid]
        problems = []
        if kept.stored_votes != kept.logged_votes:
            problems.append(f"votes stored {kept.stored_votes} but logged {kept.logged_votes}")
        if kept.stored_decisions != kept.logged_decisions:
            problems.append(
                f"decisions stored {kept.stored_decisions}, logged {kept.logged_decisions}"
            )
        if kind == "approve-vs-deny":
            approved, denied = codes[0] == 200, codes[1] == 200
            if approved == denied or 409 not in codes:
                problems.append("not exactly one of approve and deny was accepted")
            if denied and kept.status is not RequestStatus.DENIED:
                problems.append(f"an accepted deny was lost: the request is {kept.status}")
            if approved and kept.status is not RequestStatus.RELEASED:
                problems.append(f"an accepted approval left the request {kept.status}")
        elif kind == "approve-vs-approve":
            if codes != (200, 200) or kept.status is not RequestStatus.RELEASED:
                problems.append(f"two approvals left the request {kept.status}")
        elif sorted(codes) != [200, 409] or sum(kept.stored_votes.values()) != 1:
            problems.append(f"the double vote was counted {sum(kept.stored_votes.values())} times")
        if problems:
            wrong.append(f"{kind} {rid} {codes}: {'; '.join(problems)}")
    assert not wrong, f"{len(wrong)} of {len(answers)} trials went wrong:\n" + "\n".join(wrong)
    assert used == counted, "the enclave budget does not count exactly the bytes that may leave"
    assert desk.cli("ledger", "verify").code == 0
