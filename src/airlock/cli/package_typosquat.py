"""`airlock package typosquat refresh`: the typosquat check's protected names (issue 16)."""

from __future__ import annotations

from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.errors import InvalidInput, SourceError


@click.group("typosquat")
def typosquat_group() -> None:
    """The names the typosquat check protects, beyond the list shipped with airlock."""


@typosquat_group.command("refresh")
@click.option(
    "--popular",
    "lists",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Offline list of popular projects: a name a line, a CSV with the name first, or "
    "top-pypi-packages JSON.",
)
@pass_cli
def refresh_command(cli: CliContext, lists: tuple[Path, ...]) -> None:
    """Protect the projects the internal index serves and the names in --popular lists; names
    the imported malicious-packages feed lists are judged known-bad at once. As an admin."""
    from airlock.imports.packages.typosquat import popular_names

    names: list[str] = []
    for path in lists:
        try:
            names += popular_names(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise SourceError(f"cannot read {path}: {e}") from e
        except ValueError as e:
            raise InvalidInput(f"{path}: {e}") from e
    airlock = cli.airlock()
    done = airlock.refresh_protected_names(cli.operator_actor("package typosquat refresh"), names)
    click.echo(
        f"{done.rows} names offered, {done.added} new; {done.total} protected beyond the shipped "
        f"list, {done.known_bad_names} known-bad names from the feed "
        f"(ledger entry {done.ledger_index})"
    )
