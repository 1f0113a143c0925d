"""The one exception tree of airlock.

Two branches, because callers must react differently to them:

* :class:`InputRejected` -- the input is bad or not allowed (policy violation, budget
  exceeded, vetting rejected, log integrity failure, malformed request). Retrying the same
  input will fail the same way; the user must change what they send.
* :class:`OperationFailed` -- airlock could not do the work (store unreachable, config
  unreadable, port in use). The input may be fine; the operator must fix the environment.

Every message says what was wrong and what to do about it. Only the CLI entry point and the
API's error table turn these into user output; everything else raises them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``airlock`` command, part of its public contract."""

    OK = 0
    INTERNAL = 1
    BAD_INPUT = 2
    HELD = 10
    DENIED = 11


class AirlockError(Exception):
    """Root of every error airlock raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- the input is bad -------------------------------------------------------------------


class InputRejected(AirlockError):
    """The request or data is bad or not allowed; sending it again will not help."""

    exit_code = ExitCode.BAD_INPUT
    http_status = 400


class InvalidInput(InputRejected):
    """A value failed validation (malformed id, unknown role, bad JSON, out-of-range size)."""


class NotFound(InputRejected):
    """The named object does not exist."""

    http_status = 404


class Conflict(InputRejected):
    """The object already exists or is in a state that forbids the action."""

    http_status = 409


class AwaitingApproval(Conflict):
    """The object is held until approvers decide; the message names the request to approve."""

    exit_code = ExitCode.HELD


class AuthenticationRequired(InputRejected):
    """No valid API token was presented."""

    http_status = 401


class TooManyAttempts(InputRejected):
    """Too many failed sign-ins from one client address; wait before trying again."""

    http_status = 429

    def __init__(self, message: str, retry_after_seconds: int = 60) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PermissionDenied(InputRejected):
    """The principal is known but not allowed to do this."""

    http_status = 403


class PolicyViolation(InputRejected):
    """Policy denied the request."""

    exit_code = ExitCode.DENIED
    http_status = 403


class BudgetExceeded(PolicyViolation):
    """The request would cross a byte budget."""


class VettingRejected(PolicyViolation):
    """An imported package or dataset failed vetting."""


class LedgerIntegrityError(InputRejected):
    """The ledger, a proof, a checkpoint or a receipt does not verify."""

    exit_code = ExitCode.INTERNAL
    http_status = 422


class TamperedState(LedgerIntegrityError):
    """A row the boundary acts on was changed outside airlock: its seal, or the ledger entry
    behind the seal, does not hold (issue 22). Refused, and recorded like any refusal."""


# --- we could not do the work -----------------------------------------------------------


class OperationFailed(AirlockError):
    """Airlock could not do the work; the environment needs fixing, not the input."""

    exit_code = ExitCode.INTERNAL
    http_status = 503


class ConfigError(OperationFailed):
    """The configuration or home folder is missing or malformed."""

    exit_code = ExitCode.BAD_INPUT


class StoreError(OperationFailed):
    """The database could not be reached or refused the operation."""


class SourceError(OperationFailed):
    """An input file or stream could not be read."""

    exit_code = ExitCode.BAD_INPUT


class ServerError(OperationFailed):
    """The HTTP server could not start (for example, the port is in use)."""
