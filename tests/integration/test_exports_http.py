"""The egress path over real HTTP on 127.0.0.1 (issue 5 acceptance, first part)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner, Gateway, start_gateway

CLOCK_START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_START)


@pytest.fixture
def desk(initialised_cli: CliRunner, clock: FixedClock) -> Iterator[Gateway]:
    airlock = Airlock.from_settings(
        Settings.load(initialised_cli.env, initialised_cli.home), clock=clock
    )
    try:
        yield from start_gateway(airlock)
    finally:
        airlock.close()


def tokens(gateway: Gateway, *people: tuple[str, str]) -> dict[str, str]:
    made = {}
    with gateway.client(gateway.admin_token) as admin:
        for name, role in people:
            made[name] = admin.post("/principals", json={"name": name, "role": role}).json()[
                "token"
            ]
    return made


def export(gateway: Gateway, token: str, data: bytes, purpose: str = "paper") -> httpx.Response:
    with gateway.client(token) as client:
        return client.post(
            "/exports", files={"file": ("artifact", data)}, data={"purpose": purpose}
        )


def test_benign_export_is_released_and_fetched(desk: Gateway) -> None:
    who = tokens(desk, ("rita", "researcher"))
    data = b"epoch,loss\n1,0.52\n2,0.47\n"
    answer = export(desk, who["rita"], data)
    assert answer.status_code == 201
    body = answer.json()
    assert body["outcome"] == "allow"
    with desk.client(who["rita"]) as client:
        fetched = client.get(f"/releases/{body['request']['id']}")
    assert fetched.status_code == 200 and fetched.content == data


def test_weight_file_is_denied_and_the_model_named(
    desk: Gateway, tmp_path: Path, initialised_cli: CliRunner
) -> None:
    model = weights(np.random.default_rng(4), 2 << 20, "bfloat16")
    (tmp_path / "m.bin").write_bytes(model)
    desk.airlock.register_protected_model(Actor.local_operator(), "frontier-z", [model])
    who = tokens(desk, ("rita", "researcher"))
    answer = export(desk, who["rita"], b"header" + model[100_000:400_000])
    body = answer.json()
    assert body["outcome"] == "deny"
    assert any("frontier-z" in f["detail"] for f in body["findings"])
    with desk.client(who["rita"]) as client:
        assert client.get(f"/releases/{body['request']['id']}").status_code == 409


def test_opaque_blob_held_then_approved_by_others_then_released(desk: Gateway) -> None:
    who = tokens(desk, ("rita", "researcher"), ("ann", "approver"), ("bob", "approver"))
    blob = np.random.default_rng(8).bytes(200_000)
    body = export(desk, who["rita"], blob).json()
    rid, digest = body["request"]["id"], body["request"]["digest"]
    assert body["outcome"] == "hold" and body["required_approvals"] == 2
    assert any("opaque high-entropy data" in f["detail"] for f in body["findings"])
    vote = {"approve": True, "reason": "reviewed", "digest": digest}
    with desk.client(who["rita"]) as rita:
        refused = rita.post(f"/requests/{rid}/votes", json=vote)
        message = refused.json()["error"]["message"]
        assert refused.status_code == 403 and "may not approve or deny" in message
        assert rita.get(f"/releases/{rid}").status_code == 409
    with desk.client(who["ann"]) as ann:
        assert ann.post(f"/requests/{rid}/votes", json=vote).json()["status"] == "held"
        again = ann.post(f"/requests/{rid}/votes", json=vote)
        assert again.status_code == 409
    with desk.client(who["bob"]) as bob:
        wrong = bob.post(f"/requests/{rid}/votes", json={**vote, "digest": "0" * 64})
        assert wrong.status_code == 400
        assert bob.post(f"/requests/{rid}/votes", json=vote).json()["status"] == "released"
    with desk.client(who["rita"]) as rita:
        assert rita.get(f"/releases/{rid}").content == blob
    assert desk.airlock.verify_ledger().ok


def test_expired_request_cannot_be_approved(desk: Gateway, clock: FixedClock) -> None:
    who = tokens(desk, ("rita", "researcher"), ("ann", "approver"))
    body = export(desk, who["rita"], np.random.default_rng(9).bytes(100_000)).json()
    clock.advance(timedelta(hours=4, seconds=1))
    with desk.client(who["ann"]) as ann:
        late = ann.post(
            f"/requests/{body['request']['id']}/votes",
            json={"approve": True, "reason": "", "digest": body["request"]["digest"]},
        )
        assert late.status_code == 409 and "expired" in late.json()["error"]["message"]
        shown = ann.get(f"/requests/{body['request']['id']}").json()
    assert shown["status"] == "denied"
    assert shown["decisions"][-1]["reasons"][0]["code"] == "expired"


def test_budget_is_exact_under_32_concurrent_clients(desk: Gateway) -> None:
    who = tokens(desk, ("rita", "researcher"))
    desk.airlock.set_budget(
        Actor.local_operator(),
        Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 10_000, timedelta(days=1)),
    )
    payload = b"x,y\n" + b"1,2\n" * 249  # 1000 bytes of CSV
    outcomes: list[str] = []
    lock = threading.Lock()

    def client_thread() -> None:
        outcome = export(desk, who["rita"], payload).json()["outcome"]
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=client_thread) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("allow") == 10
    assert outcomes.count("deny") == 22
    assert desk.airlock.verify_ledger().ok


def test_repeated_weight_denials_lock_the_person_until_an_approver_lifts_it(
    desk: Gateway,
) -> None:
    who = tokens(desk, ("rita", "researcher"), ("ann", "approver"))
    for seed in (1, 2):
        leaked = weights(np.random.default_rng(seed), 2 << 20, "float16")
        assert export(desk, who["rita"], leaked).json()["outcome"] == "deny"
    blocked = export(desk, who["rita"], b"epoch,loss\n1,0.4\n").json()
    assert blocked["outcome"] == "deny"
    assert blocked["request"]["decisions"][0]["reasons"][0]["code"] == "locked"
    with desk.client(who["rita"]) as rita:
        assert (
            rita.post(
                "/locks/lift", json={"scope": "principal", "subject": "rita", "reason": "me"}
            ).status_code
            == 403
        )
        assert [k["subject"] for k in rita.get("/locks").json() if k["active"]] == ["rita"]
    with desk.client(who["ann"]) as ann:
        lifted = ann.post(
            "/locks/lift",
            json={"scope": "principal", "subject": "rita", "reason": "talked to rita: test data"},
        )
        assert lifted.json() == {"lifted": 1}
    assert export(desk, who["rita"], b"epoch,loss\n1,0.4\n").json()["outcome"] == "allow"
    kinds = [desk.airlock.ledger.record(i)["kind"] for i in range(desk.airlock.ledger.size())]
    assert "lock.add" in kinds and "lock.lift" in kinds
    assert desk.airlock.verify_ledger().ok


def test_friction_metrics_over_http_and_cli(
    desk: Gateway, clock: FixedClock, initialised_cli: CliRunner
) -> None:
    who = tokens(desk, ("rita", "researcher"), ("ann", "approver"), ("bob", "approver"))
    assert export(desk, who["rita"], b"a,b\n1,2\n").json()["outcome"] == "allow"
    held = export(desk, who["rita"], np.random.default_rng(3).bytes(50_000)).json()
    clock.advance(timedelta(minutes=30))
    vote = {"approve": True, "reason": "ok", "digest": held["request"]["digest"]}
    for name in ("ann", "bob"):
        with desk.client(who[name]) as client:
            client.post(f"/requests/{held['request']['id']}/votes", json=vote)
    with desk.client(who["ann"]) as ann:
        metrics = ann.get("/metrics/friction", params={"days": 1}).json()
    assert metrics["requests"] == 2
    assert metrics["auto_release_rate"] == 0.5
    assert metrics["p90_seconds_to_decision"] == 1800
    assert metrics["manual_approvals_per_approver_per_day"] == {"ann": 1.0, "bob": 1.0}
    assert "auto-release rate" in initialised_cli("metrics").out
