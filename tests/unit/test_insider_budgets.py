"""Budgets an insider cannot split (issue 14), end to end through the facade.

A researcher refused for her budget hands the same files to colleagues with no budget of
their own: byte-identical, with a few bytes changed, re-zipped. Each is refused, the
refusal is in the ledger, and the colleague is locked. Twenty budget refusals lock a person.
Real SQLite files and the test PostgreSQL.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from airlock.approvals.locks import LockScope
from airlock.budgets.limits import DEFAULT_SUBJECT, ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.domain.principals import Principal, Role
from airlock.domain.requests import Outcome
from airlock.home import load_policy, load_signing_key
from airlock.ledger.records import parse_record
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from airlock.store.sql import SqlStore
from tests.support.gateway import CliRunner

MIB = 1024 * 1024
DAY = timedelta(days=1)
ADMIN = Actor.local_operator()


def prose(seed: int, size: int) -> bytes:
    """Plain text that inspection releases: random lowercase words, no numbers."""
    rng = np.random.default_rng(seed)
    letters = rng.integers(97, 123, size=size, dtype=np.uint8)
    gaps = rng.random(size) < 0.15
    letters[gaps] = 32
    letters[rng.random(size) < 0.01] = 10
    return letters.tobytes()


class Enclave:
    def __init__(self, cli: CliRunner) -> None:
        settings = Settings.load(cli.env, cli.home)
        self.clock = FixedClock(datetime.now(UTC))
        self.store = SqlStore.from_url(settings.database_url)
        self.airlock = Airlock(
            settings, self.store, self.clock, load_policy(settings), load_signing_key(settings)
        )
        self.airlock.set_budget(ADMIN, Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 1 << 30, DAY))
        # The only personal budget: the default, 3 MiB a day for each researcher.
        self.airlock.set_budget(ADMIN, Budget(BudgetScope.PRINCIPAL, DEFAULT_SUBJECT, 3 * MIB, DAY))
        self.people: dict[str, Principal] = {}

    def person(self, name: str) -> Principal:
        if name not in self.people:
            issued = self.airlock.add_principal(ADMIN, name, Role.RESEARCHER)
            self.people[name] = issued.principal
        return self.people[name]

    def export(self, who: str, data: bytes, name: str = "part.txt") -> tuple[Outcome, set[str]]:
        self.clock.advance(timedelta(seconds=1))
        result = self.airlock.submit_export(self.person(who), io.BytesIO(data), name, "paper")
        return result.decision.outcome, {r.code for r in result.decision.reasons}

    def ledger_codes(self, principal: str) -> list[set[str]]:
        ledger = self.airlock.ledger
        records = [parse_record(ledger.entry(i).body) for i in range(ledger.size())]
        return [
            {str(r["code"]) for r in record["reasons"]}
            for record in records
            if record["kind"] == "export.decision" and record["actor"] == principal
        ]

    def locked(self, who: str) -> bool:
        now = self.clock.now()
        return any(
            k.scope is LockScope.PRINCIPAL and k.subject == who and k.active_at(now)
            for k in self.airlock.locks(Actor.local_operator())
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def enclave(request: pytest.FixtureRequest, cli: CliRunner) -> Iterator[Enclave]:
    if request.param == "postgresql":
        cli.env["AIRLOCK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    assert cli("init").code == 0
    enclave = Enclave(cli)
    try:
        yield enclave
    finally:
        enclave.airlock.close()


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_content_refused_to_one_researcher_is_refused_to_every_other(enclave: Enclave) -> None:
    parts = [prose(seed, MIB) for seed in range(6)]
    for part in parts[:3]:
        assert enclave.export("rita", part)[0] is Outcome.ALLOW
    for part in parts[3:]:  # rita's default budget is spent
        outcome, codes = enclave.export("rita", part)
        assert outcome is Outcome.DENY and "budget-exceeded" in codes

    # Byte-identical, through a second account whose own default budget has room.
    outcome, codes = enclave.export("sam", parts[3])
    assert outcome is Outcome.DENY
    assert "refused-content" in codes and "budget-exceeded" not in codes
    assert "refused-content" in enclave.ledger_codes("sam")[-1]
    assert enclave.locked("sam")  # several accounts sending the same content

    # A few bytes changed, through a third account.
    changed = bytearray(parts[4])
    for offset in (1000, 300_000, 700_001):
        changed[offset] ^= 0x20
    outcome, codes = enclave.export("tom", bytes(changed))
    assert outcome is Outcome.DENY and "refused-content" in codes
    assert "refused-content" in enclave.ledger_codes("tom")[-1]

    # Re-zipped, through a fourth.
    outcome, codes = enclave.export("uma", zipped("notes.txt", parts[5]), "notes.zip")
    assert outcome is Outcome.DENY and "refused-content" in codes
    assert "refused-content" in enclave.ledger_codes("uma")[-1]

    # A piece of a refused file is refused too; unrelated text of the same size is not.
    outcome, codes = enclave.export("vic", parts[3][: MIB // 2])
    assert outcome is Outcome.DENY and "refused-content" in codes
    assert enclave.export("wes", prose(99, MIB))[0] is Outcome.ALLOW


def test_twenty_budget_refusals_lock_the_person(enclave: Enclave) -> None:
    big = 4 * MIB  # over rita's 3 MiB default: every one is refused for its budget
    for n in range(19):
        outcome, codes = enclave.export("rita", prose(1000 + n, big))
        assert outcome is Outcome.DENY and "budget-exceeded" in codes
    assert not enclave.locked("rita")
    enclave.export("rita", prose(2000, big))
    assert enclave.locked("rita")
    outcome, codes = enclave.export("rita", b"step,loss\n1,0.5\n")
    assert outcome is Outcome.DENY and "locked" in codes


def test_what_a_full_enclave_refused_is_not_held_against_the_next_sender(
    enclave: Enclave,
) -> None:
    enclave.airlock.set_budget(ADMIN, Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 2 * MIB, DAY))
    assert enclave.export("rita", prose(1, MIB + MIB // 2))[0] is Outcome.ALLOW
    paper = prose(2, MIB)
    outcome, codes = enclave.export("rita", paper)  # rita's own budget has room; not the enclave's
    assert outcome is Outcome.DENY and "budget-exceeded" in codes
    enclave.clock.advance(DAY)
    assert enclave.export("sam", paper)[0] is Outcome.ALLOW
    assert not enclave.locked("sam")
