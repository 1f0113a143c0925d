"""`airlock assess`: how far this enclave is from SL5 (issue 17).

Imports of the assessment (and of compliance-trestle under it) happen inside the commands,
so `airlock --help` and every other command start without them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.errors import InvalidInput, SourceError

MAX_SBOM_BYTES = 64 * 1024 * 1024


@click.group("assess", invoke_without_command=True)
@click.option("--level", default="SL5", show_default=True, help="Assess up to SL1..SL5.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "oscal"]),
    default="md",
    show_default=True,
    help="What to print on standard output.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write assessment-results.json, report.md, report.html and evidence/ receipts.",
)
@click.option(
    "--since",
    "since_ref",
    default=None,
    help="Ledger index of an earlier assessment (or 'last'): show what moved since.",
)
@click.option(
    "--sbom",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="CycloneDX SBOM of the enclave environment (`airlock sbom`), for the allow-list check.",
)
@click.pass_context
def assess_group(
    ctx: click.Context,
    level: str,
    fmt: str,
    output: Path | None,
    since_ref: str | None,
    sbom: Path | None,
) -> None:
    """Assess the enclave against the SL1-SL5 measures and record the result in the ledger.

    The level reached is the highest whose every measure is satisfied; what airlock cannot
    see is answered in a questionnaire (`airlock assess questionnaire`, `assess attest`).
    """
    if ctx.invoked_subcommand is not None:
        return
    from airlock.assess import gather, oscal, report
    from airlock.assess.controls import parse_level

    cli: CliContext = ctx.find_object(CliContext)  # type: ignore[assignment]
    target = parse_level(level)
    components = None if sbom is None else gather.sbom_components(_read(sbom, MAX_SBOM_BYTES))
    airlock = cli.airlock()
    before = None
    if since_ref is not None:  # checked before anything is recorded
        ref = (
            airlock.last_assessment(airlock.ledger.size())
            if since_ref == "last"
            else _index(since_ref)
        )
        if ref is None:
            raise InvalidInput("no earlier assessment in the ledger: --since needs one")
        before = gather.earlier(airlock.ledger, ref)
    assessment = airlock.assess(target, components)
    moved = None if before is None else gather.since(before, assessment)
    cited = sorted({i for f in assessment.findings for i in f.evidence})
    hrefs = {i: f"evidence/entry-{i}.json" for i in cited}
    results = oscal.assessment_results_dict(
        assessment.findings,
        level_reached=assessment.level,
        target=target,
        started=assessment.started,
        enclave=assessment.enclave,
        evidence_href=hrefs,
    )
    encoded = json.dumps(results, indent=2, sort_keys=True) + "\n"
    digest = hashlib.sha256(encoded.encode()).hexdigest()
    index = airlock.record_assessment(assessment, digest)
    markdown = report.markdown(assessment, moved)
    page = report.html(assessment, moved)
    if output is not None:
        try:
            (output / "evidence").mkdir(parents=True, exist_ok=True)
            for i in cited:
                (output / hrefs[i]).write_bytes(airlock.ledger.receipt(i))
            for name, text in oscal.shipped_files().items():  # what import-ap refers to
                (output / name).write_text(text, encoding="utf-8")
            (output / "assessment-results.json").write_text(encoded, encoding="utf-8")
            (output / "report.md").write_text(markdown, encoding="utf-8")
            (output / "report.html").write_text(page, encoding="utf-8")
        except OSError as e:
            raise SourceError(f"cannot write the assessment to {output}: {e.strerror}") from e
    click.echo({"md": markdown, "html": page, "oscal": encoded}[fmt], nl=False)
    click.echo(
        f"recorded as ledger entry {index} (results sha256 {digest[:16]}); "
        f"compare a later run with --since {index}"
        + ("" if output is None else f"; written to {output}"),
        err=True,
    )


@assess_group.command("questionnaire")
def questionnaire() -> None:
    """Print a blank questionnaire of what airlock cannot see (TOML), to fill in."""
    from airlock.assess.attest import questionnaire_template

    click.echo(questionnaire_template())


@assess_group.command("attest")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--token", default=None, help="Your own API token (or $AIRLOCK_TOKEN).")
@pass_cli
def attest(cli: CliContext, file: Path, token: str | None) -> None:
    """Record your answers in FILE in the ledger, as yours (you sign in with your token)."""
    from airlock.assess.attest import (
        MAX_QUESTIONNAIRE_BYTES,
        parse_questionnaire,
    )

    secret = token or cli.environ.get("AIRLOCK_TOKEN", "")
    if not secret:
        raise InvalidInput("attesting needs your own API token: --token or $AIRLOCK_TOKEN")
    answers = parse_questionnaire(_read(file, MAX_QUESTIONNAIRE_BYTES).encode())
    airlock = cli.airlock()
    principal = airlock.authenticate(secret)
    indices = airlock.attest(principal, answers)
    for answer, index in zip(answers, indices, strict=True):
        word = "yes" if answer.satisfied else "no"
        click.echo(f"{answer.control}: {word} by {principal.name} (ledger entry {index})")
    if not answers:
        click.echo("no answers given: every attested measure stays not satisfied")


def _index(text: str) -> int:
    try:
        value = int(text)
    except ValueError as e:
        raise InvalidInput(f"--since takes a ledger index or 'last', not {text!r}") from e
    if value < 0:
        raise InvalidInput("--since takes a ledger index, which is not negative")
    return value


def _read(path: Path, limit: int) -> str:
    try:
        if path.stat().st_size > limit:
            raise InvalidInput(f"{path} exceeds {limit} bytes")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"cannot read {path}: {e}") from e
