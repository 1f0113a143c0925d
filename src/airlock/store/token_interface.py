"""Persistence of API tokens (issue 14): hashed, with an expiry and a revocation time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from airlock.domain.names import PrincipalName
from airlock.domain.principals import Principal
from airlock.domain.tokens import TokenHash, TokenRecord


class TokenStore(Protocol):
    def issue(
        self,
        principal: PrincipalName,
        token_hash: TokenHash,
        at: datetime,
        expires_at: datetime | None,
    ) -> None:
        """Raises NotFound for an unknown principal."""
        ...

    def lookup(self, token_hash: TokenHash) -> tuple[Principal, TokenRecord] | None:
        """The token's principal and record, revoked or expired ones included (the caller
        judges them against its clock); None for an unknown token."""
        ...

    def of(self, principal: PrincipalName) -> Sequence[TokenRecord]:
        """The principal's tokens, oldest first."""
        ...

    def revoke(self, principal: PrincipalName, id_hex: str | None, at: datetime) -> int:
        """Revoke the principal's unrevoked tokens (only the one whose hash starts with
        ``id_hex`` if given); the number revoked."""
        ...
