"""How an actor was authenticated, as ledger details (issue 14)."""

from __future__ import annotations

from airlock.domain.identity import STRONG_METHODS, AuthMethod, auth_details


def test_auth_details_name_the_method_and_a_local_operators_os_user() -> None:
    assert auth_details(AuthMethod.TOKEN) == {"auth": "token"}
    assert auth_details(AuthMethod.LOCAL_OPERATOR, "ops (uid 1001)", break_glass=True) == {
        "auth": "local-operator",
        "os_user": "ops (uid 1001)",
        "break_glass": "yes",
    }


def test_direct_access_is_not_a_strong_method() -> None:
    assert AuthMethod.LOCAL_OPERATOR not in STRONG_METHODS
    assert {AuthMethod.TOKEN, AuthMethod.PEERCRED} == STRONG_METHODS
