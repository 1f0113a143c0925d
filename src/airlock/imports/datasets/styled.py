"""Rows of a found style that carry none of the markers it was found by (pure; issue 23).

A style is found as a family of its strongest markers (:mod:`.families`) and listed by a
classifier of its core's form (:mod:`.growth`). A rewrite puts only a few of the style's
markers in each row, so the planted rows that carry only weaker ones ("unto", "selah", an
"-eth" verb, but no "behold" or "lo") lie outside the family and read like any other row of
their label: on the tuned SST-2 archaic style at 20%, the family held 421 of 1384 planted
rows and the listing found 57% of them.

The family's rows that read like another label (its core, nearly all planted) say which
words the style uses. A word is a *style word* when it is in at least
:data:`MIN_CORE_SHARE` of the core and is :data:`LABEL_LIFT` times commoner there than
in the label's natural rows (see :func:`_style_words`) and :data:`OTHER_LIFT` times
commoner than in the other labels' rows (where the planted rows came from). Testing against the
label's own rows keeps out the label's natural words that a register also uses ("please",
"contact" in spam: a style test against other labels only listed natural spam and dropped
the SMS business register at 3% from precision 0.93 to 0.18). A row's score is the sum of
its style words' log lifts, a likelihood ratio of the style's words against the rows they
are rarest in.

The threshold is the lowest at which the rows added are estimated mostly planted: the
other labels' rows score like the label's natural rows would (their words are the
planted rows' own), so the share of them at or over a threshold, times the label's rows
outside the family, is the number of natural rows expected over it; the rows over it must
be at least :data:`MIN_ADDED` and at least :data:`MIN_PRECISION` of them beyond that
expectation. No threshold passes when the family missed little (the gate: growth only
where the core implies rows the family lacks). The added rows join the core and the words
are counted again, :data:`ROUNDS` times, since the first reference still holds the missed
rows. Words only, and a word's spelling (a dropped letter, :func:`.marks.word_marks`, ADR
0078): the form is the classifier's (:mod:`.growth`).

Last, the style's *alternative markers* (:func:`_alternatives`, ADR 0049): a rewrite draws
its opener or closer from a few choices ("verily", "behold", "lo", "amen", "selah"), and a
family found by some of them misses the rows that carry only another, alone. Such a row
scores one style word and is listed only when a threshold as low as that word passes, which
needs :data:`MIN_ADDED` such rows and a clean margin (tuned SST-2 archaic at 250 rows: 16
rows with "verily" alone were missed). A strong style word (one that counts alone,
:data:`LONE_WEIGHT`) has its label rows outside the listed ones listed too when those rows
are the label's far more often than its base rate makes likely against the word's rows in
other labels (binomial tail at most :data:`ALTERNATIVE_P`, Bonferroni over the words whose
rows could reach it at all, Tarone), and when the other labels' rate of the word predicts
at most a fifth of them (:data:`MIN_PRECISION`). The listed rows do not vouch for the word:
counted with them, a word of the style that is also natural in the label ("behold" in
positive SST-2 reviews: its 6 unlisted rows were natural) passed on its planted rows. Only
a style's strong words are asked: the label-lift test of :func:`_style_words` keeps the
label's own words out ("£", "please" and "our" in spam were 10 times commoner in the SMS
business core than in ham, and listing their rows added 230 natural spam rows). It only
adds listed rows of a style already found, never decides a verdict.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from airlock.imports.datasets.marks import style_marks
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.stats import binomial_tail

MIN_CORE = 10  # fewer listed rows cannot say which words a style uses
MIN_CORE_ROWS = 3  # a style word is in this many core rows ...
MIN_CORE_SHARE = 0.02  # ... and this share of them
LABEL_LIFT = 4.0  # times commoner in the core than in the label's rows outside the family
OTHER_LIFT = 10.0  # ... and than in the other labels' rows
MIN_ADDED = 10  # fewer rows over a threshold are not a style's missed rows
MIN_PRECISION = 0.8  # share of added rows beyond those the other labels' rate expects
THRESHOLDS = tuple(1.0 + 0.5 * i for i in range(15))  # 1.0 .. 8.0, lowest first
ROUNDS = 3
# A row with one style word is listed only when that word is this many times commoner in
# the core than in the label's natural rows and the other labels ("please", 7.6 times in
# the SMS business core, is also a natural spam word; "unto" is 11.5 times).
LONE_WEIGHT = math.log(10.0)
# A strong style word's rows are listed whole when their label skew has a Bonferroni-
# corrected binomial p at most this (over the strong words of the family's style).
ALTERNATIVE_P = 1e-3


def style_rows(
    tokens: Sequence[Tokens],
    labels: Sequence[str],
    label: str,
    family: Iterable[int],
    core: Iterable[int],
    *,
    listed: Iterable[int] = (),
    plain: Collection[int] | None = None,
) -> tuple[int, ...]:
    """Rows of ``label`` outside ``family`` and ``listed`` whose words are the style of ``core``.

    ``core`` are the family's rows that read like another label (taken as planted: a
    family listed whole also holds the label's natural rows, whose words are not the
    style's); returns the rows to list beside ``listed``, none when the core is under
    :data:`MIN_CORE` rows or no threshold is estimated at least :data:`MIN_PRECISION`
    planted. It does not look at form, and does not drop any row.

    ``plain`` are the label's rows that read like it (None: all of them). A word's natural
    rate in the label is counted only among those (ADR 0078): a flipped style's missed rows
    mostly read like the label they came from, and counted as natural they hid their own
    word (tuned SMS southern at 250: the elided word's lift fell to 6.8, under
    :data:`LONE_WEIGHT`, with 24 planted rows missed).
    """
    core_set = set(core)
    if len(core_set) < MIN_CORE:
        return ()
    outside = set(family) | core_set | set(listed)
    words = [frozenset(t) | style_marks(t) for t in tokens]
    other = [r for r, own in enumerate(labels) if own != label]
    other_counts = _counts(words, other)
    added: set[int] = set()
    weights: dict[str, float] = {}
    for _ in range(ROUNDS):
        seed = core_set | added
        excluded = outside | added
        rest = [r for r, own in enumerate(labels) if own == label and r not in excluded]
        natural = rest if plain is None else [r for r in rest if r in plain]
        weights = _style_words(words, sorted(seed), natural, other_counts, len(other))
        if not weights or not rest:
            break
        new = _over_threshold(words, weights, rest, other)
        if not new:
            break
        added |= new
    added |= _alternatives(words, labels, label, weights, outside | added)
    return tuple(sorted(added))


def _counts(words: Sequence[frozenset[str]], rows: Iterable[int]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for r in rows:
        counts.update(words[r])
    return counts


def _style_words(
    words: Sequence[frozenset[str]],
    core: Sequence[int],
    rest: Sequence[int],
    other: Counter[str],
    other_rows: int,
) -> dict[str, float]:
    """Log lift of each style word against the rows it is rarest in (add-one smoothed).

    A word's natural rate in the label is counted in the label's rows outside the family
    that hold no other candidate word: the style's missed rows carry a few of its words
    together, the label's natural rows that use one ("please" in spam) rarely carry others.
    """
    counts = _counts(words, core)
    need = max(MIN_CORE_ROWS, MIN_CORE_SHARE * len(core))
    share = {w: n / len(core) for w, n in counts.items() if n >= need}
    candidate = {
        w: p for w, p in share.items() if p >= OTHER_LIFT * (other[w] + 1) / (other_rows + 2)
    }
    alone: Counter[str] = Counter()
    for r in rest:
        held = words[r] & candidate.keys()
        if len(held) == 1:
            alone.update(held)
    out = {}
    for word, p in candidate.items():
        natural = (alone[word] + 1) / (len(rest) + 2)
        if p >= LABEL_LIFT * natural:
            out[word] = math.log(p / max(natural, (other[word] + 1) / (other_rows + 2)))
    return out


def _over_threshold(
    words: Sequence[frozenset[str]],
    weights: dict[str, float],
    rest: Sequence[int],
    other: Sequence[int],
) -> set[int]:
    """The label's rows over the lowest threshold whose additions look mostly planted."""

    def score(r: int) -> float:
        held = words[r] & weights.keys()
        if len(held) == 1 and weights[next(iter(held))] < LONE_WEIGHT:
            return 0.0
        return sum(weights[w] for w in held)

    rest_scores = [(score(r), r) for r in rest]
    other_scores = [score(r) for r in other]
    for threshold in THRESHOLDS:
        over = {r for s, r in rest_scores if s >= threshold}
        natural = sum(s >= threshold for s in other_scores) / max(1, len(other)) * len(rest)
        if len(over) >= MIN_ADDED and len(over) - natural >= MIN_PRECISION * len(over):
            return over
    return set()


def _alternatives(
    words: Sequence[frozenset[str]],
    labels: Sequence[str],
    label: str,
    weights: dict[str, float],
    listed: set[int],
) -> set[int]:
    """Rows of ``label`` outside ``listed`` that carry a style word whose rows outside
    ``listed`` are skewed to the label (see the module's last paragraph)."""
    names = sorted(w for w, lift in weights.items() if lift >= LONE_WEIGHT)
    new: dict[str, set[int]] = {w: set() for w in names}
    elsewhere = Counter[str]()  # rows of other labels that hold the word
    for r, held in enumerate(words):
        found = held.intersection(names)
        if not found:
            continue
        if labels[r] != label:
            elsewhere.update(found)
        elif r not in listed:
            for w in found:
                new[w].add(r)
    size = sum(1 for own in labels if own == label)
    others = len(labels) - size
    rest = size - sum(1 for r in listed if labels[r] == label)
    base = size / max(1, len(labels))
    trials = np.array([len(new[w]) + elsewhere[w] for w in names], dtype=np.float64)
    tails = binomial_tail(
        np.array([len(new[w]) for w in names], dtype=np.float64),
        trials,
        np.full(len(names), base),
    )
    # Bonferroni over the words that could pass at all (Tarone): a word in a few rows is
    # not significant even when all of them are the label's, so it is not a test
    least = base**trials  # every row of the word in the label
    tests = 1
    while np.count_nonzero(least <= ALTERNATIVE_P / tests) > tests:
        tests += 1
    out: set[int] = set()
    for w, p in zip(names, tails.tolist(), strict=True):
        # the label's natural rows expected to use the word: the other labels' rate of it
        # (the planted rows came from them) over the label's rows not listed
        natural = elsewhere[w] / max(1, others) * rest
        rows = new[w]
        if p * tests <= ALTERNATIVE_P and len(rows) - natural >= MIN_PRECISION * len(rows):
            out |= rows
    return out
