"""A list that stops folding keeps the text of the items it had (issue 16; ADR 0153).

``subprocess.run(['bash', '-c', 'curl … | sh'] + sys.argv[1:])`` runs the same command as
the literal list, with whatever the caller adds; so does a list grown by ``+=`` or
``.extend`` with something that does not fold. The flow pass let the whole list go unknown
there, and the command's text was empty: a download piped to a shell on import was
allowed. Here such a list becomes a value that does not fold but keeps, as its words
(``Val.words``), the text of its known items with ``?`` where the unknown ones go, the way
a path that does not fold keeps its known parts as its shape (:mod:`pathshape`). Words are
not a shape: nothing joined to them is read as a path (versioneer's ``[command] + args``
read as a shape was a command of unknown words, and held). The scorer reads a command's
text from them as it reads a folded list's.

What it does not do: fold the unknown part, keep items past :data:`fold.MAX_ITEMS`, or
keep a list whose first item (the program) does not fold: that command stays unread.
"""

from __future__ import annotations

from airlock.imports.packages.fold import MAX_ITEMS, text_of
from airlock.imports.packages.pathshape import MAX_SHAPE

UNKNOWN_PART = "?"


def added(left: object, left_words: str, right: object, right_words: str) -> str:
    """The words of ``left + right`` when one side does not fold and the program is known:
    ``left`` a folded list or words already kept; empty otherwise. A command whose first
    word does not fold (versioneer's ``[command] + args``, a tool found on the path) stays
    unread, as it was."""
    if isinstance(left, list) and left:
        head = _text(left)
    elif left is None and left_words:
        head = left_words
    else:
        return ""
    if right is None:
        tail = right_words or UNKNOWN_PART
    elif isinstance(right, list) and left is None:
        tail = _text(right)
    else:
        return ""  # both fold: ``+`` folded them already
    return f"{head} {tail}"[:MAX_SHAPE]


def grown(items: object, words: str, item: object) -> str:
    """The words of a list grown at its end by ``item`` (``.append``, ``.extend``), when the
    list or the item does not fold; empty when the list's program is not known."""
    head = _text(items) if isinstance(items, list) and items else words
    if not head:
        return ""
    tail = _text(item) if isinstance(item, list) else text_of(item) or UNKNOWN_PART
    return f"{head} {tail}"[:MAX_SHAPE]


def written(items: list[object], heads: list[str]) -> str:
    """The words of a list written with items that do not all fold (``c = ['bash', '-c',
    CMD, x]``; ``heads`` the items' :attr:`Val.head`), when its program does: the same text
    a list written in the call gives (ADR 0161); empty otherwise."""
    first = items[0] if items else None
    if not isinstance(first, str) or not first.strip():
        return ""
    texts = [
        text_of(i) if i is not None else h or UNKNOWN_PART
        for i, h in zip(items, heads, strict=True)
    ]
    return " ".join(texts)[:MAX_SHAPE]


def repeated(items: object, times: object) -> list[object] | None:
    """``[a, b] * n`` folded, for a small ``n``."""
    if not isinstance(items, list) or type(times) is not int or times < 0:
        return None
    return items * times if len(items) * times <= MAX_ITEMS else None


def _text(items: list[object]) -> str:
    return text_of(items[:MAX_ITEMS])
