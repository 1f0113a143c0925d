from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.domain.names import principal_name, request_id, sha256_hex
from airlock.domain.principals import Principal, PrincipalKind, Role, parse_role
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestKind
from airlock.domain.tokens import TOKEN_PREFIX, hash_token, new_token
from airlock.errors import AuthenticationRequired, InvalidInput

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", ["alice", "svc.builder-2", "a" * 63])
def test_valid_names(name: str) -> None:
    assert principal_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "Alice", "1abc", "a" * 64, "\u0430dmin", "al ice", "alice\n", "../etc"]
)
def test_invalid_names_are_refused_with_guidance(name: str) -> None:
    with pytest.raises(InvalidInput, match="lower-case ASCII"):
        principal_name(name)


def test_request_id_and_digest_validation() -> None:
    assert request_id("req_" + "a" * 32)
    with pytest.raises(InvalidInput):
        request_id("req_" + "A" * 32)
    with pytest.raises(InvalidInput):
        sha256_hex("ab" * 31)


def test_parse_role_lists_valid_roles() -> None:
    assert parse_role("approver") is Role.APPROVER
    with pytest.raises(InvalidInput, match="admin, approver, researcher, auditor"):
        parse_role("root")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        Principal(principal_name("alice"), PrincipalKind.PERSON, Role.ADMIN, datetime(2026, 1, 1))  # noqa: DTZ001


def _request(**overrides: object) -> BoundaryRequest:
    fields: dict[str, object] = {
        "id": request_id("req_" + "0" * 32),
        "kind": RequestKind.EXPORT,
        "principal": principal_name("alice"),
        "project": None,
        "purpose": "plots",
        "digest": sha256_hex("0" * 64),
        "size_bytes": 10,
        "created_at": T0,
    }
    fields.update(overrides)
    return BoundaryRequest(**fields)  # type: ignore[arg-type]


def test_request_needs_purpose_and_non_negative_size() -> None:
    assert _request().purpose == "plots"
    with pytest.raises(InvalidInput, match="purpose"):
        _request(purpose="   ")
    with pytest.raises(InvalidInput, match="negative"):
        _request(size_bytes=-1)


def test_non_allow_decision_needs_a_reason() -> None:
    rid = request_id("req_" + "0" * 32)
    assert Decision(rid, Outcome.ALLOW, (), T0, "policy").status.value == "released"
    with pytest.raises(InvalidInput, match="reason"):
        Decision(rid, Outcome.HOLD, (), T0, "policy")
    with pytest.raises(InvalidInput):
        Reason("bad code!", "x")


def test_tokens_are_unique_and_hash_deterministically() -> None:
    a, b = new_token(), new_token()
    assert a != b and a.startswith(TOKEN_PREFIX)
    assert hash_token(a) == hash_token(a) != hash_token(b)
    assert len(hash_token(a)) == 64


@given(st.text(max_size=300))
def test_hash_token_refuses_anything_not_shaped_like_a_token(candidate: str) -> None:
    if candidate.startswith(TOKEN_PREFIX) and candidate.isascii() and len(candidate) <= 128:
        assert len(hash_token(candidate)) == 64
    else:
        with pytest.raises(AuthenticationRequired):
            hash_token(candidate)
