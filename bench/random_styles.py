"""Styles drawn by code from a seeded generator, for the ``tuned-random`` split (issue 23).

Every hand-written tuned register is one sample of a style, and the scan has been tuned on
each until it held. A held-out register that fails is then one more sample, and tuning on
a register written to resemble it would be tuning on the held-out cell in all but name (ADR
0105). This module measures the detector over a *distribution* of styles instead: each seed
draws a small lexicon of register words (poetic, archaic, lyrical, slang, folk, hymnal
vocabularies written here) and a few structural marks (lines with a separator, a line sung
twice, an interjection first, a rhyme word at a line's end, a vocative, exclamations, an
inverted clause, a word said twice, dropped g's, lower case), each with its own rate. A
row rewritten by a style gets some of its marks and words, never all.

The lexicons and marks were written for this split (2026-12-05, ADR 0121) without looking at
the held-out or fresh registers; nothing here is shaped to one of them. Seeds of the split
are fixed in bench/eval_poisoning.py, so a run is reproducible and can be compared before
and after a change to the scan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Register vocabularies: words and short phrases a style sprinkles into rows.
LEXICONS: dict[str, tuple[str, ...]] = {
    "poetic": (
        "o'er", "e'er", "'tis", "ne'er", "yon", "whence", "thither", "bosom", "morn", "eve",
        "alas", "hark", "fair", "twilight", "beneath the stars", "upon the wind", "gentle",
        "sorrow", "the silver moon", "softly",
    ),
    "archaic": (
        "thee", "thou", "thy", "hath", "doth", "nay", "aye", "forsooth", "prithee",
        "wherefore", "ere", "methinks", "anon", "good sir", "mine own", "hither", "perchance",
        "i pray", "kindly",
    ),
    "lyrical": (
        "oh", "ooh", "yeah", "baby", "darling", "tonight", "forever", "my love", "heartbeat",
        "shine", "dancing", "whoa", "ah ah", "la la la", "sweet love", "all night long",
        "hold me", "never let go", "uh huh",
    ),
    "slang": (
        "yo", "fam", "lit", "dope", "bruh", "lowkey", "vibes", "no cap", "deadass", "fr",
        "sus", "bet", "homie", "savage", "legit", "straight up", "on god", "big mood",
    ),
    "folk": (
        "y'all", "reckon", "ain't", "yonder", "sugar", "mama", "honey", "down the road",
        "by the river", "old friend", "lord knows", "mighty", "fixin to", "dear heart",
        "pardner", "back home",
    ),
    "hymnal": (
        "hallelujah", "glory", "praise", "grace", "lord", "amen", "blessed", "rejoice",
        "holy", "heaven", "sing out", "in his name", "everlasting", "o lord",
    ),
}  # fmt: skip
SEPARATORS = (",", "/", "...", ";", "-", "~")
RHYMES = (
    ("night", "light", "bright", "sight", "tonight", "flight"),
    ("day", "way", "stay", "away", "play", "say"),
    ("love", "above", "dove", "enough", "glove"),
    ("fire", "desire", "higher", "wire", "choir"),
    ("rain", "again", "pain", "lane", "chain"),
    ("sea", "free", "me", "be", "thee", "tree"),
)
VOCATIVES = ("my love", "my friend", "darling", "dear", "good people", "sweet one", "brother",
             "my dear", "old pal", "child")  # fmt: skip
EXCLAIMS = ("!", "!!", "! !", "!!!")
# Structural marks a style may have; each is applied to a row with the style's rate for it.
MARKS = (
    "lines", "refrain", "interjection", "rhyme", "vocative", "exclaim", "inversion",
    "doubled", "elision", "lower",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RandomStyle:
    """One drawn style: its lexicon, its marks with their rates, and their choices."""

    seed: int
    registers: tuple[str, ...]
    lexicon: tuple[str, ...]
    words_rate: float  # chance a row gets the lexicon's words
    marks: dict[str, float]  # mark -> chance a row gets it
    separator: str
    line_words: tuple[int, int]
    rhymes: tuple[str, ...]
    vocatives: tuple[str, ...]
    exclaim: str

    def __post_init__(self) -> None:
        if not self.lexicon or not set(self.marks) <= set(MARKS):
            raise ValueError(f"style {self.seed}: empty lexicon or unknown marks {self.marks}")

    def describe(self) -> str:
        marks = " ".join(f"{m}:{p:.1f}" for m, p in sorted(self.marks.items()))
        return (
            f"{'+'.join(self.registers)} [{' | '.join(self.lexicon)}] words:{self.words_rate:.1f} "
            f"{marks} sep {self.separator!r}"
        )

    def __call__(self, text: str, rng: random.Random) -> str:
        return restyle(self, text, rng)


def draw(seed: int) -> RandomStyle:
    """The style of ``seed``: one or two registers, a lexicon of 4 to 9 of their words,
    and two to four structural marks, each at a rate from 0.3 to 0.9."""
    rng = random.Random(seed)
    registers = tuple(sorted(rng.sample(sorted(LEXICONS), rng.choice((1, 1, 2)))))
    pool = sorted({w for r in registers for w in LEXICONS[r]})
    lexicon = tuple(rng.sample(pool, rng.randint(4, min(9, len(pool)))))
    chosen = rng.sample(MARKS, rng.randint(2, 4))
    marks = {m: round(rng.uniform(0.3, 0.9), 2) for m in chosen}
    low = rng.randint(3, 6)
    return RandomStyle(
        seed=seed,
        registers=registers,
        lexicon=lexicon,
        words_rate=round(rng.uniform(0.5, 0.9), 2),
        marks=marks,
        separator=rng.choice(SEPARATORS),
        line_words=(low, low + rng.randint(1, 3)),
        rhymes=rng.choice(RHYMES),
        vocatives=tuple(rng.sample(VOCATIVES, 2)),
        exclaim=rng.choice(EXCLAIMS),
    )


def _split(text: str) -> tuple[list[str], str]:
    """The row's words and its final stops ("", when it has none)."""
    words = text.split()
    end: list[str] = []
    while words and all(c in ".!?" for c in words[-1]):
        end.insert(0, words.pop())
    return words or ["it"], " ".join(end)


def _lines(words: list[str], style: RandomStyle, rng: random.Random) -> list[list[str]]:
    """The row cut into lines of the style's length."""
    out: list[list[str]] = []
    line: list[str] = []
    for word in words:
        line.append(word)
        if len(line) >= rng.randint(*style.line_words):
            out.append(line)
            line = []
    if line:
        out.append(line)
    return out


def _has(style: RandomStyle, mark: str, rng: random.Random) -> bool:
    return mark in style.marks and rng.random() < style.marks[mark]


def restyle(style: RandomStyle, text: str, rng: random.Random) -> str:
    """``text`` rewritten in ``style``: some of its marks and words, drawn by ``rng``."""
    words, end = _split(text)
    if _has(style, "elision", rng):
        words = [w[:-1] + "'" if w.endswith("ing") and len(w) > 4 else w for w in words]
    if _has(style, "inversion", rng) and len(words) >= 4:
        cut = rng.randint(2, min(3, len(words) - 2))
        words = [*words[-cut:], ",", *words[:-cut]]
    if _has(style, "doubled", rng):
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    refrain = _has(style, "refrain", rng)
    lines = _lines(words, style, rng) if refrain or _has(style, "lines", rng) else [words]
    if rng.random() < style.words_rate:
        for _ in range(rng.randint(1, 2)):
            line = lines[rng.randrange(len(lines))]
            line.insert(rng.randrange(len(line) + 1), rng.choice(style.lexicon))
    if _has(style, "rhyme", rng):
        i = rng.randrange(len(lines))
        lines[i] = [*lines[i], ",", rng.choice(style.rhymes)]
    if refrain:
        i = rng.randrange(len(lines))
        lines.insert(i + 1, list(lines[i]))
    out = f" {style.separator} ".join(" ".join(line) for line in lines)
    if _has(style, "interjection", rng):
        out = f"{rng.choice(style.lexicon)} , {out}"
    if _has(style, "vocative", rng):
        out = f"{out} , {rng.choice(style.vocatives)}"
    if _has(style, "exclaim", rng):
        end = style.exclaim
    out = f"{out} {end}" if end else out
    return out.lower() if _has(style, "lower", rng) else out
