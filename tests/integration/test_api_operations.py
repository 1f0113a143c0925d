"""The operator's HTTP API (issue 18): budgets, locks, scans, protected models, datasets and
lineage over real HTTP on 127.0.0.1, each doing what its CLI command does."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator

import numpy as np
import pytest

from airlock.service import Airlock
from airlock.settings import Settings
from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner, Gateway, start_gateway

REVIEWS = b"text,label\n" + b"".join(
    f"review {i} of the film,{i % 2}\n".encode() for i in range(200)
)


@pytest.fixture
def desk(initialised_cli: CliRunner) -> Iterator[Gateway]:
    airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        yield from start_gateway(airlock)
    finally:
        airlock.close()


def people(gateway: Gateway, **roles: str) -> dict[str, str]:
    with gateway.client(gateway.admin_token) as admin:
        return {
            name: admin.post("/principals", json={"name": name, "role": role}).json()["token"]
            for name, role in roles.items()
        }


def test_budgets_are_set_with_units_and_listed_with_use(desk: Gateway) -> None:
    who = people(desk, rita="researcher", aud="auditor")
    with desk.client(desk.admin_token) as admin:
        set_ = admin.post("/budgets", json={"scope": "enclave", "limit": "100MB", "window": "1d"})
        assert set_.status_code == 200, set_.text
        assert set_.json()["limit"] == 100_000_000 and set_.json()["limit_text"] == "95 MiB"
        bad = admin.post("/budgets", json={"scope": "enclave", "limit": "lots"})
        assert bad.status_code == 400 and bad.json()["error"]["type"] == "InvalidInput"
    with desk.client(who["rita"]) as rita:
        assert (
            rita.post(
                "/exports", files={"file": ("a.csv", b"x,y\n1,2\n")}, data={"purpose": "p"}
            ).status_code
            == 201
        )
        assert rita.post("/budgets", json={"scope": "enclave", "limit": 1}).status_code == 403
        assert rita.get("/budgets").status_code == 403
    with desk.client(who["aud"]) as auditor:
        listed = auditor.get("/budgets").json()
    enclave = next(b for b in listed if b["scope"] == "enclave")
    assert enclave["used"] == 8 and enclave["used_text"] == "8 B"
    assert enclave["window_text"] == "1 day"


def test_locks_are_imposed_and_lifted_over_http(desk: Gateway) -> None:
    who = people(desk, rita="researcher", bob="approver", carol="approver")
    with desk.client(who["bob"]) as bob:
        locked = bob.post(
            "/locks", json={"scope": "principal", "subject": "rita", "reason": "drill", "hours": 1}
        )
        assert locked.status_code == 201, locked.text
        assert locked.json()["active"] is True
        whole = bob.post("/locks", json={"scope": "enclave", "subject": "*", "reason": "all"})
        assert whole.status_code == 403
    with desk.client(who["rita"]) as rita:
        denied = rita.post("/exports", files={"file": ("a.csv", b"x\n1\n")}, data={"purpose": "p"})
        assert denied.json()["outcome"] == "deny"
    with desk.client(who["carol"]) as carol:
        lifted = carol.post(
            "/locks/lift", json={"scope": "principal", "subject": "rita", "reason": "over"}
        )
        assert lifted.json() == {"lifted": 1}


def test_a_scan_reports_without_recording(desk: Gateway) -> None:
    who = people(desk, rita="researcher")
    with desk.client(who["rita"]) as rita:
        text = rita.post("/scans", files={"file": ("loss.csv", b"step,loss\n1,0.5\n")})
        blob = rita.post("/scans", files={"file": ("blob.bin", os.urandom(50_000))})
        assert rita.get("/requests").json() == []
    assert text.status_code == 200 and text.json()["verdict"] == "allow"
    assert blob.json()["verdict"] == "hold" and blob.json()["findings"]
    assert blob.json()["size_text"] == "49 KiB"


def test_protected_models_are_registered_listed_and_matched(desk: Gateway) -> None:
    who = people(desk, rita="researcher")
    model = weights(np.random.default_rng(3), 600_000, "float16")
    with desk.client(desk.admin_token) as admin:
        made = admin.post(
            "/protected-models", files={"file": ("m.bin", model)}, data={"name": "frontier"}
        )
        assert made.status_code == 201, made.text
        assert made.json()["size_bytes"] == len(model) and made.json()["chunks"] > 0
        again = admin.post(
            "/protected-models", files={"file": ("m.bin", model)}, data={"name": "frontier"}
        )
        assert again.status_code == 409
        assert [m["name"] for m in admin.get("/protected-models").json()] == ["frontier"]
        assert admin.get("/protected-models/frontier").json()["name"] == "frontier"
        assert admin.get("/protected-models/none").status_code == 404
    with desk.client(who["rita"]) as rita:
        assert (
            rita.post(
                "/protected-models", files={"file": ("m.bin", model)}, data={"name": "x"}
            ).status_code
            == 403
        )
        piece = rita.post(
            "/exports", files={"file": ("p.bin", model[:300_000])}, data={"purpose": "p"}
        )
        assert piece.json()["outcome"] == "deny"


def test_a_dataset_is_imported_shown_released_and_traced(desk: Gateway) -> None:
    who = people(desk, rita="researcher", bob="approver", olga="researcher")
    with desk.client(who["rita"]) as rita:
        made = rita.post(
            "/datasets",
            files={"file": ("reviews.csv", REVIEWS)},
            data={"source": "https://vendor.example/reviews"},
        )
        assert made.status_code == 201, made.text
        body = made.json()
        ds = body["dataset"]["id"]
        assert body["outcome"] in {"allow", "hold"}
        assert [d["id"] for d in rita.get("/datasets").json()] == [ds]
        assert rita.get(f"/datasets/{ds}").json()["manifest"]["files"][0]["name"] == "reviews.csv"
        assert rita.post(f"/datasets/{ds}/release").status_code == 403  # researchers do not
    with desk.client(who["olga"]) as olga:
        assert olga.get("/datasets").json() == []
        assert olga.get(f"/datasets/{ds}").status_code == 403
    with desk.client(desk.admin_token) as admin:
        assert admin.post(f"/datasets/{ds}/scan").status_code == 200
        if body["outcome"] == "allow":
            released = admin.post(f"/datasets/{ds}/release")
            assert released.status_code == 200, released.text
            with tarfile.open(fileobj=io.BytesIO(released.content)) as tar:
                member = tar.extractfile("reviews.csv")
                assert member is not None and member.read() == REVIEWS
        added = admin.post("/lineage", json={"model": "monitor-v3", "trained_on": [ds]})
        assert added.status_code == 201 and added.json()["added"] == 1
        radius = admin.post(
            "/lineage/blast-radius", json={"origin": "https://vendor.example/reviews"}
        )
        assert radius.status_code == 200, radius.text
        assert radius.json()["datasets"] == [ds]
        assert "monitor-v3" in str(radius.json()["models"])
        assert admin.post("/lineage/blast-radius", json={"origin": "nowhere"}).status_code == 404
