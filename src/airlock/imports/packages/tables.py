"""Tables of functions called through a key that does not fold, loops over them, and
tables filled by a loop (ADR 0071).

ADR 0048 reads ``{'a': os.system}['a'](c)`` and ``T['run'](c)`` when the key folds. A patient
adversary makes the key unreadable (``H[sys.platform[:0] + 'a']()``), keeps the functions in a
list (``L = [lambda: ...]; L[0]()``), or calls every entry in a loop (``for f in
H.values(): f()``); and builds an XOR table with a loop (``for i in range(256): T[i] = i ^ K``)
instead of the dict comprehension ADR 0067 folds. Like both arms of an ``if``, every entry
that could be the one called is read as called (up to ``handed.MAX_HANDED``); a table filled
by a loop over a folded sequence is the constant the loop builds.

Pure and bounded like :mod:`flow`. What it deliberately does not do: follow a table grown at
run time from data, or a table of another module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes, handed
from airlock.imports.packages.fold import MAX_RANGE

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

ENTRY = "\0entry"  # the name a synthetic call gives the entry it calls
VIEWS = frozenset({"values", "items"})


def listed(interp: Interpreter, name: str, node: ast.List | ast.Tuple, env: dict[str, Val]) -> None:
    """``L = [lambda: ..., print]``: a list naming a function or a sink is a dispatch table
    indexed by position, so ``L[0]()`` and ``for f in L: f()`` reach it."""
    if not node.elts:
        return
    if not all(isinstance(e, (ast.Name, ast.Attribute, ast.Lambda)) for e in node.elts):
        return
    if handed.unread_callables(node.elts):
        interp.trace.past(f"list {name!r}, past {handed.MAX_TABLE_READ} items")
    entries: dict[object, Val] = {
        i: interp.expr(e, env, flowtypes.When.LATER)
        for i, e in enumerate(node.elts[: handed.MAX_TABLE_READ])
    }
    handed.keep_table(interp, name, entries)


def any_entry(interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> Val | None:
    """``H[k](...)`` of a dispatch table ``H`` whose key ``k`` does not fold: each entry that
    acts is called with the arguments; None when the call is not one (the walk reads it as
    before)."""
    target = node.func
    if not (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id in interp.tables
        and not isinstance(target.slice, ast.Slice)
    ):
        return None
    if handed._key(interp.expr(target.slice, env, when).const) is not None:
        return None  # :func:`handed.entry` picks the one entry
    return _call_each(interp, node, interp.tables[target.value.id].values(), env, when)


def _call_each(
    interp: Interpreter, node: ast.Call, entries: Iterable[Val], env: dict[str, Val], when: When
) -> Val | None:
    values = list(entries)
    called = [values[i] for i in handed.in_turn(interp, values)]
    if not called:
        return None
    synthetic = interp.synthetic.get(id(node))
    if synthetic is None:  # made once per call site and kept: the walk's caches key on ids
        synthetic = ast.Call(ast.Name(ENTRY, ast.Load()), node.args, node.keywords)
        interp.synthetic[id(node)] = ast.copy_location(synthetic, node)
    result: Val | None = None
    for value in called:
        result = interp.call(synthetic, {**env, ENTRY: value}, when)
    return result


def looped(
    interp: Interpreter, node: ast.For | ast.AsyncFor, env: dict[str, Val], when: When
) -> bool:
    """``for f in L: f()``, ``for f in H.values()``, ``for k, f in H.items()`` over a
    dispatch table: the body is walked once per entry that acts, the loop's names bound to
    it. False when the loop is not over a table."""
    source, view = node.iter, "values"
    if isinstance(source, ast.Call) and not source.args:
        method = source.func
        if isinstance(method, ast.Attribute) and method.attr in VIEWS:
            source, view = method.value, method.attr
    if not isinstance(source, ast.Name) or source.id not in interp.tables:
        return False
    table = list(interp.tables[source.id].items())
    entries = [table[i] for i in handed.in_turn(interp, [v for _, v in table])]
    if not entries:
        return False
    for key, value in entries:
        if view == "items" and isinstance(node.target, ast.Tuple) and len(node.target.elts) == 2:
            interp.bind(node.target.elts[0], flowtypes.Val(const=key), env)
            interp.bind(node.target.elts[1], value, env)
        else:
            interp.bind(node.target, value, env)
        interp.block(node.body, env, when)
    interp.block(node.orelse, env, when)
    return True


def filled(
    interp: Interpreter, node: ast.For | ast.AsyncFor, seq: Val, env: dict[str, Val]
) -> bool:
    """``for i in range(256): T[i] = i ^ K``: a loop over a folded sequence whose body only
    sets entries of tables whose keys and values fold binds each table to the constant it
    builds, as ADR 0067 folds the same table written as a dict comprehension. False (and
    nothing bound) when any entry does not fold."""
    items = seq.const
    if not isinstance(items, (list, str, bytes)) or not 0 < len(items) <= MAX_RANGE:
        return False
    if not isinstance(node.target, ast.Name) or node.orelse:
        return False
    sets: list[tuple[str, ast.expr, ast.expr]] = []
    for stmt in node.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Subscript)
            and isinstance(stmt.targets[0].value, ast.Name)
        ):
            return False
        sets.append((stmt.targets[0].value.id, stmt.targets[0].slice, stmt.value))
    built: dict[str, dict[object, object]] = {}
    for name, _, _ in sets:
        old = env.get(name, flowtypes.UNKNOWN)
        if old.ref or old.func is not None or not isinstance(old.const, (dict, type(None))):
            return False
        built[name] = dict(old.const or {})
    local = dict(env)
    for item in items:
        local[node.target.id] = flowtypes.Val(const=item)
        for name, key_node, value_node in sets:
            key = interp.expr(key_node, local, flowtypes.When.LATER).const
            value = interp.expr(value_node, local, flowtypes.When.LATER).const
            if not isinstance(key, (str, bytes, int)) or not isinstance(value, (str, bytes, int)):
                return False
            built[name][key] = value
    for name, table in built.items():
        env[name] = flowtypes.Val(const=table)
    return True


MAX_KEYED = 1 << 24  # keys of a table computed one lookup at a time


class KeyedTable(dict[object, object]):
    """A table too large to fold, ``{i: f(i) for i in range(n)}``: each entry is computed
    when it is looked up (``T[b]``, ``T.get(b)``), from the comprehension's value with its
    name bound to the key. An entry that does not fold is missing."""

    def __init__(
        self, interp: Interpreter, node: ast.DictComp, name: str, span: range, env: dict[str, Val]
    ) -> None:
        super().__init__()
        self.interp, self.node, self.name, self.span, self.env = interp, node, name, span, env

    def __missing__(self, key: object) -> object:
        if type(key) is not int or key not in self.span:
            raise KeyError(key)
        local = {**self.env, self.name: flowtypes.Val(const=key)}
        value = self.interp.expr(self.node.value, local, flowtypes.When.LATER).const
        if not isinstance(value, (str, bytes, int)):
            raise KeyError(key)
        self[key] = value
        return value

    def get(self, key: object, default: object = None) -> object:
        try:
            return self[key]
        except KeyError:
            return default


def by_key(
    interp: Interpreter, node: ast.DictComp, source: ast.expr, env: dict[str, Val]
) -> Val | None:
    """``{i: i ^ K for i in range(65536)}``: a table whose key is the loop's name, over a
    ``range`` too long to fold (ADR 0067 folds up to ``MAX_RANGE`` keys), as a
    :class:`KeyedTable`. None for any other comprehension."""
    gen = node.generators[0]
    if not (
        isinstance(gen.target, ast.Name)
        and isinstance(node.key, ast.Name)
        and node.key.id == gen.target.id
        and isinstance(source, ast.Call)
        and isinstance(source.func, ast.Name)
        and source.func.id == "range"
        and not source.keywords
        and 1 <= len(source.args) <= 3
    ):
        return None
    bounds = [interp.expr(a, env, flowtypes.When.LATER).const for a in source.args]
    ints = [b for b in bounds if isinstance(b, int) and not isinstance(b, bool)]
    if len(ints) != len(bounds) or 0 in ints[2:]:  # a step of 0 is an error
        return None
    span = range(*ints)
    if len(span) > MAX_KEYED:
        return None
    return flowtypes.Val(const=KeyedTable(interp, node, gen.target.id, span, dict(env)))
