"""`airlock package vet`: static vetting of wheels and sdists before they enter."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.cli.context import EXIT_FOR_OUTCOME, CliContext, pass_cli
from airlock.cli.package_feed import feed_group
from airlock.cli.package_provenance import publisher_group
from airlock.cli.package_typosquat import typosquat_group
from airlock.domain.outcome import Outcome
from airlock.errors import AirlockError, InvalidInput, SourceError
from airlock.render.table import render_table

if TYPE_CHECKING:
    from airlock.imports.packages.feed import KnownBad
    from airlock.imports.packages.lockfile import LockedPackage

MAX_PACKAGE_BYTES = 512 * 1024 * 1024


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
    from airlock.imports.packages.vet import vet_many

    try:
        known = _known_bad(feeds) if feeds else None
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"cannot read the feed: {e}") from e
    with ExitStack() as stack:
        paths = [p for target in targets for p in _resolve(target, stack, index_url)]
        for path in paths:
            _check_is_package(path)
        # One file in memory at a time: vet_many consumes the generator as it goes.
        # A command-line run is one thread: it may share a large package with a second core.
        reports = vet_many((_read_file(path) for path in paths), known, spread=True)
        if attestations or publishers or _any_beside(paths):
            from airlock.cli.package_provenance import apply_provenance, parse_pins

            reports = apply_provenance(reports, paths, attestations, parse_pins(publishers))
    missing: list[LockedPackage] = []
    if lock is not None:
        from airlock.imports.packages.lockfile import apply_lock

        reports, missing = apply_lock(reports, _read_lock(lock))
    if as_json:
        body: object = [r.to_json() for r in reports]
        if lock is not None:
            body = {
                "files": body,
                "missing": [{"name": p.name, "version": p.version} for p in missing],
            }
        click.echo(json.dumps(body, indent=2))
    else:
        rows = [
            [
                r.filename,
                r.verdict.value,
                f.rule,
                f"{f.path}:{f.line}",
                f.severity.name.lower(),
                f.explanation,
            ]
            for r in reports
            for f in r.findings
        ]
        rows += [
            [r.filename, r.verdict.value, "-", "-", "-", "nothing found"]
            for r in reports
            if not r.findings
        ]
        rows += [
            [f"{p.name}=={p.version}", "hold", "locked-not-vetted", "-", "high", "no file given"]
            for p in missing
        ]
        click.echo(render_table(["FILE", "VERDICT", "RULE", "WHERE", "SEVERITY", "WHY"], rows))
        for r in reports:
            if r.publisher:
                click.echo(f"{r.filename}: attestation verified, published by {r.publisher}")
    verdicts = [r.verdict for r in reports] + [Outcome.HOLD for _ in missing]
    # The most restrictive verdict (exports.findings.worst, whose import `vet` need not pay).
    order = (Outcome.ALLOW, Outcome.HOLD, Outcome.DENY)
    return EXIT_FOR_OUTCOME[max(verdicts, key=order.index, default=Outcome.ALLOW)]


def _known_bad(feeds: tuple[Path, ...]) -> KnownBad:
    from airlock.imports.packages.feed import known_bad

    return known_bad(p.read_text("utf-8") for p in feeds)


def _any_beside(paths: list[Path]) -> bool:
    from airlock.cli.package_provenance import SUFFIXES

    return any(p.with_name(p.name + s).is_file() for p in paths for s in SUFFIXES)


def _read_lock(path: Path) -> list[LockedPackage]:
    from airlock.imports.packages.lockfile import parse_lock

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"cannot read the lock file {path}: {e}") from e
    return parse_lock(text, path.name)


PACKAGE_SUFFIXES = (".whl", ".tar.gz", ".zip")


def _resolve(target: str, stack: ExitStack, index_url: str | None) -> list[Path]:
    """Package files named by ``target``; NAME==VERSION is downloaded into a scratch folder
    that lives as long as ``stack`` (made only then: vetting files needs none)."""
    path = Path(target)
    if path.is_file():
        return [path]
    if path.is_dir():  # a wheelhouse: every package file in it, in a stable order
        return sorted(
            p for p in path.iterdir() if p.is_file() and p.name.endswith(PACKAGE_SUFFIXES)
        )
    if "==" not in target:
        raise SourceError(f"{target} is neither a file nor NAME==VERSION")
    import subprocess
    import tempfile

    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="airlock-vet-")))
    destination = scratch / target.replace("=", "_")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--dest",
        str(destination),
        target,
    ]
    if index_url:
        command[4:4] = [
            "--index-url",
            index_url,
            "--trusted-host",
            index_url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0],
        ]
    fetched = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603 -- pip's own client with fixed arguments
    if fetched.returncode != 0:
        last = (fetched.stderr.strip().splitlines() or ["no output"])[-1]
        raise SourceError(f"pip could not download {target}: {last}")
    return sorted(destination.iterdir())


def _read_file(path: Path) -> tuple[str, bytes]:
    try:
        if path.stat().st_size > MAX_PACKAGE_BYTES:
            raise SourceError(f"{path} is larger than {MAX_PACKAGE_BYTES} bytes")
        return path.name, path.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e


def _check_is_package(path: Path) -> None:
    """Raises: InvalidInput (exit 2) for a file that is no wheel or sdist at all."""
    from airlock.imports.packages.vet import not_a_package

    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e
    problem = not_a_package(path.name, head)
    if problem is not None:
        raise InvalidInput(problem)


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
    return EXIT_FOR_OUTCOME[admission.report.verdict]


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
