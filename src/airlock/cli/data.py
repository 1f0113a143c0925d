"""`airlock data ...` and `airlock lineage ...`: datasets in quarantine, and what they fed."""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from airlock.cli.context import EXIT_FOR_OUTCOME, CliContext, pass_cli
from airlock.cli.data_diff import diff_command
from airlock.errors import InvalidInput, SourceError
from airlock.imports.datasets.records import Columns
from airlock.render.json import render_json
from airlock.render.table import render_table
from airlock.service import Actor

# Data ingress brings the dataset scan (cleanlab, scikit-learn, pyarrow): imported by the
# commands that run it, not by `airlock --help` (issue 13).
if TYPE_CHECKING:
    from airlock.data_ingress import DatasetImport

MAX_KEY_FILE_BYTES = 16 * 1024


@click.group("data")
def data_group() -> None:
    """Outside datasets: quarantine, provenance, poisoning scan and release."""


data_group.add_command(diff_command)


@data_group.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True))
@click.option("--source", required=True, help="Where the data came from (URL, vendor, ...).")
@click.option(
    "--as",
    "as_name",
    default=None,
    help="Optional: must name the token's own principal (a name alone is refused).",
)
@click.option("--license", "license_", default="unknown", show_default=True)
@click.option(
    "--signed-by",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The publisher's Ed25519 public key (PEM, or 32 bytes raw or base64).",
)
@click.option(
    "--signature",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The publisher's signature over the file list (default: PATH.sig).",
)
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--prompt-column", default="prompt", show_default=True)
@click.option("--response-column", default="response", show_default=True)
@click.option("--messages-column", default="messages", show_default=True)
@click.option("--fieldnames", help="Comma-separated column names for CSV/TSV without a header.")
@click.option(
    "--embeddings",
    is_flag=True,
    help="Also feed sentence embeddings to the scan (needs airlock[embeddings]).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report.")
@pass_cli
def import_command(
    cli: CliContext,
    path: Path,
    source: str,
    as_name: str | None,
    license_: str,
    signed_by: Path | None,
    signature: Path | None,
    text_column: str,
    label_column: str,
    prompt_column: str,
    response_column: str,
    messages_column: str,
    fieldnames: str | None,
    embeddings: bool,
    as_json: bool,
) -> int:
    """Copy the dataset at PATH (a file or a folder) into quarantine and scan it.

    Exit code: 0 passed (release it with `airlock data release`), 10 held for approvals,
    11 denied, 2 bad input.
    """
    key, sig = None, None
    if signed_by is not None:
        key = _public_key(signed_by)
        sig = _signature(signature or path.with_name(path.name + ".sig"))
    from airlock.data_ingress import ImportOptions

    options = ImportOptions(
        source=source,
        license=license_,
        columns=Columns(text_column, label_column, prompt_column, response_column, messages_column),
        fieldnames=tuple(f.strip() for f in fieldnames.split(",")) if fieldnames else None,
        signature=sig,
        publisher_key=key,
        embeddings=embeddings,
    )
    with contextlib.ExitStack() as stack:
        files = [(name, stack.enter_context(_open(p))) for name, p in _files(path)]
        airlock = cli.airlock()
        importer = Actor.of(cli.acting_principal("data import", as_name))
        result = airlock.import_dataset(importer, files, options)
    _show(result, as_json)
    return EXIT_FOR_OUTCOME[result.vetting.outcome]


@data_group.command("scan")
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report.")
@pass_cli
def scan_command(cli: CliContext, dataset: str, as_json: bool) -> int:
    """Scan a quarantined DATASET again (a failing rescan holds it)."""
    result = cli.airlock().rescan_dataset(cli.operator_actor("data rescan"), dataset)
    _show(result, as_json)
    return EXIT_FOR_OUTCOME[result.vetting.outcome]


@data_group.command("release")
@click.argument("dataset")
@click.option(
    "--to",
    "destination",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A new folder to write the dataset's files into.",
)
@pass_cli
def release_command(cli: CliContext, dataset: str, destination: Path) -> None:
    """Take DATASET out of quarantine into a new folder, if its scan passed or two
    approvers overrode it. Every file is checked against its manifest digest."""
    if destination.exists():
        raise SourceError(f"{destination} exists; name a new folder")
    entry, basis, files = cli.airlock().release_dataset(cli.operator_actor("data release"), dataset)
    scratch = Path(tempfile.mkdtemp(prefix=".airlock-release-", dir=destination.parent))
    try:
        for file, pieces in files:
            target = scratch.joinpath(*file.name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as out:
                for piece in pieces:
                    out.write(piece)
        scratch.rename(destination)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    click.echo(f"{entry.id}: released to {destination} ({len(files)} files; {basis})")


@data_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_command(cli: CliContext, as_json: bool) -> None:
    """Imported datasets, newest first."""
    airlock = cli.airlock()
    if as_json:
        click.echo(render_json(list(airlock.datasets())))
        return
    rows = []
    for d in airlock.datasets():
        request, _ = airlock.get_request(Actor.local_operator(), d.request_id)
        released = d.released_at.isoformat(timespec="seconds") if d.released_at else "-"
        rows.append(
            [
                d.id,
                d.created_at.isoformat(timespec="seconds"),
                d.verdict,
                request.status.value,
                released,
                d.source[:40],
            ]
        )
    click.echo(render_table(["id", "imported", "scan", "request", "released", "source"], rows))


@data_group.command("show")
@click.argument("dataset")
@pass_cli
def show_command(cli: CliContext, dataset: str) -> None:
    """A dataset's manifest and stored scan, as JSON."""
    entry = cli.airlock().dataset(dataset)
    click.echo(
        json.dumps(
            {
                "id": entry.id,
                "request": entry.request_id,
                "manifest": json.loads(entry.manifest_json),
                "manifest_sha256": entry.manifest_sha256,
                "scan": json.loads(entry.scan_json),
                "released_at": entry.released_at.isoformat() if entry.released_at else None,
                "released_by": entry.released_by or None,
            },
            indent=2,
        )
    )


@click.group("lineage")
def lineage_group() -> None:
    """Which models were trained on which datasets, and what a compromise reaches."""


@lineage_group.command("add")
@click.option("--model", required=True, help="The model's name.")
@click.option("--trained-on", "trained_on", multiple=True, required=True, help="A dataset id.")
@pass_cli
def lineage_add(cli: CliContext, model: str, trained_on: tuple[str, ...]) -> None:
    """Record that MODEL was trained on the given datasets."""
    added = cli.airlock().add_lineage(cli.operator_actor("lineage add"), model, trained_on)
    click.echo(f"model {model}: {added} new lineage edges")


@lineage_group.command("taint")
@click.argument("origin")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def lineage_taint(cli: CliContext, origin: str, as_json: bool) -> None:
    """Every dataset and model downstream of ORIGIN (a source, dataset id or model)."""
    radius = cli.airlock().taint(cli.reader_actor(), origin)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "origin": str(radius.origin),
                    "datasets": [n.id for n in radius.datasets],
                    "models": [n.id for n in radius.models],
                },
                indent=2,
            )
        )
        return
    click.echo(f"downstream of {radius.origin}:")
    for node in (*radius.datasets, *radius.models):
        click.echo(f"  {node}")
    if not radius.datasets and not radius.models:
        click.echo("  nothing recorded")


# --- helpers --------------------------------------------------------------------------


def _files(path: Path) -> Iterator[tuple[str, Path]]:
    from airlock.data_ingress import MAX_FILES

    if path.is_symlink():
        raise InvalidInput(f"{path} is a symbolic link; import the real file or folder")
    if path.is_file():
        yield path.name, path
        return
    count = 0
    for item in sorted(path.rglob("*")):
        if item.is_symlink():
            raise InvalidInput(f"{item} is a symbolic link; datasets must hold only files")
        if item.is_file():
            count += 1
            if count > MAX_FILES:
                raise InvalidInput(f"{path} holds over {MAX_FILES} files")
            yield item.relative_to(path).as_posix(), item


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e


def _read_small(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as e:
        raise SourceError(f"cannot read the {what} {path}: {e.strerror}") from e
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InvalidInput(f"{path} is too large to be a {what}")
    return data


def _public_key(path: Path) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_public_key,
    )

    data = _read_small(path, "publisher key")
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = load_pem_public_key(data)
        except ValueError as e:
            raise InvalidInput(f"{path} is not a PEM public key: {e}") from e
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput(f"{path} is not an Ed25519 key")
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _raw_or_base64(data, 32, path, "publisher key")


def _signature(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidInput(f"--signed-by needs the publisher's signature; {path} does not exist")
    return _raw_or_base64(_read_small(path, "signature"), 64, path, "signature")


def _raw_or_base64(data: bytes, size: int, path: Path, what: str) -> bytes:
    if len(data) == size:
        return data
    try:
        decoded = base64.b64decode(data.strip(), validate=True)
    except ValueError:
        decoded = b""
    if len(decoded) != size:
        raise InvalidInput(f"{path} is not a {what}: need {size} bytes, raw or base64")
    return decoded


def _show(result: DatasetImport, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "dataset": result.dataset.id,
                    "request": result.request.id,
                    "status": result.request.status.value,
                    "outcome": result.vetting.outcome.value,
                    "signature": result.signature.value,
                    "manifest": json.loads(result.dataset.manifest_json),
                    "scan": json.loads(result.dataset.scan_json),
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"{result.dataset.id} ({result.request.id}): {result.request.status.value}; "
        f"scan {result.vetting.verdict.value}; signature {result.signature.value}"
    )
    for reason in result.vetting.reasons:
        click.echo(f"  {reason.code}: {reason.message}")
    for file in result.files:
        if file.result is None:
            continue
        for feature in file.result.features[:5]:
            click.echo(
                f"  {file.name}: feature {feature.text!r} in {feature.rows} rows, "
                f"label {feature.label}, strength {feature.strength:.1f}"
            )
