"""Least privilege in one table (issue 14): which role may do which action, on whose things.

Every action a principal can take through the facade (and so through the CLI and the API)
is an :class:`Action`; :data:`MATRIX` says, per :class:`Role`, how far each action reaches:

* ``ANY``    -- on anyone's object;
* ``OWN``    -- only on objects that concern the actor (their own request, release, token,
  lock, ledger entry); listings are filtered to those;
* ``OTHERS`` -- on anyone's object except one that concerns the actor (nobody lifts a lock
  imposed on themselves or approves their own request).

An action missing from a role's row is refused: the table fails closed. Pure: no I/O, no
clock; adapters call :func:`require` (or :func:`reach` to filter a listing).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from airlock.domain.principals import Role
from airlock.errors import InvalidInput, PermissionDenied


class Action(StrEnum):
    """Everything a principal may be allowed to do; the value names it in refusals."""

    SELF_READ = "read their own account"
    STATUS_READ = "read the enclave status"
    FRICTION_READ = "read friction metrics"
    ASSESS_READ = "read the security assessment"
    PRINCIPAL_LIST = "list principals"
    PRINCIPAL_ADD = "add principals"
    TOKEN_ISSUE = "issue API tokens"  # noqa: S105 -- an action, not a secret
    TOKEN_LIST = "list API tokens"  # noqa: S105 -- an action, not a secret
    TOKEN_REVOKE = "revoke API tokens"  # noqa: S105 -- an action, not a secret
    PROJECT_READ = "read projects and their members"
    PROJECT_MANAGE = "add projects or project members"
    REQUEST_READ = "read boundary requests"
    EXPORT_SUBMIT = "submit exports"
    PACKAGE_SUBMIT = "submit packages"
    DATASET_IMPORT = "import datasets"
    DATASET_RESCAN = "rescan datasets"
    DATASET_RELEASE = "release datasets from quarantine"
    LINEAGE_ADD = "record lineage"
    TAINT_READ = "trace the blast radius of a source"
    VOTE = "approve or deny held requests"
    RELEASE_FETCH = "fetch released artifacts"
    LOCK_READ = "read locks"
    LOCK_IMPOSE = "lock principals or projects"
    LOCK_LIFT = "lift locks"
    BUDGET_SET = "change budgets"
    MODEL_REGISTER = "register protected weights"
    PACKAGE_FEED_IMPORT = "import the known-bad package feed"
    PACKAGE_POLICY = "pin package publishers and refresh protected names"
    INDEX_READ = "read the vetted package index"
    LEDGER_READ = "read ledger entries and receipts"
    CHECKPOINT_SIGN = "sign a ledger checkpoint"
    COSIGNATURE_DELIVER = "deliver witness cosignatures"
    OUTPUT_GENERATE = "generate model outputs through the gateway"
    OUTPUTS_VERIFY = "verify served model outputs"
    STATE_SEAL = "seal rows from before row seals"


class Reach(StrEnum):
    ANY = "any"
    OWN = "own"
    OTHERS = "others"


A, OWN, X = Reach.ANY, Reach.OWN, Reach.OTHERS

_EVERYONE: dict[Action, Reach] = {
    Action.SELF_READ: A,
    Action.PROJECT_READ: A,
    Action.INDEX_READ: A,
    Action.CHECKPOINT_SIGN: A,
    Action.TOKEN_LIST: OWN,
    Action.TOKEN_REVOKE: OWN,  # anyone may revoke a token of their own they think leaked
}
_READERS: dict[Action, Reach] = {  # people who oversee: read everything, no release bytes
    **_EVERYONE,
    Action.STATUS_READ: A,
    Action.FRICTION_READ: A,
    Action.ASSESS_READ: A,
    Action.PRINCIPAL_LIST: A,
    Action.REQUEST_READ: A,
    Action.LOCK_READ: A,
    Action.LEDGER_READ: A,
    Action.TAINT_READ: A,
    Action.RELEASE_FETCH: OWN,
}
_SUBMITTERS: dict[Action, Reach] = {  # those whose work crosses the boundary
    **_EVERYONE,
    Action.EXPORT_SUBMIT: A,
    Action.PACKAGE_SUBMIT: A,
    Action.DATASET_IMPORT: A,
    Action.OUTPUT_GENERATE: A,
    Action.REQUEST_READ: OWN,
    Action.RELEASE_FETCH: OWN,
    Action.LOCK_READ: OWN,
    Action.LEDGER_READ: OWN,
}

MATRIX: Mapping[Role, Mapping[Action, Reach]] = MappingProxyType(
    {
        Role.RESEARCHER: MappingProxyType(dict(_SUBMITTERS)),
        Role.SERVICE: MappingProxyType(
            {**_SUBMITTERS, Action.COSIGNATURE_DELIVER: A}  # witnesses are services
        ),
        Role.AUDITOR: MappingProxyType({**_READERS, Action.RELEASE_FETCH: A}),
        Role.APPROVER: MappingProxyType(
            {
                **_READERS,
                Action.VOTE: X,
                Action.LOCK_IMPOSE: A,
                Action.LOCK_LIFT: X,
                Action.DATASET_RELEASE: A,
                Action.OUTPUTS_VERIFY: A,
            }
        ),
        Role.ADMIN: MappingProxyType(
            {
                **_READERS,
                Action.PRINCIPAL_ADD: A,
                Action.TOKEN_ISSUE: A,
                Action.TOKEN_LIST: A,
                Action.TOKEN_REVOKE: A,
                Action.PROJECT_MANAGE: A,
                Action.VOTE: X,
                Action.LOCK_IMPOSE: A,
                Action.LOCK_LIFT: X,
                Action.BUDGET_SET: A,
                Action.MODEL_REGISTER: A,
                Action.PACKAGE_FEED_IMPORT: A,
                Action.PACKAGE_POLICY: A,
                Action.DATASET_RESCAN: A,
                Action.DATASET_RELEASE: A,
                Action.DATASET_IMPORT: A,
                Action.LINEAGE_ADD: A,
                Action.COSIGNATURE_DELIVER: A,
                Action.OUTPUTS_VERIFY: A,
                Action.STATE_SEAL: A,
            }
        ),
    }
)

# Names the system itself writes into the ledger as actors, or that read as the system.
RESERVED_NAMES = frozenset(
    {"airlock", "policy", "local-operator", "system", "root", "admin", "anonymous", "witness"}
)


class Subject(Protocol):
    """Who is asking: a principal or the facade's Actor."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Role: ...


def reach(actor: Subject, action: Action) -> Reach | None:
    """How far ``action`` reaches for the actor's role; None if not at all."""
    return MATRIX.get(actor.role, {}).get(action)


def allowed(actor: Subject, action: Action, *, owner: str | None = None) -> bool:
    """Whether :func:`require` would let this through."""
    match reach(actor, action):
        case None:
            return False
        case Reach.ANY:
            return True
        case Reach.OWN:
            return owner is not None and owner == actor.name
        case Reach.OTHERS:
            return owner is None or owner != actor.name


def require(actor: Subject, action: Action, *, owner: str | None = None) -> None:
    """Refuse unless the matrix lets ``actor`` do ``action`` on something of ``owner``.

    ``owner`` is the principal the object concerns (requester, lock subject, token holder);
    None when the action concerns nobody in particular.

    Raises:
        PermissionDenied: naming the action, the actor's role and who may do it.
    """
    if allowed(actor, action, owner=owner):
        return
    who = f"{actor.name} ({actor.role})"
    match reach(actor, action):
        case None:
            roles = " or ".join(sorted(f"{r.value}s" for r, row in MATRIX.items() if action in row))
            raise PermissionDenied(
                f"{who} may not {action.value}: only {roles or 'nobody'} may; "
                "ask an admin if your work needs it"
            )
        case Reach.OWN:
            raise PermissionDenied(
                f"{who} may not {action.value} of {owner or 'nobody in particular'}: "
                "only their own; ask the owner or an auditor"
            )
        case _:
            raise PermissionDenied(
                f"{who} may not {action.value} that concern themselves: "
                "ask another approver or an admin"
            )


def require_some(actor: Subject, action: Action) -> None:
    """Refuse unless the actor's role reaches ``action`` at all (the gate of a route; the
    facade checks the owner of the object once it has read it).

    Raises:
        PermissionDenied: as :func:`require`.
    """
    if reach(actor, action) is None:
        require(actor, action)


def refuse_reserved(name: str) -> None:
    """Raises: InvalidInput for a name the system writes into the ledger itself."""
    if name in RESERVED_NAMES:
        raise InvalidInput(
            f"the principal name {name!r} is reserved: the ledger uses it for the system "
            "itself, so a person or service named so could pass for it; choose another name"
        )
