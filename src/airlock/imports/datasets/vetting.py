"""The import decision for a dataset: release, hold for approvals, or deny, with reasons.

Pure: it takes what the readers, the poisoning scan and the signature check found, file by
file, and returns the boundary outcome. Fail closed: a file that was not read, rows the
readers rejected (a lenient training loader might still read them, unscanned), a read
stopped by a limit, or a scan that could not run all hold; only a bad publisher signature
denies outright, since no approval can make tampered files genuine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airlock.domain.requests import Outcome, Reason
from airlock.imports.datasets.manifest import SignatureStatus
from airlock.imports.datasets.records import ReadReport
from airlock.imports.datasets.results import DatasetVerdict, ScanResult

# Files a dataset ships for people, not for training; they are kept but not scanned.
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".cff")
_DOC_STEMS = ("readme", "license", "licence", "notice", "citation", "authors", "changelog")
_RANK = {DatasetVerdict.CLEAN: 0, DatasetVerdict.SUSPICIOUS: 1, DatasetVerdict.POISONED: 2}


def is_documentation(name: str) -> bool:
    """True for README/LICENSE-like files, which hold no training rows."""
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(_DOC_SUFFIXES) or base.split(".", 1)[0] in _DOC_STEMS


@dataclass(frozen=True, slots=True)
class FileScan:
    """What became of one file: read and scanned, kept as documentation, or refused.

    A dataset of several data files is scanned as one: each file then has its read report
    and no result, and one more entry, with a result and no report, holds the scan of all
    their rows.
    """

    name: str
    report: ReadReport | None = None  # None when the file was not read as data
    result: ScanResult | None = None  # None for documentation, refusals and pooled files
    refusal: str = ""  # why a non-documentation file was not read (unknown format...)


@dataclass(frozen=True, slots=True)
class DatasetVetting:
    """The dataset's outcome, its worst scan verdict and every reason, in file order."""

    outcome: Outcome
    verdict: DatasetVerdict
    reasons: tuple[Reason, ...]

    @property
    def passed(self) -> bool:
        """True when the dataset may leave quarantine without approvals."""
        return self.outcome is Outcome.ALLOW


def judge(files: Sequence[FileScan], signature: SignatureStatus) -> DatasetVetting:
    """Decide a dataset from its files' scans and the publisher signature check.

    ``signature`` is ``unsigned`` when no publisher key was given; an unsigned dataset is
    judged on its contents alone.
    """
    reasons: list[Reason] = []
    verdict = DatasetVerdict.CLEAN
    if signature is SignatureStatus.INVALID:
        reasons.append(
            Reason("signature", "the publisher signature does not match the files received")
        )
    scanned = 0
    for file in files:
        if file.refusal:
            reasons.append(Reason("unscanned-file", f"{file.name}: {file.refusal}"))
            verdict = _worse(verdict, DatasetVerdict.SUSPICIOUS)
            continue
        if file.report is not None:
            scanned += 1
            reasons += _read_reasons(file.name, file.report)
            if not file.report.complete or file.report.dropped:
                verdict = _worse(verdict, DatasetVerdict.SUSPICIOUS)
        if file.result is not None and file.result.verdict is not DatasetVerdict.CLEAN:
            verdict = _worse(verdict, file.result.verdict)
            reasons += [
                Reason(f"scan.{file.result.verdict.value}", f"{file.name}: {line}"[:500])
                for line in file.result.evidence[:5]
            ]
    if not scanned:
        reasons.append(Reason("no-data", "no file of the dataset holds readable training rows"))
        verdict = _worse(verdict, DatasetVerdict.SUSPICIOUS)
    if signature is SignatureStatus.INVALID:
        return DatasetVetting(Outcome.DENY, verdict, tuple(reasons))
    if reasons:
        return DatasetVetting(Outcome.HOLD, verdict, tuple(reasons))
    return DatasetVetting(Outcome.ALLOW, verdict, ())


def _read_reasons(name: str, report: ReadReport) -> list[Reason]:
    out: list[Reason] = []
    if not report.complete:
        out.append(
            Reason(
                "read-stopped",
                f"{name}: reading stopped after row {report.rows_seen} "
                f"({report.stopped.value if report.stopped else '?'}: {report.detail})"[:500],
            )
        )
    if report.dropped:
        counts = ", ".join(f"{problem.value} {count}" for problem, count in report.rejected)
        out.append(
            Reason(
                "rows-rejected",
                f"{name}: {report.dropped} of {report.rows_seen} rows could not be read and "
                f"were not scanned ({counts})"[:500],
            )
        )
    return out


def _worse(a: DatasetVerdict, b: DatasetVerdict) -> DatasetVerdict:
    return a if _RANK[a] >= _RANK[b] else b
