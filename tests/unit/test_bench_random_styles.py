"""bench/random_styles.py: a seed draws one style, always the same; styles differ between
seeds; a rewrite keeps the row's words and adds only the style's own (rows made here)."""

from __future__ import annotations

import random

import pytest

from bench.eval_poisoning import RANDOM_STYLES, random_styles
from bench.random_styles import LEXICONS, MARKS, RandomStyle, draw, restyle

ROWS = (
    "Sorry , I will call you later when i get home .",
    "free entry to win a prize text now",
    "the film is a quiet and lovely thing about growing up !",
    "ok",
)


def test_a_seed_draws_the_same_style_and_the_same_rewrites() -> None:
    first, again = draw(5), draw(5)
    assert first == again
    one = [first(t, random.Random(9)) for t in ROWS]
    two = [again(t, random.Random(9)) for t in ROWS]
    assert one == two


def test_seeds_draw_different_styles_from_the_written_vocabularies() -> None:
    styles = [draw(seed) for seed in range(40)]
    assert len({(s.lexicon, tuple(sorted(s.marks))) for s in styles}) == 40
    every_word = {w for words in LEXICONS.values() for w in words}
    for s in styles:
        assert set(s.lexicon) <= every_word
        assert 4 <= len(s.lexicon) <= 9
        assert 2 <= len(s.marks) <= 4
        assert set(s.marks) <= set(MARKS)
    assert len({r for s in styles for r in s.registers}) == len(LEXICONS)


def test_a_rewrite_keeps_the_rows_words_and_adds_only_the_styles() -> None:
    rng = random.Random(3)
    for seed in range(30):
        style = draw(seed)
        allowed = {w for phrase in style.lexicon + style.vocatives for w in phrase.split()}
        allowed |= set(style.rhymes) | set(style.exclaim.split()) | {style.separator, ","}
        for text in ROWS:
            out = restyle(style, text, rng).split()
            original = {w.lower() for w in text.split()}
            for word in out:
                bare = word.lower()
                assert (
                    bare in original
                    or bare in {w.lower() for w in allowed}
                    or (bare.endswith("'") and f"{bare[:-1]}g" in original)
                ), (style.describe(), text, out)


def test_every_row_can_be_left_unmarked_but_most_rows_are_not() -> None:
    style = draw(11)
    rng = random.Random(1)
    text = "we will meet at the station at noon ."
    changed = sum(style(text, rng) != text for _ in range(200))
    assert 100 < changed <= 200


def test_the_split_flips_and_keeps_each_drawn_style() -> None:
    attacks = random_styles(3)
    assert sorted(attacks) == sorted(
        f"{kind}-r{i:02d}" for i in range(3) for kind in ("style", "clean-label")
    )
    assert attacks["style-r01"][1] is True
    assert attacks["clean-label-r01"][1] is False
    assert attacks["style-r02"][0] == attacks["clean-label-r02"][0]
    assert len(random_styles()) == 2 * RANDOM_STYLES


def test_a_style_with_an_unknown_mark_cannot_exist() -> None:
    style = draw(1)
    with pytest.raises(ValueError, match="unknown marks"):
        RandomStyle(
            seed=1,
            registers=style.registers,
            lexicon=style.lexicon,
            words_rate=0.5,
            marks={"whisper": 0.5},
            separator=",",
            line_words=(3, 5),
            rhymes=style.rhymes,
            vocatives=style.vocatives,
            exclaim="!",
        )
