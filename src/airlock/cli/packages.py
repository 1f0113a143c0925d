"""`airlock package vet`: static vetting of wheels and sdists before they enter."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from airlock.cli.context import EXIT_FOR_OUTCOME, CliContext, pass_cli
from airlock.cli.package_feed import feed_group
from airlock.cli.package_provenance import publisher_group
from airlock.cli.package_typosquat import typosquat_group
from airlock.cli.package_vet import vet_files
from airlock.errors import AirlockError, InvalidInput, SourceError


@click.group("package")
def package_group() -> None:
    """Software ingress: vet Python packages without importing or building them."""


package_group.add_command(feed_group)
package_group.add_command(publisher_group)
package_group.add_command(typosquat_group)


@package_group.command("vet")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--index-url",
    default=None,
    help="Where pip fetches NAME==VERSION targets (default: pip's configuration).",
)
@click.option(
    "--known-bad",
    "feeds",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Offline OSV malicious-packages feed (JSON or JSON lines); exact matches deny.",
)
@click.option(
    "--lock",
    "lock",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="requirements.txt with --hash lines, or pylock.toml: every file must be one it locks, "
    "and every locked package must be among the files.",
)
@click.option(
    "--attestation",
    "attestations",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEP 740 attestation or PyPI provenance JSON, named FILE.provenance or "
    "FILE.publish.attestation after the file it attests (one saved beside a file is found "
    "without this option). Verified offline against Sigstore's pinned production root.",
)
@click.option(
    "--publisher",
    "publishers",
    multiple=True,
    metavar="PROJECT=KIND:REPO:WORKFLOW",
    help="Pin PROJECT's Trusted Publisher, e.g. numpy=github:numpy/numpy:wheels.yml: its "
    "files need an attestation by it (else hold); unread native code in them is allowed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def vet_command(
    targets: tuple[str, ...],
    index_url: str | None,
    feeds: tuple[Path, ...],
    lock: Path | None,
    attestations: tuple[Path, ...],
    publishers: tuple[str, ...],
    as_json: bool,
) -> int:
    """Vet wheel/sdist files or folders of them (a whole environment in one process), or
    NAME==VERSION fetched with pip outside the enclave.

    Exit code: 0 allow, 10 hold (or a locked package with no file), 11 deny, 2 for a file
    that is no package at all.
    """
    return vet_files(
        targets,
        index_url=index_url,
        feeds=feeds,
        lock=lock,
        attestations=attestations,
        publishers=publishers,
        as_json=as_json,
        echo=click.echo,
    )


@package_group.command("admit")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--as",
    "as_name",
    default=None,
    help="Optional: must name the token's own principal (a name alone is refused).",
)
@click.option(
    "--attestation",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="PEP 740 attestation or PyPI provenance of PATH (default: PATH.provenance or "
    "PATH.publish.attestation when one is beside it).",
)
@pass_cli
def admit(cli: CliContext, path: Path, as_name: str | None, attestation: Path | None) -> int:
    """Vet PATH and put it on the internal index if clean (held ones need approvals)."""
    from airlock.cli.package_provenance import attestation_for, read_attestation

    airlock = cli.airlock()
    principal = cli.acting_principal("package admit", as_name)
    found = attestation_for(path, [attestation] if attestation else [], only_file=True)
    admission = airlock.admit_package(
        principal,
        path.name,
        path.read_bytes(),
        attestation=read_attestation(found) if found else None,
    )
    click.echo(f"{admission.request.id}: {admission.request.status.value}")
    for reason in admission.decision.reasons:  # why, in the vetting's own words
        click.echo(f"  {reason.code}: {reason.message}")
    from airlock.domain.requests import RequestStatus

    if admission.request.status is RequestStatus.HELD:
        from airlock.service import Actor  # only admit needs the facade (vet starts faster)

        shown = airlock.request_progress(Actor.of(principal), admission.request.id)
        click.echo(f"approvals {shown.summary}; may approve: {', '.join(shown.eligible)}")
        click.echo(f"next: {shown.next_step}")
    return EXIT_FOR_OUTCOME[admission.decision.outcome]


@click.command("sbom")
@click.option(
    "--python",
    "python",
    default=None,
    help="Interpreter whose environment to inventory (default: this one).",
)
@click.option(
    "--vulnerabilities",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help='Offline advisories: {"name": [{"spec", "id"}]}.',
)
@pass_cli
def sbom_command(cli: CliContext, python: str | None, vulnerabilities: Path | None) -> None:
    """Print a CycloneDX SBOM of an environment with a supply-chain risk score per package."""
    import subprocess

    paths = sys.path
    if python is not None:
        try:
            answer = subprocess.run(  # noqa: S603 -- the operator names the interpreter to inspect
                [python, "-c", "import json, sys; print(json.dumps(sys.path))"],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            paths = json.loads(answer.stdout)
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            raise SourceError(f"cannot ask {python} for its sys.path: {e}") from e
    # CycloneDX's library is imported by this command only, not by `airlock --help`.
    from airlock.imports.packages.sbom import (
        assess,
        cyclonedx_json,
        installed,
        load_vulnerabilities,
    )

    advisories = {}
    if vulnerabilities is not None:
        try:
            advisories = dict(load_vulnerabilities(vulnerabilities.read_text("utf-8")))
        except ValueError as e:
            raise InvalidInput(f"{vulnerabilities}: {e}") from e
    vetted: set[tuple[str, str]] = set()
    publishers: dict[tuple[str, str], str] = {}
    try:
        vetted = {(f.project, f.version) for f in cli.airlock().index_files()}
        publishers = cli.airlock().attested_publishers()
    except AirlockError as e:
        click.echo(f"airlock: note: nothing counts as vetted ({e.message})", err=True)
    click.echo(cyclonedx_json(assess(installed(paths), vetted, advisories, publishers)))
