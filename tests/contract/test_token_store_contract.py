"""One contract for every TokenStore (issue 14): memory, SQLite, PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airlock.domain.names import PrincipalName
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.tokens import TokenHash, token_id
from airlock.errors import NotFound
from airlock.store.interface import Store

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
RITA, SAM = PrincipalName("rita"), PrincipalName("sam")
FIRST, SECOND, SAMS = (TokenHash(f"{n:x}" * 64) for n in (10, 11, 12))


def populate(store: Store) -> None:
    store.add_principal(
        Principal(RITA, PrincipalKind.PERSON, Role.RESEARCHER, T0), FIRST, T0 + timedelta(days=1)
    )
    store.add_principal(Principal(SAM, PrincipalKind.PERSON, Role.AUDITOR, T0), SAMS)


def test_tokens_carry_their_expiry_and_are_found_revoked_or_not(store: Store) -> None:
    populate(store)
    store.tokens.issue(RITA, SECOND, T0 + timedelta(hours=1), T0 + timedelta(days=30))
    found = store.tokens.lookup(FIRST)
    assert found is not None
    principal, record = found
    assert principal.name == RITA and principal.role is Role.RESEARCHER
    assert record.token_id == token_id(FIRST) and record.expires_at == T0 + timedelta(days=1)
    assert [r.token_id for r in store.tokens.of(RITA)] == [token_id(FIRST), token_id(SECOND)]
    assert store.tokens.lookup(TokenHash("f" * 64)) is None


def test_revoking_one_token_by_its_id_or_all_of_a_principal(store: Store) -> None:
    populate(store)
    store.tokens.issue(RITA, SECOND, T0, T0 + timedelta(days=30))
    assert store.tokens.revoke(RITA, FIRST[:16], T0) == 1
    assert store.tokens.revoke(RITA, FIRST[:16], T0) == 0  # once
    assert store.principal_for_token(FIRST) is None
    revoked = store.tokens.lookup(FIRST)
    assert revoked is not None and revoked[1].revoked_at == T0
    assert store.tokens.revoke(RITA, SAMS[:16], T0) == 0  # sam's id, rita's name: nothing
    assert store.tokens.revoke(RITA, None, T0) == 1  # the rest of rita's
    assert store.principal_for_token(SAMS) is not None


def test_a_token_for_nobody_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.tokens.issue(PrincipalName("ghost"), FIRST, T0, None)
