"""PEP 740 attestations and Trusted Publisher pins on the command line (issue 16).

`airlock package vet --attestation FILE --publisher PROJECT=github:OWNER/REPO:WORKFLOW`
verifies locally; `airlock package publisher pin|unpin|list` keeps the pins the gateway
applies at admission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.cli.package_vet import ATTESTATION_SUFFIXES
from airlock.errors import InvalidInput, SourceError
from airlock.render.table import render_table

if TYPE_CHECKING:
    from airlock.imports.packages.provenance import Publisher
    from airlock.imports.packages.vet import VetReport

SUFFIXES = ATTESTATION_SUFFIXES


def parse_pins(values: Sequence[str]) -> dict[str, Publisher]:
    """``PROJECT=PUBLISHER`` options as a table by normalised project name.

    Raises: InvalidInput for a value of another shape.
    """
    from airlock.imports.packages.provenance import Publisher
    from airlock.imports.packages.typosquat import normalise

    pins = {}
    for value in values:
        project, sep, publisher = value.partition("=")
        if not sep or not project.strip():
            raise InvalidInput(f"{value!r}: write PROJECT=github:OWNER/REPO:WORKFLOW")
        pins[normalise(project.strip())] = Publisher.parse(publisher)
    return pins


def attestation_for(path: Path, given: Sequence[Path], only_file: bool) -> Path | None:
    """The attestation of the distribution at ``path``: one given whose name is the file's name
    plus a known suffix (or the only one given, for the only file), else one saved beside it."""
    for candidate in given:
        if any(candidate.name == path.name + s for s in SUFFIXES):
            return candidate
    if only_file and len(given) == 1:
        return given[0]
    return next(
        (
            path.with_name(path.name + s)
            for s in SUFFIXES
            if (path.with_name(path.name + s)).is_file()
        ),
        None,
    )


def read_attestation(path: Path) -> bytes:
    from airlock.imports.packages.attest import MAX_ATTESTATION_BYTES

    try:
        if path.stat().st_size > MAX_ATTESTATION_BYTES:
            raise InvalidInput(f"{path} is over {MAX_ATTESTATION_BYTES} bytes: not an attestation")
        return path.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read the attestation {path}: {e.strerror}") from e


def apply_provenance(
    reports: list[VetReport],
    paths: Sequence[Path],
    given: Sequence[Path],
    pins: Mapping[str, Publisher],
) -> list[VetReport]:
    """Each report with its attestation verified and the pins applied (see
    :func:`airlock.imports.packages.verdicts.with_provenance`).

    Raises: InvalidInput for an attestation that is not one (malformed JSON or shape),
    ConfigError without the attest extra.
    """
    from airlock.imports.packages.typosquat import normalise
    from airlock.imports.packages.verdicts import with_provenance

    used: set[Path] = set()
    out = []
    for path, report in zip(paths, reports, strict=True):
        found = attestation_for(path, given, len(paths) == 1)
        pin = pins.get(normalise(report.name))
        if found is None and pin is None:
            out.append(report)
            continue
        check = None
        if found is not None:
            from airlock.imports.packages.attest import check_attestation

            used.add(found)
            try:
                check = check_attestation(
                    report.filename, report.sha256, read_attestation(found), pin
                )
            except InvalidInput as e:
                raise InvalidInput(f"{found}: {e.message}") from e
        out.append(with_provenance(report, pin, check))
    unused = [str(p) for p in given if p not in used]
    if unused:
        raise InvalidInput(
            f"no package file matches the attestation {', '.join(unused)}: name it "
            f"FILE{SUFFIXES[0]} or FILE{SUFFIXES[1]} after the package file it attests"
        )
    return out


@click.group("publisher")
def publisher_group() -> None:
    """Trusted Publishers pinned per project: a pinned project's files need a PEP 740
    attestation by that publisher, or they are held."""


@publisher_group.command("pin")
@click.argument("project")
@click.argument("publisher")
@pass_cli
def pin_command(cli: CliContext, project: str, publisher: str) -> None:
    """Pin PROJECT to PUBLISHER (github:OWNER/REPO:WORKFLOW or gitlab:NS/PROJECT:CI-FILE).
    As an admin; recorded in the ledger."""
    airlock = cli.airlock()
    index = airlock.pin_publisher(cli.operator_actor("package publisher pin"), project, publisher)
    click.echo(f"{project} pinned to {publisher} (ledger entry {index})")


@publisher_group.command("unpin")
@click.argument("project")
@pass_cli
def unpin_command(cli: CliContext, project: str) -> None:
    """Remove PROJECT's pin. As an admin; recorded in the ledger."""
    airlock = cli.airlock()
    index = airlock.pin_publisher(cli.operator_actor("package publisher unpin"), project, "")
    click.echo(f"{project} unpinned (ledger entry {index})")


@publisher_group.command("list")
@pass_cli
def list_command(cli: CliContext) -> None:
    """Every pinned project and its publisher."""
    pins = cli.airlock().publisher_pins()
    click.echo(render_table(["PROJECT", "PUBLISHER"], [[p, pins[p]] for p in sorted(pins)]))
