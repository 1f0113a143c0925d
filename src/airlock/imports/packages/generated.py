"""What a generator function hands out, and an item drawn from a folded list (issue 16;
ADR 0169).

A loop over a list the code spells runs each item (ADRs 0063, 0159). The same list handed
out by a generator (``def cmds(): yield 'ls'; yield CURL`` then ``for c in cmds():
os.system(c)``), or drawn one item at a time (``while C: os.system(C.pop())``,
``deque(C).popleft()``), was read as nothing and allowed. Here a generator's call is the
list of what it yields when every ``yield`` folds, wherever it stands, so a loop, a join
or ``list()`` of it reads it as the written list; otherwise it keeps each value's known
text, as a list that does not fold does (ADR 0162). A pop of a folded list may be each
item, those that name a sink first (:func:`parttext.likeliest`): the walk reads a loop's
body once, so the item it draws is any of them.

Only text is read: what a ``yield`` carries (a file's chunks, a secret) is left to the
rules that already read it (:mod:`streamed`), so a reader's generator sends nothing new.
Pure: the values are those the walk already computed.
"""

from __future__ import annotations

import ast

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.fold import MAX_ITEMS
from airlock.imports.packages.parttext import GAP, item_text, likeliest

MAX_YIELDS = 32  # ``yield``s read per generator: more than a padded list of commands needs
POPS = frozenset({"list.pop", "list.popleft"})


Yielding = ast.Yield | ast.YieldFrom


def yields(nodes: list[ast.AST]) -> list[Yielding]:
    """The ``yield``s among a function's own ``nodes``, in the order of its text: each a
    ``Yield`` with a value or a ``YieldFrom``."""
    found = [n for n in nodes if isinstance(n, ast.Yield | ast.YieldFrom) and n.value is not None]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    return found[:MAX_YIELDS]


def handed_out(found: list[Yielding], values: list[Val]) -> Val | None:
    """The value of a generator's call from what its ``found`` yields gave (``values``, one
    each): the list of them when each folds (``yield from`` a folded list gives its items),
    in the order of the text, whether a branch or a loop holds the ``yield`` (a loop over
    the call then reads each value it may hand out); when some do not fold, a list that
    keeps each one's text (``Val.items``, ADR 0162), so a join keeps its known start but a
    payload is not read as the whole; None when none folds."""
    items: list[object] = []
    texts: list[str] = []
    for node, value in zip(found, values, strict=True):
        if isinstance(node, ast.YieldFrom) and isinstance(value.const, list):
            items.extend(value.const[:MAX_ITEMS])
            texts.extend(item_text(Val(const=c)) for c in value.const[:MAX_ITEMS])
        elif isinstance(node, ast.Yield) and value.const is not None:
            items.append(value.const)
            texts.append(item_text(value))
        elif isinstance(node, ast.Yield) and value.alts:  # a long loop's name, a branch's
            items.extend(value.alts)
            texts.extend(item_text(Val(const=c)) for c in value.alts)
        else:
            texts.append(GAP)
    if not items:
        return None
    return Val(const=items) if len(texts) == len(items) else Val(items=tuple(texts))


def drawn(ref: str, callee: Val) -> Val | None:
    """``C.pop()``, ``C.pop(0)``, ``D.popleft()`` of a folded list: each item it may be;
    None for any other call."""
    items = callee.const
    if ref not in POPS or not isinstance(items, list) or not items:
        return None
    if len(items) == 1:
        return Val(const=items[0])
    return Val(alts=likeliest(items))
