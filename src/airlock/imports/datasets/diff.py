"""What a new version of a dataset changes, and whether the change carries the poison.

Pure. Most poisoning arrives as an update to a trusted source (issue 23): a few hundred rows
added with a trigger, or existing rows relabelled. ``diff_records`` matches rows by their
normalised text (case-folded, whitespace collapsed) and sorts the new version's rows into
added, relabelled (the old version gave the same text another label) and unchanged.
``judge_update`` reads a poisoning scan of the *new* version (the old rows are the
reference the scan measures against) and says which of its findings the update brought:
flagged rows that are added or relabelled rows are the update's; flagged rows that were
already in the old version are reported as such. Relabels are evidence of their own: many
rows moved to one label is the shape of a label-flipping attack.

What it does not do: match rows edited by a few words (an edit is a removal plus an
addition), or tell a legitimate relabelling campaign from an attack; it holds and shows rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from airlock.imports.datasets.results import DatasetVerdict, ScanResult

MIN_RELABELS = 10  # as MIN_POISON_ROWS: fewer flips than this are corrections, not an attack
RELABEL_PURITY = 0.8  # share of flips to one label that reads as a campaign
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Relabel:
    row: int  # row number in the new version's source
    text: str
    old_label: str
    new_label: str


@dataclass(frozen=True, slots=True)
class DatasetDiff:
    old_rows: int
    new_rows: int
    added: tuple[int, ...]  # indices into the new version's records
    relabeled: tuple[int, ...]  # indices into the new version's records
    relabels: tuple[Relabel, ...]
    removed: int  # distinct texts of the old version the new one no longer has

    @property
    def changed(self) -> frozenset[int]:
        return frozenset(self.added) | frozenset(self.relabeled)

    @property
    def unchanged(self) -> int:
        return self.new_rows - len(self.added) - len(self.relabeled)


@dataclass(frozen=True, slots=True)
class UpdateJudgement:
    verdict: DatasetVerdict
    evidence: tuple[str, ...]
    flagged_changed: int  # flagged rows the update brought
    flagged_unchanged: int  # flagged rows the old version had already


def key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def diff_records(
    old: Sequence[tuple[int, str, str]], new: Sequence[tuple[int, str, str]]
) -> DatasetDiff:
    """``old`` and ``new`` as (row number, text, label) in source order."""
    old_labels: dict[str, Counter[str]] = {}
    for _, text, label in old:
        old_labels.setdefault(key(text), Counter())[label] += 1
    added, relabeled, relabels = [], [], []
    seen: set[str] = set()
    for index, (row, text, label) in enumerate(new):
        k = key(text)
        seen.add(k)
        before = old_labels.get(k)
        if before is None:
            added.append(index)
        elif label not in before:
            relabeled.append(index)
            relabels.append(Relabel(row, text, before.most_common(1)[0][0], label))
    removed = sum(1 for k in old_labels if k not in seen)
    return DatasetDiff(len(old), len(new), tuple(added), tuple(relabeled), tuple(relabels), removed)


def judge_update(diff: DatasetDiff, scan_of_new: ScanResult) -> UpdateJudgement:
    """The update's verdict: the scan's findings split by who brought them, and relabels."""
    changed = diff.changed
    flagged = [r.index for r in scan_of_new.rows if r.flagged]
    brought = sum(1 for i in flagged if i in changed)
    had = len(flagged) - brought
    verdict = scan_of_new.verdict
    summary = (
        f"{diff.new_rows} rows: {len(diff.added)} added, {len(diff.relabeled)} relabelled, "
        f"{diff.unchanged} unchanged; {diff.removed} of the old version's texts removed"
    )
    evidence = [summary]
    if verdict is not DatasetVerdict.CLEAN:
        evidence += list(scan_of_new.evidence[:5])
        evidence.append(
            f"{brought} of {len(flagged)} flagged rows arrived with this update"
            + (f"; {had} were in the old version already" if had else "")
        )
    flips = Counter((r.old_label, r.new_label) for r in diff.relabels)
    if flips:
        (old_label, new_label), top = flips.most_common(1)[0]
        campaign = len(diff.relabels) >= MIN_RELABELS and top >= RELABEL_PURITY * len(diff.relabels)
        evidence.append(
            f"{len(diff.relabels)} rows the old version labels otherwise changed label, "
            f"{top} of them {old_label!r} -> {new_label!r}"
            + (": a label-flipping campaign until shown otherwise" if campaign else "")
        )
        if campaign and verdict is DatasetVerdict.CLEAN:
            verdict = DatasetVerdict.SUSPICIOUS
    return UpdateJudgement(verdict, tuple(evidence), brought, had)
