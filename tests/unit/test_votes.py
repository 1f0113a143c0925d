"""Votes and expiries are each one unit: refused means nothing written, once means once.

Real SQLite files and the test PostgreSQL; the race over HTTP with two workers is in
tests/integration/test_vote_races.py.
"""

from __future__ import annotations

import io
import os
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from airlock.approvals.workflow import DEFAULT_TTL
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.domain.principals import Principal, Role
from airlock.domain.requests import BoundaryRequest, RequestStatus
from airlock.errors import Conflict
from airlock.home import load_policy, load_signing_key
from airlock.ledger.records import parse_record
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from airlock.store.sql import SqlStore
from tests.support.gateway import CliRunner

ENCLAVE = (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT)


class Desk:
    """One enclave: a researcher, three approvers, a large enclave budget and a fixed clock."""

    def __init__(self, cli: CliRunner, clock: FixedClock) -> None:
        self.settings = Settings.load(cli.env, cli.home)
        self.clock = clock
        self.store = SqlStore.from_url(self.settings.database_url)
        self.airlock = Airlock(
            self.settings,
            self.store,
            clock,
            load_policy(self.settings),
            load_signing_key(self.settings),
        )
        admin = Actor.local_operator()
        self.airlock.set_budget(admin, Budget(*ENCLAVE, 1 << 30, timedelta(days=1)))
        self.people: dict[str, Principal] = {
            "rita": self.airlock.add_principal(admin, "rita", Role.RESEARCHER).principal
        }
        for name in ("ann", "bob"):
            self.people[name] = self.airlock.add_principal(admin, name, Role.APPROVER).principal

    def open(self) -> Airlock:
        """Another gateway on the same database (as a second worker process would be)."""
        return Airlock.from_settings(self.settings, clock=self.clock)

    def held(self) -> BoundaryRequest:
        result = self.airlock.submit_export(
            self.people["rita"], io.BytesIO(os.urandom(32_768)), "blob", "paper"
        )
        assert result.required_approvals == 2 and result.request.status is RequestStatus.HELD
        return result.request

    def kinds(self, subject: str) -> Counter[str]:
        ledger = self.airlock.ledger
        records = (parse_record(ledger.entry(i).body) for i in range(ledger.size()))
        return Counter(r["kind"] for r in records if r["subject"] == subject)

    def used(self) -> int:
        return self.store.budgets.used(ENCLAVE, self.clock.now())


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest, cli: CliRunner) -> Iterator[Desk]:
    if request.param == "postgresql":
        cli.env["AIRLOCK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    assert cli("init").code == 0
    desk = Desk(cli, FixedClock(datetime.now(UTC)))
    try:
        yield desk
    finally:
        desk.airlock.close()


def vote(desk: Desk, airlock: Airlock, who: str, request: BoundaryRequest, approve: bool) -> None:
    airlock.vote(desk.people[who], request.id, approve, "checked", request.digest)


def test_a_vote_the_store_refuses_leaves_no_ledger_entry(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a racing double vote meets: the store already holds this voter's vote.
    request = desk.held()
    before = desk.airlock.ledger.size()

    def already_voted(case: object) -> None:
        raise Conflict("ann has already voted")

    monkeypatch.setattr(desk.store.approvals, "save_vote", already_voted)
    with pytest.raises(Conflict, match="already voted"):
        vote(desk, desk.airlock, "ann", request, approve=True)
    monkeypatch.undo()
    assert desk.airlock.ledger.size() == before
    assert desk.airlock.verify_ledger().ok


def test_a_late_vote_is_refused_but_records_the_expiry_once(desk: Desk) -> None:
    request = desk.held()
    assert desk.used() == request.size_bytes
    desk.clock.advance(DEFAULT_TTL + timedelta(seconds=1))
    for who in ("ann", "bob"):
        with pytest.raises(Conflict, match="expired"):
            vote(desk, desk.airlock, who, request, approve=True)
    assert (
        desk.airlock.get_request(Actor.local_operator(), request.id)[0].status
        is RequestStatus.DENIED
    )
    assert desk.kinds(request.id)["approval.expired"] == 1
    assert desk.kinds(request.id)["approval.vote"] == 0
    assert desk.used() == 0


def test_an_approval_keeps_the_reservation_and_a_later_deny_is_refused(desk: Desk) -> None:
    request = desk.held()
    vote(desk, desk.airlock, "ann", request, approve=True)
    vote(desk, desk.airlock, "bob", request, approve=True)
    admin = desk.airlock.add_principal(Actor.local_operator(), "carl", Role.APPROVER)
    desk.people["carl"] = admin.principal
    with pytest.raises(Conflict, match="approved"):
        vote(desk, desk.airlock, "carl", request, approve=False)
    assert (
        desk.airlock.get_request(Actor.local_operator(), request.id)[0].status
        is RequestStatus.RELEASED
    )
    assert desk.used() == request.size_bytes
    assert desk.kinds(request.id) == Counter({"export.decision": 2, "approval.vote": 2})


def fetch_at_once(gateways: tuple[Airlock, Airlock], rid: str) -> list[str]:
    """Both gateways ask for the request's release at the same moment; their refusals."""
    barrier = threading.Barrier(2)
    refused: list[str] = []

    def fetch(airlock: Airlock) -> None:
        barrier.wait()
        try:
            airlock.release(Actor("auditor-on-duty", Role.AUDITOR), rid)
        except Conflict as e:
            refused.append(str(e))

    threads = [threading.Thread(target=fetch, args=(a,)) for a in gateways]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return refused


def test_two_gateways_fetching_an_overdue_request_record_one_expiry(desk: Desk) -> None:
    requests = [desk.held() for _ in range(4)]
    desk.clock.advance(DEFAULT_TTL + timedelta(seconds=1))
    other = desk.open()
    try:
        for request in requests:
            refused = fetch_at_once((desk.airlock, other), request.id)
            assert len(refused) == 2 and all("denied" in r for r in refused), refused
            assert desk.kinds(request.id)["approval.expired"] == 1
            assert (
                len(desk.airlock.get_request(Actor.local_operator(), request.id)[1]) == 2
            )  # hold, then expiry
    finally:
        other.close()
    assert desk.used() == 0
