"""Vet one package file: walk its members, apply the rules, check RECORD and metadata.

Verdict rule (fail closed): any critical finding denies; any high finding, unreadable member
or archive problem holds; otherwise allow. Missing provenance is reported, never guessed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from airlock.domain.outcome import Outcome
from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, read_members
from airlock.imports.packages.carried import finding_marks
from airlock.imports.packages.execinline import member_inlined
from airlock.imports.packages.hooks import hook_findings, hook_modules
from airlock.imports.packages.kerascode import lambda_layer_findings
from airlock.imports.packages.local import (
    LocalModules,
)
from airlock.imports.packages.modelzips import zipped_pickle_findings
from airlock.imports.packages.nested import nested_findings
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)
from airlock.imports.packages.spread import Job, run_jobs

if TYPE_CHECKING:
    pass

from airlock.imports.packages.crossfile import (
    across_starts,
    cross_file_job,
    followable,
    plugins_job,
    within_budget,
)
from airlock.imports.packages.datafiles import data_file_findings
from airlock.imports.packages.envdest import configured_destinations
from airlock.imports.packages.filesrun import files_run
from airlock.imports.packages.metadata import (
    DECLARING,
    LOOKALIKE_IMPORTS,
    bytecode_findings,
    declared_dependencies,
    declared_lookalikes,
    declaring_files,
    empty_package,
    metadata_findings,
    metadata_header,
    own_record,
    package_metadata,
    project_of_filename,
    record_findings,
    requirement_text,
    setup_text,
)
from airlock.imports.packages.moments import SIDE_CODE, is_sdist, lighter
from airlock.imports.packages.ownpass import (
    MemberContext,
    compiled_modules,
    further_findings,
    nested_member,
    own_passes,
    shipped_modules,
)
from airlock.imports.packages.picklecalls import judged as judged_pickle_calls
from airlock.imports.packages.pickleown import native_modules
from airlock.imports.packages.pretenders import (
    impostor,
    lookalike_installs,
    pretender_behaviour,
    squatting_installs,
)
from airlock.imports.packages.pthhooks import present_names
from airlock.imports.packages.scripts import further_helpers, install_helpers, scripts_of
from airlock.imports.packages.sidecalled import called_only


@dataclass(frozen=True, slots=True)
class VetReport:
    """What vetting one package file found, and the verdict that follows from it."""

    filename: str
    sha256: str
    name: str
    version: str
    findings: tuple[PackageFinding, ...]
    unknown: tuple[str, ...] = field(default_factory=tuple)  # provenance signals not present
    publisher: str = ""  # the verified PEP 740 publisher identity (build config URI), if any
    requires: tuple[str, ...] = ()  # normalised names of the declared dependencies
    # Normalised names its build installs first (``[build-system] requires``): judged
    # against the feed as dependencies are, but not recorded among them (ADR 0084).
    builds: tuple[str, ...] = ()
    # Each held finding that a later release may carry, with its mark (ADR 0147).
    marks: tuple[tuple[PackageFinding, str], ...] = ()

    @property
    def verdict(self) -> Outcome:
        worst = max((f.severity for f in self.findings), default=Severity.LOW)
        if worst is Severity.CRITICAL:
            return Outcome.DENY
        if worst is Severity.HIGH:
            return Outcome.HOLD
        return Outcome.ALLOW

    def to_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "name": self.name,
            "version": self.version,
            "verdict": self.verdict.value,
            "unknown_signals": list(self.unknown),
            "publisher": self.publisher or None,
            "findings": [
                {
                    "rule": f.rule,
                    "path": f.path,
                    "line": f.line,
                    "severity": f.severity.name.lower(),
                    "explanation": f.explanation,
                }
                for f in self.findings
            ],
        }


def vet(filename: str, blob: bytes | BinaryIO, *, spread: bool = False) -> VetReport:
    """Vet a wheel or sdist given as bytes or a seekable stream (read in bounded pieces, so
    a large upload need not be in memory, issue 22). Never imports, builds or runs it.

    ``spread``: a single-threaded caller (the CLI) lets a forked copy of the process take
    part of the members' own passes (:mod:`spread`); the verdict is the same either way.

    A fault of the analysis itself holds the file, saying so, rather than raising out of
    the gateway as an unexplained server error (ADR 0166): when in doubt it holds."""
    with collector_paused(), compile_warnings_silenced():
        try:
            return _vet(filename, blob, spread=spread)
        except Exception as e:  # noqa: BLE001 -- any fault of the analysis holds, with its name
            return _faulted(filename, blob, e)


def _faulted(filename: str, blob: bytes | BinaryIO, error: Exception) -> VetReport:
    """The held report of a file whose vetting stopped on a fault of its own."""
    try:
        digest = _digest(blob)
    except (OSError, ValueError):
        digest = ""
    explanation = (
        f"vetting stopped on an internal error ({type(error).__name__}); held for review. "
        "Report it with the file's SHA-256: the file was not read to the end"
    )
    return held_unread(filename, digest, "analysis-failed", explanation)


def held_unread(filename: str, digest: str, rule: str, explanation: str) -> VetReport:
    """A held report of a file whose vetting did not finish: one HIGH finding, the file's
    SHA-256 kept, its name and version unknown (ADRs 0166, 0173)."""
    finding = PackageFinding(rule, filename, 0, Severity.HIGH, explanation)
    return VetReport(filename, digest, "", "", (finding,))


@contextlib.contextmanager
def compile_warnings_silenced() -> Iterator[None]:
    """The vetted package's own compile warnings kept off the operator's terminal.

    Parsing a module warns about its text (``1if x else 2``: "invalid decimal literal"), and
    Python prints each warning to stderr with the member's path, which the package chose:
    one line per odd literal, and a file name that can carry bidirectional or other
    invisible characters into the operator's terminal. What the text means is judged by the
    rules, not by these warnings. Like any change of warning filters this is one setting
    for the whole process while a package is vetted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while one package is vetted (issue 16).

    Parsing a module builds one tree of many small objects; the collector, run every 700
    allocations, walks the growing tree again and again (its oldest generation each time
    the tree has grown by a quarter): 10-15 % of the CPU time of vetting popular packages.
    Vetting makes no reference cycles (``gc.collect()`` after vetting popular wheels finds
    nothing), so nothing waits for the collector; memory is freed by reference counting as
    before. The collector is switched back on afterwards only if it was on: a caller that
    turned it off keeps it off. It is one switch for the whole process: another thread that
    turns the collector off while a package is vetted finds it on again afterwards.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _digest(blob: bytes | BinaryIO) -> str:
    """SHA-256 of the file, a stream read in bounded pieces."""
    if isinstance(blob, bytes):
        return hashlib.sha256(blob).hexdigest()
    blob.seek(0)
    hashing = hashlib.sha256()
    while piece := blob.read(1 << 20):
        hashing.update(piece)
    return hashing.hexdigest()


def _vet(filename: str, blob: bytes | BinaryIO, *, spread: bool = False) -> VetReport:
    digest = _digest(blob)
    findings: list[PackageFinding] = []
    members: list[Member] = []
    try:
        # A module's top-level exec of code in plain sight is read as its code (ADR 0155).
        members = [member_inlined(m) for m in read_members(blob)]
    except InvalidInput as e:
        findings.append(PackageFinding("unreadable-archive", filename, 0, Severity.HIGH, e.message))
    record = ""
    # setup.py is parsed once: for the helpers it imports and for its own pass (issue 16).
    setup, setup_tree, helpers = install_helpers(members)
    sdist = is_sdist(filename)
    helpers |= (hooks := set(hook_modules(members, sdist=sdist)))  # run on install
    shipped = shipped_modules(members)
    digests: dict[str, bytes] = {}
    scripts, inert = scripts_of(filename, members, helpers)
    package = LocalModules.of(
        {m.name: m.data for m in members if m.name.endswith(".py") and m.data is not None},
        sdist=sdist,
    )
    # Files the cross-file pass will read: their own pass keeps its tree for it (issue 16),
    # used when that pass runs after them (one process; not when shared, ADR 0061).
    kept = within_budget(
        across := across_starts(members, package, scripts, sdist=sdist, installs=hooks)
    )
    kept |= followable(members, package)
    jobs = own_passes(
        members,
        MemberContext(
            helpers,
            inert,
            kept,
            setup,
            setup_tree,
            shipped,
            package,
            # only a .pth line asks it (ADR 0143): no walk of every name otherwise
            present_names(m.name for m in members)
            if any(m.name.endswith(".pth") for m in members)
            else None,
        ),
        digests,
    )
    *own, chains, plugged = run_jobs(
        [
            *(j for j in jobs if isinstance(j, Job)),
            cross_file_job(across, package, scripts, sdist, hooks),
            plugins_job(members, package, (setup, setup_tree)),
        ],
        spread=spread,
    )
    own_findings = iter(own)
    for member, job in zip(members, jobs, strict=True):
        if isinstance(job, PackageFinding):
            findings.append(job)
            continue
        found = next(own_findings)
        findings += [lighter(f) for f in found] if member.name in scripts else found
        if own_record(filename, member.name):
            record = (member.data or b"").decode("utf-8", "replace")
    findings += further_findings(members, further_helpers(members, setup, helpers), digests)
    metadata = package_metadata(members, sdist=sdist)
    findings = _archive_findings(
        filename, findings, chains, plugged, members, package, scripts, shipped
    )
    findings += empty_package(filename, members, metadata)
    findings += bytecode_findings(members)
    findings += [
        lighter(f) if SIDE_CODE.search(f.path) else f
        for f in nested_findings(members, nested_member)
    ]
    # Pickles in model containers: torch's zip format, ``.npz``, object ``.npy`` (ADR 0120).
    # Then each call a pickle makes that no allowlist vouches for, judged with the package's
    # own classes and what its modules load on import (ADR 0124).
    natives = native_modules((m.name for m in members), sdist=sdist)  # ADR 0135
    findings = judged_pickle_calls([*findings, *zipped_pickle_findings(members)], package, natives)
    findings += lambda_layer_findings(members)  # Keras Lambda bytecode (ADR 0120)
    name = metadata_header(metadata, "Name") or project_of_filename(filename)
    version = metadata_header(metadata, "Version")
    findings += metadata_findings(filename, name, metadata) + hook_findings(
        name, members, sdist=sdist
    )
    # Files installed where the system, the shell or pip runs or trusts them (ADR 0111).
    setup, declaring = setup_text(members), declaring_files(members)
    findings += data_file_findings(members, setup, setup_tree, declaring)
    requires, builds, declared = declared_dependencies(
        filename, name, metadata, members, setup=setup, setup_tree=setup_tree, declaring=declaring
    )
    findings += declared + impostor(filename, name, metadata, package)
    findings += squatting_installs(name, findings) + lookalike_installs(findings)
    findings += pretender_behaviour(findings)
    if record:
        findings += record_findings(record, members, digests)
    unknown = [ATTESTATIONS, "release age", "maintainer count"]
    if filename.endswith(".whl") and not record:
        findings.append(
            PackageFinding(
                "record-missing",
                filename,
                0,
                Severity.HIGH,
                "wheel has no RECORD: file hashes cannot be checked",
            )
        )
    return VetReport(
        filename,
        digest,
        name,
        version,
        tuple(findings),
        tuple(unknown),
        requires=tuple(requires),
        builds=tuple(builds),
        marks=finding_marks(findings, members, package, version=version),
    )


ATTESTATIONS = "attestations (PEP 740)"


def _archive_findings(  # noqa: PLR0917 -- what vet() gathered while reading the members
    filename: str,
    findings: list[PackageFinding],
    chains: list[PackageFinding],
    plugged: list[PackageFinding],
    members: list[Member],
    package: LocalModules,
    scripts: set[str],
    shipped: frozenset[str],
) -> list[PackageFinding]:
    """Findings that need the whole archive: chains across files (``chains``, what
    :func:`cross_file_job`'s job found), from the targets of entry points a host program
    loads (``plugged``, :func:`plugins_job`'s), files run as code by another, and look-alike
    imports less those the archive ships or declares."""
    run = files_run(members, scripts)
    # A side-code payload no start reaches weighs less again (ADR 0132): lowered before the
    # merge, so a chain reaching the same line still adds its own finding.
    reached = {f.path for f in (*chains, *run, *plugged)}
    lowered = called_only(findings, members, reached, scripts, sdist=is_sdist(filename))
    found = _merge(configured_destinations(lowered, members, reached), chains)
    found = _merge(found, run)
    found = _merge(found, plugged)
    if not any(f.rule in LOOKALIKE_IMPORTS for f in found):
        return found
    declared = "\n".join(
        requirement_text(m.name, m.data.decode("utf-8", "replace"))
        for m in members
        if m.data is not None and m.name.rsplit("/", 1)[-1] in DECLARING and m.name.count("/") <= 2
    )
    own = shipped | package.tops | compiled_modules(members)  # ``lcmath.pyx`` (ADR 0129)
    return declared_lookalikes(found, own, declared)


def _merge(findings: list[PackageFinding], more: list[PackageFinding]) -> list[PackageFinding]:
    """``findings`` plus those of ``more`` that say something new (rule, path and line not
    already reported at that severity or above)."""
    worst: dict[tuple[str, str, int], Severity] = {}
    for f in findings:
        key = (f.rule, f.path, f.line)
        worst[key] = max(worst.get(key, Severity.LOW), f.severity)
    out = list(findings)
    for f in more:
        key = (f.rule, f.path, f.line)
        if key not in worst or f.severity > worst[key]:
            worst[key] = f.severity
            out.append(f)
    return out
