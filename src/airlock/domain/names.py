"""Identifier types and their validation, shared by every domain value."""

from __future__ import annotations

import re
from typing import NewType

from airlock.errors import InvalidInput

PrincipalName = NewType("PrincipalName", str)
ProjectName = NewType("ProjectName", str)
RequestId = NewType("RequestId", str)
Sha256Hex = NewType("Sha256Hex", str)

# ASCII only, so that look-alike Unicode names (a Cyrillic "a" in "admin") cannot
# impersonate an existing principal or project.
_NAME = re.compile(r"[a-z][a-z0-9._-]{0,62}")
_REQUEST_ID = re.compile(r"req_[0-9a-f]{32}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def principal_name(value: str) -> PrincipalName:
    """Validate a principal name.

    Raises:
        InvalidInput: the name is not 1-63 lower-case ASCII letters, digits, '.', '_' or '-'
            starting with a letter.
    """
    return PrincipalName(_checked_name(value, "principal"))


def project_name(value: str) -> ProjectName:
    """Validate a project name (same rules as principal names).

    Raises:
        InvalidInput: the name is malformed.
    """
    return ProjectName(_checked_name(value, "project"))


def request_id(value: str) -> RequestId:
    """Validate a boundary request id such as ``req_<32 hex>``.

    Raises:
        InvalidInput: the id is malformed.
    """
    if not _REQUEST_ID.fullmatch(value):
        raise InvalidInput(
            f"{value!r} is not a request id: expected req_ followed by 32 hex digits"
        )
    return RequestId(value)


def sha256_hex(value: str) -> Sha256Hex:
    """Validate a lower-case hex SHA-256 digest.

    Raises:
        InvalidInput: the digest is not 64 lower-case hex digits.
    """
    if not _SHA256.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a SHA-256 digest: expected 64 lower-case hex digits")
    return Sha256Hex(value)


def _checked_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        raise InvalidInput(
            f"{what} name {value!r} is invalid: use 1-63 lower-case ASCII letters, digits, "
            "'.', '_' or '-', starting with a letter"
        )
    return value
