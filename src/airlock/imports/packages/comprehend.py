"""Comprehensions as the flow pass reads them: folded, written out, or walked (issue 16).

A comprehension is its own scope over a loop. :class:`flow.Interpreter` hands each one here:
a list, set or generator over a folded sequence whose element folds is that list (``''.join(
[chr(c ^ k) for c in data])``); a dict comprehension whose keys and values fold is a table
(ADR 0067); over a short literal list its element is read once per item, as a ``for`` is
(:func:`written_out`, ADR 0063); any other is read once, each loop's names bound to what
it iterates over, its conditions read as often as its element (ADR 0076). Its names stay
in its own scope while it is read, so that a ``:=`` inside it binds in the enclosing one
(PEP 572; ``Interpreter.comprehensions``, ADR 0080).

Apart from :mod:`flow` because a comprehension is one construct with its own scope rule,
read the same way wherever it stands. Pure and bounded like :mod:`flow` (``MAX_ITEMS``,
``MAX_RANGE``, :data:`MAX_LOOPED`). What it does not do: fold a comprehension with more
than one loop or a condition (it is walked), or run anything.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    flowtypes,
    listtext,
    mutated,
    protocol,
    rebound,
    runkey,
    sinkcall,
    tables,
)
from airlock.imports.packages.fold import MAX_ITEMS, MAX_RANGE
from airlock.imports.packages.parttext import GAP, likeliest

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When


def table(interp: Interpreter, node: ast.DictComp, env: dict[str, Val]) -> Val | None:
    """A dict comprehension over a folded sequence whose keys and values fold: the
    table as a constant (``{i: i ^ k for i in range(256)}``, a substitution cipher's
    alphabet), so ``T[b]`` of it folds (ADR 0067). None when it does not fold: the
    walk reads it as any other expression."""
    gen = node.generators[0]
    if len(node.generators) != 1 or gen.ifs or not _names(gen.target):
        return None
    seq = interp.expr(gen.iter, env, flowtypes.When.LATER)
    if seq.const is None:  # ``{i: i ^ k for i in range(65536)}`` (ADR 0071)
        return (
            tables.by_key(interp, node, gen.iter, env) if isinstance(gen.target, ast.Name) else None
        )
    if not isinstance(seq.const, (list, str, bytes)) or len(seq.const) > MAX_RANGE:
        return None
    local = dict(env)
    out: dict[object, object] = {}
    for item in seq.const:
        interp.bind(gen.target, flowtypes.Val(const=item), local)  # ``for k, v in pairs``
        key = interp.expr(node.key, local, flowtypes.When.LATER).const
        value = interp.expr(node.value, local, flowtypes.When.LATER).const
        if not isinstance(key, (str, bytes, int)) or not isinstance(value, (str, bytes, int)):
            return None
        out[key] = value
    return flowtypes.Val(const=out, labels=seq.labels)


def comprehension(
    interp: Interpreter,
    node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp,
    env: dict[str, Val],
    when: When,
) -> Val:
    """:func:`read_comprehension`, with the comprehension's scope known to ``:=``."""
    folded = _fold_enumerated(interp, node, env, when)
    if folded is not None:
        return folded
    depth = len(interp.comprehensions)
    try:
        value = read_comprehension(interp, node, env, when)
        if len(interp.comprehensions) > depth and when is not flowtypes.When.LATER:
            mutated.comprehension_back(interp, node, env, interp.comprehensions[depth][0])
    finally:
        del interp.comprehensions[depth:]
    # A blob of the module's own XORed with a key built at run time (ADR 0098).
    xored = runkey.unkeyed(interp, node, env, when) if value.const is None else frozenset()
    return value._replace(labels=value.labels | xored) if xored else value


def read_comprehension(  # noqa: PLR0912 -- one branch per way a comprehension is read
    interp: Interpreter,
    node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp,
    env: dict[str, Val],
    when: When,
) -> Val:
    """A comprehension: every loop's iterable and condition and its element (a dict's key
    and value) are read, each loop's names bound to what it iterates over. A condition
    runs as often as the element does (``[1 for a in A if os.system(c)]``), and a later
    loop's iterable is evaluated inside the first (ADR 0076)."""
    gen = node.generators[0]
    seq = interp.expr(gen.iter, env, when)
    # ``{k: os.environ[k] for k in os.environ}``: every variable at once (ADR 0098).
    seq = seq._replace(labels=seq.labels | sinkcall.whole_environ(seq))
    local = dict(env)
    interp.comprehensions.append((local, env))
    elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    simple = len(node.generators) == 1 and not gen.ifs and isinstance(gen.target, ast.Name)
    # ``''.join(p for p in [PAYLOAD, x])``: each item as it is, so the list's known text is
    # the comprehension's (ADR 0164); reading the name has no effect. With a condition
    # (``… if p``) the items it may keep are read as kept, after the condition is read.
    passed = _passed(node, seq)
    if passed and simple and seq.const is None:
        return flowtypes.Val(labels=seq.labels, items=passed)
    if (
        simple
        and len(elts) == 1
        and isinstance(gen.target, ast.Name)
        and isinstance(seq.const, (list, str, bytes))
        and len(seq.const) <= MAX_ITEMS
    ):
        out = []
        for item in seq.const:
            local[gen.target.id] = flowtypes.Val(const=item)
            value = interp.expr(elts[0], local, flowtypes.When.LATER)
            if value.const is None:
                break
            out.append(value.const)
        else:
            return flowtypes.Val(const=out, labels=seq.labels)
        if not out:  # ``[__import__(n) for n in ['os']]``: the modules (ADR 0073)
            found = rebound.imported_each(interp, elts[0], gen.target.id, seq.const, local)
            if found is not None:
                return found
    at_top = module_level(interp, gen.iter, env)
    one = len(node.generators) == 1
    written = written_out(gen.iter, seq, gen.target, at_top=at_top) if one else None
    if written is not None and when is not flowtypes.When.LATER:
        # ``[os.system(c) for c in ['id']]``: each item is what the command spells (ADR 0063).
        labels = seq.labels
        for item in written:
            interp.bind(gen.target, flowtypes.Val(const=item, labels=seq.labels), local)
            labels |= conditions(interp, gen.ifs, local, when)
            for elt in elts:
                labels |= interp.expr(elt, local, when).labels
        return flowtypes.Val(labels=labels, items=passed)
    labels = seq.labels
    interp.bind(gen.target, flowtypes.Val(labels=seq.labels), local)
    if one and when is not flowtypes.When.LATER:
        each_may_be(gen.iter, seq, gen.target, local, at_top=at_top)
    conditions(interp, gen.ifs, local, when)
    for later in node.generators[1:]:
        inner = interp.expr(later.iter, local, when)
        labels |= inner.labels
        interp.bind(later.target, flowtypes.Val(labels=inner.labels), local)
        conditions(interp, later.ifs, local, when)
    for elt in elts:
        labels |= interp.expr(elt, local, when).labels
    return flowtypes.Val(labels=labels, items=passed)


def _passed(
    node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp, seq: Val
) -> tuple[str, ...]:
    """The items of a comprehension that gives each item of one loop as it is (``p for p
    in parts``, conditions or not): the list's folded or kept items; empty otherwise."""
    gen = node.generators[0]
    if (
        isinstance(node, ast.DictComp)
        or len(node.generators) != 1
        or not isinstance(gen.target, ast.Name)
        or not isinstance(node.elt, ast.Name)
        or node.elt.id != gen.target.id
    ):
        return ()
    return listtext.of(seq) or ()


def _fold_enumerated(
    interp: Interpreter,
    node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp,
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """``bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(BLOB))``: a repeating-key XOR of
    a blob written in the code, folded as a one-byte key's is (ADR 0088); None when it
    does not fold."""
    if isinstance(node, ast.DictComp) or len(node.generators) != 1 or node.generators[0].ifs:
        return None
    gen, elt, local = node.generators[0], node.elt, dict(env)
    counted = _enumerated(interp, gen, env, when)
    if counted is None:
        return None
    first, second, pairs = counted
    out = []
    for one, two in pairs:
        local[first], local[second] = flowtypes.Val(const=one), flowtypes.Val(const=two)
        value = interp.expr(elt, local, flowtypes.When.LATER)
        if value.const is None:
            return None
        out.append(value.const)
    return flowtypes.Val(const=out)


def _enumerated(
    interp: Interpreter, gen: ast.comprehension, env: dict[str, Val], when: When
) -> tuple[str, str, list[tuple[object, object]]] | None:
    """``for i, b in enumerate(NAME)`` over a folded sequence, or ``for a, b in zip(NAME,
    cycle(KEY))`` with a key written in the code (ADR 0089): the two names and the pairs they
    take; None otherwise. Only names are read again (reading one has no effect)."""
    it, target = gen.iter, gen.target
    if not (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id in ("enumerate", "zip")
        and len(it.args) == (1 if it.func.id == "enumerate" else 2)
        and not it.keywords
        and isinstance(it.args[0], ast.Name)
        and isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and all(isinstance(t, ast.Name) for t in target.elts)
    ):
        return None
    seq = interp.expr(it.args[0], env, when).const
    if not isinstance(seq, (list, str, bytes)) or len(seq) > MAX_ITEMS:
        return None
    first, second = (t.id for t in target.elts if isinstance(t, ast.Name))
    if it.func.id == "enumerate":
        return first, second, list(enumerate(seq))
    key = cycled_key(interp, it.args[1], env, when)
    if key is None:
        return None
    return first, second, [(item, key[i % len(key)]) for i, item in enumerate(seq)]


def cycled_key(
    interp: Interpreter, node: ast.expr, env: dict[str, Val], when: When
) -> bytes | list[object] | None:
    """``cycle(KEY)`` (``itertools.cycle``) of bytes or small numbers written in the code: the
    key; None otherwise."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, (ast.Name, ast.Attribute))
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and interp.expr(node.func, env, when).ref == "itertools.cycle"
    ):
        return None
    key = interp.expr(node.args[0], env, when)
    if key.labels or not flowtypes.key_table(key.const) or not isinstance(key.const, (bytes, list)):
        return None
    return key.const


def conditions(
    interp: Interpreter, tests: list[ast.expr], env: dict[str, Val], when: When
) -> frozenset[str]:
    """A comprehension's ``if`` clauses, each evaluated and tested for truth."""
    labels: frozenset[str] = frozenset()
    for test in tests:
        value = interp.expr(test, env, when)
        protocol.truth(interp, value, env, when)
        labels |= value.labels
    return labels


# Items of a written-out sequence a loop walks one by one (each runs the body once more).
MAX_LOOPED = 4


def written_out(
    source: ast.expr, seq: Val, target: ast.expr, *, at_top: bool = False
) -> list[object] | None:
    """The items a ``for`` (or a comprehension) over a literal list gives its one loop name,
    when there are few: the body is read with each, as if the loop were written out. Only a
    list written at the loop, or (``at_top``: the loop is at module level) a module name
    bound to a folded list (``cmds = ['id']`` lines before, ADR 0067): a function's
    parameter whose callers pass a literal list (``try_run(["./test.exe"])``) stays one
    unknown item, as the rest of the flow pass reads a parameter. An attribute that folds
    to a list is a local class's own constant (``for c in C.cmds``, ``self.cmds``; ADR 0071).
    """
    if (
        _spelled(source, at_top=at_top)
        and _names(target)
        and isinstance(seq.const, list)
        and 0 < len(seq.const) <= MAX_LOOPED
    ):
        return list(seq.const)
    return None


def module_level(interp: Interpreter, source: ast.expr, env: dict[str, Val]) -> bool:
    """Whether a loop is at module level, or loops over a name that holds the module's own
    binding of it (``def go(): for c in CMDS``, called on import): not a parameter a caller
    handed in, which stays unknown (ADR 0159)."""
    top = interp.globals
    if env is top:
        return True
    return (
        isinstance(source, ast.Name)
        and top is not None
        and source.id in top
        and env.get(source.id) is top[source.id]
    )


def _spelled(source: ast.expr, *, at_top: bool) -> bool:
    """Whether a loop's sequence is written in the code: a literal, a local class's
    constant, a module name (``at_top``), or a call of them that folds (``enumerate([...])``,
    ``{...}.items()``, ``zip(A, B)``; ADR 0158)."""
    return isinstance(source, ast.List | ast.Tuple | ast.Set | ast.Attribute | ast.Call) or (
        at_top and isinstance(source, ast.Name)
    )


def _names(target: ast.expr) -> bool:
    """A loop's one name, or names unpacked from each item (``for p, t in pairs``)."""
    if isinstance(target, ast.Tuple | ast.List):
        return all(isinstance(e, ast.Name) for e in target.elts)
    return isinstance(target, ast.Name)


def each_may_be(
    source: ast.expr, seq: Val, target: ast.expr, env: dict[str, Val], *, at_top: bool
) -> None:
    """A loop over a folded list too long to write out: its names are bound to the strings
    each may be (``Val.alts``), so that a run or an exec of one reads each, those that name
    a sink first (:func:`prefilter.may_act`). Four harmless commands before the payload hid
    it (``for c in ['ls', 'pwd', 'id', 'w', CURL]: os.system(c)``; ADR 0158). A list that
    does not fold binds its one name to the items it knows whole (``[x, CURL]``; ADR 0169).
    """
    items = seq.const
    if seq.const is None and seq.items and isinstance(target, ast.Name):
        # ``for c in [x, CURL]``, a generator's partly known values: each known one (0169).
        known: list[object] = [text for text in seq.items if GAP not in text]
        if known and _spelled(source, at_top=at_top):
            env[target.id] = flowtypes.Val(labels=seq.labels, alts=likeliest(known))
        return
    if not (isinstance(items, list) and len(items) > MAX_LOOPED and _names(target)):
        return
    if not _spelled(source, at_top=at_top):
        return
    items = items[:MAX_ITEMS]
    if isinstance(target, ast.Name):
        env[target.id] = flowtypes.Val(labels=seq.labels, alts=likeliest(items))
        return
    assert isinstance(target, ast.Tuple | ast.List)
    for i, element in enumerate(target.elts):
        assert isinstance(element, ast.Name)
        column = [item[i] for item in items if isinstance(item, list) and i < len(item)]
        env[element.id] = flowtypes.Val(labels=seq.labels, alts=likeliest(column))
