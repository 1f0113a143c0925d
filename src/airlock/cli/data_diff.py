"""`airlock data diff OLD NEW`: what a new version of a dataset changes, scanned against the
old one as reference (issue 23: most poisoning arrives as an update to a trusted source)."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import click

from airlock.cli.context import EXIT_FOR_OUTCOME
from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput, SourceError
from airlock.imports.datasets.records import Columns, DatasetRecord

_OUTCOME = {"clean": Outcome.ALLOW, "suspicious": Outcome.HOLD, "poisoned": Outcome.HOLD}
SHOWN_RELABELS = 20


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def diff_command(old: Path, new: Path, text_column: str, label_column: str, as_json: bool) -> int:
    """Compare OLD and NEW versions of a dataset file (.jsonl, .csv, .tsv, .parquet, .gz):
    rows added, relabelled and removed, and a poisoning scan of NEW that says which of its
    findings this update brought.

    Exit code: 0 the update looks clean, 10 hold it for review, 2 bad input.
    """
    from airlock.imports.datasets.diff import diff_records, judge_update
    from airlock.imports.datasets.rows import every_turn
    from airlock.imports.datasets.scan import scan

    columns = Columns(text_column, label_column)
    old_records, new_records = _read(old, columns), _read(new, columns)
    diff = diff_records(_triples(old_records), _triples(new_records))
    judgement = judge_update(diff, scan(every_turn(new_records)))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "verdict": judgement.verdict.value,
                    "evidence": list(judgement.evidence),
                    "old_rows": diff.old_rows,
                    "new_rows": diff.new_rows,
                    "added": len(diff.added),
                    "relabeled": len(diff.relabeled),
                    "removed": diff.removed,
                    "flagged_changed": judgement.flagged_changed,
                    "flagged_unchanged": judgement.flagged_unchanged,
                    "relabels": [
                        {"row": r.row, "old": r.old_label, "new": r.new_label, "text": r.text[:200]}
                        for r in diff.relabels
                    ],
                },
                indent=2,
            )
        )
    else:
        click.echo(f"update {judgement.verdict.value}")
        for line in judgement.evidence:
            click.echo(f"  {line}")
        for r in diff.relabels[:SHOWN_RELABELS]:
            click.echo(f"  row {r.row}: {r.old_label!r} -> {r.new_label!r}: {r.text[:80]!r}")
    return EXIT_FOR_OUTCOME[_OUTCOME[judgement.verdict.value]]


def _triples(records: list[DatasetRecord]) -> list[tuple[int, str, str]]:
    return [(r.row, r.text, r.label) for r in records]


def _read(path: Path, columns: Columns) -> list[DatasetRecord]:
    from airlock.imports.datasets.readers import gzipped_format_for_name, read_dataset

    fmt, compressed = gzipped_format_for_name(path.name)
    try:
        with path.open("rb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
            read = read_dataset(stream, fmt, columns=columns)  # type: ignore[arg-type]
    except (OSError, EOFError, zlib.error) as e:  # EOFError: a truncated gzip
        raise SourceError(f"cannot read {path}: {e}") from e
    report = read.report
    if report.stopped:
        raise InvalidInput(f"{path}: {report.stopped.value}: {report.detail}")
    if report.dropped:  # a lenient trainer may read the rows the scan could not
        counts = ", ".join(f"{problem.value} {n}" for problem, n in report.rejected)
        raise InvalidInput(
            f"{path}: {report.dropped} of {report.rows_seen} rows could not be read ({counts});"
            " fix or remove them and compare again"
        )
    return list(read.records)
