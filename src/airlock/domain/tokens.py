"""API tokens: shown once at creation, stored only as a hash.

Tokens carry 256 bits from a CSPRNG, so a single SHA-256 is a sufficient one-way function;
a slow password hash would only add latency to every request without adding security.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NewType

from airlock.errors import AuthenticationRequired, InvalidInput

TokenHash = NewType("TokenHash", str)
TOKEN_PREFIX = "alk_"  # noqa: S105 -- a public prefix, not a secret
_TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 128


def new_token() -> str:
    """A fresh bearer token such as ``alk_<43 url-safe base64 chars>``."""
    raw = secrets.token_bytes(_TOKEN_BYTES)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> TokenHash:
    """The stored form of a token.

    Raises:
        AuthenticationRequired: the string cannot be an airlock token.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_CHARS or not token.isascii():
        raise AuthenticationRequired(
            "the API token is malformed: pass the alk_... token printed by `airlock principal add`"
        )
    return TokenHash(hashlib.sha256(token.encode("ascii")).hexdigest())


DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366
TOKEN_ID_PREFIX = "tok_"  # noqa: S105 -- a public prefix, not a secret
_TOKEN_ID_HEX = 16


def token_lifetime(days: int | None) -> timedelta:
    """A token's lifetime: ``days`` (1-366), or the default of 90 days.

    Raises:
        InvalidInput: days out of range.
    """
    chosen = DEFAULT_TOKEN_DAYS if days is None else days
    if not 1 <= chosen <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            f"a token lives 1-{MAX_TOKEN_DAYS} days, not {chosen}: pick a value in range"
        )
    return timedelta(days=chosen)


def token_id(hashed: TokenHash) -> str:
    """A token's public id: a prefix of its hash, which reveals nothing of the token and
    names it in listings, revocations and the ledger."""
    return TOKEN_ID_PREFIX + hashed[:_TOKEN_ID_HEX]


def parse_token_id(value: str) -> str:
    """The hash prefix a token id stands for.

    Raises:
        InvalidInput: not ``tok_`` followed by 16 lower-case hex digits.
    """
    tail = value.removeprefix(TOKEN_ID_PREFIX)
    if (
        not value.startswith(TOKEN_ID_PREFIX)
        or len(tail) != _TOKEN_ID_HEX
        or any(c not in "0123456789abcdef" for c in tail)
    ):
        raise InvalidInput(f"{value!r} is not a token id: expected tok_ and 16 hex digits")
    return tail


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """What the store knows about one token: never the token, only its hash's id."""

    token_id: str
    principal: str
    created_at: datetime
    expires_at: datetime | None  # None only for tokens issued before expiry existed
    revoked_at: datetime | None

    def __post_init__(self) -> None:
        parse_token_id(self.token_id)

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def check_usable(self, now: datetime) -> None:
        """Raises: AuthenticationRequired for a revoked or expired token, saying which."""
        match self.state(now):
            case "revoked":
                raise AuthenticationRequired(
                    f"the API token {self.token_id} was revoked: ask an admin for a new one"
                )
            case "expired":
                raise AuthenticationRequired(
                    f"the API token {self.token_id} expired: ask an admin for a new one "
                    "(`airlock principal token issue NAME`)"
                )
            case _:
                return
