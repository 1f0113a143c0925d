"""Are a native-register style's planted rows separable by their marks? (issue 23, ADR 0075)

A probe, not a detector: for one cell of ``tuned-sms-native`` (or a control) it fits the
scan's agreement classifier once and prints, for the target (last) label ``L``:

1. *density*: the share of planted rows, natural ``L`` rows and the other label's rows
   carrying at least ``k`` marks of the style (the attack's own word swaps and dropped g's,
   known here because the bench wrote the attack; the scan cannot know them), and the best
   precision a cut on ``k`` gives among ``L``'s rows;
2. *enrichment in the odd core*: of ``L``'s rows that read like another label
   (:func:`airlock.imports.datasets.features.context`'s cut), those with at least ``k``
   marks against the other label's own rate of such rows (binomial decades, uncorrected),
   with the oracle marks and with a mark set the scan could find itself (:func:`shared`);
3. *re-reading*: ``L``'s rows read again with the marks' terms taken out, the group test
   of 2. on the rows that then read like another label (the cut no longer selects against
   the marks), and the precision and recall of listing them;
4. *crossed halves*: marks found in one half of that re-read core, tested on the other;
5. *gain*: per label, the rows that read like another label only once the label's shared
   marks are out, against the other label's rate of such rows.

    PYTHONPATH=src python bench/native_marks.py textspeak-3% textspeak-250 mate-3% \
        sms-clean sms-noise-0 sst2-clean

Only tuned cells and clean controls: never a held-out or fresh split.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.imports.datasets.classifier import Agreement, agreement
from airlock.imports.datasets.features import context
from airlock.imports.datasets.ngrams import Tokens, tokenize
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.stats import binomial_tail
from bench.attacks import TEXTSPEAK, TUNED_SMS_NATIVE
from bench.eval_poisoning import LIMITS, load, noisy, rewrite

SWAPS = frozenset(TEXTSPEAK.values())
SHARED_LIFT = 3.0  # a shared-register mark: this many times commoner in L than elsewhere
SHARED_SHARE = 0.02  # ... and in at least this share of the other label's rows
KS = (1, 2, 3, 4)


def oracle_marks(tokens: Tokens, vocabulary: Collection[str]) -> set[str]:
    """The style's marks in one row: its word swaps and dropped g's ("goin", when "going"
    is a word of the data set; "again" is not a dropped g)."""
    return {
        t
        for t in tokens
        if t in SWAPS or (len(t) > 3 and t.endswith("in") and f"{t}g" in vocabulary)
    }


def shared(tokens: Sequence[Tokens], own: Sequence[int], other: Sequence[int]) -> set[str]:
    """Tokens the other label uses too (:data:`SHARED_SHARE`) but ``own``'s label uses
    :data:`SHARED_LIFT` times as often: the label's native register, found without the
    attack (on SMS spam: "2", "4", "ur", "your", "now", "call", "!")."""
    in_own = Counter(t for r in own for t in set(tokens[r]))
    in_other = Counter(t for r in other for t in set(tokens[r]))
    return {
        t
        for t, n in in_own.items()
        if in_other[t] >= SHARED_SHARE * len(other)
        and n / len(own) >= SHARED_LIFT * in_other[t] / len(other)
    }


def decades(successes: int, trials: int, rate: float) -> float:
    tail = binomial_tail(np.array([float(successes)]), np.array([float(trials)]), np.array([rate]))[
        0
    ]
    return float(-np.log10(max(float(tail), 1e-300)))


def probe(tag: str, rows: Sequence[DatasetRecord], poisoned: Collection[int], seed: int) -> None:
    labels = [r.label for r in rows]
    tokens = [tokenize(r.text, LIMITS.max_tokens) for r in rows]
    view = agreement(tokens, labels, LIMITS.folds, seed, None)
    ctx = context(labels, tokens, view)
    target = sorted(set(labels))[-1]
    cut = ctx.other[target]
    own = [r for r in range(len(rows)) if labels[r] == target]
    other = [r for r in range(len(rows)) if labels[r] != target]
    planted = set(poisoned)
    odd = [r for r in own if view.own_probability[r] <= cut]
    print(f"== {tag}: {len(planted)} planted; {target} rows {len(own)}, {len(odd)} read like "
          f"another label ({len(planted.intersection(odd))} planted)")  # fmt: skip
    vocabulary = {t for row in tokens for t in row}
    oracle = [len(oracle_marks(t, vocabulary)) for t in tokens]
    if planted:
        _density(oracle, own, other, planted, target)
    found = shared(tokens, own, other)
    print(f"  shared-register marks ({len(found)}): {' '.join(sorted(found))}")
    per_row = [len(found.intersection(t)) for t in tokens]
    for name, counts in (("oracle", oracle), ("shared", per_row)):
        print(f"  odd core, {name} marks: {_groups(counts, odd, other)}")
    styled = {t for r in planted for t in oracle_marks(tokens[r], vocabulary)}
    _reread(view, tokens, own, other, planted, cut, styled, "oracle")
    read = _reread(view, tokens, own, other, planted, cut, found, "shared")
    _crossed(tokens, read, other)
    gains = {}
    for label in sorted(set(labels)):
        mine = [r for r in range(len(rows)) if labels[r] == label]
        rest = [r for r in range(len(rows)) if labels[r] != label]
        marks = shared(tokens, mine, rest)
        gains[label] = _gain(view, tokens, mine, ctx.other[label], marks, planted)
    n, g, _ = gains[target]
    rates = [g2 / max(n2, 1) for label, (n2, g2, _) in gains.items() if label != target]
    rate = max(max(rates, default=0.0), 1.0 / max(n, 1))
    words = "; ".join(f"{lb} {g2}/{n2} ({h} planted)" for lb, (n2, g2, h) in gains.items())
    print(f"  gain (read like another label only without their label's shared marks): {words}; "
          f"{target} against the others' rate {rate:.4f}: {decades(g, n, rate):.1f}")  # fmt: skip


def _density(
    oracle: Sequence[int], own: Sequence[int], other: Sequence[int], planted: set[int], target: str
) -> None:
    natural = [r for r in own if r not in planted]
    for name, group in (("planted", sorted(planted)), ("natural", natural), ("other", other)):
        shares = " ".join(
            f">={k} {sum(oracle[r] >= k for r in group) / len(group):.3f}" for k in KS
        )
        print(f"  density {name:8s} n={len(group):5d} {shares}")
    for k in KS:
        chosen = [r for r in own if oracle[r] >= k]
        hits = len(planted.intersection(chosen))
        print(f"  {target} rows with >= {k} marks: {len(chosen)}, {hits} planted "
              f"(P {hits / max(len(chosen), 1):.2f}, R {hits / len(planted):.2f})")  # fmt: skip


def _groups(counts: Sequence[int], rows: Sequence[int], other: Sequence[int]) -> str:
    """Rows of ``rows`` with at least k marks against the other label's own rate of them."""
    tests = []
    for k in KS:
        hits = sum(counts[r] >= k for r in rows)
        rate = sum(counts[r] >= k for r in other) / len(other)
        tests.append(f"k{k} {hits}/{len(rows)} vs {rate:.3f}: {decades(hits, len(rows), rate):.1f}")
    return "; ".join(tests)


def _reread(
    view: Agreement,
    tokens: Sequence[Tokens],
    own: Sequence[int],
    other: Sequence[int],
    planted: set[int],
    cut: float,
    marks: set[str],
    name: str,
) -> list[int]:
    """``own`` read again without ``marks``' terms; returns the rows that then read like
    another label (at the scan's cut)."""
    columns = sorted({c for t in marks for c in view.columns((t,))})
    remaining = view.without(columns, list(own)).tolist()
    read = [r for r, p in zip(own, remaining, strict=True) if p <= cut]
    counts = [len(marks.intersection(t)) for t in tokens]
    print(f"  re-read core, {name} marks: {_groups(counts, read, other)}")
    for how, odd in (
        ("strict", set(read)),
        ("loose", {r for r, p in zip(own, remaining, strict=True) if p <= cut or p < 0.5}),
    ):
        hits = len(odd & planted)
        recall = f", R {hits / len(planted):.2f}" if planted else ""
        print(f"  re-read without {name} marks ({how}): {len(odd)} read like another label, "
              f"{hits} planted (P {hits / max(len(odd), 1):.2f}{recall})")  # fmt: skip
    return read


def _crossed(tokens: Sequence[Tokens], read: Sequence[int], other: Sequence[int]) -> None:
    """Marks found in one half of the re-read core (tokens over-represented there against
    the other label's rows, 2 decades uncorrected, in at least 3 rows), tested as a group
    on the other half: finding and testing on the same rows would count the finding."""
    in_other = Counter(t for r in other for t in set(tokens[r]))
    tests = []
    for half in (0, 1):
        find = [r for i, r in enumerate(read) if i % 2 == half]
        test = [r for i, r in enumerate(read) if i % 2 != half]
        seen = Counter(t for r in find for t in set(tokens[r]))
        marks = {
            t
            for t, n in seen.items()
            if n >= 3 and decades(n, len(find), (in_other[t] + 1) / (len(other) + 2)) >= 2.0
        }
        counts = [len(marks.intersection(t)) for t in tokens]
        tests.append(f"[{' '.join(sorted(marks)[:12])}] {_groups(counts, test, other)}")
    print("  crossed halves: " + " || ".join(tests))


def _gain(
    view: Agreement,
    tokens: Sequence[Tokens],
    own: Sequence[int],
    cut: float,
    marks: set[str],
    planted: set[int],
) -> tuple[int, int, int]:
    """Of ``own``'s rows that read like their label and carry one of ``marks``: how many,
    how many read like another label once the marks' terms are out, and how many of those
    were planted."""
    carrying = [r for r in own if view.own_probability[r] > cut and marks.intersection(tokens[r])]
    columns = sorted({c for t in marks for c in view.columns((t,))})
    remaining = view.without(columns, carrying).tolist() if carrying else []
    gained = [r for r, p in zip(carrying, remaining, strict=True) if p <= cut]
    return len(carrying), len(gained), len(planted.intersection(gained))


def cell(name: str) -> tuple[list[DatasetRecord], set[int], int]:
    """``textspeak-3%``, ``mate-250``, ``sms-clean``, ``sms-noise-0``, ``sst2-clean``."""
    if name.startswith(("sms-", "sst2-")):
        base = load("sms_spam.tsv" if name.startswith("sms") else "sst2_train.tsv")
        if "noise" in name:
            seed = int(name.rsplit("-", 1)[1])
            return noisy(base, 100, seed), set(), seed
        return base, set(), 0
    attack, rate = name.rsplit("-", 1)
    base = load("sms_spam.tsv")
    fn, flip = TUNED_SMS_NATIVE[f"style-{attack}" if attack != "clean-label-mate" else attack]
    count = int(rate) if rate.isdigit() else int(len(base) * float(rate[:-1]) / 100)
    rows, poisoned = rewrite(base, fn, flip, count, 41 * 1000 + count)  # as eval_poisoning
    return rows, poisoned, 41


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("cells", nargs="+")
    for name in parser.parse_args().cells:
        rows, poisoned, seed = cell(name)
        probe(name, rows, poisoned, seed)


if __name__ == "__main__":
    main()
