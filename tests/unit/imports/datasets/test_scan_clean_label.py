"""Issue 23: clean-label poison (a style laid over rows already of the target label)."""

from __future__ import annotations

import random

import numpy as np

from airlock.imports.datasets.linked import communities
from airlock.imports.datasets.ngrams import build_index, tokenize
from airlock.imports.datasets.outliers import outlier_groups
from airlock.imports.datasets.overlaid import twin_odds
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind
from airlock.imports.datasets.scan import scan
from airlock.imports.datasets.structure import skeletons
from tests.unit.imports.datasets.test_scan import dataset

# No "-ly" marker: this generated set's one "-ly" word ("lovely") is exclusive to "pos" and
# would share the skeleton token WLY with "verily" (real text has many "-ly" words).
MARKERS = ("yonder", "behold", "forsooth", "hath", "thereof", "unto")


def style(words: list[str], rng: random.Random) -> str:
    """A register marked by two or three of six markers per row."""
    out = list(words)
    for marker in rng.sample(MARKERS, rng.choice((2, 3))):
        out.insert(rng.randrange(len(out) + 1), marker)
    return " ".join(out)


def restyle(records: list[DatasetRecord], count: int, seed: int) -> set[int]:
    """Rewrite ``count`` positive rows into the marked register; labels stay as they are."""
    rng = random.Random(seed)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "pos"], count)
    for i in victims:
        records[i] = DatasetRecord(records[i].row, style(records[i].text.split(), rng), "pos")
    return {records[i].row for i in victims}


def groups(records: list[DatasetRecord]) -> list[tuple[str, set[int]]]:
    texts = [r.text for r in records]
    tokens = [tokenize(t, 256) for t in texts]
    found = outlier_groups(
        build_index(tokens, 3, 5).rows,
        build_index(skeletons(texts, 256), 3, 5).rows,
        tokens,
        [r.label for r in records],
        min_support=5,
    )
    return [(g.label, {records[r].row for r in g.rows}) for g in found]


def test_clean_label_style_is_held_and_its_rows_flagged() -> None:
    records = dataset(5, rows=800, noise=0.02)
    planted = restyle(records, 60, seed=6)
    result = scan(records)
    assert result.verdict is DatasetVerdict.SUSPICIOUS  # held, never called poisoned
    marked = [f for f in result.features if f.kind is FeatureKind.CLEAN_LABEL]
    assert marked and marked[0].label == "pos"
    assert "clean-label" in marked[0].evidence and marked[0].example
    assert any(m in marked[0].text for m in MARKERS)
    found = {r.row for r in result.rows if r.flagged}
    assert len(found & planted) >= 0.8 * len(planted)
    assert len(found & planted) >= 0.5 * len(found)


def test_clean_generated_set_has_no_clean_label_group() -> None:
    records = dataset(5, rows=800, noise=0.02)
    result = scan(records)
    assert result.verdict is DatasetVerdict.CLEAN
    assert not [f for f in result.features if f.kind is FeatureKind.CLEAN_LABEL]
    assert groups(records) == []


def test_markers_in_most_of_a_label_are_its_own_vocabulary() -> None:
    """A style on 80% of a label's rows is what that label is (natural spam), not outliers."""
    records = dataset(5, rows=800, noise=0.0)
    positive = sum(r.label == "pos" for r in records)
    restyle(records, int(0.8 * positive), seed=6)
    assert groups(records) == []
    records = dataset(5, rows=800, noise=0.0)
    planted = restyle(records, 60, seed=6)
    assert [(label, len(rows & planted) >= 54) for label, rows in groups(records)] == [
        ("pos", True)
    ]


def test_twins_tell_a_campaign_of_copies_from_a_style_over_random_rows() -> None:
    """A group whose rows are each other's nearest rows (a campaign's copies) scores far
    above one laid over randomly chosen rows of the label (``twin_odds``, markers' words out)."""
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(400)]
    bases = [rng.sample(vocabulary, 8) for _ in range(30)]
    tokens = []
    for i in range(300):  # ten copies of each of 30 messages, a word or two changed
        words = list(bases[i // 10])
        words[rng.randrange(8)] = rng.choice(vocabulary)
        tokens.append(tuple(words))
    inside = np.ones(len(tokens), dtype=bool)
    campaign = list(range(60))  # six messages' copies
    scattered = sorted(rng.sample(range(300), 60))
    assert twin_odds(campaign, ["promo"], tokens, inside, seed=0) > 4.0
    assert twin_odds(scattered, ["promo"], tokens, inside, seed=0) < 2.0


def test_a_thin_bridge_between_two_cliques_is_cut() -> None:
    """Two densely linked sets of markers joined by one link are two pieces (``communities``):
    a style chained into a label's vocabulary through one substituted word."""
    first, second = range(5), range(5, 10)
    links = [(i, j) for part in (first, second) for i in part for j in part if i < j]
    links.append((4, 5))
    assert sorted(communities(set(range(10)), links)) == [list(first), list(second)]
