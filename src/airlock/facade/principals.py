"""Who may act: principals, their API tokens and how a caller is authenticated by one
(token or peercred); projects and their members.

Authentication keeps a small cache of known tokens (FRESHNESS_SECONDS): a gateway asks the
store once per token and second, not once per request, and a revocation made through another
process still takes effect within that time.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from airlock.approvals.permissions import Action, refuse_reserved, require
from airlock.domain.names import PrincipalName, principal_name, project_name
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.tokens import (
    TokenHash,
    TokenRecord,
    hash_token,
    new_token,
    parse_token_id,
    token_id,
    token_lifetime,
)
from airlock.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound
from airlock.facade.core import FRESHNESS_SECONDS, FacadeCore
from airlock.facade.values import Actor, IssuedToken

MAX_CACHED_TOKENS = 4096


class PrincipalsMixin(FacadeCore):
    """Principals, tokens, authentication and projects, for :class:`airlock.service.Airlock`."""

    def add_principal(
        self,
        actor: Actor,
        name: str,
        role: Role,
        kind: PrincipalKind = PrincipalKind.PERSON,
        days: int | None = None,
    ) -> IssuedToken:
        """Create a principal with its first API token, which expires after ``days``.

        Raises:
            PermissionDenied: the actor may not add principals.
            InvalidInput: the name is malformed or reserved for the system, or days is out
                of range.
            Conflict: the name is taken.
        """
        require(actor, Action.PRINCIPAL_ADD)
        principal = Principal(principal_name(name), kind, role, self._clock.now())
        refuse_reserved(principal.name)
        self._refuse_existing_principal(principal.name)
        token = new_token()
        hashed = hash_token(token)
        expires = principal.created_at + token_lifetime(days)
        index = self._record(
            "principal.add",
            actor,
            principal.name,
            role=role.value,
            kind=kind.value,
            token_id=token_id(hashed),
            expires_at=expires.isoformat(),
        )
        self._store.add_principal(principal, hashed, expires)
        self.seals.seal("principals", {"name": principal.name}, index)
        self.seals.seal("api_tokens", {"principal": principal.name}, index)
        return IssuedToken(principal, token, token_id(hashed), expires)

    def issue_token(self, actor: Actor, name: str, days: int | None = None) -> IssuedToken:
        """Another token for an existing principal (rotation: issue, switch, revoke the old).

        Raises: PermissionDenied, InvalidInput (name, days), NotFound.
        """
        require(actor, Action.TOKEN_ISSUE, owner=name)
        principal = self._store.get_principal(principal_name(name))
        token = new_token()
        hashed = hash_token(token)
        now = self._clock.now()
        expires = now + token_lifetime(days)
        index = self._record(
            "principal.token",
            actor,
            principal.name,
            token_id=token_id(hashed),
            expires_at=expires.isoformat(),
        )
        self._store.tokens.issue(principal.name, hashed, now, expires)
        self.seals.seal("api_tokens", {"principal": principal.name}, index)
        return IssuedToken(principal, token, token_id(hashed), expires)

    def tokens(self, actor: Actor, name: str) -> Sequence[TokenRecord]:
        """A principal's tokens (ids, times, never the tokens). Raises: PermissionDenied."""
        who = principal_name(name)
        require(actor, Action.TOKEN_LIST, owner=who)
        self._store.get_principal(who)
        return self._store.tokens.of(who)

    def revoke_tokens(self, actor: Actor, target: str, reason: str = "") -> int:
        """Revoke one token (``tok_...``) or every token of a principal (its name).

        The ledger entry is written before the revocation takes effect; this process stops
        accepting the token at once, other processes within FRESHNESS_SECONDS.

        Raises: PermissionDenied, InvalidInput, NotFound (unknown principal or token id).
        """
        if target.startswith("tok_"):
            id_hex = parse_token_id(target)
            holder = next(
                (
                    PrincipalName(r.principal)
                    for p in self._store.list_principals()
                    for r in self._store.tokens.of(p.name)
                    if r.token_id == target
                ),
                None,
            )
            if holder is None:
                raise NotFound(f"no token {target}: list them with `airlock principal token list`")
        else:
            id_hex, holder = None, principal_name(target)
            self._store.get_principal(holder)
        require(actor, Action.TOKEN_REVOKE, owner=holder)
        now = self._clock.now()
        live = [r for r in self._store.tokens.of(holder) if r.state(now) != "revoked"]
        if id_hex is not None and not any(r.token_id == target for r in live):
            raise Conflict(f"token {target} is revoked already")
        index = self._record(
            "principal.token.revoke",
            actor,
            holder,
            token_id=target if id_hex is not None else "*",
            reason=reason[:500],
        )
        count = self._store.tokens.revoke(holder, id_hex, now)
        self.seals.seal("api_tokens", {"principal": holder}, index)
        self._principals_by_token.clear()
        return count

    def recently_authenticated(self, token: str) -> Principal | None:
        """The token's principal if it was looked up within FRESHNESS_SECONDS; no I/O, so an
        async caller can try it before handing :meth:`authenticate` to a thread."""
        return self._recently_authenticated(hash_token(token), self._monotonic_now())

    def _recently_authenticated(self, hashed: TokenHash, now: float) -> Principal | None:
        cached = self._principals_by_token.get(hashed)
        if cached is None or now >= cached[1]:
            return None
        try:
            cached[2].check_usable(self._clock.now())  # expiry is not stretched by the cache
        except AuthenticationRequired:
            return None
        return cached[0]

    def authenticate(self, token: str) -> Principal:
        """The principal of a usable token.

        The store is asked by the token's SHA-256 (an index lookup): a timing difference
        could at most hint at a prefix of a hash of 256 random bits, which does not help to
        forge a token; the found hash is compared again in constant time all the same.

        Raises: AuthenticationRequired for a malformed, unknown, expired or revoked token.
        """
        return self.token_record(token)[0]

    def token_record(self, token: str) -> tuple[Principal, TokenRecord]:
        """The token's principal and record (expiry, for a session bound to it).

        Raises: AuthenticationRequired for a malformed, unknown, expired or revoked token.
        """
        hashed = hash_token(token)
        now = self._monotonic_now()
        cached = self._principals_by_token.get(hashed)
        if cached is not None and self._recently_authenticated(hashed, now) is not None:
            return cached[0], cached[2]
        found = self._store.tokens.lookup(hashed)
        if found is None or not hmac.compare_digest(token_id(hashed), found[1].token_id):
            raise AuthenticationRequired(
                "the API token is unknown: check it, or ask an admin for a new one"
            )
        principal, record = found
        record.check_usable(self._clock.now())
        # Fail closed on a token or principal row written or edited outside airlock
        # (issue 22): a forged admin or a role raised by SQL must not authenticate.
        self.seals.check("api_tokens", {"token_hash": hashed})
        self.seals.check("principals", {"name": principal.name})
        if len(self._principals_by_token) >= MAX_CACHED_TOKENS:
            self._principals_by_token.clear()
        self._principals_by_token[hashed] = (principal, now + FRESHNESS_SECONDS, record)
        return principal, record

    def authenticate_peer(self, uid: int) -> tuple[Principal, str]:
        """The principal ``[identity] os_users`` maps the OS user of ``uid`` to, and that
        OS user's name: the peer of a Unix socket, as the kernel reported it (SO_PEERCRED).

        Raises: AuthenticationRequired when the uid has no user name, the user is mapped to
        no principal, or to one that does not exist (or whose row fails its seal).
        """
        import pwd

        try:
            os_user = pwd.getpwuid(uid).pw_name
        except KeyError:
            raise AuthenticationRequired(
                f"OS uid {uid} has no user name: send a token instead"
            ) from None
        mapped = self.settings.identity.principal_of(os_user)
        if mapped is None:
            raise AuthenticationRequired(
                f"OS user {os_user} (uid {uid}) is mapped to no principal: an admin adds it to "
                "[identity] os_users, or send your token"
            )
        try:
            principal = self._store.get_principal(principal_name(mapped))
        except (NotFound, InvalidInput):
            raise AuthenticationRequired(
                f"OS user {os_user} is mapped to {mapped!r}, which is no principal: fix "
                "[identity] os_users"
            ) from None
        self.seals.check("principals", {"name": principal.name})
        return principal, os_user

    def list_principals(self) -> Sequence[Principal]:
        return self._store.list_principals()

    def principal(self, name: str) -> Principal:
        return self._store.get_principal(principal_name(name))

    def has_admin(self) -> bool:
        """Whether any admin exists: until one does, the local operator bootstraps the
        enclave; after, direct access acts only in a break-glass recovery."""
        return any(p.role is Role.ADMIN for p in self._store.list_principals())

    def _refuse_existing_principal(self, name: PrincipalName) -> None:
        # Checked before the ledger entry is written, so a refused duplicate leaves no record
        # claiming it happened; the store's own uniqueness still settles any race.
        try:
            self._store.get_principal(name)
        except NotFound:
            return
        raise Conflict(f"principal {name!r} already exists")

    # --- projects ---------------------------------------------------------------------

    def add_project(self, actor: Actor, name: str, description: str = "") -> Project:
        """Raises: PermissionDenied, InvalidInput, Conflict."""
        require(actor, Action.PROJECT_MANAGE)
        project = Project(project_name(name), description, self._clock.now())
        if any(p.name == project.name for p in self._store.list_projects()):
            raise Conflict(f"project {project.name!r} already exists")
        index = self._record("project.add", actor, project.name, description=description)
        self._store.add_project(project)
        self.seals.seal("projects", {"name": project.name}, index)
        return project

    def list_projects(self) -> Sequence[Project]:
        return self._store.list_projects()

    def add_member(self, actor: Actor, project: str, principal: str) -> None:
        """Make ``principal`` a member of ``project``: its exports are charged to the project
        (see :func:`airlock.domain.membership.charged_project`).

        Raises: PermissionDenied (not admin), InvalidInput, NotFound, Conflict (a member).
        """
        require(actor, Action.PROJECT_MANAGE)
        where, who = project_name(project), principal_name(principal)
        self._store.get_project(where)
        self._store.get_principal(who)
        if who in self._store.members.members(where):
            raise Conflict(f"{who} is already a member of project {where!r}")
        self._record("project.member.add", actor, where, principal=who)
        self._store.members.add_member(where, who, self._clock.now())

    def project_members(self, project: str) -> Sequence[PrincipalName]:
        """Raises: InvalidInput, NotFound."""
        where = project_name(project)
        self._store.get_project(where)
        return self._store.members.members(where)
