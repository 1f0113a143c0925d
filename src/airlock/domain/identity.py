"""How an actor was authenticated, as the ledger records it (issue 14).

A name alone is a claim. Every entry an actor makes records the method that proved who
they are, so an auditor can tell a vote cast with the voter's own token from an action a
shell user took with direct access to the home folder.

Pure: no environment, no files. The CLI and the gateway decide which method applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The ASGI scope extension in which the gateway's HTTP protocol passes the kernel's
# SO_PEERCRED uid of a Unix-socket peer to the gate (never set from anything a client sends).
PEER_EXTENSION = "airlock.peercred"
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


@dataclass(frozen=True, slots=True)
class Credential:
    """How one request's actor was authenticated, with what the method learnt: for
    ``peercred`` the OS user and uid the kernel reported for the Unix socket's peer."""

    method: AuthMethod
    os_user: str = ""
    uid: int | None = None

    def details(self) -> dict[str, str]:
        found = auth_details(self.method, self.os_user)
        if self.uid is not None:
            found["uid"] = str(self.uid)
        return found


Auth = AuthMethod | Credential  # what the facade's submit and vote paths accept


def credential(auth: Auth) -> Credential:
    return auth if isinstance(auth, Credential) else Credential(auth)
