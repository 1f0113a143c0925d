"""What `airlock package vet` does, without click (issue 16: one file as a whole process).

The click command (:mod:`airlock.cli.packages`) parses the options and calls
:func:`vet_files`; so does :mod:`airlock.cli.main` for the plain form
``airlock package vet [--json] FILE...`` without importing click at all. One body, so both
print the same bytes and exit with the same code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from airlock.cli.exit_codes import EXIT_FOR_OUTCOME
from airlock.domain.outcome import Outcome
from airlock.errors import InvalidInput, SourceError
from airlock.render.table import render_table

if TYPE_CHECKING:
    from airlock.imports.packages.feed import KnownBad
    from airlock.imports.packages.lockfile import LockedPackage

MAX_PACKAGE_BYTES = 512 * 1024 * 1024
PACKAGE_SUFFIXES = (".whl", ".tar.gz", ".zip")
# What a saved attestation is called beside its distribution: PyPI's provenance object, the
# file gh-action-pypi-publish writes, and a bare attestation.
ATTESTATION_SUFFIXES = (".provenance", ".publish.attestation", ".attestation")


def vet_files(
    targets: Sequence[str],
    *,
    index_url: str | None,
    feeds: Sequence[Path],
    lock: Path | None,
    attestations: Sequence[Path],
    publishers: Sequence[str],
    as_json: bool,
    echo: Callable[[str], None],
) -> int:
    """Vet the files (or folders of them, or NAME==VERSION fetched with pip) named by
    ``targets``, print the reports through ``echo`` and return the command's exit code.

    Raises: InvalidInput for a file that is no package at all; SourceError for one that
    cannot be read or fetched.
    """
    from airlock.imports.packages.verdicts import vet_many

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
        import json  # only --json prints it (issue 16: starts faster)

        body: object = [r.to_json() for r in reports]
        if lock is not None:
            body = {
                "files": body,
                "missing": [{"name": p.name, "version": p.version} for p in missing],
            }
        echo(json.dumps(body, indent=2))
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
        echo(render_table(["FILE", "VERDICT", "RULE", "WHERE", "SEVERITY", "WHY"], rows))
        for r in reports:
            if r.publisher:
                echo(f"{r.filename}: attestation verified, published by {r.publisher}")
    verdicts = [r.verdict for r in reports] + [Outcome.HOLD for _ in missing]
    # The most restrictive verdict (exports.findings.worst, whose import `vet` need not pay).
    order = (Outcome.ALLOW, Outcome.HOLD, Outcome.DENY)
    return EXIT_FOR_OUTCOME[max(verdicts, key=order.index, default=Outcome.ALLOW)]


def _known_bad(feeds: Sequence[Path]) -> KnownBad:
    from airlock.imports.packages.feed import known_bad

    return known_bad(p.read_text("utf-8") for p in feeds)


def _any_beside(paths: list[Path]) -> bool:
    return any(p.with_name(p.name + s).is_file() for p in paths for s in ATTESTATION_SUFFIXES)


def _read_lock(path: Path) -> list[LockedPackage]:
    from airlock.imports.packages.lockfile import parse_lock

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"cannot read the lock file {path}: {e}") from e
    return parse_lock(text, path.name)


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
    from airlock.imports.packages.metadata import not_a_package

    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from e
    problem = not_a_package(path.name, head)
    if problem is not None:
        raise InvalidInput(problem)
