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


# --- every refusal is in the ledger, coalesced (issue 14) ------------------------------------


def entries_since(desk: Gateway, reader: str, since: int) -> list[dict[str, object]]:
    """Ledger entries from index ``since`` on, read over HTTP as ``reader`` (an auditor)."""
    found: list[dict[str, object]] = []
    with desk.client(reader) as client:
        while (answer := client.get(f"/ledger/entries/{since + len(found)}")).status_code == 200:
            found.append(answer.json()["record"])
    assert answer.status_code == 404, answer.text
    return found


def refusals_since(desk: Gateway, reader: str, since: int) -> list[dict[str, object]]:
    return [e for e in entries_since(desk, reader, since) if e["kind"] == "access.refused"]


def details(entry: dict[str, object]) -> dict[str, object]:
    found = entry["details"]
    assert isinstance(found, dict)
    return found


def test_each_insider_refusal_is_in_the_ledger(desk: Gateway) -> None:
    """An auditor submitting, a researcher fetching another's release, an approver lifting
    a lock on themselves: each refused request is an `access.refused` entry, read back
    through the ledger API, naming who, what, why and how they were authenticated."""
    who = people(
        desk,
        ("aude", Role.AUDITOR),
        ("rita", Role.RESEARCHER),
        ("sam", Role.RESEARCHER),
        ("ann", Role.APPROVER),
    )
    rid = desk.airlock.submit_export(
        desk.airlock.principal("rita"), io.BytesIO(CSV), "l.csv", "fig"
    ).request.id
    desk.airlock.lock(OPERATOR, LockScope.PRINCIPAL, "ann", "odd votes", hours=2)
    since = desk.airlock.ledger.size()
    with desk.client(who["aude"]) as aude:
        refusal(aude.post("/exports", files={"file": ("a.csv", CSV)}, data={"purpose": "x"}))
        refusal(aude.post("/packages", files={"file": ("x-1.0.tar.gz", b"junk")}))
    with desk.client(who["sam"]) as sam:
        refusal(sam.get(f"/releases/{rid}"))
    with desk.client(who["ann"]) as ann:
        lift = {"scope": "principal", "subject": "ann", "reason": "it was me"}
        refusal(ann.post("/locks/lift", json=lift))
    found = refusals_since(desk, who["aude"], since)
    assert [(e["actor"], e["subject"]) for e in found] == [
        ("aude", "POST /exports"),
        ("aude", "POST /packages"),
        ("sam", "GET /releases/{request_id}"),
        ("ann", "POST /locks/lift"),
    ]
    for entry in found:
        assert entry["outcome"] == "refused"
        assert details(entry)["auth"] == "token" and details(entry)["count"] == 1
        assert details(entry)["status"] == 403 and details(entry)["error"] == "PermissionDenied"
        assert details(entry)["address"] == "127.0.0.1"
    assert "may not submit exports" in str(details(found[0])["reason"])
    assert details(found[2])["path"] == f"/releases/{rid}"
    assert "fetch released artifacts of rita" in str(details(found[2])["reason"])
    assert "concern themselves" in str(details(found[3])["reason"])
    # The refused may read their own refusal; a researcher cannot read another's.
    with desk.client(who["rita"]) as rita:
        index = since + entries_since(desk, who["aude"], since).index(found[2])
        assert rita.get(f"/ledger/entries/{index}").status_code == 403


def stop(gateway: Iterator[Gateway]) -> None:
    """Stop a gateway of ``start_gateway``: its shutdown writes pending refusal counts."""
    gateway.close()  # type: ignore[attr-defined]


def test_repeated_refusals_are_one_entry_and_a_count(
    initialised_cli: CliRunner, clock: FixedClock
) -> None:
    """Twenty identical refusals write one entry at once; the nineteen repeats become one
    summary when the window closes (here: the gateway stops). Noise without a token is
    counted per address, never written one by one."""
    airlock = Airlock.from_settings(
        Settings.load(initialised_cli.env, initialised_cli.home), clock=clock
    )
    try:
        running = start_gateway(airlock)
        desk = next(running)
        who = people(desk, ("aude", Role.AUDITOR), ("sam", Role.RESEARCHER))
        since = airlock.ledger.size()
        with desk.client(who["sam"]) as sam:
            assert all(sam.get("/status").status_code == 403 for _ in range(20))
        with desk.client() as anonymous:
            assert all(anonymous.get("/status").status_code == 401 for _ in range(30))
            assert all(anonymous.get("/locks").status_code == 401 for _ in range(5))
        now = refusals_since(desk, who["aude"], since)
        assert [(e["actor"], details(e)["count"]) for e in now] == [("sam", 1)]
        stop(running)
        auditor = Actor.of(airlock.principal("aude"))
        later = [
            airlock.ledger_record(auditor, i)
            for i in range(since + len(now), airlock.ledger.size())
        ]
    finally:
        airlock.close()
    summaries = {
        (e["actor"], details(e)["auth"], details(e)["count"], details(e)["coalesced"])
        for e in later
        if e["kind"] == "access.refused"
    }
    assert summaries == {("sam", "token", 19, "summary"), ("anonymous", "none", 35, "summary")}


def test_a_ledger_that_fails_does_not_change_a_refusal(
    desk: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: a store error while recording is logged, and the caller still gets the
    same refusal (not a 500, never the resource)."""
    who = people(desk, ("rita", Role.RESEARCHER), ("sam", Role.RESEARCHER), ("aude", Role.AUDITOR))
    rid = desk.airlock.submit_export(
        desk.airlock.principal("rita"), io.BytesIO(CSV), "l.csv", "fig"
    ).request.id

    def broken(*_args: object) -> int:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(desk.airlock, "record_refusal", broken)
    with desk.client(who["sam"]) as sam:
        assert "fetch released artifacts of rita" in refusal(sam.get(f"/releases/{rid}"))
    with desk.client(who["aude"]) as aude:
        export = aude.post("/exports", files={"file": ("a.csv", CSV)}, data={"purpose": "x"})
        assert "may not submit exports" in refusal(export)


def test_a_vote_by_a_method_the_enclave_does_not_take_is_refused_and_ledgered(
    initialised_cli: CliRunner, clock: FixedClock
) -> None:
    """`[approvals] vote_methods = ["peercred"]`: an approver's token vote over HTTP is
    refused (403), counts for nothing, and the refusal is in the ledger with its method."""
    config = initialised_cli.home / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[approvals]\nvote_methods = ["peercred"]\n',
        encoding="utf-8",
    )
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    assert settings.approvals.vote_methods == ("peercred",)
    airlock = Airlock.from_settings(settings, clock=clock)
    try:
        for desk in start_gateway(airlock):
            who = people(desk, ("rita", Role.RESEARCHER), ("ann", Role.APPROVER))
            who |= people(desk, ("aude", Role.AUDITOR))
            blob = np.random.default_rng(5).bytes(50_000)
            held = airlock.submit_export(airlock.principal("rita"), io.BytesIO(blob), "b", "x")
            assert held.request.status.value == "held"
            since = airlock.ledger.size()
            vote = {"approve": True, "reason": "fine", "digest": held.request.digest}
            with desk.client(who["ann"]) as ann:
                message = refusal(ann.post(f"/requests/{held.request.id}/votes", json=vote))
            assert "ann signed in by token" in message
            assert "takes votes only by peercred ([approvals] vote_methods)" in message
            found = refusals_since(desk, who["aude"], since)
            assert [(e["actor"], e["subject"]) for e in found] == [
                ("ann", "POST /requests/{request_id}/votes")
            ]
            assert details(found[0])["auth"] == "token"
            assert "vote_methods" in str(details(found[0])["reason"])
            after, decisions = airlock.get_request(OPERATOR, held.request.id)
            assert after.status.value == "held"  # the vote counted for nothing
            assert [d.decided_by for d in decisions] == ["policy"]
    finally:
        airlock.close()
