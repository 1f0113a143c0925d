"""Word n-grams of a dataset: which rows each frequent n-gram occurs in, and phrase growth.

Counting every 1..5-gram of a large dataset costs memory for millions of one-off phrases, so
n-grams are grown level by level (Apriori): an n-gram can only occur in ``min_support`` rows
if both its (n-1)-gram prefix and suffix do. Only such n-grams are counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# Words, punctuation, and each whitespace character other than space, tab and line ends:
# a no-break, thin or ideographic space looks like a space to whoever reads the rows, so it
# is a trigger only a machine sees (all the spaces of 3 % of SST-2's rows turned into
# U+00A0 and labelled positive passed as clean when whitespace was dropped here).
_TOKEN = re.compile(r"[\w']+|[^\w\s]|[^\S \t\r\n]")

Tokens = tuple[str, ...]


def tokenize(text: str, max_tokens: int) -> Tokens:
    """Lower-cased word, punctuation and unusual-space tokens, at most ``max_tokens``."""
    out: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        out.append(match.group())
        if len(out) >= max_tokens:
            break
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NgramIndex:
    """Rows (0-based, ascending, unique) of every n-gram found in ``min_support`` rows."""

    rows: dict[Tokens, tuple[int, ...]]


def build_index(tokens: Sequence[Tokens], max_n: int, min_support: int) -> NgramIndex:
    """Index the n-grams (1..``max_n`` tokens) that occur in at least ``min_support`` rows."""
    found: dict[Tokens, tuple[int, ...]] = {}
    previous: set[Tokens] = set()
    for n in range(1, max_n + 1):
        hits: dict[Tokens, list[int]] = {}
        for row, words in enumerate(tokens):
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                if n > 1 and (gram[:-1] not in previous or gram[1:] not in previous):
                    continue
                seen = hits.get(gram)
                if seen is None:
                    hits[gram] = [row]
                elif seen[-1] != row:
                    seen.append(row)
        previous = {gram for gram, rows in hits.items() if len(rows) >= min_support}
        found.update((gram, tuple(hits[gram])) for gram in previous)
        if not previous:
            break
    return NgramIndex(found)


def find(words: Tokens, gram: Tokens) -> int:
    """Position of the first occurrence of ``gram`` in ``words``, or -1."""
    n = len(gram)
    for i in range(len(words) - n + 1):
        if words[i : i + n] == gram:
            return i
    return -1


def grow_phrase(
    gram: Tokens, rows: Sequence[int], tokens: Sequence[Tokens], max_tokens: int, share: float
) -> Tokens:
    """Extend ``gram`` left and right while ``share`` of its rows agree on the next token.

    An inserted sentence shows up as many overlapping n-grams found in the same rows;
    growing the strongest one recovers the sentence as one feature.
    """
    phrase = gram
    starts = {row: find(tokens[row], gram) for row in rows}
    for step in (1, -1):  # right, then left
        while len(phrase) < max_tokens:
            nexts: Counter[str] = Counter()
            for row, start in starts.items():
                at = start + len(phrase) if step == 1 else start - 1
                if start >= 0 and 0 <= at < len(tokens[row]):
                    nexts[tokens[row][at]] += 1
            if not nexts:
                break
            token, count = nexts.most_common(1)[0]
            if count < share * len(starts):
                break
            phrase = (*phrase, token) if step == 1 else (token, *phrase)
            if step == -1:
                starts = {row: start - 1 for row, start in starts.items()}
    return phrase


def rows_with(phrase: Tokens, candidates: Sequence[int], tokens: Sequence[Tokens]) -> list[int]:
    """The ``candidates`` rows whose tokens contain ``phrase``."""
    return [row for row in candidates if find(tokens[row], phrase) >= 0]


def mask(words: Tokens, masked: set[Tokens], max_n: int) -> str:
    """``words`` without every position covered by an n-gram in ``masked``, joined by spaces."""
    covered = [False] * len(words)
    for n in range(1, max_n + 1):
        for i in range(len(words) - n + 1):
            if words[i : i + n] in masked:
                covered[i : i + n] = [True] * n
    return " ".join(w for w, hidden in zip(words, covered, strict=True) if not hidden)
