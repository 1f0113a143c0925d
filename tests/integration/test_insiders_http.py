"""An insider's attempts over real HTTP (issue 14): each is refused, and says what and why.

An auditor submits; a researcher fetches someone else's release or reads their held request
in the UI; an approver lifts a lock imposed on themselves; someone takes a name the system
writes into the ledger; a revoked or expired token, or a UI session on one, is used; an
address guesses tokens. Revocations are ledgered, with the token's id.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest

from airlock.approvals.locks import LockScope
from airlock.clock import FixedClock
from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, Gateway, start_gateway

OPERATOR = Actor.local_operator()
CSV = b"step,loss\n1,0.5\n2,0.4\n"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def desk(initialised_cli: CliRunner, clock: FixedClock) -> Iterator[Gateway]:
    airlock = Airlock.from_settings(
        Settings.load(initialised_cli.env, initialised_cli.home), clock=clock
    )
    try:
        yield from start_gateway(airlock)
    finally:
        airlock.close()


def people(desk: Gateway, *who: tuple[str, Role]) -> dict[str, str]:
    return {name: desk.airlock.add_principal(OPERATOR, name, role).token for name, role in who}


def refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 403, answer.text
    body = answer.json()["error"]
    assert body["type"] == "PermissionDenied"
    return str(body["message"])


def test_an_auditor_cannot_submit_exports_or_packages(desk: Gateway) -> None:
    token = people(desk, ("aude", Role.AUDITOR))["aude"]
    with desk.client(token) as aude:
        export = aude.post("/exports", files={"file": ("a.csv", CSV)}, data={"purpose": "x"})
        package = aude.post("/packages", files={"file": ("x-1.0.tar.gz", b"junk")})
    assert "aude (auditor) may not submit exports" in refusal(export)
    assert "only researchers or services" in refusal(export)
    assert "may not submit packages" in refusal(package)
    assert desk.airlock.list_requests(OPERATOR) == []  # nothing was recorded


def test_a_release_is_readable_by_its_requester_and_auditors_only(desk: Gateway) -> None:
    who = people(
        desk,
        ("rita", Role.RESEARCHER),
        ("sam", Role.RESEARCHER),
        ("aude", Role.AUDITOR),
        ("alice", Role.ADMIN),
        ("ann", Role.APPROVER),
    )
    rita = desk.airlock.principal("rita")
    rid = desk.airlock.submit_export(rita, io.BytesIO(CSV), "l.csv", "fig").request.id
    for outsider in ("sam", "alice", "ann"):
        with desk.client(who[outsider]) as client:
            message = refusal(client.get(f"/releases/{rid}"))
            assert f"{outsider} (" in message and "fetch released artifacts of rita" in message
            if outsider == "sam":  # nor may he read the request, nor see it listed
                assert "read boundary requests" in refusal(client.get(f"/requests/{rid}"))
                assert client.get("/requests").json() == []
    for reader in ("rita", "aude"):
        with desk.client(who[reader]) as client:
            fetched = client.get(f"/releases/{rid}")
            assert fetched.status_code == 200 and fetched.content == CSV


def test_an_approver_cannot_lift_a_lock_on_themselves(desk: Gateway) -> None:
    who = people(desk, ("ann", Role.APPROVER), ("bob", Role.APPROVER))
    desk.airlock.lock(OPERATOR, LockScope.PRINCIPAL, "ann", "odd votes", hours=2)
    lift = {"scope": "principal", "subject": "ann", "reason": "it was me, all fine"}
    with desk.client(who["ann"]) as ann:
        message = refusal(ann.post("/locks/lift", json=lift))
    assert "ann (approver) may not lift locks that concern themselves" in message
    assert "ask another approver" in message
    assert any(k.subject == "ann" for k in desk.airlock.locks(OPERATOR))
    with desk.client(who["bob"]) as bob:
        assert bob.post("/locks/lift", json=lift).json() == {"lifted": 1}


def test_an_approver_cannot_lift_a_lock_on_their_own_project(desk: Gateway) -> None:
    who = people(desk, ("ann", Role.APPROVER))
    desk.airlock.add_project(OPERATOR, "vision")
    desk.airlock.add_member(OPERATOR, "vision", "ann")
    desk.airlock.lock(OPERATOR, LockScope.PROJECT, "vision", "drill", hours=2)
    lift = {"scope": "project", "subject": "vision", "reason": "mine"}
    with desk.client(who["ann"]) as ann:
        assert "concern themselves" in refusal(ann.post("/locks/lift", json=lift))


@pytest.mark.parametrize("name", ["airlock", "policy", "local-operator"])
def test_names_the_system_writes_into_the_ledger_are_refused(desk: Gateway, name: str) -> None:
    with desk.client(desk.admin_token) as admin:
        answer = admin.post("/principals", json={"name": name, "role": "researcher"})
    assert answer.status_code == 400
    assert "reserved" in answer.json()["error"]["message"]
    assert name not in {p.name for p in desk.airlock.list_principals()}


def test_a_revoked_token_is_refused_and_the_revocation_is_in_the_ledger(desk: Gateway) -> None:
    who = people(desk, ("rita", Role.RESEARCHER))
    with desk.client(desk.admin_token) as admin:
        tokens = admin.get("/principals/rita/tokens").json()
        assert len(tokens) == 1 and tokens[0]["revoked_at"] is None
        token_id = tokens[0]["token_id"]
        with desk.client(who["rita"]) as rita:
            assert rita.get("/principals/me").status_code == 200
            browser = httpx.Client(base_url=desk.url, cookies={"airlock_session": who["rita"]})
            assert browser.get("/ui/requests").status_code == 200
            revoked = admin.request("DELETE", f"/tokens/{token_id}", json={"reason": "laptop lost"})
            assert revoked.json() == {"revoked": 1}
            refused = rita.get("/principals/me")
            assert refused.status_code == 401
            assert f"{token_id} was revoked" in refused.json()["error"]["message"]
            # The UI session on that token ends at once: back to sign in.
            page = browser.get("/ui/requests")
            assert page.status_code == 303 and page.headers["location"] == "/ui/login"
            browser.close()
    ledger = desk.airlock.ledger
    entry = ledger.record(ledger.size() - 1)
    assert entry["kind"] == "principal.token.revoke" and entry["subject"] == "rita"
    assert entry["actor"] == "root-admin"
    assert entry["details"] == {"token_id": token_id, "reason": "laptop lost", "auth": "token"}


def test_anyone_may_revoke_their_own_token_but_not_another_persons(desk: Gateway) -> None:
    who = people(desk, ("rita", Role.RESEARCHER), ("sam", Role.RESEARCHER))
    with desk.client(who["sam"]) as sam:
        assert "revoke API tokens of rita" in refusal(sam.delete("/principals/rita/tokens"))
        assert sam.delete("/principals/sam/tokens").json() == {"revoked": 1}
        assert sam.get("/principals/me").status_code == 401


def test_an_expired_token_is_refused_and_a_new_one_works(desk: Gateway, clock: FixedClock) -> None:
    with desk.client(desk.admin_token) as admin:
        created = admin.post("/principals", json={"name": "rita", "role": "researcher", "days": 1})
        assert created.status_code == 201
        first = created.json()
        assert first["expires_at"].startswith("2026-12-02T09:00")
    clock.advance(timedelta(days=1, seconds=1))
    with desk.client(first["token"]) as rita:
        refused = rita.get("/principals/me")
    assert refused.status_code == 401
    assert f"{first['token_id']} expired" in refused.json()["error"]["message"]
    # Rotation: the admin issues another; it is ledgered with its id and expiry.
    with desk.client(desk.admin_token) as admin:
        issued = admin.post("/principals/rita/tokens", json={"days": 30}).json()
    with desk.client(issued["token"]) as rita:
        assert rita.get("/principals/me").json()["name"] == "rita"
    ledger = desk.airlock.ledger
    entry = ledger.record(ledger.size() - 1)
    assert entry["kind"] == "principal.token" and entry["subject"] == "rita"
    assert entry["details"] == {
        "token_id": issued["token_id"],
        "expires_at": issued_expiry(issued),
        "auth": "token",
    }


def issued_expiry(issued: dict[str, str]) -> str:
    return datetime.fromisoformat(issued["expires_at"].replace("Z", "+00:00")).isoformat()


def test_a_ui_session_lives_no_longer_than_its_token(desk: Gateway) -> None:
    token = desk.airlock.add_principal(OPERATOR, "ann", Role.APPROVER, days=2).token
    with httpx.Client(base_url=desk.url) as client:
        signed_in = client.post("/ui/login", data={"token": token})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert "Max-Age=172800" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_guessing_tokens_from_one_address_is_cut_off(desk: Gateway) -> None:
    good = people(desk, ("rita", Role.RESEARCHER))["rita"]
    with desk.client("alk_guess") as guesser:
        answers = [guesser.get("/principals/me").status_code for _ in range(10)]
        assert answers == [401] * 10
        throttled = guesser.get("/principals/me")
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["retry-after"]) <= 60
    assert "too many failed sign-ins from 127.0.0.1" in throttled.json()["error"]["message"]
    with httpx.Client(base_url=desk.url) as client:  # the UI login too, same address
        page = client.post("/ui/login", data={"token": good})
        assert page.status_code == 429 and "too many failed sign-ins" in page.text


def test_the_landing_page_and_status_need_sign_in_and_show_by_role(desk: Gateway) -> None:
    who = people(desk, ("rita", Role.RESEARCHER), ("sam", Role.RESEARCHER), ("aude", Role.AUDITOR))
    with httpx.Client(base_url=desk.url) as anonymous:
        assert anonymous.get("/").headers["location"] == "/ui/login"
        assert anonymous.get("/status").status_code == 401
    with httpx.Client(base_url=desk.url, cookies={"airlock_session": who["rita"]}) as rita:
        page = rita.get("/")
        assert page.status_code == 200 and 'id="principal-count"' not in page.text
        assert 'id="requests-link"' in page.text
    with desk.client(who["rita"]) as rita:
        assert "read the enclave status" in refusal(rita.get("/status"))
    with httpx.Client(base_url=desk.url, cookies={"airlock_session": who["aude"]}) as aude:
        assert 'id="principal-count">4<' in aude.get("/").text


def test_a_researcher_sees_only_their_own_held_requests_in_the_ui(desk: Gateway) -> None:
    who = people(desk, ("rita", Role.RESEARCHER), ("sam", Role.RESEARCHER))
    blob = np.random.default_rng(3).bytes(50_000)  # opaque: held for people to look at
    held = desk.airlock.submit_export(
        desk.airlock.principal("sam"), io.BytesIO(blob), "b.bin", "secret"
    )
    assert held.request.status.value == "held"
    with httpx.Client(base_url=desk.url, cookies={"airlock_session": who["rita"]}) as rita:
        listing = rita.get("/ui/requests")
        assert listing.status_code == 200 and held.request.id not in listing.text
        assert 'id="nothing-pending"' in listing.text
        detail = rita.get(f"/ui/requests/{held.request.id}")
    assert detail.status_code == 403 and "read boundary requests of sam" in detail.text
    assert "secret" not in detail.text  # no preview of sam's content
    with httpx.Client(base_url=desk.url, cookies={"airlock_session": who["sam"]}) as sam:
        assert held.request.id in sam.get("/ui/requests").text
