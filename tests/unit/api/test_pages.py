"""The pages' navigation follows the permission matrix; chart units suit the waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airlock.api.friction_page import time_unit
from airlock.api.pages import navigation
from airlock.approvals.permissions import Action, allowed
from airlock.domain.names import PrincipalName
from airlock.domain.principals import Principal, PrincipalKind, Role


def person(role: Role) -> Principal:
    return Principal(PrincipalName("p"), PrincipalKind.PERSON, role, datetime.now(UTC))


@pytest.mark.parametrize("role", list(Role))
def test_navigation_offers_only_what_the_role_may_open(role: Role) -> None:
    viewer = person(role)
    hrefs = {link.href for link in navigation(viewer)}
    assert "/" in hrefs
    assert ("/ui/metrics" in hrefs) == allowed(viewer, Action.FRICTION_READ)
    assert ("/ui/assess" in hrefs) == allowed(viewer, Action.ASSESS_READ)
    assert ("/ui/mine" in hrefs) == allowed(viewer, Action.REQUEST_READ, owner="p")


def test_signed_out_navigation_is_sign_in() -> None:
    assert [link.href for link in navigation(None)] == ["/ui/login"]


@pytest.mark.parametrize(
    ("longest", "unit"),
    [(0, " s"), (119, " s"), (120, " min"), (7199, " min"), (7200, " h"), (3 * 86400, " days")],
)
def test_waits_are_charted_in_a_unit_that_suits_them(longest: float, unit: str) -> None:
    assert time_unit(longest)[1] == unit
