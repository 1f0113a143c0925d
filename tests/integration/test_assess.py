"""`airlock assess` on a real enclave (SQLite file): walking it up the levels, and the OSCAL
results whose every evidence link is a receipt that verifies offline."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from trestle.oscal.assessment_results import AssessmentResults

from airlock.assess.attest import Answer
from airlock.assess.evidence import Status
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.domain.principals import Principal, Role
from airlock.errors import PermissionDenied
from airlock.ledger.receipts import verify_receipt
from airlock.ledger.signed_note import COSIGNATURE_V1, NoteSigner, VerifierKey
from airlock.ledger.witness import WitnessState, witness_checkpoint
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_inspection_corpus import weights
from scripts.make_test_packages import BENIGN
from tests.support.gateway import CliRunner, Gateway

OPERATOR = Actor.local_operator()
WITNESS = NoteSigner("witness.example", Ed25519PrivateKey.generate(), COSIGNATURE_V1)
MODEL = weights(np.random.default_rng(17), 2 << 20, "float16")  # 2 MiB: 21 KB at 100x


class Walk:
    """Assess after each step and say which measures moved."""

    def __init__(self, airlock: Airlock) -> None:
        self.airlock = airlock
        self.sbom: tuple[tuple[str, str], ...] | None = None
        self.before = self.statuses()

    def statuses(self) -> dict[str, Status]:
        assessment = self.airlock.assess(5, self.sbom)
        self.level = assessment.level
        return {f.control.id: f.status for f in assessment.findings}

    def step(self) -> dict[str, tuple[Status, Status]]:
        after = self.statuses()
        moved = {k: (self.before[k], after[k]) for k in after if after[k] is not self.before[k]}
        self.before = after
        return moved


def _cosign(airlock: Airlock, clock: FixedClock) -> None:
    signed = airlock.ledger.checkpoint()
    cosigned = witness_checkpoint(
        WitnessState(None),
        signed.text,
        [],
        log_key=airlock.ledger.verifier_key,
        witness=WITNESS,
        timestamp=int(clock.now().timestamp()),
    )
    airlock.accept_cosignature(OPERATOR, cosigned.note_with_cosignature)


def _person(airlock: Airlock, name: str, role: Role) -> Principal:
    return airlock.add_principal(OPERATOR, name, role).principal


def test_each_control_added_flips_exactly_its_findings(
    initialised_cli: CliRunner,
) -> None:
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    settings = replace(
        settings, ledger=replace(settings.ledger, witness_keys=(WITNESS.verifier.encode(),))
    )
    opened = Airlock.from_settings(settings)
    clock = FixedClock()
    airlock = Airlock(
        settings,
        opened._store,
        clock,
        opened._policy,
        opened._signing_key,
    )
    sat, no, na = Status.SATISFIED, Status.NOT_SATISFIED, Status.NOT_ASSESSED
    try:
        walk = Walk(airlock)
        assert walk.level == 0  # a fresh home: nothing protected yet
        assert walk.before["cm-inventory"] is no

        airlock.register_protected_model(OPERATOR, "frontier-1", [MODEL])
        assert walk.step() == {
            "cm-inventory": (no, sat),  # and now there is something to measure, too fast:
            **{f"sc-exfil-sl{n}": (na, no) for n in (3, 4, 5)},
        }
        assert walk.level == 2  # init set a budget; policy, locks and ledger are in place

        rita = _person(airlock, "rita", Role.RESEARCHER)
        bob = _person(airlock, "bob", Role.APPROVER)
        carol_token = airlock.add_principal(OPERATOR, "carol", Role.APPROVER).token
        carol = airlock.authenticate(carol_token)
        held = airlock.submit_export(rita, io.BytesIO(bytes(range(256)) * 16), "b.bin", "eval")
        assert held.decision.outcome.value == "hold"
        assert walk.step() == {}  # held, not yet released: dual approval is not yet shown
        digest = held.request.digest
        airlock.vote(bob, held.request.id, True, "looked at it", digest)
        airlock.vote(carol, held.request.id, True, "me too", digest)
        assert walk.step() == {"ac-dual-used": (na, sat), "ac-identity": (na, sat)}

        _cosign(airlock, clock)
        assert walk.step() == {"au-witness": (no, sat)}
        clock.advance(timedelta(minutes=5))  # the witness goes quiet; the log moves on
        walk.statuses()  # an assessment appends and signs a newer checkpoint
        assert walk.step() == {"au-witness": (sat, no)}
        _cosign(airlock, clock)
        assert walk.step() == {"au-witness": (no, sat)}

        tight = Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 50, timedelta(days=1))  # 419 days
        airlock.set_budget(OPERATOR, tight)
        assert walk.step() == {f"sc-exfil-sl{n}": (no, sat) for n in (3, 4, 5)}
        floor = next(f for f in airlock.assess(5).findings if f.control.id == "sc-exfil-sl5")
        assert "x lossless (measured)" in floor.reason  # measured when the model was registered

        airlock.attest(
            carol, [Answer(c, True, "carol", "checked") for c in ("sc-isolation", "pe-physical")]
        )
        assert walk.step() == {"sc-isolation": (na, sat), "pe-physical": (na, sat)}
        assert walk.level == 2  # the allow-list is not assessed without an SBOM

        filename = "tidy-1.0-py3-none-any.whl"
        admitted = airlock.admit_package(rita, filename, BENIGN[filename])
        assert admitted.request.status.value == "released"
        walk.sbom = (("tidy", "1.0"),)
        assert walk.step() == {"cm-allowlist": (na, sat)}
        assert walk.level == 3
        walk.sbom = (("tidy", "1.0"), ("unvetted", "0.1"))
        assert walk.step() == {"cm-allowlist": (sat, no)}
        assert walk.level == 2
        walk.sbom = (("tidy", "1.0"),)
        walk.step()

        airlock.attest(carol, [Answer(c, True, "carol", "") for c in ("pe-personnel", "sc-hsm")])
        walk.step()
        assert walk.level == 4
        airlock.attest(
            carol, [Answer(c, True, "carol", "") for c in ("sc-hw-ratelimit", "sc-confidential")]
        )
        walk.step()
        assert walk.level == 5

        airlock.attest(carol, [Answer("sc-hsm", False, "carol", "keys moved to disk")])
        assert walk.step() == {"sc-hsm": (sat, no)}
        assert walk.level == 3

        loose = Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 100 << 20, timedelta(days=1))
        airlock.set_budget(OPERATOR, loose)  # removing the budget floor flips it back
        assert walk.step() == {f"sc-exfil-sl{n}": (sat, no) for n in (3, 4, 5)}
        assert walk.level == 2
        assert airlock.verify_ledger().ok
    finally:
        airlock.close()


def test_answers_are_only_ever_the_signed_in_persons_own(initialised_cli: CliRunner) -> None:
    airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        carol = airlock.add_principal(OPERATOR, "carol", Role.APPROVER).principal
        with pytest.raises(PermissionDenied, match="each person records their own"):
            airlock.attest(carol, [Answer("pe-physical", True, "dave", "")])
        findings = {f.control.id: f.status for f in airlock.assess(3).findings}
        assert findings["pe-physical"] is Status.NOT_ASSESSED
    finally:
        airlock.close()


def test_oscal_results_validate_and_every_evidence_link_verifies_offline(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    model = tmp_path / "model.bin"
    model.write_bytes(MODEL)
    assert cli("weights", "register", str(model), "--name", "frontier-1").code == 0
    first = cli("assess")
    assert first.code == 0, first.err
    assert "Level reached: SL2" in first.out

    out = tmp_path / "assessment"
    result = cli("assess", "-o", str(out), "--since", "last")
    assert result.code == 0, result.err
    assert "## Since the earlier assessment" in result.out
    assert "nothing moved" in result.out

    parsed = AssessmentResults.oscal_read(out / "assessment-results.json")
    assert isinstance(parsed, AssessmentResults)
    assert (out / parsed.import_ap.href).is_file()  # the profile it was assessed against
    key = VerifierKey.parse((cli.home / "ledger.pub").read_text(encoding="utf-8").strip())
    document = json.loads((out / "assessment-results.json").read_text(encoding="utf-8"))
    observations = document["assessment-results"]["results"][0]["observations"]
    links = 0
    for observation in observations:
        assert observation["relevant-evidence"], observation["title"]
        for evidence in observation["relevant-evidence"]:
            receipt = verify_receipt((out / evidence["href"]).read_bytes(), key)
            index = next(p["value"] for p in evidence["props"] if p["name"] == "ledger-index")
            assert receipt.index == int(index)
            links += 1
    assert links >= len(observations)

    index = int(result.err.split("ledger entry ")[1].split(" ")[0])
    shown = json.loads(cli("ledger", "show", str(index)).out)["record"]
    assert shown["kind"] == "assess.result"
    digest = hashlib.sha256((out / "assessment-results.json").read_bytes()).hexdigest()
    assert shown["details"]["results_sha256"] == digest


def test_a_wrong_since_reference_is_refused_before_anything_is_recorded(
    initialised_cli: CliRunner,
) -> None:
    cli = initialised_cli
    size = int(cli("ledger", "checkpoint").out.splitlines()[1])  # a checkpoint's size line
    for reference in ("last", "0", "999", "x"):
        refused = cli("assess", "--since", reference)
        assert refused.code == 2, (reference, refused.err)
    assert int(cli("ledger", "checkpoint").out.splitlines()[1]) == size  # nothing recorded
    assert "not an assessment" in cli("assess", "--since", "0").err


def test_the_markdown_report_reads_in_a_terminal(initialised_cli: CliRunner) -> None:
    result = initialised_cli("assess", "--level", "SL3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "<" not in result.out.replace("<=", "")  # no HTML
    assert "\x1b" not in result.out  # no terminal escapes
    assert lines[2].startswith("Level reached: SL0") or "Level reached: SL0" in result.out


def test_questionnaire_round_trip_through_the_cli(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    template = cli("assess", "questionnaire").out
    assert "[answers.pe-physical]" in template
    token = cli("principal", "add", "carol", "--role", "approver").out.strip().split()[-1]
    filled = template.replace(
        '[answers.pe-physical]\nanswer = ""\nby = ""',
        '[answers.pe-physical]\nanswer = "yes"\nby = "carol"',
    )
    path = tmp_path / "answers.toml"
    path.write_text(filled, encoding="utf-8")
    assert cli("assess", "attest", str(path)).code == 2  # no token: refused
    recorded = cli("assess", "attest", str(path), env={"AIRLOCK_TOKEN": token})
    assert recorded.code == 0, recorded.err
    assert "pe-physical: yes by carol" in recorded.out
    report = cli("assess", "--level", "SL3").out
    assert "carol attests" in report


@pytest.mark.postgres
def test_assess_on_postgres(cli: CliRunner, postgres_url: str, tmp_path: Path) -> None:
    env = {"AIRLOCK_DATABASE_URL": postgres_url}
    assert cli("init", env=env).code == 0
    model = tmp_path / "model.bin"
    model.write_bytes(MODEL)
    assert cli("weights", "register", str(model), "--name", "frontier-1", env=env).code == 0
    first = cli("assess", env=env)
    assert first.code == 0, first.err
    assert "Level reached: SL2" in first.out
    again = cli("assess", "--since", "last", "-o", str(tmp_path / "out"), env=env)
    assert again.code == 0, again.err
    assert "nothing moved" in again.out
    assert AssessmentResults.oscal_read(tmp_path / "out" / "assessment-results.json") is not None


def test_the_assess_page_is_for_those_who_guard_the_enclave(gateway: Gateway) -> None:
    operator = Actor.local_operator()
    rita = gateway.airlock.add_principal(operator, "rita", Role.RESEARCHER).token
    ann = gateway.airlock.add_principal(operator, "ann", Role.AUDITOR).token
    with gateway.client() as http:
        assert http.get("/ui/assess").status_code == 303  # not signed in: to the login page
        http.cookies.set("airlock_session", rita)
        assert http.get("/ui/assess").status_code == 403
        http.cookies.set("airlock_session", ann)
        page = http.get("/ui/assess?level=SL2")
    assert page.status_code == 200
    assert "Level reached: SL" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
