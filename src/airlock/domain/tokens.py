"""API tokens: shown once at creation, stored only as a hash.

Tokens carry 256 bits from a CSPRNG, so a single SHA-256 is a sufficient one-way function;
a slow password hash would only add latency to every request without adding security.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import NewType

from airlock.errors import AuthenticationRequired

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
