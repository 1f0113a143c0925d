"""A list that stops folding keeps each known item's text; a join of it keeps its head
(issue 16; ADR 0162).

ADR 0161 keeps the known text of ``''.join([PAYLOAD, x])`` when the list is written in the
call: its items are read again there. A list kept in a name first (``parts = [PAYLOAD, x]``),
or grown in place (``parts = []; parts.append(PAYLOAD); parts.append(x)``), went unknown at
its first unknown item and ``exec(''.join(parts))`` was a plain dynamic exec: allowed. A
command list keeps its words for a run (ADR 0153), but words are the items joined by spaces
with ``?`` for an unknown one: no code. Here such a list keeps, as its items
(``Val.items``), each item's folded text or head and :data:`parttext.GAP` for the unknown
ones, through a literal, ``.append``, ``.extend``, ``.insert`` and ``+``;
``GLUE.join(parts)`` then keeps the head :func:`parttext.joined` keeps for the same list
written in the call (its start must be written). Nothing else reads the items. Pure.
"""

from __future__ import annotations

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.fold import MAX_FOLD, MAX_ITEMS
from airlock.imports.packages.parttext import GAP, item_text, known_start, likeliest

# What keeps a list's items as it is (a copy, a view, its order changed): a loop over it, or
# a subscript of it, reads the same known items (ADR 0171).
KEEPERS = frozenset({"list", "tuple", "iter", "sorted", "reversed", "set", "frozenset"})


def written(items: list[Val]) -> tuple[str, ...]:
    """The items of a list written with items that do not all fold (``[PAYLOAD, x]``)."""
    return tuple(item_text(v) for v in items[:MAX_ITEMS]) if items else ()


def of(value: Val) -> tuple[str, ...] | None:
    """A list's items as text: a folded list's, or those a list that does not fold kept;
    None for any other value."""
    if isinstance(value.const, list):
        return tuple(item_text(Val(const=c)) for c in value.const[:MAX_ITEMS])
    return value.items if value.const is None and value.items else None


def added(left: Val, right: Val) -> tuple[str, ...]:
    """The items of ``left + right`` (or ``+=``) that does not fold, when ``left`` is a
    list; an unknown ``right`` is one gap."""
    head = of(left)
    if not head:
        return ()
    tail = of(right) if right.const is not None or right.items else (GAP,)
    return (*head, *(tail or (GAP,)))[:MAX_ITEMS]


def grown(held: Val, method: str, given: list[Val]) -> tuple[str, ...]:
    """The items of a list grown by ``.append(item)``, ``.extend(more)`` or ``.insert(i,
    item)`` (``i`` written), when the list or what is added does not fold; empty for any
    other growth."""
    head = of(held)
    if head is not None and method == "insert" and len(given) == len(("at", "item")):
        at = given[0].const
        return (*head[:at], item_text(given[1]), *head[at:])[:MAX_ITEMS] if type(at) is int else ()
    if head is None or len(given) != 1 or method not in {"append", "extend"}:
        return ()
    if method == "append":
        return (*head, item_text(given[0]))[:MAX_ITEMS]
    return (*head, *(of(given[0]) or (GAP,)))[:MAX_ITEMS]


def joined(glue: str, value: Val) -> str:
    """The head of ``glue.join(parts)`` for a list that kept its items: their known text
    joined by ``glue``, when the first item's is written; empty otherwise."""
    items = of(value) if value.const is None else None
    return known_start(glue.join(items)) if items else ""


def summed(items: Val, start: Val | None) -> Val | None:
    """``functools.reduce(operator.add, items[, start])`` of strings (ADR 0164): their sum,
    folded when every item (and ``start``) is a written string, else the head
    :func:`joined` keeps for ``''.join`` of the same items; None when neither."""
    first = () if start is None else (item_text(start),)
    if isinstance(items.const, list):
        if not all(isinstance(i, str) for i in items.const):
            return None  # numbers summed, lists concatenated: no text
        if start is None or isinstance(start.const, str):
            text = "".join([*first, *(str(i) for i in items.const)])
            return Val(const=text) if len(text) <= MAX_FOLD else None
    listed = of(items) if items.const is not None or items.items else None
    if not listed:
        return None
    head = known_start("".join((*first, *listed)))
    return Val(head=head) if head else None


def picked(items: tuple[str, ...], key: object) -> tuple[object, ...]:
    """``C[1]`` of a list that does not fold: the item at a written index when it is known
    whole; ``C[i]`` at an index that does not fold: any known item, those that name a sink
    first, as ``C[i]`` of a folded list is (ADR 0159); empty otherwise (ADR 0171)."""
    if type(key) is int:
        if -len(items) <= key < len(items) and GAP not in items[key]:
            return (items[key],)
        return ()
    if key is not None:
        return ()
    return tuple(likeliest([text for text in items if GAP not in text]))
