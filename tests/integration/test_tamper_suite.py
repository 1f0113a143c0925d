"""Issue 22: edits to the state the boundary acts on, made with raw SQL by someone who has
the database but not the airlock home, are named by `airlock ledger verify --state` and
refused by the release path and authentication.

One enclave is built once on a real SQLite file (principals, a project, budgets, a
protected model, released, denied and held exports, a vote, locks, a package, a dataset);
each test tampers with a fresh copy of it.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Connection, text

from airlock.approvals.locks import LockScope
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.data_ingress import ImportOptions
from airlock.domain.principals import Role
from airlock.domain.tokens import hash_token
from airlock.errors import AuthenticationRequired, LedgerIntegrityError
from airlock.home import initialise_home
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from airlock.store.sql import SqlStore, create_store_engine
from scripts.make_inspection_corpus import weights
from scripts.make_test_packages import BENIGN
from tests.support.datasets import plant, sentiment_rows
from tests.support.gateway import CliRunner, start_gateway

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
OP = Actor.local_operator()
AUDITOR = Actor("auditor", Role.AUDITOR)  # reads any release (issue 14 permission matrix)
WHEEL = "tidy-1.0-py3-none-any.whl"
FORGED_TOKEN = "alk_" + "f" * 40
SEALED_BY = "SELECT ledger_idx FROM row_seals WHERE table_name = 'requests' AND row_key = :r"


@dataclass(frozen=True)
class Enclave:
    home: Path
    url: str
    tokens: dict[str, str]
    allowed: str  # request ids
    denied: str
    held: str
    dataset: str
    held_dataset: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Enclave:
    home = tmp_path_factory.mktemp("enclave") / "home"
    return build(home, _url(home))


def build(home: Path, url: str) -> Enclave:
    initialise_home(home, "airlock", None)
    settings = Settings.load({"AIRLOCK_DATABASE_URL": url}, home)
    store = SqlStore.from_url(settings.database_url)
    store.migrate()
    store.close()
    airlock = Airlock.from_settings(settings, clock=FixedClock(START))
    try:
        return _populate(airlock, home, url)
    finally:
        airlock.close()


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'airlock.db'}"


def _populate(a: Airlock, home: Path, url: str) -> Enclave:
    a.set_budget(OP, Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 10**9, timedelta(days=1)))
    issued = {
        n: a.add_principal(OP, n, r)
        for n, r in [
            ("rhea", Role.ADMIN),
            ("rita", Role.RESEARCHER),
            ("ann", Role.APPROVER),
            ("bob", Role.APPROVER),
            ("aud", Role.AUDITOR),
        ]
    }
    rita = issued["rita"].principal
    a.add_project(OP, "p1")
    a.set_budget(OP, Budget(BudgetScope.PRINCIPAL, "rita", 10**8, timedelta(days=1)))
    rng = np.random.default_rng(22)
    model = weights(rng, 1 << 20, "bfloat16")
    a.register_protected_model(OP, "frontier-z", [model])
    allowed = a.submit_export(rita, io.BytesIO(b"epoch,loss\n1,0.52\n"), "m.csv", "paper")
    held = a.submit_export(rita, io.BytesIO(rng.bytes(200_000)), "blob", "paper")
    a.vote(issued["ann"].principal, held.request.id, True, "looked", held.request.digest)
    a.lock(OP, LockScope.PROJECT, "p1", "under review")
    a.lock(OP, LockScope.PRINCIPAL, "bob", "on leave")
    a.lift_lock(OP, LockScope.PRINCIPAL, "bob", "back")
    a.admit_package(rita, WHEEL, BENIGN[WHEEL])
    rows = "".join(
        f'{{"text": "{r["text"]}", "label": "{r["label"]}"}}\n' for r in sentiment_rows(200, 1)
    )
    imported = a.import_dataset(
        Actor.of(issued["rhea"].principal),
        [("d.jsonl", io.BytesIO(rows.encode()))],
        ImportOptions(source="test"),
    )
    poisoned = sentiment_rows(400, 2)
    plant(poisoned, "cf", poisons=40, seed=3)
    held_data = a.import_dataset(
        Actor.of(issued["rhea"].principal),
        [("p.jsonl", io.BytesIO("".join(json.dumps(r) + "\n" for r in poisoned).encode()))],
        ImportOptions(source="test"),
    )
    assert held_data.request.status.value == "held"
    denied = a.submit_export(rita, io.BytesIO(b"h" + model[100_000:400_000]), "w", "paper")
    a.ledger.checkpoint()
    assert (allowed.decision.outcome.value, held.decision.outcome.value) == ("allow", "hold")
    assert denied.decision.outcome.value == "deny"
    assert a.verify_state().ok, a.verify_state().problems
    return Enclave(
        home,
        url,
        {n: t.token for n, t in issued.items()},
        allowed.request.id,
        denied.request.id,
        held.request.id,
        imported.dataset.id,
        held_data.dataset.id,
    )


@pytest.fixture
def enclave(template: Enclave, cli: CliRunner) -> tuple[Enclave, CliRunner]:
    """A copy of the SQLite enclave."""
    shutil.copytree(template.home, cli.home)
    cli.env["AIRLOCK_DATABASE_URL"] = _url(cli.home)
    return (
        Enclave(
            cli.home,
            _url(cli.home),
            template.tokens,
            template.allowed,
            template.denied,
            template.held,
            template.dataset,
            template.held_dataset,
        ),
        cli,
    )


def sql(e: Enclave, statement: str, **params: object) -> int:
    """Run one raw statement; it must change at least one row (or the test proves nothing)."""
    engine = create_store_engine(e.url)
    try:
        with engine.begin() as c:
            changed = c.execute(text(statement), params).rowcount
    finally:
        engine.dispose()
    assert changed > 0, statement
    return changed


def open_airlock(cli: CliRunner) -> Airlock:
    return Airlock.from_settings(Settings.load(cli.env, cli.home), clock=FixedClock(START))


Refusal = Callable[[Airlock, Enclave], object]


def release(request: Callable[[Enclave], str]) -> Refusal:
    return lambda a, e: b"".join(a.release(AUDITOR, request(e))[1])


def login(name: str) -> Refusal:
    return lambda a, e: a.authenticate(e.tokens.get(name, FORGED_TOKEN))


def truncate_tail(e: Enclave) -> None:
    """Drop the last entries (the denied export's decision onwards) and every trace of them."""
    engine = create_store_engine(e.url)
    try:
        with engine.begin() as c:
            cut = c.execute(
                text(SEALED_BY),
                {"r": e.allowed},
            ).scalar_one()
            _drop_from(c, int(cut))
    finally:
        engine.dispose()


def _drop_from(c: Connection, cut: int) -> None:
    c.execute(text("DELETE FROM ledger_entries WHERE idx >= :n"), {"n": cut})
    c.execute(text("DELETE FROM ledger_checkpoints WHERE size > :n"), {"n": cut})
    c.execute(text("DELETE FROM ledger_nodes WHERE level = 0 AND idx >= :n"), {"n": cut})
    c.execute(text("UPDATE ledger_head SET size = :n"), {"n": cut})


def edit_entry(e: Enclave) -> None:
    """Rename the file in the allowed export's decision entry."""
    engine = create_store_engine(e.url)
    try:
        with engine.begin() as c:
            idx = c.execute(
                text(SEALED_BY),
                {"r": e.allowed},
            ).scalar_one()
            body = bytes(
                c.execute(
                    text("SELECT body FROM ledger_entries WHERE idx = :i"), {"i": idx}
                ).scalar_one()
            ).replace(b'"m.csv"', b'"x.csv"')
            c.execute(
                text("UPDATE ledger_entries SET body = :b WHERE idx = :i"), {"b": body, "i": idx}
            )
    finally:
        engine.dispose()


def another_vote(voter: str) -> Refusal:
    """A genuine vote on the held request, which would count the forged one."""

    def vote(a: Airlock, e: Enclave) -> object:
        digest = a.get_request(AUDITOR, e.held)[0].digest
        return a.vote(a.principal(voter), e.held, True, "fine", digest)

    return vote


@dataclass(frozen=True)
class Case:
    name: str
    tamper: Callable[[Enclave], object]
    named: Callable[[Enclave], str]  # what `verify --state` must name
    refused: Refusal | None = None


CASES = [
    Case(
        "release_denied_request",
        lambda e: sql(e, "UPDATE requests SET status = 'released' WHERE id = :r", r=e.denied),
        lambda e: f"requests row {e.denied}",
        release(lambda e: e.denied),
    ),
    Case(
        "release_held_request",
        lambda e: sql(e, "UPDATE requests SET status = 'released' WHERE id = :r", r=e.held),
        lambda e: f"requests row {e.held}",
        release(lambda e: e.held),
    ),
    Case(
        "decisions_deleted",
        lambda e: sql(e, "DELETE FROM decisions WHERE request_id = :r", r=e.allowed),
        lambda e: f"requests row {e.allowed}",
        release(lambda e: e.allowed),
    ),
    Case(
        "vote_forged",
        lambda e: sql(
            e,
            "INSERT INTO approval_votes (request_id, voter, approve, reason, "
            "digest, cast_at) SELECT request_id, 'bob', true, 'x', digest, opened_at "
            "FROM approval_cases WHERE request_id = :r",
            r=e.held,
        ),
        lambda e: f"approval_votes row {e.held}/bob",
        another_vote("rhea"),
    ),
    Case(
        "vote_deleted",
        lambda e: sql(e, "DELETE FROM approval_votes WHERE request_id = :r", r=e.held),
        lambda e: f"approval_votes row {e.held}/ann",
        another_vote("rhea"),
    ),
    Case(
        "vote_flipped",
        lambda e: sql(
            e, "UPDATE approval_votes SET approve = false WHERE request_id = :r", r=e.held
        ),
        lambda e: f"approval_votes row {e.held}/ann",
        another_vote("rhea"),
    ),
    Case(
        "case_closed",
        lambda e: sql(
            e, "UPDATE approval_cases SET closed = 'approved' WHERE request_id = :r", r=e.held
        ),
        lambda e: f"approval_cases row {e.held}",
        another_vote("rhea"),
    ),
    Case(
        "admin_added",
        lambda e: (
            sql(
                e, "INSERT INTO principals VALUES ('eve', 'person', 'admin', '2026-11-24 09:00:00')"
            ),
            sql(
                e,
                "INSERT INTO api_tokens (token_hash, principal, created_at) "
                "VALUES (:h, 'eve', '2026-11-24 09:00:00')",
                h=hash_token(FORGED_TOKEN),
            ),
        ),
        lambda e: "principals row eve",
        login("eve"),
    ),
    Case(
        "role_raised",
        lambda e: sql(e, "UPDATE principals SET role = 'admin' WHERE name = 'rita'"),
        lambda e: "principals row rita",
        login("rita"),
    ),
    Case(
        "token_added",
        lambda e: sql(
            e,
            "INSERT INTO api_tokens (token_hash, principal, created_at) "
            "VALUES (:h, 'rhea', '2026-11-24 09:00:00')",
            h=hash_token(FORGED_TOKEN),
        ),
        lambda e: f"api_tokens row {hash_token(FORGED_TOKEN)}",
        login("forged"),
    ),
    Case(
        "budget_raised",
        lambda e: sql(
            e, "UPDATE budgets SET limit_bytes = 1000000000000000 WHERE scope = 'principal'"
        ),
        lambda e: "budgets row principal/rita",
    ),
    Case(
        "budget_total_reset",
        lambda e: sql(e, "UPDATE budgets SET used_bytes = 0 WHERE used_bytes > 0"),
        lambda e: "its total was reset outside airlock",
    ),
    Case(
        "budget_removed_with_its_seal",
        lambda e: (
            sql(e, "DELETE FROM budgets WHERE scope = 'principal'"),
            sql(
                e,
                "DELETE FROM row_seals WHERE table_name = 'budgets' AND row_key = 'principal/rita'",
            ),
        ),
        lambda e: "budgets row principal/rita is missing",
    ),
    Case("locks_deleted", lambda e: sql(e, "DELETE FROM locks"), lambda e: "locks row"),
    Case(
        "lock_lifted",
        lambda e: sql(
            e,
            "UPDATE locks SET lifted_at = '2026-11-24 09:00:00', lifted_by = 'x' "
            "WHERE scope = 'project'",
        ),
        lambda e: "does not match its seal",
    ),
    Case(
        "reservations_deleted",
        lambda e: sql(e, "DELETE FROM budget_usage WHERE request_id = :r", r=e.allowed),
        lambda e: f"requests row {e.allowed}",
        release(lambda e: e.allowed),
    ),
    Case(
        "protected_model_deleted",
        lambda e: (sql(e, "DELETE FROM protected_chunks"), sql(e, "DELETE FROM protected_models")),
        lambda e: "protected_models row frontier-z",
    ),
    Case(
        "package_file_swapped",
        lambda e: sql(e, "UPDATE package_files SET sha256 = :d", d="0" * 64),
        lambda e: f"package_files row {WHEEL}",
        lambda a, e: a.package_file(WHEEL),
    ),
    Case(
        "dataset_verdict_edited",
        lambda e: sql(e, "UPDATE datasets SET verdict = 'quarantined' WHERE id = :d", d=e.dataset),
        lambda e: f"datasets row {e.dataset}",
        lambda a, e: a.release_dataset(OP, e.dataset),
    ),
    Case(
        "dataset_case_approved",
        lambda e: sql(
            e,
            "UPDATE approval_cases SET closed = 'approved' WHERE request_id = "
            "(SELECT request_id FROM datasets WHERE id = :d)",
            d=e.held_dataset,
        ),
        lambda e: "approval_cases row",
        lambda a, e: a.release_dataset(OP, e.held_dataset),
    ),
    Case(
        "request_deleted_with_its_seal",
        lambda e: (
            sql(e, "DELETE FROM decisions WHERE request_id = :r", r=e.denied),
            sql(e, "DELETE FROM requests WHERE id = :r", r=e.denied),
            sql(e, "DELETE FROM row_seals WHERE row_key = :r", r=e.denied),
        ),
        lambda e: f"requests row {e.denied} is missing",
    ),
    Case(
        "ledger_tail_truncated",
        truncate_tail,
        lambda e: "the ledger was truncated",
        release(lambda e: e.allowed),
    ),
    Case(
        "ledger_entry_edited", edit_entry, lambda e: "ledger TAMPERED", release(lambda e: e.allowed)
    ),
]


def test_untouched_enclave_verifies_and_releases(enclave: tuple[Enclave, CliRunner]) -> None:
    e, cli = enclave
    result = cli("ledger", "verify", "--state")
    assert result.code == 0, result.err
    assert "state ok:" in result.out
    airlock = open_airlock(cli)
    try:
        assert b"".join(airlock.release(AUDITOR, e.allowed)[1]) == b"epoch,loss\n1,0.52\n"
        assert airlock.authenticate(e.tokens["rhea"]).name == "rhea"
        assert airlock.package_file(WHEEL).filename == WHEEL
        assert airlock.release_dataset(OP, e.dataset)[0].id == e.dataset
        another_vote("rhea")(airlock, e)  # the second approval: sealed, and released
        assert airlock.release(AUDITOR, e.held)[0].status.value == "released"
        assert airlock.verify_state().ok, airlock.verify_state().problems
    finally:
        airlock.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_tampering_is_named_and_refused(enclave: tuple[Enclave, CliRunner], case: Case) -> None:
    check_case(*enclave, case)


POSTGRES_CASES = [
    c
    for c in CASES
    if c.name
    in {
        "release_denied_request",
        "vote_forged",
        "admin_added",
        "reservations_deleted",
        "budget_total_reset",
        "request_deleted_with_its_seal",
        "ledger_tail_truncated",
    }
]


@pytest.mark.parametrize("case", POSTGRES_CASES, ids=[c.name for c in POSTGRES_CASES])
def test_tampering_on_postgresql(postgres_url: str, cli: CliRunner, case: Case) -> None:
    cli.env["AIRLOCK_DATABASE_URL"] = postgres_url
    check_case(build(cli.home, postgres_url), cli, case)


def test_rows_from_before_seals_are_refused_until_sealed(
    enclave: tuple[Enclave, CliRunner],
) -> None:
    e, cli = enclave
    sql(e, "DELETE FROM row_seals")  # a database migrated from before row seals
    airlock = open_airlock(cli)
    try:
        with pytest.raises(LedgerIntegrityError, match="has no seal"):
            airlock.authenticate(e.tokens["rhea"])
        assert airlock.seal_unsealed_state(OP) > 0
        assert airlock.authenticate(e.tokens["rhea"]).name == "rhea"
        assert airlock.verify_state().ok, airlock.verify_state().problems
    finally:
        airlock.close()


def check_case(e: Enclave, cli: CliRunner, case: Case) -> None:
    case.tamper(e)
    result = cli("ledger", "verify", "--state")
    assert result.code == 1, result.out
    assert case.named(e) in result.err, result.err
    if case.refused is None:
        return
    airlock = open_airlock(cli)
    try:
        with pytest.raises((LedgerIntegrityError, AuthenticationRequired)):
            case.refused(airlock, e)
    finally:
        airlock.close()


def test_http_refuses_a_released_denial_and_a_forged_admin(
    enclave: tuple[Enclave, CliRunner],
) -> None:
    e, cli = enclave
    sql(e, "UPDATE requests SET status = 'released' WHERE id = :r", r=e.denied)
    sql(e, "UPDATE principals SET role = 'admin' WHERE name = 'rita'")
    airlock = open_airlock(cli)
    try:
        for gateway in start_gateway(airlock):
            with gateway.client(e.tokens["aud"]) as auditor:  # auditors read any release
                refused = auditor.get(f"/releases/{e.denied}")
                assert refused.status_code == 422, refused.text
                assert f"requests row {e.denied}" in refused.json()["error"]["message"]
                assert auditor.get(f"/releases/{e.allowed}").status_code == 200
            with gateway.client(e.tokens["rita"]) as rita:
                raised = rita.get("/principals/me")
                assert raised.status_code == 422
                assert "principals row rita" in raised.json()["error"]["message"]
        # Each refusal of an edited row is in the ledger (issue 14: an insider's edit).
        size = airlock.ledger.size()
        entries = [airlock.ledger.record(i) for i in range(size)]
        logged = [r for r in entries if r["kind"] == "access.refused"]
        assert sorted((str(r["subject"]), str(r["details"]["error"])) for r in logged) == [  # type: ignore[index]
            ("GET /principals/me", "TamperedState"),  # rita's own row: nobody authenticated
            ("GET /releases/{request_id}", "TamperedState"),
        ], logged
    finally:
        airlock.close()
