"""Token lifetimes, ids and states (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airlock.domain.tokens import (
    TokenRecord,
    hash_token,
    new_token,
    parse_token_id,
    token_id,
    token_lifetime,
)
from airlock.errors import AuthenticationRequired, InvalidInput

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_lifetime_defaults_to_90_days_and_is_bounded() -> None:
    assert token_lifetime(None) == timedelta(days=90)
    assert token_lifetime(1) == timedelta(days=1)
    for bad in (0, -1, 367):
        with pytest.raises(InvalidInput, match="1-366 days"):
            token_lifetime(bad)


def test_a_token_id_is_a_prefix_of_its_hash_and_parses_back() -> None:
    hashed = hash_token(new_token())
    tid = token_id(hashed)
    assert tid.startswith("tok_") and hashed.startswith(parse_token_id(tid))
    for bad in ("tok_XYZ", "alk_0123456789abcdef", "tok_0123456789abcde"):
        with pytest.raises(InvalidInput):
            parse_token_id(bad)


def record(expires: datetime | None, revoked: datetime | None) -> TokenRecord:
    return TokenRecord("tok_0123456789abcdef", "rita", T0, expires, revoked)


def test_states_and_refusals_say_which() -> None:
    live = record(T0 + timedelta(days=1), None)
    assert live.state(T0) == "active"
    live.check_usable(T0)
    assert live.state(T0 + timedelta(days=1)) == "expired"  # at the instant, not after
    with pytest.raises(AuthenticationRequired, match="expired"):
        live.check_usable(T0 + timedelta(days=2))
    revoked = record(T0 + timedelta(days=1), T0)
    with pytest.raises(AuthenticationRequired, match="revoked"):
        revoked.check_usable(T0)
