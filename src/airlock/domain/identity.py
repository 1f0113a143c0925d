"""How an actor was authenticated, as the ledger records it (issue 14).

A name alone is a claim. Every entry an actor makes records the method that proved who
they are, so an auditor can tell a vote cast with the voter's own token from an action a
shell user took with direct access to the home folder.

Pure: no environment, no files. The CLI and the gateway decide which method applied.
"""

from __future__ import annotations

from enum import StrEnum

BREAK_GLASS_SUBJECT = "break-glass"  # the subject of the enclave lock a break-glass imposes


class AuthMethod(StrEnum):
    """How an actor proved who they are."""

    TOKEN = "token"  # noqa: S105 -- a method name, not a secret; the principal's own API token (HTTP bearer, or $AIRLOCK_TOKEN in the CLI)
    PEERCRED = "peercred"  # the OS user on a Unix socket (SO_PEERCRED) mapped to a principal
    LOCAL_OPERATOR = "local-operator"  # direct access to the home: init, bootstrap, break-glass


# Methods that prove a person, not merely access to the files: the only ones a vote accepts.
STRONG_METHODS = frozenset({AuthMethod.TOKEN, AuthMethod.PEERCRED})


def auth_details(
    method: AuthMethod, os_user: str = "", break_glass: bool = False
) -> dict[str, str]:
    """The ``details`` a ledger entry carries about its actor's authentication."""
    details = {"auth": method.value}
    if os_user:
        details["os_user"] = os_user
    if break_glass:
        details["break_glass"] = "yes"
    return details
