"""A held release approved by people carries to the project's next release with the same
held code, on a real SQLite home; nothing an insider edits in the database forges one
(ADR 0147)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text

from airlock.domain.principals import Principal, Role
from airlock.package_ingress import Admission
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_test_packages import sdist
from tests.support.gateway import CliRunner, Gateway

OPERATOR = Actor.local_operator()
SETUP = """import subprocess
from setuptools import setup
built = subprocess.check_output({command})
setup(name="zephyrine", version="{version}")
"""


@pytest.fixture
def airlock(initialised_cli: CliRunner) -> Iterator[Airlock]:
    opened = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        yield opened
    finally:
        opened.close()


def people(airlock: Airlock) -> dict[str, Principal]:
    roles = {"rita": Role.RESEARCHER, "ann": Role.APPROVER, "bob": Role.APPROVER}
    return {n: airlock.add_principal(OPERATOR, n, r).principal for n, r in roles.items()}


def admit(
    airlock: Airlock, who: Principal, version: str, *commands: str, served: str = ""
) -> Admission:
    calls = "\n".join(f"subprocess.check_output({c!r})" for c in commands[1:])
    setup = SETUP.format(command=repr(commands[0]), version=version) + calls
    files = {"setup.py": setup, "zephyrine/__init__.py": ""}
    if served:  # a module run on import that runs a program of its own
        files["zephyrine/__init__.py"] = "from . import serve\n"
        files["zephyrine/serve.py"] = f"import subprocess\nsubprocess.check_output({served!r})\n"
    blob = sdist("zephyrine", version, files)
    return airlock.admit_package(who, f"zephyrine-{version}.tar.gz", blob)


def decide(airlock: Airlock, admission: Admission, voters: list[Principal], approve: bool) -> str:
    request = admission.request
    for voter in voters:
        request = airlock.vote(voter, request.id, approve, "read setup.py", request.digest)
    return request.status.value


def test_an_approved_hold_carries_to_the_next_release_and_only_for_unchanged_code(
    airlock: Airlock,
) -> None:
    who = people(airlock)
    first = admit(airlock, who["rita"], "1.2.0", "npm run build")
    assert first.request.status.value == "held"
    assert decide(airlock, first, [who["ann"], who["bob"]], approve=True) == "released"

    again = admit(airlock, who["rita"], "1.3.0", "npm run build")
    assert again.request.status.value == "released"
    carried = again.decision.reasons[0]
    assert carried.code == "carried-approval"
    assert "zephyrine-1.2.0.tar.gz" in carried.message and first.request.id in carried.message
    assert again.decision.reasons[1].code == "process-call"  # what was carried, named
    assert airlock.verify_ledger().ok

    changed = admit(airlock, who["rita"], "1.4.0", "npm run dist")
    assert changed.request.status.value == "held"
    added = admit(airlock, who["rita"], "1.5.0", "npm run build", "npm run postinstall")
    assert added.request.status.value == "held"  # one approved finding, one new
    assert "carried-approval" not in {r.code for r in added.decision.reasons}


def test_a_rejection_outweighs_an_approval_of_the_same_finding(airlock: Airlock) -> None:
    who = people(airlock)
    # Two releases with the same held code, both waiting: people approve one, reject the other.
    first = admit(airlock, who["rita"], "1.2.0", "npm run build")
    second = admit(airlock, who["rita"], "1.3.0", "npm run build")
    assert second.request.status.value == "held"  # an undecided hold carries nothing
    assert decide(airlock, first, [who["ann"], who["bob"]], approve=True) == "released"
    assert decide(airlock, second, [who["ann"]], approve=False) == "denied"
    assert admit(airlock, who["rita"], "1.4.0", "npm run build").request.status.value == "held"


def test_a_rejection_edited_into_an_approval_in_the_database_carries_nothing(
    airlock: Airlock, initialised_cli: CliRunner
) -> None:
    who = people(airlock)
    first = admit(airlock, who["rita"], "1.2.0", "npm run build")
    assert decide(airlock, first, [who["ann"]], approve=False) == "denied"
    engine = create_engine(airlock.settings.database_url)
    with engine.begin() as connection:
        edited = connection.execute(
            text("UPDATE requests SET status = 'released' WHERE id = :id"),
            {"id": first.request.id},
        )
        assert edited.rowcount == 1
    engine.dispose()
    forged = admit(airlock, who["rita"], "1.3.0", "npm run build")
    assert forged.request.status.value == "held"
    assert not airlock.verify_state().ok  # and the edit is named by the state check


def test_the_same_code_under_another_project_name_carries_nothing(airlock: Airlock) -> None:
    who = people(airlock)
    first = admit(airlock, who["rita"], "1.2.0", "npm run build")
    decide(airlock, first, [who["ann"], who["bob"]], approve=True)
    setup = SETUP.format(command=repr("npm run build"), version="1.3.0")
    setup = setup.replace('name="zephyrine"', 'name="zephyrine-tools"')
    blob = sdist("zephyrine-tools", "1.3.0", {"setup.py": setup, "zephyrine/__init__.py": ""})
    other = airlock.admit_package(who["rita"], "zephyrine-tools-1.3.0.tar.gz", blob)
    assert other.request.status.value == "held"


def test_the_gateway_says_why_a_held_finding_was_released(gateway: Gateway) -> None:
    airlock = gateway.airlock
    rita = airlock.add_principal(OPERATOR, "rita", Role.RESEARCHER)
    approvers = [airlock.add_principal(OPERATOR, n, Role.APPROVER).principal for n in ("a", "b")]
    first = admit(airlock, rita.principal, "1.2.0", "npm run build")
    decide(airlock, first, approvers, approve=True)
    setup = SETUP.format(command=repr("npm run build"), version="1.3.0")
    blob = sdist("zephyrine", "1.3.0", {"setup.py": setup, "zephyrine/__init__.py": ""})
    with gateway.client(rita.token) as http:
        answer = http.post("/packages", files={"file": ("zephyrine-1.3.0.tar.gz", blob)})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "released" and body["report"]["verdict"] == "hold"
    assert body["reasons"][0]["code"] == "carried-approval"


def test_a_hold_tells_the_approvers_which_findings_are_new_since_an_approval(
    airlock: Airlock,
) -> None:
    who = people(airlock)
    first = admit(airlock, who["rita"], "1.2.0", "npm run build")
    decide(airlock, first, [who["ann"], who["bob"]], approve=True)
    served = admit(airlock, who["rita"], "1.3.0", "npm run build", served="npm run serve")
    assert served.request.status.value == "held"
    told = served.decision.reasons[0]
    assert told.code == "approved-before"
    assert "zephyrine-1.2.0.tar.gz" in told.message
    assert "zephyrine/serve.py:2 (process-call)" in told.message
    assert "setup.py" not in told.message.split("approved:")[1]  # the approved one is not new


def test_an_enclave_that_reviews_every_release_carries_nothing(
    initialised_cli: CliRunner,
) -> None:
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    settings = replace(
        settings, approvals=replace(settings.approvals, carry_package_approvals=False)
    )
    airlock = Airlock.from_settings(settings)
    try:
        who = people(airlock)
        first = admit(airlock, who["rita"], "1.2.0", "npm run build")
        decide(airlock, first, [who["ann"], who["bob"]], approve=True)
        again = admit(airlock, who["rita"], "1.3.0", "npm run build")
        assert again.request.status.value == "held"
        assert {r.code for r in again.decision.reasons} == {"process-call"}
    finally:
        airlock.close()
