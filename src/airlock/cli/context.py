"""What every command gets: the environment, and settings and the facade opened on demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.domain.requests import Outcome
from airlock.errors import ExitCode
from airlock.settings import Settings, default_home

if TYPE_CHECKING:
    from airlock.service import Airlock


@dataclass
class CliContext:
    """Opened lazily so `airlock --help` and `airlock init` work without a home."""

    environ: Mapping[str, str]
    home_override: Path | None = None
    _settings: Settings | None = field(default=None, init=False)
    _airlock: Airlock | None = field(default=None, init=False)

    @property
    def home(self) -> Path:
        return self.home_override or default_home(self.environ)

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.load(self.environ, self.home)
        return self._settings

    def airlock(self) -> Airlock:
        if self._airlock is None:
            from airlock.service import Airlock  # only the commands that use the facade

            self._airlock = Airlock.from_settings(self.settings())
        return self._airlock

    def close(self) -> None:
        if self._airlock is not None:
            self._airlock.close()
            self._airlock = None


pass_cli = click.make_pass_decorator(CliContext)

# The exit code of every command that ends in a boundary verdict (README: 0 / 10 / 11).
EXIT_FOR_OUTCOME = {
    Outcome.ALLOW: ExitCode.OK,
    Outcome.HOLD: ExitCode.HELD,
    Outcome.DENY: ExitCode.DENIED,
}
