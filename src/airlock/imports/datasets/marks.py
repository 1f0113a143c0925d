"""Marks of a row that its skeleton does not show: repetition and elision (pure; issue 23).

A style found as a family (:mod:`.families`) is listed by a classifier of its core's form
(:mod:`.growth`) over skeleton n-grams (:mod:`.structure`). A register that repeats itself
(a chant, a song's hook, a word said three times, a stretched vowel) has no fixed word and
no fixed skeleton: "in in in" is ``PREP PREP PREP`` in one row and ``W W W`` in the next,
and an echoed ending is whatever the row ended with. Its family is found by what a few of
its rows share (", far , far" after a full stop: ``. ,``), and the classifier, seeing only
skeletons, listed about half of its rows (tuned SMS chant at 3%: precision 0.99, recall
0.55).

So each row also gets binary marks of repetition, named apart from any skeleton n-gram:

* ``<repeat>``: a word followed by itself; ``<repeat3>``: by itself twice more;
* ``<stretch>``: a letter written three or more times in a row inside a word ("sooo");
* ``<echo>``: the row's last word occurs earlier in it; ``<echo2>``: its last two words
  occur earlier as a pair (a refrain, a hook that comes back);
* ``<elided>``: a word whose letters end in an apostrophe, letters dropped from its end
  ("nothin'", "gettin'", "o'", "an'"; ADR 0078). A register that drops letters does it to
  whichever words a row has, so no word of it is common, and the skeleton reads the
  apostrophe as a word of its own ("gettin'" is ``W W``): on the tuned SMS southern drawl
  at 3%, 40 of 167 planted rows carry such a word, 5 of 4,660 ham rows and 2 of 747
  natural spam rows do, and none of the rows that carried only that were listed.
  A quoted word ('simple') is not elided: an apostrophe before it too is a quote.
* ``<refrain>``: a run of :data:`REFRAIN_WORDS` words said twice in the row, the second
  time after the first has ended (a line sung again, a hook that comes back; ADR 0105).
  Where it comes back is the register's choice, so ``<echo2>``, which asks only of the
  row's end, missed the lines sung again in the middle: on a tuned SMS ballad at 3%, 40
  of 167 planted rows were not listed, 20 of them with a line said twice. Four words, not
  three: a three-word run comes back in 2% of SMS ham ("the way u feel ... the way its"),
  a four-word one in 0.4% of ham and of spam, and in 47% of the ballad's rows.
  It is counted with a style's words only (:func:`style_marks`), not a column of the form
  classifier: as a column it listed no more of the ballad's rows at 3% and moved its 250
  cell by a row, so it is kept where it was measured to help.

They are columns for the form classifier, learned against the rest of the data like any
skeleton n-gram (a mark common in natural rows gets no weight), and the elision is also
counted as one of a style's words (:mod:`.styled`, :func:`word_marks`); they are never
tested as features of their own and so never hold a dataset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from airlock.imports.datasets.ngrams import Tokens

REPEAT, REPEAT3, STRETCH, ECHO, ECHO2 = "<repeat>", "<repeat3>", "<stretch>", "<echo>", "<echo2>"
ELIDED = "<elided>"
REFRAIN = "<refrain>"
REFRAIN_WORDS = 4
_STRETCHED = re.compile(r"([a-z])\1\1")
_ELIDED = re.compile(r"[^\W\d_]+'")  # letters, then one apostrophe that ends the word


def row_marks(tokens: Tokens) -> set[str]:
    """The marks of one row's tokens (lower-cased, as :func:`.ngrams.tokenize`)."""
    out: set[str] = set()
    for i in range(1, len(tokens)):  # punctuation between breaks a repeat ("far , far")
        if tokens[i] == tokens[i - 1] and tokens[i][:1].isalnum():
            out.add(REPEAT)
            if i >= 2 and tokens[i] == tokens[i - 2]:
                out.add(REPEAT3)
    words = [t for t in tokens if t[:1].isalnum()]
    if any(_STRETCHED.search(w) for w in words if w.isalpha()):
        out.add(STRETCH)
    out |= word_marks(words)
    if len(words) >= 2 and words[-1] in words[:-1]:
        out.add(ECHO)
        pairs = set(pairwise(words[:-1]))  # every pair before the last
        if (words[-2], words[-1]) in pairs and words[-2] != words[-1]:
            out.add(ECHO2)
    return out


def _refrain(words: Sequence[str]) -> bool:
    """Whether a run of :data:`REFRAIN_WORDS` words comes back after it has ended."""
    first: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - REFRAIN_WORDS + 1):
        run = tuple(words[i : i + REFRAIN_WORDS])
        if i - first.setdefault(run, i) >= REFRAIN_WORDS:
            return True
    return False


def word_marks(tokens: Sequence[str]) -> set[str]:
    """The marks of one row that are a way of spelling a word (``<elided>``), not of the
    row's shape: a style's words are counted with them (:mod:`.styled`, ADR 0078). The
    repetition marks are left to the form classifier: counted as style words they listed
    14 natural spam rows with the tuned SMS chant at 3% (precision 0.98 -> 0.91)."""
    return {ELIDED} if any(_ELIDED.fullmatch(t) for t in tokens) else set()


def style_marks(tokens: Sequence[str]) -> set[str]:
    """The marks a style's words are counted with (:mod:`.styled`): a word's spelling
    (:func:`word_marks`) and a line said twice (``<refrain>``, ADR 0105). A line sung
    again is a choice of the register as much as a word is, and unlike the other
    repetition marks it is rare in natural rows of any label (0.4% of SMS ham and spam, 0.2%
    of SST-2), so a row whose only mark it is reads as the style's."""
    words = [t for t in tokens if t[:1].isalnum()]
    return word_marks(words) | ({REFRAIN} if _refrain(words) else set())


def mark_index(tokens: Sequence[Tokens]) -> dict[Tokens, tuple[int, ...]]:
    """Rows of each mark, keyed like a skeleton n-gram index (a one-token tuple)."""
    found: dict[Tokens, list[int]] = {}
    for r, row in enumerate(tokens):
        for mark in sorted(row_marks(row)):
            found.setdefault((mark,), []).append(r)
    return {mark: tuple(rows) for mark, rows in found.items()}
