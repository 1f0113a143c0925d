"""`airlock scan` and `airlock weights ...`: egress inspection from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from airlock.cli.context import EXIT_FOR_OUTCOME, CliContext, pass_cli
from airlock.cli.lazy import LazyGroup
from airlock.errors import AirlockError, SourceError
from airlock.exports.findings import FileReport, report_to_json, worst
from airlock.exports.formats import Format, read_safetensors_header, sniff
from airlock.render.table import render_table

if TYPE_CHECKING:  # the engine (numpy) is imported by the commands that inspect (issue 13)
    from airlock.exports.engine import Inspector

READ_PIECE = 1024 * 1024


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report.")
@pass_cli
def scan_command(cli: CliContext, paths: tuple[Path, ...], as_json: bool) -> int:
    """Inspect files (folders recursively) as the gateway would before they leave.

    Exit code: 0 allow, 10 hold, 11 deny, 2 bad input.
    """
    inspector = _inspector(cli)
    reports = [_scan_one(inspector, path) for path in _expand(paths)]
    if as_json:
        click.echo(json.dumps(report_to_json(reports), indent=2))
    else:
        rows = [
            [r.path, r.verdict.value, f.kind.value, f.member or "-", f.detail]
            for r in reports
            for f in r.findings
        ]
        rows += [
            [r.path, r.verdict.value, "-", "-", "nothing found"] for r in reports if not r.findings
        ]
        click.echo(render_table(["PATH", "VERDICT", "FINDING", "WHERE", "DETAIL"], rows))
        click.echo(f"overall: {worst(r.verdict for r in reports).value}")
    return EXIT_FOR_OUTCOME[worst(r.verdict for r in reports)]


def _inspector(cli: CliContext) -> Inspector:
    from airlock.exports.engine import Inspector

    try:
        return cli.airlock().inspector()
    except AirlockError as e:
        click.echo(f"airlock: note: protected-model matching is off ({e.message})", err=True)
        return Inspector()


def _expand(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        elif path.is_file():
            yield path
        else:
            raise SourceError(f"{path} is not a readable file or folder")


def _scan_one(inspector: Inspector, path: Path) -> FileReport:
    try:
        with path.open("rb") as handle:
            return inspector.inspect(str(path), handle, path.stat().st_size)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e


@click.group(
    "weights",
    cls=LazyGroup,
    lazy_commands={
        "mark": "airlock.cli.weights:mark_command",
        "trace": "airlock.cli.weights:trace_command",
    },
)
def weights_group() -> None:
    """Protected model weights: register them (any piece in an export is denied), mark
    per-recipient copies and trace a leaked file to its copy."""


SAMPLE_ABOVE = 1024**3  # --fingerprint auto samples models larger than this


@weights_group.command("register")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
@click.option("--name", required=True, help="The model's name, shown when an export is denied.")
@click.option(
    "--fingerprint",
    type=click.Choice(["auto", "full", "sampled"]),
    default="auto",
    show_default=True,
    help="full: every chunk (names pieces from 64 KiB; 0.6% of the model's size); sampled: "
    "a keyed 1/32 sample (names pieces from 1 MiB; ~50 MB per TB); auto: sampled above 1 GiB.",
)
@pass_cli
def register(cli: CliContext, path: Path, name: str, fingerprint: str) -> None:
    """Fingerprint PATH (a model file, or a folder of shards) as protected model NAME.

    One streaming pass: content-defined chunk digests, per-tensor derivative sketches
    (safetensors, GGUF, NumPy) and the lossless compression ratio.
    """
    from airlock.identity.tensors import model_files

    files = model_files(path)
    if not files:
        raise SourceError(f"{path} holds no model file (.safetensors, .gguf, .npy, .pt, .bin)")
    total = sum(f.stat().st_size for f in files)
    sampled = fingerprint == "sampled" or (fingerprint == "auto" and total > SAMPLE_ABOVE)
    tensors: tuple[str, ...] = ()
    try:
        if len(files) == 1:
            with files[0].open("rb") as handle:
                head = handle.read(16 * 1024 * 1024)
            if sniff(head) is Format.SAFETENSORS:
                tensors = (read_safetensors_header(head, total, len(head)).detail,)
        root = path if path.is_dir() else path.parent
        model = cli.airlock().register_protected_model(
            cli.operator_actor("weights register"),
            name,
            (),
            tensors,
            shards=[(str(f.relative_to(root)) if path.is_dir() else "", _pieces(f)) for f in files],
            sampled=sampled,
        )
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e
    from airlock.exports.model_fingerprint import lossless_ratio

    kind = "sampled chunks" if model.sampled else "chunks"
    click.echo(
        f"registered {model.name}: {model.size} bytes in {len(files)} file(s), "
        f"{len(model.chunks)} {kind}, lossless ratio {lossless_ratio(model):.2f}"
    )


def _pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while piece := handle.read(READ_PIECE):
            yield piece


@weights_group.command("list")
@click.option(
    "--accounts",
    type=click.IntRange(min=1, max=1_000_000),
    default=None,
    help="Colluding accounts for the time to exfiltrate [default: egress.colluding_accounts].",
)
@pass_cli
def list_models(cli: CliContext, accounts: int | None) -> None:
    """List protected models, with the time each would take to leave through one account and
    through several colluding ones (at 100x compression; '-' with no enclave budget), and
    through one account at the lossless ratio measured when it was registered."""
    from airlock.exports.model_fingerprint import lossless_ratio
    from airlock.render.units import format_bytes, format_seconds

    airlock = cli.airlock()
    k = accounts or cli.settings().egress.colluding_accounts
    one = {e.model: e.seconds for e in airlock.time_to_exfiltrate()}
    many = {e.model: e.seconds for e in airlock.time_to_exfiltrate(accounts=k)}
    measured = {e.model: e.seconds for e in airlock.time_to_exfiltrate(measured=True)}

    def took(table: dict[str, float], name: str) -> str:
        return format_seconds(table[name]) if name in table else "-"

    click.echo(
        render_table(
            [
                "NAME",
                "SIZE",
                "CHUNKS",
                "LOSSLESS",
                "TIME (1 ACCOUNT)",
                f"TIME ({k} ACCOUNTS)",
                "TIME (1, LOSSLESS)",
            ],
            [
                [
                    m.name,
                    format_bytes(m.size),
                    f"{len(m.chunks)}{' sampled' if m.sampled else ''}",
                    f"{lossless_ratio(m):.2f}x",
                    took(one, m.name),
                    took(many, m.name),
                    took(measured, m.name),
                ]
                for m in airlock.protected_models()
            ],
        )
    )
