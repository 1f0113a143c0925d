"""Strict base64: exactly one accepted spelling for each byte string.

Python's decoder ignores the unused low bits of the last character, so "...a=" and "...c="
can decode to the same bytes. In signed and hashed material that would let a bit flip pass
unnoticed, so we accept only the canonical encoding.
"""

from __future__ import annotations

import base64
import binascii

from airlock.errors import LedgerIntegrityError


def strict_b64decode(text: str, what: str) -> bytes:
    """Raises: LedgerIntegrityError for invalid or non-canonical base64."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise LedgerIntegrityError(f"{what} is not valid base64") from e
    if base64.b64encode(decoded).decode("ascii") != text:
        raise LedgerIntegrityError(f"{what} is not canonical base64")
    return decoded
