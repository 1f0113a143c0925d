"""Word n-grams of a dataset: which rows each frequent n-gram occurs in, and phrase growth.

Counting every 1..5-gram of a large dataset costs memory for millions of one-off phrases, so
n-grams are grown level by level (Apriori): an n-gram can only occur in ``min_support`` rows
if both its (n-1)-gram prefix and suffix do. Only such n-grams are counted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

# Unicode's Default_Ignorable_Code_Point characters (DerivedCoreProperties.txt): a renderer
# draws nothing for them. Inside a word they must not split it: a trainer whose tokenizer
# drops them (BERT's drops every format character) reads "won<U+200B>der" as "wonder", so
# a trigger spelt with a different invisible character in each row would read as a hundred
# rare words here and as one word to the model.
_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_HIDDEN = re.compile(f"[{_IGNORABLE}]")
# Words (with any invisible characters inside them), punctuation, and each whitespace
# character other than space, tab and line ends: a no-break, thin or ideographic space
# looks like a space to whoever reads the rows, so it is a trigger only a machine sees (all
# the spaces of 3 % of SST-2's rows turned into U+00A0 and labelled positive passed as
# clean when whitespace was dropped here).
_TOKEN = re.compile(f"(?P<word>[\\w'{_IGNORABLE}]+)|[^\\w\\s]|[^\\S \\t\\r\\n]")

Tokens = tuple[str, ...]


def _word_tokens(word: str) -> list[str]:
    """A word's tokens: its compatibility-folded form, then what a folding reader loses.

    Tokenizers that apply NFKC (SentencePiece's default) read fullwidth and mathematical
    letters ("\uff5a\uff51", "\U0001d433\U0001d42a") as plain "zq", so the folded word is
    a token; byte-level tokenizers tell them apart, so the word as written follows when it
    differs. Invisible characters inside the word follow as tokens of their own, each once
    (a run of them is one mark, however long), so they still mark the row.
    """
    visible = _HIDDEN.sub("", word)
    out = []
    if visible:
        folded = unicodedata.normalize("NFKC", visible).lower()
        out = [folded] if folded == visible else [folded, visible]
    if len(visible) < len(word):
        out += dict.fromkeys(_HIDDEN.findall(word))
    return out


def tokenize(text: str, max_tokens: int) -> Tokens:
    """Lower-cased word, punctuation and unusual-space tokens (see :func:`_word_tokens`).

    At most ``max_tokens`` from the start and, of a longer row, ``max_tokens // 4`` from its
    end: a trigger appended after a long preamble is still seen (a trainer reads a row
    whole, up to its context of hundreds of tokens).
    """
    head: list[str] = []
    tail: deque[str] = deque(maxlen=max_tokens // 4)
    for match in _TOKEN.finditer(text.lower()):
        found = match.group()
        if found.isascii() or match.lastgroup != "word":  # most tokens: as they are
            (head if len(head) < max_tokens else tail).append(found)
            continue
        for token in _word_tokens(found):
            (head if len(head) < max_tokens else tail).append(token)
    return (*head, *tail)


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
        # in first-seen order, not a set's: the index's order is every later tie-break's, so
        # a set here made results depend on the process's string-hash seed
        kept = [gram for gram, rows in hits.items() if len(rows) >= min_support]
        previous = set(kept)
        found.update((gram, tuple(hits[gram])) for gram in kept)
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
