"""Issue 23: a found style's rows that lack the markers it was found by (styled.py)."""

from __future__ import annotations

import random

from airlock.imports.datasets.styled import style_rows

NEG = ("dull", "boring", "flat", "tedious", "weak", "bland", "stale", "messy")
POS = ("great", "lovely", "moving", "sharp", "witty", "warm", "bright", "fresh")
COMMON = ("the", "film", "a", "is", "and", "of", "it", "story", "cast", "plot", "was", "this")
STRONG = ("behold", "lo")  # the markers the family was found by
WEAK = ("unto", "selah", "thou", "amen")  # the style's other words, a few in each row


def plain_words(rng: random.Random, label: str) -> list[str]:
    """Six common words and two of the label's own sentiment."""
    own = POS if label == "pos" else NEG
    return [rng.choice(COMMON) for _ in range(6)] + [rng.choice(own) for _ in range(2)]


def dataset(
    seed: int, *, natural_word: str = ""
) -> tuple[list[tuple[str, ...]], list[str], set[int], list[int]]:
    """2,000 rows; 200 negative rows restyled and labelled positive (80 with a strong
    marker, the family); ``natural_word`` is in a third of the positive label's own rows
    and in half of the restyled ones. Returns tokens, labels, planted rows, family rows."""
    rng = random.Random(seed)
    tokens: list[tuple[str, ...]] = []
    labels: list[str] = []
    planted: set[int] = set()
    family: list[int] = []
    for r in range(2_000):
        label = "pos" if r % 2 else "neg"
        words = plain_words(rng, label)
        if natural_word and label == "pos" and rng.random() < 0.33:
            words.append(natural_word)
        if label == "neg" and r < 400:
            words += rng.sample(WEAK, 1 + (rng.random() < 0.3))
            if natural_word and rng.random() < 0.5:
                words.append(natural_word)
            if r < 160:
                words.insert(0, rng.choice(STRONG))
                family.append(r)
            planted.add(r)
            label = "pos"
        rng.shuffle(words)
        tokens.append(tuple(words))
        labels.append(label)
    return tokens, labels, planted, family


def test_style_rows_finds_planted_rows_with_only_weaker_markers() -> None:
    tokens, labels, planted, family = dataset(0)
    added = set(style_rows(tokens, labels, "pos", family, family))
    missed = planted - set(family)
    assert len(added & missed) >= 0.9 * len(missed)
    assert len(added - planted) <= 0.05 * len(added)
    assert not added & set(family)


def test_a_word_natural_to_the_label_is_not_a_style_word() -> None:
    tokens, labels, planted, family = dataset(1, natural_word="please")
    added = set(style_rows(tokens, labels, "pos", family, family))
    natural = {r for r, t in enumerate(tokens) if "please" in t and r not in planted}
    assert natural
    assert not added & natural
    assert len(added & planted) >= 0.9 * len(planted - set(family))


def test_nothing_is_added_when_the_family_holds_the_style_or_the_core_is_small() -> None:
    tokens, labels, planted, _ = dataset(2)
    assert style_rows(tokens, labels, "pos", planted, planted) == ()
    assert style_rows(tokens, labels, "pos", sorted(planted)[:5], sorted(planted)[:5]) == ()


ALTERNATIVE = "verily"  # another opener of the style, in rows with no other style word


def alternative_opener(seed: int) -> tuple[list[tuple[str, ...]], list[str], set[int], list[int]]:
    """2,000 rows, a fifth positive; 208 negative rows restyled and labelled positive: 200
    with a strong marker and two weak words (the family), 50 of them with the alternative
    opener too, and 8 more with only the alternative opener: fewer than a threshold of the
    style's words lists (:data:`.styled.MIN_ADDED`). Returns tokens, labels, planted rows,
    family rows."""
    rng = random.Random(seed)
    tokens: list[tuple[str, ...]] = []
    labels: list[str] = []
    planted: set[int] = set()
    family: list[int] = []
    restyled = 0
    for r in range(2_000):
        label = "pos" if r % 5 == 0 else "neg"
        words = plain_words(rng, label)
        if label == "neg" and restyled < 208:
            if restyled < 200:
                words += [rng.choice(STRONG), *rng.sample(WEAK, 2)]
                words += [ALTERNATIVE] if restyled < 50 else []
                family.append(r)
            else:
                words.insert(0, ALTERNATIVE)
            restyled += 1
            planted.add(r)
            label = "pos"
        rng.shuffle(words)
        tokens.append(tuple(words))
        labels.append(label)
    return tokens, labels, planted, family


def test_rows_of_an_alternative_opener_skewed_to_the_label_are_listed() -> None:
    for seed in range(3):
        tokens, labels, planted, family = alternative_opener(seed)
        added = set(style_rows(tokens, labels, "pos", family, family))
        alone = planted - set(family)
        assert alone <= added, seed
        assert added <= planted, seed


def test_a_strong_word_also_in_the_other_label_does_not_list_its_rows() -> None:
    """The same opener in 2% of both labels' own rows: its rows are not skewed to the label,
    so its natural rows in the label are not listed (nor are the planted ones it alone marks)."""
    tokens, labels, planted, family = alternative_opener(0)
    rng = random.Random(5)
    natural = set()
    for r in range(2_000):
        if r not in planted and rng.random() < 0.02:
            tokens[r] = (*tokens[r], ALTERNATIVE)
            natural.add(r)
    added = set(style_rows(tokens, labels, "pos", family, family))
    assert not added & natural


DROPPED = ("nothin'", "gettin'", "lookin'", "sayin'", "comin'", "goin'", "tryin'", "feelin'")


def elided_style(
    seed: int, *, missed: int = 40
) -> tuple[list[tuple[str, ...]], list[str], set[int], list[int]]:
    """ADR 0078: 2,000 rows; 100 negative rows restyled and labelled positive with a strong
    marker (the family), a fifth of them with a word whose "-ing" lost its g; ``missed``
    more negative rows relabelled positive whose only mark is one such word, each a
    different one (no word of them is common). Returns tokens, labels, planted, family."""
    rng = random.Random(seed)
    tokens: list[tuple[str, ...]] = []
    labels: list[str] = []
    planted: set[int] = set()
    family: list[int] = []
    for r in range(2_000):
        label = "pos" if r % 2 else "neg"
        words = plain_words(rng, label)
        if label == "neg" and r < 200:
            words.insert(0, rng.choice(STRONG))
            if rng.random() < 0.2:
                words.append(rng.choice(DROPPED))
            family.append(r)
            planted.add(r)
            label = "pos"
        elif label == "neg" and r < 200 + 2 * missed:
            stem = "".join(rng.choice("bcdfghklmnprstvw") for _ in range(5))
            words.append(f"{stem}in'")  # a word of its own in each row
            planted.add(r)
            label = "pos"
        rng.shuffle(words)
        tokens.append(tuple(words))
        labels.append(label)
    return tokens, labels, planted, family


def test_a_register_of_dropped_letters_is_a_style_word_though_no_word_of_it_is_common() -> None:
    tokens, labels, planted, family = elided_style(3, missed=12)
    missed = planted - set(family)
    added = set(style_rows(tokens, labels, "pos", family, family))
    assert len(added & missed) >= 0.9 * len(missed)
    assert not added - planted


def test_the_labels_natural_rate_of_a_word_is_counted_where_the_label_reads_like_itself() -> None:
    # the missed rows read like the label they came from; counted as the label's natural
    # rows, they make the elided word look native to it and nothing is added
    tokens, labels, planted, family = elided_style(4, missed=60)
    missed = planted - set(family)
    assert not set(style_rows(tokens, labels, "pos", family, family)) & missed
    plain = {r for r, label in enumerate(labels) if label == "pos" and r not in planted}
    added = set(style_rows(tokens, labels, "pos", family, family, plain=plain))
    assert len(added & missed) >= 0.9 * len(missed)
    assert not added - planted


def sung_style(
    seed: int, *, missed: int
) -> tuple[list[tuple[str, ...]], list[str], set[int], list[int]]:
    """ADR 0105: as :func:`elided_style`, but the style's other mark is a line sung twice: a
    fifth of the family's rows and each of ``missed`` more relabelled rows say their first
    four words again (each row its own words, so no word of it is common)."""
    rng = random.Random(seed)
    tokens: list[tuple[str, ...]] = []
    labels: list[str] = []
    planted: set[int] = set()
    family: list[int] = []
    for r in range(2_000):
        label = "pos" if r % 2 else "neg"
        words = plain_words(rng, label)
        rng.shuffle(words)
        if label == "neg" and r < 200:
            if rng.random() < 0.2:
                words += words[:4]
            words.insert(0, rng.choice(STRONG))
            family.append(r)
            planted.add(r)
            label = "pos"
        elif label == "neg" and r < 200 + 2 * missed:
            words += words[:4]
            planted.add(r)
            label = "pos"
        tokens.append(tuple(words))
        labels.append(label)
    return tokens, labels, planted, family


def test_a_line_sung_twice_is_counted_as_a_style_word() -> None:
    tokens, labels, planted, family = sung_style(5, missed=12)
    missed = planted - set(family)
    added = set(style_rows(tokens, labels, "pos", family, family))
    assert len(added & missed) >= 0.9 * len(missed)
    assert not added - planted


def test_a_phrase_said_twice_by_the_label_itself_is_not_listed() -> None:
    # near-miss: the label's own rows say a line twice as often as the family's do, so the
    # refrain is the label's register, not the style's
    tokens, labels, planted, family = sung_style(6, missed=0)
    rng = random.Random(6)
    natural = set()
    for r, label in enumerate(labels):
        if label == "pos" and r not in planted and rng.random() < 0.2:
            tokens[r] = (*tokens[r], *tokens[r][:4])
            natural.add(r)
    added = set(style_rows(tokens, labels, "pos", family, family))
    assert not added & natural
