"""A vetted report judged with what the store knows: the malicious-packages feed's names and
versions, protected names, and PEP 740 attestations (issue 16)."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import replace
from typing import TYPE_CHECKING

from airlock.imports.packages.depends import bad_dependencies
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)
from airlock.imports.packages.typosquat import Protected, normalise, typosquat_of

if TYPE_CHECKING:
    from airlock.imports.packages.feed import KnownBad
    from airlock.imports.packages.provenance import Check, Publisher

from airlock.imports.packages.vet import ATTESTATIONS, VetReport, vet


def vet_many(
    files: Iterable[tuple[str, bytes]], known: KnownBad | None = None, *, spread: bool = False
) -> list[VetReport]:
    """Vet several files in one call; a name and version in the known-bad feed denies, a name
    it lists at other versions holds (see :func:`with_names`). ``spread``: as for :func:`vet`."""
    listed = {name for name, _ in known.entries} if known is not None else set()
    reports = []
    for filename, blob in files:
        report = vet(filename, blob, spread=spread)
        advisory = known.match(report.name, report.version) if known is not None else None
        report = with_advisory(report, advisory)
        own = normalise(report.name)
        if own in listed:
            report = with_names(report, Protected.of([], [own]))
        report = with_dependencies(report, listed)
        reports.append(report)
    return reports


def with_dependencies(report: VetReport, bad: Set[str]) -> VetReport:
    """``report`` denied when a dependency it declares, or a requirement its build installs,
    is a name the malicious-packages feed lists (issue 16: the payload is the dependency,
    not the package; pip runs a build requirement's code before the sdist's own)."""
    if not bad:
        return report
    found = bad_dependencies(report.filename, report.requires, bad)
    found += bad_dependencies(report.filename, report.builds, bad, needs="builds with")
    return replace(report, findings=(*found, *report.findings)) if found else report


def with_advisory(report: VetReport, advisory: str | None) -> VetReport:
    """``report`` denied as known-malicious when a feed lists its name and version."""
    if not advisory:
        return report
    finding = PackageFinding(
        "known-malicious",
        report.filename,
        0,
        Severity.CRITICAL,
        f"{report.name} {report.version} is listed as malicious ({advisory})",
    )
    return replace(report, findings=(finding, *report.findings))


def with_names(report: VetReport, protected: Protected) -> VetReport:
    """``report`` judged against the names a refresh stored and the feed's names (issue 16):
    a name imitating one of them holds; a name the feed lists at another version holds."""
    found = []
    own = normalise(report.name)
    if own in protected.bad and not any(f.rule == "known-malicious" for f in report.findings):
        found.append(
            PackageFinding(
                "known-bad-name",
                report.filename,
                0,
                Severity.HIGH,
                f"{report.name} is listed in the malicious-packages feed at other versions: "
                "this name has shipped malware",
            )
        )
    imitated = None
    if protected.extra and not any(f.rule == "typosquat" for f in report.findings):
        imitated = typosquat_of(report.name, protected.extra)
    if imitated:
        found.append(
            PackageFinding(
                "typosquat",
                report.filename,
                0,
                Severity.HIGH,
                f"name {report.name!r} imitates {imitated!r} (a protected name)",
            )
        )
    return replace(report, findings=(*found, *report.findings)) if found else report


def with_provenance(report: VetReport, pin: Publisher | None, check: Check) -> VetReport:
    """``report`` with what its PEP 740 attestation says (see
    :mod:`airlock.imports.packages.provenance`): the verified publisher recorded, unread native
    code relaxed for the project's pinned publisher, held or denied otherwise."""
    # Only a file with an attestation or a pin comes here (vetting alone starts faster).
    from airlock.imports.packages.provenance import Verified, judge, trusted_build  # noqa: PLC0415

    findings = report.findings
    publisher = ""
    unknown = report.unknown
    if isinstance(check, Verified):
        publisher = str(check.identity)
        unknown = tuple(u for u in unknown if u != ATTESTATIONS)
        if check.pinned_match:
            findings = trusted_build(findings)
    added = judge(report.filename, report.name, pin, check)
    return replace(report, findings=(*added, *findings), publisher=publisher, unknown=unknown)
