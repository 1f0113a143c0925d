"""TokenStore on SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from airlock.domain.names import PrincipalName
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.tokens import TokenHash, TokenRecord, token_id
from airlock.errors import NotFound
from airlock.store import schema

BeginTransaction = Callable[..., AbstractContextManager[Connection]]
_tokens = schema.api_tokens
_principals = schema.principals


class SqlTokenStore:
    def __init__(self, begin: BeginTransaction) -> None:
        self._begin = begin

    def issue(
        self,
        principal: PrincipalName,
        token_hash: TokenHash,
        at: datetime,
        expires_at: datetime | None,
    ) -> None:
        with self._begin(write=True) as c:
            if not c.execute(
                select(_principals.c.name).where(_principals.c.name == principal)
            ).first():
                raise NotFound(
                    f"no principal named {principal!r}: list them with `airlock principal list`"
                )
            c.execute(
                _tokens.insert().values(
                    token_hash=token_hash, principal=principal, created_at=at, expires_at=expires_at
                )
            )

    def lookup(self, token_hash: TokenHash) -> tuple[Principal, TokenRecord] | None:
        with self._begin() as c:
            row = c.execute(
                select(
                    _principals, _tokens.c.token_hash, _tokens.c.expires_at, _tokens.c.revoked_at
                )
                .add_columns(_tokens.c.created_at.label("token_created_at"))
                .join(_tokens, _tokens.c.principal == _principals.c.name)
                .where(_tokens.c.token_hash == token_hash)
            ).first()
        if row is None:
            return None
        m = row._mapping
        principal = Principal(
            name=PrincipalName(m["name"]),
            kind=PrincipalKind(m["kind"]),
            role=Role(m["role"]),
            created_at=m["created_at"],
        )
        return principal, _record(m, m["token_created_at"])

    def of(self, principal: PrincipalName) -> Sequence[TokenRecord]:
        with self._begin() as c:
            rows = c.execute(
                select(_tokens)
                .where(_tokens.c.principal == principal)
                .order_by(_tokens.c.created_at, _tokens.c.token_hash)
            )
            return [_record(r._mapping, r.created_at) for r in rows]

    def revoke(self, principal: PrincipalName, id_hex: str | None, at: datetime) -> int:
        where = [_tokens.c.principal == principal, _tokens.c.revoked_at.is_(None)]
        if id_hex is not None:
            where.append(_tokens.c.token_hash.startswith(id_hex, autoescape=True))
        with self._begin(write=True) as c:
            return int(c.execute(_tokens.update().where(*where).values(revoked_at=at)).rowcount)


def _record(m: Any, created_at: datetime) -> TokenRecord:
    return TokenRecord(
        token_id=token_id(TokenHash(m["token_hash"])),
        principal=m["principal"] if "principal" in m else m["name"],
        created_at=created_at,
        expires_at=m["expires_at"],
        revoked_at=m["revoked_at"],
    )
