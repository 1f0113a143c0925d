"""What every command gets: the environment, settings and the facade opened on demand, and
the identity of whoever acts (issue 14).

A command that acts for a person (export, vote, admission) needs that person's own token,
from ``$AIRLOCK_TOKEN``, ``--token-file`` or ``$AIRLOCK_TOKEN_FILE`` (a file only its owner
can read): ``--as NAME`` alone is a claim, and is refused. Administrative commands act with an
admin's token too; direct access to the home acts only before the first admin exists
(bootstrap) or in a recorded break-glass recovery (``airlock --break-glass REASON ...``),
which locks the enclave's exports until a second admin confirms it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.cli.exit_codes import EXIT_FOR_OUTCOME
from airlock.errors import AuthenticationRequired, ConfigError, PermissionDenied

if TYPE_CHECKING:
    from airlock.domain.principals import Principal
    from airlock.service import Actor, Airlock
    from airlock.settings import Settings

MAX_TOKEN_FILE_BYTES = 4096


@dataclass
class CliContext:
    """Opened lazily so `airlock --help` and `airlock init` work without a home."""

    environ: Mapping[str, str]
    home_override: Path | None = None
    token_file: Path | None = None
    break_glass_reason: str | None = None
    _settings: Settings | None = field(default=None, init=False)
    _airlock: Airlock | None = field(default=None, init=False)

    @property
    def home(self) -> Path:
        # Settings are imported when a command needs them: `package vet` never does.
        from airlock.settings import default_home

        return self.home_override or default_home(self.environ)

    def settings(self) -> Settings:
        if self._settings is None:
            from airlock.settings import Settings

            self._settings = Settings.load(self.environ, self.home)
        return self._settings

    def airlock(self) -> Airlock:
        if self._airlock is None:
            from airlock.service import Airlock  # only the commands that use the facade

            self._airlock = Airlock.from_settings(self.settings())
        return self._airlock

    # --- who acts (issue 14) -------------------------------------------------------------

    def token(self) -> str | None:
        """The caller's own API token: --token-file, $AIRLOCK_TOKEN or $AIRLOCK_TOKEN_FILE.

        Raises: ConfigError for a token file that others can read or that is not the caller's.
        """
        if self.token_file is not None:
            return read_token_file(self.token_file)
        token = self.environ.get("AIRLOCK_TOKEN", "").strip()
        if token:
            return token
        path = self.environ.get("AIRLOCK_TOKEN_FILE", "").strip()
        return read_token_file(Path(path)) if path else None

    def acting_principal(self, action: str, claimed: str | None) -> Principal:
        """The person acting, proved by their own token; a refusal is recorded in the ledger.

        Raises:
            AuthenticationRequired: no token, or an unknown or revoked one.
            PermissionDenied: ``claimed`` (``--as``) names someone other than the token's owner.
        """
        from airlock.service import Actor

        airlock = self.airlock()
        token = self.token()
        operator = Actor.local_operator(os_user())
        if token is None:
            whose = f"{claimed}'s" if claimed else "your own"
            reason = (
                f"{action} needs the person's own credential, and --as NAME alone is a claim: "
                f"set AIRLOCK_TOKEN to {whose} token (`airlock principal add` prints it once; "
                "`airlock principal token NAME` issues another) or pass --token-file"
            )
            airlock.refuse_identity(operator, action, claimed or "", reason)
            raise AuthenticationRequired(reason)
        try:
            principal = airlock.authenticate(token)
        except AuthenticationRequired as e:
            airlock.refuse_identity(operator, action, claimed or "", e.message)
            raise
        if claimed is not None and claimed != principal.name:
            reason = (
                f"the token is {principal.name}'s, so {action} --as {claimed} is refused: each "
                "person acts with their own token"
            )
            airlock.refuse_identity(Actor.of(principal), action, claimed, reason)
            raise PermissionDenied(reason)
        return principal

    def operator_actor(self, action: str) -> Actor:
        """Who performs an administrative action: an admin's token, or the local operator
        before the first admin exists or in a break-glass recovery (recorded, and it locks
        the enclave's exports until a second admin confirms it).

        Raises:
            AuthenticationRequired: admins exist, no token was given and no break-glass asked.
            InvalidInput: both a token and --break-glass.
        """
        from airlock.service import Actor

        airlock = self.airlock()
        token = self.token()
        if token is not None:
            if self.break_glass_reason is not None:
                raise PermissionDenied(
                    "--break-glass is for acting without a credential; you gave a token, so "
                    "drop --break-glass"
                )
            return Actor.of(airlock.authenticate(token))
        if self.break_glass_reason is not None:
            return airlock.break_glass(os_user(), action, self.break_glass_reason)
        if not airlock.has_admin():
            return Actor.local_operator(os_user())  # bootstrap: the first admin, the defaults
        reason = (
            f"{action} needs an admin's own credential: set AIRLOCK_TOKEN to your token (or "
            "--token-file); in a recovery without one, `airlock --break-glass REASON ...` acts "
            "as the local operator and locks every export until a second admin confirms"
        )
        airlock.refuse_identity(Actor.local_operator(os_user()), action, "", reason)
        raise AuthenticationRequired(reason)

    def reader_actor(self) -> Actor:
        """Who asks a recorded question (e.g. a taint query): the token's principal if one
        is given, else the local operator, named with the OS user."""
        from airlock.service import Actor

        token = self.token()
        if token is None:
            return Actor.local_operator(os_user())
        return Actor.of(self.airlock().authenticate(token))

    def close(self) -> None:
        if self._airlock is not None:
            self._airlock.close()
            self._airlock = None


pass_cli = click.make_pass_decorator(CliContext)

# The commands take it from here; it lives apart so that `package vet` needs no click.
__all__ = [
    "EXIT_FOR_OUTCOME",
    "MAX_TOKEN_FILE_BYTES",
    "CliContext",
    "os_user",
    "pass_cli",
    "read_token_file",
]


def os_user() -> str:
    """The OS user running this process, as the ledger names a local operator."""
    uid = os.getuid()
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def read_token_file(path: Path) -> str:
    """A token from a file that only its owner, the caller, can read (mode 0600 or 0400).

    Raises: ConfigError when it is missing, not a regular file, someone else's, open to
    group or others, empty or too large.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise ConfigError(f"cannot open token file {path}: {e.strerror}") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"token file {path} is not a regular file")
        if info.st_uid != os.getuid():
            raise ConfigError(f"token file {path} belongs to uid {info.st_uid}, not to you")
        if info.st_mode & 0o077:
            raise ConfigError(
                f"token file {path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}):"
                f" chmod 600 {path}"
            )
        data = os.read(fd, MAX_TOKEN_FILE_BYTES + 1)
    finally:
        os.close(fd)
    token = data.decode("utf-8", "replace").strip()
    if not token or len(data) > MAX_TOKEN_FILE_BYTES:
        raise ConfigError(f"token file {path} must hold one API token")
    return token
