"""``getattr(f, 'write')(x)`` read as ``f.write(x)`` when ``f`` is data (ADR 0123, 0126).

``getattr`` of a module with a written name already resolves (``getattr(os, 'system')`` is
``os.system``, marked as reached through a string). Of a value that is data (an open file, a
response, a buffer) it gave an attribute of "some object": the call's method was lost, and
what a method call tells (``f.write(data)`` fills the file ``f`` names) went with it. An
attacker who knows the pass writes every method call through ``getattr``; this reads the call
as the method call it is. Only a written identifier, and ``getattr`` itself (not a name
rebound by the module).

ADR 0126 widens it two ways. The object may be any expression, not only a local name
(``getattr(open(p, 'wb'), 'write')(x)``, ``getattr(Path(p), 'write_bytes')(x)``): it is
evaluated once and handed to the rewritten call under a name no source can spell, as
:mod:`tables` hands a table's entry; when it is a module, a class or a function, the call
stays a ``getattr`` of it, so the mark of a name reached through a string is kept. And a
method kept in a name first (``w = f.write`` or ``w = getattr(f, 'write')``, then ``w(x)``)
is called as ``f.write(x)``, when the name still holds what that assignment bound, the
object is a name or a dotted name (read again at the call, it runs nothing), and its first
name still holds what it held then (a function's parameter of the same name is another
object). What it does not do: follow a bound method through a container, a parameter or
another module.

ADR 0190: the attribute's name may be built of written parts (``getattr(f, 'wr' + 'ite')``):
it wrote a payload that was then run, and was not read as a write (``print(x, file=f)``,
read as ``f.write(x)``, is :mod:`printed`'s).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Val, When
from airlock.imports.packages.sinks import SENDING_METHODS

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

OWNER = "\0owner"  # the name the rewritten call gives an evaluated object (no source spells it)
MAX_BOUND = 256  # methods kept in names remembered per module


def attribute_call(interp: Interpreter, node: ast.Call, env: dict[str, Val]) -> ast.Call | None:
    """``node`` as a method call when its callee is ``getattr(name, 'attr')`` of data; made
    once per call site and kept (the walk's caches key on node ids), else None."""
    func = node.func
    # Of data first: the name is folded only then (it may step the walk), once per call.
    if not (isinstance(func, ast.Call) and len(func.args) == 2 and _of_data(func, env)):
        return None
    name = attribute_name(interp, func, env)
    if name is None:
        return None
    known = interp.synthetic.get(id(node))
    if known is None:
        known = _method_call(node, func.args[0], name)
        interp.synthetic[id(node)] = known
    return known


def owner_call(interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> Val | None:
    """What ``getattr(X, 'attr')(...)`` gives when ``X`` is not a name
    (``getattr(open(p, 'wb'), 'write')(x)``): ``X`` is evaluated once and the call read as
    ``X.attr(...)`` of data, or as the same ``getattr`` of a module, class or function. None
    for any other call."""
    func = node.func
    if not isinstance(func, ast.Call) or len(func.args) != 2:
        return None
    owner_node = func.args[0]
    if isinstance(owner_node, ast.Name):
        return None  # :func:`attribute_call` and the ``getattr`` of a name read it
    attr = attribute_name(interp, func, env)
    if attr is None:
        return None
    owner = interp.expr(owner_node, env, when)
    data = not owner.ref and owner.func is None
    key = id(node) if data else -id(node)  # two forms per call site, each kept
    known = interp.synthetic.get(key)
    if known is None:
        name = func.args[1]
        placeholder = ast.copy_location(ast.Name(OWNER, ast.Load()), owner_node)
        if data:
            known = _method_call(node, placeholder, attr)
        else:
            inner = ast.copy_location(ast.Call(func.func, [placeholder, name], []), func)
            known = ast.copy_location(ast.Call(inner, node.args, node.keywords), node)
        interp.synthetic[key] = known
    return interp.call(known, {**env, OWNER: owner}, when)


def remember(interp: Interpreter, node: ast.Assign, env: dict[str, Val]) -> None:
    """``w = f.write`` or ``w = getattr(f, 'write')`` of data ``f`` (a name or a dotted
    name): kept, so that ``w(x)`` is read as ``f.write(x)`` (:func:`bound_call`). The name's
    value is made its own object, so that a later binding of ``w`` is told apart."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return
    value = node.value
    if isinstance(value, ast.Attribute):
        owner, attr = value.value, value.attr
    elif isinstance(value, ast.Call) and (named := attribute_name(interp, value, env)):
        owner, attr = value.args[0], named
    else:
        return
    name = node.targets[0].id
    held = env.get(name)
    root = root_name(owner)
    if held is None or held.ref or held.func is not None or not root:
        return
    kept = interp.bound_methods
    if len(kept) >= MAX_BOUND and name not in kept:
        # Past the bound (ADR 0189: 256 harmless ``wI = g.write`` first, and ``w(PAYLOAD)``
        # was read as a call of nothing): a method that writes or sends takes the place of
        # one that does not; when every kept one does, it holds. Others drop silently.
        if not _acting(attr):
            return
        idle = next((k for k, (_, _, a, _) in kept.items() if not _acting(a)), None)
        if idle is None:
            interp.trace.past(f"a method kept in a name past the {MAX_BOUND} airlock keeps")
            return
        del kept[idle]
    mine = Val(*held)  # equal, but not the shared ``UNKNOWN``: ``is`` tells it apart
    env[name] = mine
    interp.bound_methods[name] = (mine, owner, attr, env.get(root))


def _acting(attr: str) -> bool:
    """Whether a method kept in a name writes or sends what it is called with."""
    return attr.startswith(("write", "send")) or attr in SENDING_METHODS


def bound_call(interp: Interpreter, node: ast.Call, env: dict[str, Val]) -> ast.Call | None:
    """``w(x)`` as ``f.write(x)`` when ``w`` still holds what :func:`remember` kept."""
    if not isinstance(node.func, ast.Name):
        return None
    kept = interp.bound_methods.get(node.func.id)
    if kept is None or env.get(node.func.id) is not kept[0]:
        return None
    _, owner, attr, root = kept
    if env.get(root_name(owner)) is not root:
        return None  # the object's name means another thing here (a parameter, a rebinding)
    known = interp.synthetic.get(id(node))
    if known is None or not (isinstance(known.func, ast.Attribute) and known.func.value is owner):
        known = _method_call(node, owner, attr)
        interp.synthetic[id(node)] = known
    return known


def _method_call(node: ast.Call, owner: ast.expr, attr: str) -> ast.Call:
    attribute = ast.copy_location(ast.Attribute(owner, attr, ast.Load()), node.func)
    return ast.copy_location(ast.Call(attribute, node.args, node.keywords), node)


def root_name(node: ast.expr) -> str:
    """The first name of a name or a dotted name (``f``, ``self.out``), which read again
    runs no call; empty for any other expression."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


# What an attribute's name may be built of, folded by the walk (``'wr' + 'ite'``, a name).
_BUILT = (ast.BinOp, ast.JoinedStr, ast.Name)


def attribute_name(interp: Interpreter, call: ast.Call, env: dict[str, Val]) -> str | None:
    """The identifier ``getattr(X, NAME)`` of the builtin reads: ``NAME`` written, or built
    of written parts and folded (ADR 0190); None for any other call."""
    if not (
        isinstance(call.func, ast.Name)
        and call.func.id == "getattr"
        and "getattr" not in env
        and len(call.args) == 2
        and not call.keywords
    ):
        return None
    name = call.args[1]
    value: object = None
    if isinstance(name, ast.Constant):
        value = name.value
    elif isinstance(name, _BUILT):
        value = interp.expr(name, env, When.LATER).const
    return value if isinstance(value, str) and value.isidentifier() else None


def _of_data(call: ast.Call, env: dict[str, Val]) -> bool:
    if not isinstance(call.args[0], ast.Name):
        return False
    held = env.get(call.args[0].id)
    return held is not None and not held.ref and held.func is None
