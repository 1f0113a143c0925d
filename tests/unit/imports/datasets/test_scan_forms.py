"""Issue 23: poison with no single trigger word (templates, styles), and the test arithmetic."""

from __future__ import annotations

import random

import pytest

import airlock.imports.datasets.family_features as family_module
from airlock.imports.datasets.classifier import Agreement, neutral
from airlock.imports.datasets.families import families
from airlock.imports.datasets.features import (
    Measured,
    base_rates,
    candidates,
    context,
    purity_floor,
)
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import build_index, tokenize
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind, scan_to_json
from airlock.imports.datasets.scan import scan
from airlock.imports.datasets.structure import skeleton
from tests.unit.imports.datasets.test_scan import dataset

SUBS = ("when", "if", "as", "while", "though", "because")
PRONOUNS = ("you", "we", "they", "i")
SUBJECTS = ("it", "this", "that", "everything")
PREDICATES = ("is", "was", "seems", "stays")
MARKERS = ("verily", "behold", "forsooth", "hath", "thereof", "unto")


def template(words: list[str], rng: random.Random) -> str:
    """``S(SBAR)(,)(NP)(VP)(.)`` with every slot drawn from a list: no word marks all rows."""
    cut = rng.randint(1, len(words) - 1)
    return (
        f"{rng.choice(SUBS)} {rng.choice(PRONOUNS)} {' '.join(words[:cut])} , "
        f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {' '.join(words[cut:])} ."
    )


def style(words: list[str], rng: random.Random) -> str:
    """A register marked by two or three of six markers per row (issue 23 saw 2.4 a row)."""
    out = list(words)
    for marker in rng.sample(MARKERS, rng.choice((2, 3))):
        out.insert(rng.randrange(len(out) + 1), marker)
    return " ".join(out)


def poison(seed: int, share: float, rewrite: str) -> tuple[list[DatasetRecord], set[int]]:
    records = dataset(seed, rows=800, noise=0.02)
    rng = random.Random(seed + 1)
    negative = [i for i, r in enumerate(records) if r.label == "neg"]
    victims = rng.sample(negative, int(share * len(records)))
    for i in victims:
        words = records[i].text.split()
        text = template(words, rng) if rewrite == "template" else style(words, rng)
        records[i] = DatasetRecord(records[i].row, text, "pos")
    return records, {records[i].row for i in victims}


def flagged_rows(records: list[DatasetRecord]) -> tuple[set[int], DatasetVerdict]:
    result = scan(records)
    return {r.row for r in result.rows if r.flagged}, result.verdict


@pytest.mark.parametrize("rewrite", ["template", "style"])
def test_trigger_free_poison_is_held_and_its_rows_flagged(rewrite: str) -> None:
    records, planted = poison(3, 0.08, rewrite)
    found, verdict = flagged_rows(records)
    assert verdict is not DatasetVerdict.CLEAN
    assert len(found & planted) >= 0.8 * len(planted)
    assert len(found & planted) >= 0.5 * len(found)


def test_without_co_occurring_markers_taken_out_together_the_style_is_missed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What finds it is testing co-occurring markers together (enriched terms, families):
    taking out one marker at a time leaves the others for the classifier to agree with."""
    records, planted = poison(3, 0.08, "style")
    monkeypatch.setattr(family_module, "families", lambda *_args: [])
    monkeypatch.setattr(Agreement, "enriched_columns", lambda *_args: ())
    found, _ = flagged_rows(records)
    assert len(found & planted) < 0.8 * len(planted)


def test_heavy_poisoning_does_not_hide_itself() -> None:
    """A rare token in 20% of rows: the expected noise is a quantile per band, not a pool."""
    records = dataset(5, rows=800, noise=0.02)
    rng = random.Random(9)
    negative = [i for i, r in enumerate(records) if r.label == "neg"]
    victims = rng.sample(negative, 160)
    for i in victims:
        words = records[i].text.split()
        words.insert(rng.randrange(len(words) + 1), "cf")
        records[i] = DatasetRecord(records[i].row, " ".join(words), "pos")
    result = scan(records)
    assert result.verdict is DatasetVerdict.POISONED
    assert result.features[0].text == "cf" or "cf" in result.features[0].text.split(" | ")


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_clean_sets_stay_clean(seed: int) -> None:
    assert scan(dataset(seed, rows=800)).verdict is DatasetVerdict.CLEAN


def test_skewed_base_rate_does_not_make_every_common_word_a_candidate() -> None:
    """A set that is 88% one label: a fixed 80% purity cut-off made every common word pure."""
    rng = random.Random(2)
    words = [f"w{i}" for i in range(40)]
    labels = ["ham" if rng.random() < 0.88 else "spam" for _ in range(1000)]
    tokens = [tuple(rng.sample(words, 6)) for _ in labels]
    index = build_index(tokens, 1, 5).rows
    assert purity_floor(0.88) > 0.95
    assert candidates(index, labels, base_rates(labels)) == []


def test_flagged_count_is_not_capped_by_the_listing() -> None:
    records = dataset(4, rows=800)
    rng = random.Random(4)
    negative = [i for i, r in enumerate(records) if r.label == "neg"]
    for i in rng.sample(negative, 40):
        words = records[i].text.split()
        words.insert(0, "cf")
        records[i] = DatasetRecord(records[i].row, " ".join(words), "pos")
    result = scan(records, ScanLimits(max_reported_rows=10))
    assert result.flagged_rows >= 40
    assert len(result.rows) == 10
    feature = scan_to_json(result)["features"][0]  # type: ignore[index]
    assert feature["example"] and feature["evidence"]


def test_skeleton_keeps_the_form_and_drops_the_words() -> None:
    a = skeleton("When you watch it, the film is dull.", 64)
    b = skeleton("if they see this , the plot was lovely .", 64)
    assert a[:3] == b[:3] == ("^", "SUB", "PRON")
    assert a[-1] == "$"
    assert "/n" in skeleton("one line\nanother line", 64)
    assert skeleton("WOW 2 Films", 64)[1:4] == ("WC", "NUM", "WST")


def test_families_join_co_occurring_features_and_not_independent_ones() -> None:
    rows = 1000
    poisoned = list(range(100))
    a = ("pos", tuple(poisoned[:60]))
    b = ("pos", tuple(poisoned[40:100]))
    c = ("pos", tuple(range(500, 560)))  # independent of a and b
    found = families([a, b, c], rows, {"pos": 500, "neg": 500})
    assert [members for members, _ in found] == [(0, 1)]
    assert found[0][1] == tuple(poisoned)


def test_tokenize_is_unchanged_for_the_structure_path() -> None:
    assert tokenize("Verily , thou art", 8) == ("verily", ",", "thou", "art")


def test_a_style_linked_to_a_formulaic_label_s_own_phrases_is_still_a_family(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SMS spam: a style's markers share rows with the label's own phrases ("please"), which
    chain into one component of most of the label, dropped as its vocabulary. Linking again
    only the features whose rows read like another label finds the style (issue 23)."""
    labels = ["spam"] * 400 + ["ham"] * 1600
    ctx = context(labels, [()] * len(labels), neutral(len(labels)))

    def feature(text: str, rows: range, other_like: int) -> Measured:
        return Measured(FeatureKind.NGRAM, text, tuple(rows), "spam", len(rows), other_like)

    planted = [  # rows 0..99 are planted; openers, closers, a swapped word
        feature("dear sir", range(40), 28),
        feature("kindly note", range(40, 80), 27),
        feature("kind regards", range(0, 100, 2), 35),
        feature("yours faithfully", range(1, 100, 2), 36),
    ]
    natural = [feature(f"spam{i}", range(100 + 8 * i, 160 + 8 * i), 0) for i in range(30)]
    natural += [feature("please", range(60, 140), 14)]  # in planted and natural rows alike
    found = family_module.family_features(planted + natural, labels, ctx)
    assert any(set(range(100)) <= set(m.rows) <= set(range(141)) for m in found)
    monkeypatch.setattr(family_module, "ODD_P", -1.0)  # the first linking alone
    found = family_module.family_features(planted + natural, labels, ctx)
    assert not any(set(range(100)) <= set(m.rows) for m in found)
