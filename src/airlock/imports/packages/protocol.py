"""Special methods the language calls when an instance of a local class is used (ADR 0071).

:meth:`flow.Interpreter.special` already runs ``__enter__``/``__exit__``, the arithmetic
operators, ``__getitem__`` and the builtins of :data:`implicit.IMPLICIT` on an instance made on
install or import. A patient adversary who has read that list puts the payload in a method
the language calls for some other use of the object, with no call written: comparing it
(``K() == 1``: ``__eq__``; ``1 in K()``: ``__contains__``), testing it (``if K():``:
``__bool__``), hashing it (a dict key: ``__hash__``), formatting it (``f'{K()}'``), setting
an attribute or an item on it (``__setattr__``, ``__setitem__``), reading an attribute it
lacks (``__getattr__``) or a descriptor of its class (``__get__``, ``property(f)``),
iterating it (``__next__``), or looking up a missing key of a ``dict`` subclass
(``__missing__``). The functions here are called by the walk at those places.

Pure and bounded like :mod:`flow`: each runs at most one method, only on an instance of a
class of this module made on install or import. What it deliberately does not do: follow an
instance of a class of another module, or ``__del__``-like methods of objects never made.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes, implicit

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

COMPARISONS: dict[type[ast.cmpop], tuple[str, str]] = {
    ast.Eq: ("__eq__", "__eq__"), ast.NotEq: ("__ne__", "__ne__"),
    ast.Lt: ("__lt__", "__gt__"), ast.LtE: ("__le__", "__ge__"),
    ast.Gt: ("__gt__", "__lt__"), ast.GtE: ("__ge__", "__le__"),
}  # fmt: skip
MEMBERSHIP = (ast.In, ast.NotIn)
TRUTH = ("__bool__", "__len__")
ATTRIBUTE_HOOKS = ("__getattribute__", "__getattr__")


def compared(
    interp: Interpreter, node: ast.Compare, env: dict[str, Val], when: When
) -> frozenset[str]:
    """``a == b``, ``a < b``, ``a in b``: the comparison method of either side (the left
    one, else the reflected one of the right), ``__contains__`` of the container. Returns
    the labels the operands carried."""
    left = interp.expr(node.left, env, when)
    labels = left.labels
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = interp.expr(right_node, env, when)
        labels |= right.labels
        if isinstance(op, MEMBERSHIP):
            interp.special(right, ("__contains__", "__iter__"), [left], env, when)
        elif type(op) in COMPARISONS:
            mine, reflected = COMPARISONS[type(op)]
            ran = interp.special(left, (mine,), [right], env, when)
            if ran is None:
                interp.special(right, (reflected,), [left], env, when)
        left = right
    return labels


def truth(interp: Interpreter, value: Val, env: dict[str, Val], when: When) -> None:
    """``if K():``, ``not K()``, ``K() or x``: its ``__bool__`` (else ``__len__``)."""
    interp.special(value, TRUTH, [], env, when)


def hashed(interp: Interpreter, value: Val, env: dict[str, Val], when: When) -> None:
    """``{K(): 1}``, ``{K()}``: a dict key or set member is hashed."""
    interp.special(value, ("__hash__",), [], env, when)


def assigned(
    interp: Interpreter, target: ast.expr, value: Val, env: dict[str, Val], when: When
) -> None:
    """``k.x = v`` runs ``__setattr__``, ``k[i] = v`` ``__setitem__``, on an instance."""
    if isinstance(target, ast.Attribute):
        owner = interp.expr(target.value, env, flowtypes.When.LATER)
        name = flowtypes.Val(const=target.attr)
        interp.special(owner, ("__setattr__",), [name, value], env, when)
    elif isinstance(target, ast.Subscript):
        owner = interp.expr(target.value, env, flowtypes.When.LATER)
        key = interp.expr(target.slice, env, flowtypes.When.LATER)
        interp.special(owner, ("__setitem__",), [key, value], env, when)


def attribute(
    interp: Interpreter, base: Val, attr: str, env: dict[str, Val], when: When
) -> Val | None:
    """``C.x`` or ``C().x`` of a descriptor kept in local class ``C``'s body (an instance
    of a local class with ``__get__``, or ``property(f)``): what it returns; else, for an
    instance whose class does not define ``x``, its ``__getattribute__``/``__getattr__``.
    None when reading the attribute runs nothing."""
    owner = base.ref.removesuffix("()")
    descriptor = interp.descriptors.get((owner, attr))
    if descriptor is not None:
        if descriptor.func is not None:  # ``x = property(lambda self: ...)``
            return interp.apply(descriptor.func, [base], env, when) or flowtypes.UNKNOWN
        kind = descriptor.ref.removesuffix("()")
        ran = interp.method(
            kind, "__get__", [descriptor, base, flowtypes.Val(ref=owner)], env, when
        )
        return ran or flowtypes.UNKNOWN
    if not base.ref.endswith("()") or owner not in interp.classes:
        return None
    if attr.startswith("__") or interp.lookup(owner, attr) is not None:
        return None
    return interp.special(base, ATTRIBUTE_HOOKS, [flowtypes.Val(const=attr)], env, when)


def iterated(interp: Interpreter, value: Val, env: dict[str, Val], when: When) -> Val | None:
    """Iterating an instance calls ``__next__`` of the iterator its ``__iter__`` returns
    (most often itself) until it stops: the instance's ``__next__`` runs. What it returns
    when that folds to a string, or to one of several (ADR 0171), else None: what a loop
    over the instance binds its name to."""
    given = interp.special(value, ("__next__",), [], env, when)
    if given is None or not (isinstance(given.const, str) or (given.const is None and given.alts)):
        return None
    return given


def remember(interp: Interpreter, cls: str, item: ast.stmt, env: dict[str, Val]) -> None:
    """``x = D()`` of a local class ``D`` that defines ``__get__``, or ``x = property(f)``,
    in the body of class ``cls``: kept as the descriptor :func:`attribute` runs."""
    if not (isinstance(item, ast.Assign) and isinstance(item.value, ast.Call)):
        return
    call = item.value
    made = interp.expr(call.func, env, flowtypes.When.LATER).ref
    found: Val | None = None
    if made in interp.classes and interp.lookup(made, "__get__") is not None:
        found = flowtypes.Val(ref=f"{made}()")
    elif made in implicit.PROPERTIES and call.args:
        getter = interp.expr(call.args[0], env, flowtypes.When.LATER)
        found = getter if getter.func is not None else None
    if found is None:
        return
    for target in item.targets:
        if not isinstance(target, ast.Name):
            continue
        if len(interp.descriptors) < MAX_DESCRIPTORS or (cls, target.id) in interp.descriptors:
            interp.descriptors[cls, target.id] = found
        else:  # read through, it would run nothing: held
            interp.trace.past(f"descriptor {target.id!r} of {cls}, past {MAX_DESCRIPTORS}")


# Descriptors kept per file; one past them holds (ADR 0187: 300 harmless properties set
# first hid the 301st, whose getter ran ``os.system``).
MAX_DESCRIPTORS = 1024


# Calls that ask an object how to rebuild it (``__reduce__``) and, for a copy or the
# pickle's reader, call what it answers: ``(os.system, ('id',))`` runs ``os.system('id')``.
REDUCERS = frozenset({
    "pickle.dumps", "pickle.dump", "copy.copy", "copy.deepcopy", "dill.dumps", "dill.dump",
    "cloudpickle.dumps", "cloudpickle.dump", "_pickle.dumps",
})  # fmt: skip
REDUCE_HOOKS = ("__reduce_ex__", "__reduce__")


def reduced(interp: Interpreter, value: Val, env: dict[str, Val], when: When) -> None:
    """``copy.copy(K())``, ``pickle.loads(pickle.dumps(K()))``: ``K.__reduce__`` runs, and
    the callable it returns is called with the arguments it returns, as copying or reading
    the pickle back does (ADR 0080: the pickle gadget of an object made in the module). The
    pair is read from the method's ``return (f, (args...))`` as written."""
    owner = value.ref.removesuffix("()") if value.ref.endswith("()") else ""
    if owner not in interp.classes:
        return
    for name in REDUCE_HOOKS:
        found = interp.lookup(owner, name)
        if found is None:
            continue
        given = [value, flowtypes.Val(const=2)] if name == "__reduce_ex__" else [value]
        interp.method(owner, name, given, env, when)
        for ret in ast.walk(found):
            made = ret.value if isinstance(ret, ast.Return) else None
            if not (isinstance(made, ast.Tuple) and len(made.elts) >= 2):
                continue
            args = made.elts[1]
            if isinstance(args, ast.Tuple):
                call = ast.copy_location(ast.Call(made.elts[0], list(args.elts), []), ret)
                interp.expr(ast.fix_missing_locations(call), interp.globals or env, when)
        return
