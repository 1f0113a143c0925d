"""`airlock serve` (and so `make run`) tells a fresh install how to get its first admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airlock.cli.serve import next_step
from airlock.domain.names import principal_name
from airlock.domain.principals import Principal, PrincipalKind, Role

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def person(name: str, role: Role) -> Principal:
    return Principal(principal_name(name), PrincipalKind.PERSON, role, T0)


@pytest.mark.parametrize(
    "principals",
    [[], [person("bob", Role.APPROVER), person("carol", Role.RESEARCHER)]],
    ids=["nobody", "no-admin"],
)
def test_without_an_admin_it_names_the_command_and_the_sign_in_page(
    principals: list[Principal],
) -> None:
    hint = next_step(principals, "127.0.0.1", 8750)
    assert "airlock principal add NAME --role admin" in hint
    assert "http://127.0.0.1:8750/ui/login" in hint


def test_with_an_admin_it_says_nothing() -> None:
    assert next_step([person("bob", Role.APPROVER), person("ann", Role.ADMIN)], "h", 1) == ""


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:9000/ui/login"),
        ("::", "http://[::1]:9000/ui/login"),
        ("::1", "http://[::1]:9000/ui/login"),
        ("gate.internal", "http://gate.internal:9000/ui/login"),
    ],
)
def test_the_sign_in_address_is_one_a_browser_can_open(host: str, url: str) -> None:
    assert url in next_step([], host, 9000)
