"""Publisher pins and attestations at admission, and the protected-names refresh, through
the CLI on a real SQLite home (issue 16), with the real attestation fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_test_packages import BENIGN
from tests.support.gateway import CliRunner, Gateway, ledger_records

FIXTURES = Path(__file__).parents[1] / "fixtures" / "attestations"
SDIST = "pypi_attestations-0.0.19.tar.gz"
PUBLISHER = "github:trailofbits/pypi-attestations:release.yml"


@pytest.fixture
def enclave(initialised_cli: CliRunner) -> CliRunner:
    for name, role in (("alice", "admin"), ("rita", "researcher")):
        assert initialised_cli("principal", "add", name, "--role", role).code == 0
    return initialised_cli


def test_a_pinned_project_needs_its_publishers_attestation(
    enclave: CliRunner, tmp_path: Path
) -> None:
    cli = enclave
    assert cli("package", "publisher", "pin", "pypi-attestations", "github:x").code == 2
    pinned = cli("package", "publisher", "pin", "pypi_attestations", PUBLISHER)
    assert pinned.code == 0, pinned.err
    assert PUBLISHER in cli("package", "publisher", "list").out
    entry = next(r for r in ledger_records(cli) if r["kind"] == "package.publisher.pin")
    assert entry["subject"] == "pypi-attestations" and entry["details"]["publisher"] == PUBLISHER

    bare = tmp_path / "bare" / SDIST
    bare.parent.mkdir()
    shutil.copy(FIXTURES / SDIST, bare)
    held = cli("package", "admit", str(bare), env=cli.signed_in("rita"))
    assert held.code == 10 and "attestation-missing" in held.out, held.out + held.err

    attested = tmp_path / "attested" / SDIST
    attested.parent.mkdir()
    shutil.copy(FIXTURES / SDIST, attested)
    shutil.copy(FIXTURES / (SDIST + ".provenance"), attested.parent)
    # The store keys files by name, so the attested copy is vetted locally here (the pin
    # given on the command line); the attested admission is the next test.
    vetted = cli("package", "vet", str(attested), "--publisher", f"pypi-attestations={PUBLISHER}")
    assert vetted.code == 0 and "published by https://github.com/trailofbits" in vetted.out

    unpinned = cli("package", "publisher", "unpin", "pypi-attestations")
    assert unpinned.code == 0 and cli("package", "publisher", "list").out.count("github:") == 0


def test_an_attested_admission_records_the_publisher(enclave: CliRunner, tmp_path: Path) -> None:
    cli = enclave
    assert cli("package", "publisher", "pin", "pypi-attestations", PUBLISHER).code == 0
    path = tmp_path / SDIST
    shutil.copy(FIXTURES / SDIST, path)
    given = FIXTURES / (SDIST + ".publish.attestation")
    admitted = cli(
        "package", "admit", str(path), "--attestation", str(given), env=cli.signed_in("rita")
    )
    assert admitted.code == 0, admitted.out + admitted.err
    decision = next(r for r in ledger_records(cli) if r["kind"] == "package.decision")
    build = "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@"
    assert decision["details"]["publisher"].startswith(build)
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        recorded = airlock.attested_publishers()
    finally:
        airlock.close()
    assert recorded == {("pypi-attestations", "0.0.19"): build + "refs/tags/v0.0.19"}


def test_a_malformed_or_tampered_attestation_never_passes(
    enclave: CliRunner, tmp_path: Path
) -> None:
    cli = enclave
    path = tmp_path / SDIST
    shutil.copy(FIXTURES / SDIST, path)
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    bad = cli("package", "vet", str(path), "--attestation", str(junk))
    assert bad.code == 2 and "not JSON" in bad.err
    tampered = tmp_path / "t" / SDIST
    tampered.parent.mkdir()
    tampered.write_bytes((FIXTURES / SDIST).read_bytes() + b"\0")
    shutil.copy(FIXTURES / (SDIST + ".provenance"), tampered.parent)
    denied = cli("package", "admit", str(tampered), env=cli.signed_in("rita"))
    assert denied.code == 11 and "attestation-invalid" in denied.out, denied.out + denied.err


def test_refresh_protects_the_index_and_a_popular_list(enclave: CliRunner, tmp_path: Path) -> None:
    cli = enclave
    wheel = tmp_path / "tidy-1.0-py3-none-any.whl"
    wheel.write_bytes(BENIGN[wheel.name])
    assert cli("package", "admit", str(wheel), env=cli.signed_in("rita")).code == 0
    listed = tmp_path / "top.txt"
    listed.write_text("plainn\n")
    refreshed = cli("package", "typosquat", "refresh", "--popular", str(listed))
    assert refreshed.code == 0, refreshed.err
    assert "2 names offered, 2 new" in refreshed.out
    assert cli("package", "typosquat", "refresh", env=cli.signed_in("rita")).code != 0
    assert any(r["kind"] == "package.names.refresh" for r in ledger_records(cli))
    squat = tmp_path / "plain-2.1.tar.gz"  # clean on its merits, one edit from "plainn"
    squat.write_bytes(BENIGN[squat.name])
    held = cli("package", "admit", str(squat), env=cli.signed_in("rita"))
    assert held.code == 10 and "typosquat" in held.out, held.out + held.err


def test_pins_and_an_attested_upload_over_http(gateway: Gateway) -> None:
    airlock = gateway.airlock
    rita = airlock.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).token
    with gateway.client(gateway.admin_token) as admin:
        bad = admin.put("/package-publishers/pypi-attestations", json={"publisher": "x"})
        assert bad.status_code == 400 and "github:OWNER/REPO" in bad.text
        assert (
            admin.put("/package-publishers/no%20such", json={"publisher": PUBLISHER}).status_code
            == 400
        )
        pinned = admin.put("/package-publishers/Pypi_Attestations", json={"publisher": PUBLISHER})
        assert pinned.status_code == 200, pinned.text
        assert admin.get("/package-publishers").json() == {"pypi-attestations": PUBLISHER}
    with gateway.client(rita) as client:
        assert client.put("/package-publishers/x", json={"publisher": PUBLISHER}).status_code == 403
        sent = client.post(
            "/packages",
            files={"file": (SDIST, (FIXTURES / SDIST).read_bytes())},
            data={"attestation": (FIXTURES / (SDIST + ".provenance")).read_text()},
        )
    assert sent.status_code == 201, sent.text
    answer = sent.json()
    assert answer["status"] == "released"
    assert answer["report"]["publisher"].startswith("https://github.com/trailofbits/")
    with gateway.client(gateway.admin_token) as admin:
        assert admin.delete("/package-publishers/pypi-attestations").status_code == 200
        assert admin.get("/package-publishers").json() == {}
