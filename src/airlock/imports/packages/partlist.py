"""A list that stops folding keeps the text of the items it had (issue 16; ADR 0153).

``subprocess.run(['bash', '-c', 'curl … | sh'] + sys.argv[1:])`` runs the same command as
the literal list, with whatever the caller adds; so does a list grown by ``+=`` or
``.extend`` with something that does not fold. The flow pass let the whole list go unknown
there, and the command's text was empty: a download piped to a shell on import was
allowed. Here such a list becomes a value that does not fold but keeps, as its shape, the
text of its known items with ``?`` where the unknown ones go, the way a path that does not
fold keeps its known parts (:mod:`pathshape`). The scorer reads a command's text from the
shape as it reads a folded list's.

What it does not do: fold the unknown part, or keep items past :data:`fold.MAX_ITEMS`.
"""

from __future__ import annotations

from airlock.imports.packages.fold import MAX_ITEMS, text_of
from airlock.imports.packages.pathshape import MAX_SHAPE

UNKNOWN_PART = "?"


def added(left: object, left_shape: str, right: object, right_shape: str) -> str:
    """The shape of ``left + right`` when one side is a folded list and the other does not
    fold (a list's shape, or nothing known); empty otherwise."""
    if isinstance(left, list) and right is None:
        text = f"{_text(left)} {right_shape or UNKNOWN_PART}"
    elif isinstance(right, list) and left is None:
        text = f"{left_shape or UNKNOWN_PART} {_text(right)}"
    else:
        return ""
    return text[:MAX_SHAPE]


def grown(items: list[object], shape: str) -> str:
    """The shape of a folded list grown by something that does not fold."""
    return f"{shape or _text(items)} {UNKNOWN_PART}"[:MAX_SHAPE]


def repeated(items: object, times: object) -> list[object] | None:
    """``[a, b] * n`` folded, for a small ``n``."""
    if not isinstance(items, list) or type(times) is not int or times < 0:
        return None
    return items * times if len(items) * times <= MAX_ITEMS else None


def _text(items: list[object]) -> str:
    return text_of(items[:MAX_ITEMS])
