"""The exit code of every command that ends in a boundary verdict (README: 0 / 10 / 11).

Apart from :mod:`airlock.cli.context` so that `airlock package vet`, which runs without click
(:mod:`airlock.cli.main`), can use it without importing click.
"""

from __future__ import annotations

from airlock.domain.outcome import Outcome
from airlock.errors import ExitCode

EXIT_FOR_OUTCOME = {
    Outcome.ALLOW: ExitCode.OK,
    Outcome.HOLD: ExitCode.HELD,
    Outcome.DENY: ExitCode.DENIED,
}
