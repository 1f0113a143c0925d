"""The values the facade takes and gives: who acts (:class:`Actor`), a request as a
reviewer reads it, and a token shown once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from airlock.domain.identity import Auth, AuthMethod, Credential, auth_details
from airlock.domain.principals import Principal, Role
from airlock.domain.requests import BoundaryRequest, Decision

if TYPE_CHECKING:
    from airlock.approvals.workflow import ApprovalCase


LOCAL_OPERATOR = "local-operator"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking, and how they proved it (issue 14).

    A principal acts with its own credential (``auth`` token or peercred). The local
    operator is whoever can open the home folder: it acts only to initialise the enclave
    (before any admin exists) or in a break-glass recovery, and is recorded with the OS user.
    """

    name: str
    role: Role
    auth: AuthMethod = AuthMethod.TOKEN
    os_user: str = ""
    break_glass: bool = False
    uid: int | None = None  # the OS uid, for a principal signed in by peercred

    @classmethod
    def local_operator(cls, os_user: str = "", *, break_glass: bool = False) -> Actor:
        return cls(LOCAL_OPERATOR, Role.ADMIN, AuthMethod.LOCAL_OPERATOR, os_user, break_glass)

    @classmethod
    def of(cls, principal: Principal, auth: Auth = AuthMethod.TOKEN) -> Actor:
        if isinstance(auth, Credential):
            return cls(principal.name, principal.role, auth.method, auth.os_user, uid=auth.uid)
        return cls(principal.name, principal.role, auth)

    @property
    def credential(self) -> Credential:
        return Credential(self.auth, self.os_user, self.uid)

    def ledger_details(self) -> dict[str, str]:
        """What every ledger entry this actor makes says about how they were authenticated."""
        found = auth_details(self.auth, self.os_user, self.break_glass)
        if self.uid is not None:
            found["uid"] = str(self.uid)
        return found


@dataclass(frozen=True, slots=True)
class RequestDetail:
    """A request as a person reviewing it needs it. ``ledger_entry`` is the index of the
    ledger entry behind the request's current state (its row seal), for a receipt."""

    request: BoundaryRequest
    decisions: tuple[Decision, ...]
    case: ApprovalCase | None
    ledger_entry: int | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A principal with a bearer token that is shown once and never stored in clear."""

    principal: Principal
    token: str
    token_id: str = ""
    expires_at: datetime | None = None
