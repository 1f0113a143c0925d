"""Calls of the standard library that run a function over items (issue 16; ADRs 0063, 0177).

``map(f, xs)``, ``filter``, ``itertools.starmap``, ``functools.reduce(f, xs)``,
``itertools.accumulate(xs, f)``, a key function (``sorted(xs, key=f)``, ``xs.sort(key=f)``,
``itertools.groupby(xs, f)``, ``heapq.nsmallest(n, xs, key=f)``) and a pool's ``map`` or
``starmap`` each call ``f`` on the items they are given. The author who hands a command to
``f`` this way runs it as surely as ``f(cmd)``. One table (:data:`OVER`) says for each call
where the function and the items are, and how the function is called on them: on each item,
on each item unpacked, or on the running value and each item. :func:`over` makes those calls:
a sink recorded as if called, a local function applied, a local class made, and a function or
class of another module of the archive followed there (:func:`handed.run_handed`).

Bounded like :mod:`handed`: ``handed.MAX_HANDED`` items are read, written out or folded,
those that run or name a sink first (``handed.items_in_turn``, ADR 0188; the first ones of
a running value's fold); a list that does neither is one unknown item. The arguments of one
call (a starmap's tuple, a further iterable) are read to ``handed.MAX_TABLE_READ``.
``re.sub(p, f, text)`` calls ``f`` on a match of the text (ADR 0181): the match keeps the
text, and ``m.group(...)`` reads it whole (:func:`matched`). What it does not do: follow
the items of a generator, or a weak reference's callback, which is handed no text of the
caller's.
"""

from __future__ import annotations

import ast
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from airlock.imports.packages import accrued, flowtypes, handed
from airlock.imports.packages.fold import MAX_ITEMS
from airlock.imports.packages.sinks import SECRET_DATA

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When


class Shape(Enum):
    """How a call hands each item to the function."""

    EACH = "each"  # ``f(item)``
    STAR = "star"  # ``f(*item)``: ``starmap``
    FOLD = "fold"  # ``f(running, item)``: ``reduce``, ``accumulate``
    MATCH = "match"  # ``f(match)`` of the text: ``re.sub(p, f, text)``


class Over(NamedTuple):
    """Where a call that runs a function over items finds the function and the items."""

    fn_at: int  # position of the function (-1: keyword only)
    fn_kw: str = ""  # its keyword
    items_at: int = 1  # position of the items (-1: the object of the method, ``xs.sort``)
    shape: Shape = Shape.EACH
    start_at: int = -1  # position of a fold's first running value
    start_kw: str = ""  # its keyword


EACH = Over(0)
STAR = Over(0, shape=Shape.STAR)
KEY = Over(-1, "key", items_at=0)
POOLS = (
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
    "multiprocessing.Pool", "multiprocessing.pool.ThreadPool",
)  # fmt: skip
# ``xs.sort(key=f)`` of a folded list: :mod:`expressions` names the method so.
SORT = "list.sort"
# ``re.sub(p, f, text)`` calls ``f`` on a match of ``text``; what ``re.compile(p)`` makes is
# named ``re.Pattern`` (by :meth:`flow.Interpreter.call`, once its call is recorded: a
# pattern of weight files is a listing, ADR 0083). A match is named ``re.Match`` and keeps
# the text.
COMPILE = "re.compile"
PATTERN = "re.Pattern"
SUB = Over(1, "repl", items_at=2, shape=Shape.MATCH)
PATTERN_SUB = Over(0, "repl", items_at=1, shape=Shape.MATCH)
MATCH = "re.Match"
# A match's methods that hand back (a part of) its text: read as the whole text.
MATCH_READS = frozenset({f"{MATCH}.group", f"{MATCH}.expand"})
OVER: dict[str, Over] = {
    "map": EACH,
    # ADR 0063: filters call their predicate on each item as map calls its function.
    "filter": EACH, "itertools.filterfalse": EACH, "itertools.takewhile": EACH,
    "itertools.dropwhile": EACH,
    "itertools.starmap": STAR,
    **{f"{pool}.{name}": EACH for pool in POOLS for name in ("map", "imap", "imap_unordered")},
    **{f"{pool}.map_async": EACH for pool in POOLS},
    **{f"{pool}.{name}": STAR for pool in POOLS for name in ("starmap", "starmap_async")},
    "functools.reduce": Over(0, shape=Shape.FOLD, start_at=2, start_kw="initial"),
    "itertools.accumulate": Over(1, "func", items_at=0, shape=Shape.FOLD, start_kw="initial"),
    # Key functions, called on each item (ADR 0063: ``sorted(['id'], key=os.system)``).
    "sorted": KEY, "min": KEY, "max": KEY, "heapq.merge": KEY, SORT: Over(-1, "key", items_at=-1),
    "heapq.nsmallest": Over(-1, "key", items_at=1), "heapq.nlargest": Over(-1, "key", items_at=1),
    "itertools.groupby": Over(1, "key", items_at=0),
    "re.sub": SUB, "re.subn": SUB, f"{PATTERN}.sub": PATTERN_SUB, f"{PATTERN}.subn": PATTERN_SUB,
    **{f"bisect.{name}": KEY for name in (
        "bisect", "bisect_left", "bisect_right", "insort", "insort_left", "insort_right",
    )},
}  # fmt: skip


def over(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """The value of a call in :data:`OVER` whose function runs something (a sink, a function
    or a class, this module's or another's of the archive), its calls made; None to let
    :meth:`flow.Interpreter.call` go on as before (``map(str, xs)``, ``sorted(xs)``)."""
    spec = OVER[ref]
    fn_node = _node(node, spec.fn_at, spec.fn_kw)
    items_node = (
        node.func.value
        if spec.items_at < 0 and isinstance(node.func, ast.Attribute)
        else (_node(node, spec.items_at, ""))
    )
    if fn_node is None or items_node is None:
        return None
    fn = _value(node, args, kwargs, spec.fn_at, spec.fn_kw)
    if fn is None or not handed.calls_into(interp, fn):
        return None
    labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
    if spec.shape is Shape.MATCH:  # one text, not items
        text = _value(node, args, kwargs, spec.items_at, "") or flowtypes.UNKNOWN
        _call(interp, node, fn_node, fn, [ast.Constant(None)], [match(text)], env, when)
        return flowtypes.Val(labels=labels)
    # One call per item, none beside another iterable's: the items that run are read first.
    alone = ref not in PARALLEL or len(node.args) <= spec.items_at + 1
    picked = handed.picked_items(interp, items_node, env, when) if alone else None
    if picked is not None and spec.shape is not Shape.FOLD:
        nodes, vals = picked
    elif spec.shape is Shape.FOLD:
        nodes, vals, _ = handed.elements(interp, items_node, env, when)
        nodes, vals = handed.first_in_order(interp, nodes, vals)
    else:
        nodes, vals, _ = handed.elements(interp, items_node, env, when)
    vals = _items_carry(nodes, vals, items_node, _value(node, args, kwargs, spec.items_at, ""))
    if spec.shape is Shape.FOLD:
        start = _value(node, args, kwargs, spec.start_at, spec.start_kw)
        return _folded(interp, node, fn_node, fn, (nodes, vals), start, env, when) or flowtypes.Val(
            labels=labels
        )
    parallel = _parallel(interp, node, (ref, spec), len(nodes), env, when)
    for index in handed.items_in_turn(interp, [vals, *(more for _, more in parallel)]):
        item_node, item = nodes[index], vals[index]
        given_nodes, given = [item_node], [item]
        if spec.shape is Shape.STAR:
            given_nodes, given = _unpacked(interp, item_node, item, env, when)
        for more_nodes, more in parallel:
            given_nodes, given = [*given_nodes, more_nodes[index]], [*given, more[index]]
        _call(interp, node, fn_node, fn, given_nodes, given, env, when)
    folded = (
        _lambda_mapped(interp, fn.func, args[1], env) if ref == "map" and len(args) == 2 else None
    )
    return flowtypes.Val(const=folded, labels=labels)


# Calls that take more iterables after the first and hand the function one item of each:
# ``map(f, xs, ys)`` is ``f(xs[i], ys[i])`` (ADR 0185: only ``xs`` was handed on).
PARALLEL = frozenset({"map", *(f"{pool}.map" for pool in POOLS[:2])})


def _parallel(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    called: tuple[str, Over],
    count: int,
    env: dict[str, Val],
    when: When,
) -> list[tuple[list[ast.expr], list[Val]]]:
    """The elements of each further iterable of a :data:`PARALLEL` call (``called``: its
    name and :class:`Over`), as many as the first's ``count`` (past a shorter one's end an
    item is unknown)."""
    ref, spec = called
    if ref not in PARALLEL or spec.items_at < 0:
        return []
    found: list[tuple[list[ast.expr], list[Val]]] = []
    for more in node.args[spec.items_at + 1 :]:
        if isinstance(more, ast.Starred):
            break
        nodes, vals, _ = handed.elements(interp, more, env, when)
        missing = max(count - len(vals), 0)
        nodes = [*nodes, *[ast.Constant(None)] * missing][:count]
        vals = [*vals, *[flowtypes.UNKNOWN] * missing][:count]
        found.append((nodes, vals))
    return found


def _items_carry(
    nodes: list[ast.expr], vals: list[Val], items_node: ast.expr, items: Val | None
) -> list[Val]:
    """``vals`` read of the items, the one unknown item of an iterable that is no name nor
    written out (``os.environ.values()``) carrying what the iterable carries: its labels
    were read only of a name (ADR 0193: ``sorted(os.environ.values(), key=send)`` handed
    ``send`` nothing of the environment)."""
    if items is None or len(vals) != 1 or nodes[0] is not items_node:
        return vals
    return [vals[0]._replace(labels=vals[0].labels | (items.labels & SECRET_DATA))]


def match(text: Val) -> Val:
    """A match of ``text``, as ``re.sub`` hands its function: ``m.group(1)`` is read as the
    whole text (:func:`matched`), the part a pattern picks being unknown."""
    return flowtypes.Val(const=text.const, ref=MATCH, labels=text.labels, alts=text.alts)


def matched(interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> Val | None:
    """The text ``m.group(...)`` reads of a match ``m`` bound to a name (:func:`match`);
    None for anything else."""
    if not isinstance(node.func, ast.Attribute) or not isinstance(node.func.value, ast.Name):
        return None
    found = interp.expr(node.func.value, env, when)
    return text_of(found) if found.ref == MATCH else None


def text_of(found: Val) -> Val:
    """What a match (:func:`match`) reads back, by ``m.group(...)`` or ``m[...]``."""
    return flowtypes.Val(const=found.const, labels=found.labels, alts=found.alts)


def _node(node: ast.Call, at: int, kw: str) -> ast.expr | None:
    if 0 <= at < len(node.args):
        found = node.args[at]
        return None if isinstance(found, ast.Starred) else found
    return next((k.value for k in node.keywords if kw and k.arg == kw), None)


def _value(
    node: ast.Call, args: list[Val], kwargs: dict[str | None, Val], at: int, kw: str
) -> Val | None:
    if 0 <= at < len(node.args) and at < len(args):
        return args[at]
    return kwargs.get(kw) if kw else None


def _call(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    fn_node: ast.expr,
    fn: Val,
    nodes: list[ast.expr],
    vals: list[Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """``fn(*vals)``: a sink recorded as called, anything else run (:func:`handed.run_handed`)."""
    if handed.names_sink(fn):
        handed.call_sink(interp, node, fn_node, fn, nodes, vals, {}, env, when)
        return None
    return handed.run_handed(interp, fn, vals, {}, env, when)


def _folded(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    fn_node: ast.expr,
    fn: Val,
    items: tuple[list[ast.expr], list[Val]],
    start: Val | None,
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """``reduce(f, xs[, start])``: ``f`` called on the running value and each item, the
    running value its result. Without a start the first item is the running value; a single
    item that is not written out is read as one unknown item among others, so it is still
    handed on (ADR 0067: ``reduce(lambda a, c: os.system(c), ['id'], 0)``)."""
    nodes, vals = items
    running: Val = start if start is not None else flowtypes.UNKNOWN
    running_node: ast.expr = ast.Constant(None)
    if start is None and len(vals) > 1:
        running, running_node, nodes, vals = vals[0], nodes[0], nodes[1:], vals[1:]
    for item_node, item in zip(nodes, vals, strict=True):
        value = _call(
            interp, node, fn_node, fn, [running_node, item_node], [running, item], env, when
        )
        running, running_node = value or flowtypes.UNKNOWN, ast.Constant(None)
    return running if vals else None


def _unpacked(
    interp: Interpreter, item_node: ast.expr, item: Val, env: dict[str, Val], when: When
) -> tuple[list[ast.expr], list[Val]]:
    """The arguments ``starmap`` hands from one item: a written-out tuple's elements, a folded
    one's items, else the item as one argument."""
    if isinstance(item_node, (ast.Tuple, ast.List)):
        nodes, vals, _ = handed.elements(interp, item_node, env, when)
        return nodes, vals
    if isinstance(item.const, (list, tuple)):
        consts = list(item.const)[: handed.MAX_TABLE_READ]
        return [ast.Constant(None)] * len(consts), [
            flowtypes.Val(const=c, labels=item.labels) for c in consts
        ]
    return [item_node], [item]


def _lambda_mapped(
    interp: Interpreter,
    fn: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | None,
    seq: Val,
    env: dict[str, Val],
) -> list[object] | None:
    """The items of ``map(lambda c: E, SEQ)`` over a folded sequence, ``E`` read with ``c``
    bound to each item as a comprehension's element is (no effect is run: read as when
    called); None when one does not fold or the lambda takes other than one name (ADR 0164)."""
    if not isinstance(fn, ast.Lambda) or not isinstance(seq.const, (list, str, bytes)):
        return None
    spec = fn.args
    if spec.posonlyargs or spec.vararg or spec.kwonlyargs or spec.kwarg or len(spec.args) != 1:
        return None
    if len(seq.const) > MAX_ITEMS or not accrued.affordable(interp, len(seq.const), [fn.body]):
        return None
    local, name, out = dict(env), spec.args[0].arg, []
    for item in seq.const:
        local[name] = flowtypes.Val(const=item)
        value = interp.expr(fn.body, local, flowtypes.When.LATER).const
        if value is None:
            return None
        out.append(value)
    return out
