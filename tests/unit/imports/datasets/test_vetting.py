"""The dataset import decision: only a fully read, clean scan passes; bad signatures deny."""

from __future__ import annotations

from airlock.domain.requests import Outcome
from airlock.imports.datasets.manifest import SignatureStatus
from airlock.imports.datasets.records import Problem, ReadReport
from airlock.imports.datasets.results import DatasetVerdict, ScanResult
from airlock.imports.datasets.vetting import FileScan, is_documentation, judge


def report(rows: int = 100, rejected: int = 0, stopped: Problem | None = None) -> ReadReport:
    counts = ((Problem.INVALID_JSON, rejected),) if rejected else ()
    return ReadReport(rows, rows - rejected, counts, (), stopped, "limit" if stopped else "")


def result(verdict: DatasetVerdict = DatasetVerdict.CLEAN) -> ScanResult:
    return ScanResult(verdict, (f"the scan says {verdict.value}",), (), (), 100, 0, 0, 10)


def codes(files: list[FileScan]) -> list[str]:
    return [r.code for r in judge(files, SignatureStatus.UNSIGNED).reasons]


def test_a_clean_fully_read_file_passes_and_documentation_is_ignored() -> None:
    vetting = judge(
        [FileScan("train.jsonl", report(), result()), FileScan("README.md")],
        SignatureStatus.VALID,
    )
    assert vetting.outcome is Outcome.ALLOW and vetting.passed
    assert vetting.verdict is DatasetVerdict.CLEAN and vetting.reasons == ()


def test_poisoned_or_suspicious_scans_hold_with_the_worst_verdict() -> None:
    vetting = judge(
        [
            FileScan("a.jsonl", report(), result(DatasetVerdict.SUSPICIOUS)),
            FileScan("b.jsonl", report(), result(DatasetVerdict.POISONED)),
            FileScan("c.jsonl", report(), result()),
        ],
        SignatureStatus.UNSIGNED,
    )
    assert vetting.outcome is Outcome.HOLD and vetting.verdict is DatasetVerdict.POISONED
    assert [r.code for r in vetting.reasons] == ["scan.suspicious", "scan.poisoned"]
    assert vetting.reasons[1].message.startswith("b.jsonl: ")


def test_rejected_rows_or_a_stopped_read_hold_even_when_the_scan_is_clean() -> None:
    assert codes([FileScan("t.jsonl", report(rejected=3), result())]) == ["rows-rejected"]
    assert codes([FileScan("t.jsonl", report(stopped=Problem.ROW_LIMIT), result())]) == [
        "read-stopped"
    ]
    held = judge([FileScan("t.jsonl", report(rejected=3), result())], SignatureStatus.UNSIGNED)
    assert held.outcome is Outcome.HOLD and held.verdict is DatasetVerdict.SUSPICIOUS
    assert "3 of 100 rows" in held.reasons[0].message


def test_unknown_files_and_datasets_without_rows_hold() -> None:
    assert codes(
        [FileScan("t.jsonl", report(), result()), FileScan("w.bin", refusal="unknown format")]
    ) == ["unscanned-file"]
    assert codes([FileScan("README.md")]) == ["no-data"]


def test_an_invalid_signature_denies_whatever_the_scan_says() -> None:
    vetting = judge([FileScan("t.jsonl", report(), result())], SignatureStatus.INVALID)
    assert vetting.outcome is Outcome.DENY and vetting.reasons[0].code == "signature"


def test_documentation_names() -> None:
    assert all(map(is_documentation, ["README", "docs/README.md", "LICENSE", "notes.txt"]))
    assert not any(map(is_documentation, ["train.jsonl", "weights.bin", "data.parquet"]))
