"""In-memory TokenStore, for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from airlock.domain.names import PrincipalName
from airlock.domain.principals import Principal
from airlock.domain.tokens import TokenHash, TokenRecord, token_id

Known = Callable[[PrincipalName], Principal]


class MemoryTokenStore:
    def __init__(self, known: Known) -> None:
        self._lock = threading.Lock()
        self._known = known  # raises NotFound, as the SQL store's foreign key does
        self._records: dict[TokenHash, TokenRecord] = {}

    def issue(
        self,
        principal: PrincipalName,
        token_hash: TokenHash,
        at: datetime,
        expires_at: datetime | None,
    ) -> None:
        self._known(principal)
        with self._lock:
            self._records[token_hash] = TokenRecord(
                token_id(token_hash), principal, at, expires_at, None
            )

    def lookup(self, token_hash: TokenHash) -> tuple[Principal, TokenRecord] | None:
        with self._lock:
            record = self._records.get(token_hash)
        return None if record is None else (self._known(PrincipalName(record.principal)), record)

    def of(self, principal: PrincipalName) -> Sequence[TokenRecord]:
        with self._lock:
            found = [r for r in self._records.values() if r.principal == principal]
        return sorted(found, key=lambda r: (r.created_at, r.token_id))

    def revoke(self, principal: PrincipalName, id_hex: str | None, at: datetime) -> int:
        with self._lock:
            hits = [
                h
                for h, r in self._records.items()
                if r.principal == principal
                and r.revoked_at is None
                and (id_hex is None or h.startswith(id_hex))
            ]
            for h in hits:
                self._records[h] = replace(self._records[h], revoked_at=at)
            return len(hits)
