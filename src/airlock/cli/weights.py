"""`airlock weights mark` and `airlock weights trace`: per-copy forensic watermarks (issue 19).

Loaded lazily by the ``weights`` group (:mod:`airlock.cli.scan`); numpy and the watermark
core are imported by the facade methods these commands call.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.render.table import render_table

EXIT_NOT_TRACED = 10  # like a held export: nothing named, a person should look


@click.command("mark")
@click.argument("model", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--copy", "copy", required=True, help="Who this copy is for (unique per model).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the marked copy [default: MODEL's folder, NAME.COPY.safetensors].",
)
@pass_cli
def mark_command(cli: CliContext, model: Path, copy: str, out: Path | None) -> None:
    """Write a copy of the safetensors MODEL carrying COPY's keyed, imperceptible mark.

    The ledger records the copy's name, both files' SHA-256 and a commitment to its key (the
    key itself is re-derived from the enclave secret by `airlock weights trace`).
    """
    target = out or model.with_name(f"{model.stem}.{_safe(copy)}{model.suffix}")
    receipt = cli.airlock().mark_weights(cli.operator_actor("weights mark"), model, copy, target)
    click.echo(
        f"marked copy {receipt.copy!r}: {target} ({receipt.tensors} tensors, "
        f"{receipt.elements} elements), sha256 {receipt.marked_digest}, "
        f"ledger entry {receipt.ledger_index}"
    )


@click.command("trace")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--alpha",
    type=click.FloatRange(min=1e-300, max=0.01),
    default=1e-6,
    show_default=True,
    help="Family-wise false-accusation rate (Bonferroni over the recorded copies).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report.")
@pass_cli
def trace_command(cli: CliContext, file: Path, alpha: float, as_json: bool) -> int:
    """Say which marked copy FILE (or a cast, quantised or fine-tuned derivative) came from.

    Exit code: 0 a copy is named, 10 none is, 2 bad input. No original is needed.
    """
    result = cli.airlock().trace_weights(cli.operator_actor("weights trace"), file, alpha)
    named = result.named.copy if result.named else None
    if as_json:
        scores = [
            {
                "copy": s.copy,
                "model_digest": s.model_digest,
                "elements": s.elements,
                "z": round(s.z, 2),
                "log10_p": round(s.log10_p, 2),
            }
            for s in result.scores
        ]
        report = {
            "named": named,
            "alpha": alpha,
            "log10_threshold": round(result.log10_threshold, 2),
            "tensors": result.tensors,
            "scores": scores,
        }
        click.echo(json.dumps(report, indent=2))
    else:
        rows = [
            [s.copy, s.model_digest[:12], s.elements, f"{s.z:.1f}", f"{s.log10_p:.1f}"]
            for s in result.scores[:10]
        ]
        click.echo(render_table(["COPY", "MODEL", "ELEMENTS", "Z", "LOG10 P"], rows))
        if not result.scores:
            click.echo("not traced: the ledger records no marked copy (airlock weights mark)")
        elif named:
            click.echo(f"traced to copy {named!r} (p < 10^{result.log10_threshold:.1f})")
        else:
            click.echo(f"not traced: no copy has p < 10^{result.log10_threshold:.1f}")
    return 0 if named else EXIT_NOT_TRACED


def _safe(copy: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in copy)[:64] or "copy"
