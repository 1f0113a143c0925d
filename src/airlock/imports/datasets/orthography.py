"""How a row is spelled, as a few generic marks (pure; ADR 0175, issue 23).

ADR 0172 compared three marks chosen after reading the tuned rewrites (a dropped g, no
capitals, a word said twice). These are classes of orthographic change any informal or
rewritten register falls into, none named after a rewrite (:data:`MARKS`):

- a clipped word: a word that is a word of the set at least four times commoner with one
  letter left out, at its end ("goin", "hav" beside "going", "have") or inside ("wat",
  "frm" beside "what", "from"; never the first letter);
- a word cut at an apostrophe ("goin'", "'em"; the standard clitics "'s", "n't", "'ll"
  are spelling, not elision);
- a letter or digit for a word: a one-letter word other than "a" and "i" ("u", "r"), or a
  short word of letters and digits ("2day", "b4", "gr8");
- a stretched letter ("sooo") or a word said twice;
- no capitals in a row with letters, or a row all in capitals.

Words unknown to the rows a misread row reads as were tried and left out: a classifier
misreads rows with rare words more often, so a clean set's misread rows carry them at
twice the rate of the rows they read as (SST-2, ADR 0175).

It says nothing of meaning or topic, and it does not judge a mark alone: a set spelled
informally carries them all, and :mod:`.respelled` only compares their shares between
groups of rows of the same set.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

MARKS = (
    "a word clipped at its end",
    "a word clipped inside",
    "a word cut at an apostrophe",
    "a one-letter word",
    "a word of letters and digits",
    "a letter three times",
    "a word said twice",
    "no capitals",
    "all capitals",
)
MAX_CLIPPED_LETTERS = 24
CLIPPED_RATIO = 4  # the full word at least this many times commoner than the clipped one
MIN_LETTERS = 3  # a row with fewer letters has no casing to speak of
MIN_CAPITALS = 6  # letters of a row all in capitals before it counts as shouted
_WORD = re.compile(r"'?[a-z]+(?:'[a-z]*)?|[a-z0-9]+")  # of the lower-cased text
_CLITICS = frozenset({"'s", "'t", "'re", "'ve", "'ll", "'d", "'m", "n't"})
_WORDS_OF_ONE = frozenset("ai")  # English words of one letter; any other letter stands for one
_MIXED = re.compile(r"(?=[a-z]*[0-9])(?=[0-9]*[a-z])[a-z0-9]{2,4}")
_STRETCHED = re.compile(r"([a-z])\1\1")


def words(texts: Sequence[str]) -> list[list[str]]:
    """The lower-cased words of each row, apostrophes kept."""
    return [_WORD.findall(t.lower()) for t in texts]


def _clipped(frequency: Counter[str]) -> tuple[set[str], set[str], set[str]]:
    """Words of the set that are a commoner word with its last letter left out, with an
    inner letter left out, and words cut at an apostrophe."""
    cut = {
        w for w in frequency
        if (w.endswith("'") or w.startswith("'")) and len(w.strip("'")) >= 2
        and not any(w.endswith(c) for c in _CLITICS)
    }  # fmt: skip
    end: set[str] = set()
    inside: set[str] = set()
    for full, seen in frequency.items():
        # A longer word is no clipping anyone writes, and its slices cost its length squared
        # (a row of one 100,000-letter word would take minutes).
        if not 4 <= len(full) <= MAX_CLIPPED_LETTERS or not full.isalpha():
            continue
        for k in range(1, len(full)):
            short = full[:k] + full[k + 1 :]
            if short in frequency and seen >= CLIPPED_RATIO * frequency[short]:
                (end if k == len(full) - 1 else inside).add(short)
    return end, inside, cut


def marks(texts: Sequence[str], rows: list[list[str]] | None = None) -> np.ndarray:
    """Rows x :data:`MARKS` booleans."""
    rows = words(texts) if rows is None else rows
    frequency = Counter(w for row in rows for w in set(row))
    end, inside, cut = _clipped(frequency)
    out = np.zeros((len(texts), len(MARKS)), dtype=bool)
    for i, (text, row) in enumerate(zip(texts, rows, strict=True)):
        out[i, 0] = not end.isdisjoint(row)
        out[i, 1] = not inside.isdisjoint(row)
        out[i, 2] = not cut.isdisjoint(row)
        out[i, 3] = any(len(w) == 1 and w not in _WORDS_OF_ONE for w in row)
        out[i, 4] = any(_MIXED.fullmatch(w) for w in row)
        out[i, 5] = any(_STRETCHED.search(w) for w in row)
        out[i, 6] = any(a == b and a.isalpha() for a, b in pairwise(row))
        letters = sum(map(str.isalpha, text))
        out[i, 7] = letters >= MIN_LETTERS and text == text.lower()
        out[i, 8] = letters >= MIN_CAPITALS and text == text.upper()
    return out
