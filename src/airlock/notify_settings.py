"""Who learns of a new held item without polling (issue 18): the ``[notify]`` config table.

    [notify]
    base_url = "https://airlock.example"   # links in messages (default: none)
    smtp_host = "127.0.0.1"                # e-mail is off without it
    smtp_port = 25
    smtp_from = "airlock@example.org"
    attempts = 5                           # webhook tries per notice (back-off doubles)

    [notify.groups.vision]
    webhook_url = "https://chat.example/hooks/vision"
    secret_env = "AIRLOCK_NOTIFY_VISION_SECRET"   # the HMAC key, from the environment
    email = ["bob@example.org", "carol@example.org"]
    projects = ["vision"]                  # which requests; none listed: every request

A group is the approvers of one part of the policy (a team, a project, the admins); each
held request goes to every group whose ``projects`` include its project (or that lists none).
Secrets never sit in the config file: ``secret_env`` names the variable that holds one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airlock.errors import ConfigError

MIN_SECRET_BYTES = 16
_KNOWN = {"base_url", "smtp_host", "smtp_port", "smtp_from", "attempts", "groups"}
_KNOWN_GROUP = {"webhook_url", "secret_env", "email", "projects"}


@dataclass(frozen=True, slots=True)
class NotifyGroup:
    name: str
    webhook_url: str = ""
    secret: bytes = b""
    email: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ConfigError(f"notify.groups.{self.name}.webhook_url must be http(s)://")
        if self.webhook_url and len(self.secret) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"notify.groups.{self.name} posts a webhook, so its secret_env must name an "
                f"environment variable holding at least {MIN_SECRET_BYTES} bytes"
            )
        if any("@" not in a or any(c.isspace() for c in a) for a in self.email):
            raise ConfigError(f"notify.groups.{self.name}.email holds a malformed address")

    def covers(self, project: str | None) -> bool:
        return not self.projects or (project is not None and project in self.projects)


@dataclass(frozen=True, slots=True)
class NotifySettings:
    base_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "airlock@localhost"
    attempts: int = 5
    groups: tuple[NotifyGroup, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 1 <= self.attempts <= 20:
            raise ConfigError("notify.attempts must be between 1 and 20")
        if not 1 <= self.smtp_port <= 65535:
            raise ConfigError("notify.smtp_port must be a TCP port")

    @property
    def enabled(self) -> bool:
        return any(g.webhook_url or (g.email and self.smtp_host) for g in self.groups)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], environ: Mapping[str, str]) -> NotifySettings:
        """Raises: ConfigError for unknown keys, wrong types or a missing secret."""
        _known(raw, _KNOWN, "notify.")
        groups_raw = raw.get("groups", {})
        if not isinstance(groups_raw, dict):
            raise ConfigError("notify.groups must be a table of groups ([notify.groups.NAME])")
        groups = []
        for name, group in sorted(groups_raw.items()):
            if not isinstance(group, dict):
                raise ConfigError(f"notify.groups.{name} must be a table")
            prefix = f"notify.groups.{name}."
            _known(group, _KNOWN_GROUP, prefix)
            secret_env = _str(group, "secret_env", "", prefix)
            groups.append(
                NotifyGroup(
                    name=name,
                    webhook_url=_str(group, "webhook_url", "", prefix),
                    secret=environ.get(secret_env, "").encode() if secret_env else b"",
                    email=_strs(group, "email", prefix),
                    projects=_strs(group, "projects", prefix),
                )
            )
        port = raw.get("smtp_port", 25)
        attempts = raw.get("attempts", 5)
        if not isinstance(port, int) or not isinstance(attempts, int):
            raise ConfigError("notify.smtp_port and notify.attempts must be integers")
        return cls(
            base_url=_str(raw, "base_url", "", "notify.").rstrip("/"),
            smtp_host=_str(raw, "smtp_host", "", "notify."),
            smtp_port=port,
            smtp_from=_str(raw, "smtp_from", "airlock@localhost", "notify."),
            attempts=attempts,
            groups=tuple(groups),
        )


def _known(raw: Mapping[str, Any], known: set[str], prefix: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown config key(s) {', '.join(prefix + k for k in unknown)}")


def _str(raw: Mapping[str, Any], key: str, default: str, prefix: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"config key {prefix}{key} must be a string")
    return value


def _strs(raw: Mapping[str, Any], key: str, prefix: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config key {prefix}{key} must be a list of strings")
    return tuple(value)
