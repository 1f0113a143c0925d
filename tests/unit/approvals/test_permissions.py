"""The permission matrix (issue 14): its shape, its reach rules and its refusals."""

from __future__ import annotations

import pytest

from airlock.approvals.permissions import (
    MATRIX,
    RESERVED_NAMES,
    Action,
    Reach,
    allowed,
    refuse_reserved,
    require,
    require_some,
)
from airlock.domain.principals import Role
from airlock.errors import InvalidInput, PermissionDenied
from airlock.service import Actor

# What changes something: an auditor ("changes nothing") must reach none of these.
CHANGES = {
    Action.PRINCIPAL_ADD,
    Action.TOKEN_ISSUE,
    Action.PROJECT_MANAGE,
    Action.EXPORT_SUBMIT,
    Action.PACKAGE_SUBMIT,
    Action.DATASET_IMPORT,
    Action.DATASET_RESCAN,
    Action.DATASET_RELEASE,
    Action.LINEAGE_ADD,
    Action.VOTE,
    Action.LOCK_IMPOSE,
    Action.LOCK_LIFT,
    Action.BUDGET_SET,
    Action.MODEL_REGISTER,
    Action.PACKAGE_FEED_IMPORT,
    Action.PACKAGE_POLICY,
    Action.COSIGNATURE_DELIVER,
}


def test_every_role_has_a_row_and_every_action_someone_who_may() -> None:
    assert set(MATRIX) == set(Role)
    for action in Action:
        assert any(action in row for row in MATRIX.values()), action


def test_the_auditor_changes_nothing_but_reads_everything() -> None:
    auditor = MATRIX[Role.AUDITOR]
    assert not CHANGES & set(auditor)
    assert auditor[Action.RELEASE_FETCH] is Reach.ANY
    assert auditor[Action.REQUEST_READ] is Reach.ANY
    # Revoking one's own (leaked) token is the one change an auditor may make.
    assert auditor[Action.TOKEN_REVOKE] is Reach.OWN


def test_only_researchers_and_services_submit_exports() -> None:
    may = {r for r in Role if Action.EXPORT_SUBMIT in MATRIX[r]}
    assert may == {Role.RESEARCHER, Role.SERVICE}


def test_releases_are_readable_by_their_requester_and_auditors_only() -> None:
    for role in Role:
        expected = Reach.ANY if role is Role.AUDITOR else Reach.OWN
        assert MATRIX[role][Action.RELEASE_FETCH] is expected, role
    rita, olga = Actor("rita", Role.RESEARCHER), Actor("olga", Role.ADMIN)
    assert allowed(rita, Action.RELEASE_FETCH, owner="rita")
    assert not allowed(rita, Action.RELEASE_FETCH, owner="sam")
    assert not allowed(olga, Action.RELEASE_FETCH, owner="rita")
    assert allowed(Actor("aud", Role.AUDITOR), Action.RELEASE_FETCH, owner="rita")


def test_nobody_lifts_their_own_lock_or_votes_on_their_own_request() -> None:
    ann = Actor("ann", Role.APPROVER)
    for action in (Action.LOCK_LIFT, Action.VOTE):
        assert allowed(ann, action, owner="rita")
        with pytest.raises(PermissionDenied, match="concern themselves"):
            require(ann, action, owner="ann")


def test_a_refusal_names_the_actor_the_action_and_who_may() -> None:
    with pytest.raises(PermissionDenied) as refused:
        require(Actor("aud", Role.AUDITOR), Action.EXPORT_SUBMIT)
    message = refused.value.message
    assert "aud (auditor)" in message and "submit exports" in message
    assert "researchers or services" in message


def test_own_reach_needs_the_owner_named() -> None:
    rita = Actor("rita", Role.RESEARCHER)
    require_some(rita, Action.REQUEST_READ)  # the route gate lets her list her own
    with pytest.raises(PermissionDenied, match="only their own"):
        require(rita, Action.REQUEST_READ, owner="sam")
    with pytest.raises(PermissionDenied):
        require(rita, Action.REQUEST_READ)  # nobody named: not hers
    with pytest.raises(PermissionDenied, match="only admins"):
        require_some(rita, Action.PRINCIPAL_ADD)


def test_unknown_role_reaches_nothing() -> None:
    class Stranger:
        name = "x"
        role = "root"

    assert not allowed(Stranger(), Action.SELF_READ)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(RESERVED_NAMES))
def test_reserved_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        refuse_reserved(name)


def test_the_names_the_system_writes_are_reserved() -> None:
    assert {"airlock", "policy", "local-operator"} <= RESERVED_NAMES
    refuse_reserved("rita")
