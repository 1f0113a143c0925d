"""``getattr(f, 'write')(x)`` read as ``f.write(x)`` when ``f`` is data (ADR 0123).

``getattr`` of a module with a written name already resolves (``getattr(os, 'system')`` is
``os.system``, marked as reached through a string). Of a value that is data (an open file, a
response, a buffer) it gave an attribute of "some object": the call's method was lost, and
what a method call tells (``f.write(data)`` fills the file ``f`` names) went with it. An
attacker who knows the pass writes every method call through ``getattr``; this reads the call
as the method call it is. Only for a local name bound to a value with no module or class
behind it, a written identifier, and ``getattr`` itself (not a name rebound by the module).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val


def attribute_call(interp: Interpreter, node: ast.Call, env: dict[str, Val]) -> ast.Call | None:
    """``node`` as a method call when its callee is ``getattr(name, 'attr')`` of data; made
    once per call site and kept (the walk's caches key on node ids), else None."""
    func = node.func
    if not (isinstance(func, ast.Call) and _of_data(func, env)):
        return None
    known = interp.synthetic.get(id(node))
    if known is None:
        owner, name = func.args
        assert isinstance(name, ast.Constant)  # _of_data checked it
        attribute = ast.copy_location(ast.Attribute(owner, str(name.value), ast.Load()), func)
        known = ast.copy_location(ast.Call(attribute, node.args, node.keywords), node)
        interp.synthetic[id(node)] = known
    return known


def _of_data(call: ast.Call, env: dict[str, Val]) -> bool:
    if not (
        isinstance(call.func, ast.Name)
        and call.func.id == "getattr"
        and "getattr" not in env
        and len(call.args) == 2
        and not call.keywords
        and isinstance(call.args[0], ast.Name)
        and isinstance(call.args[1], ast.Constant)
        and isinstance(call.args[1].value, str)
        and call.args[1].value.isidentifier()
    ):
        return False
    held = env.get(call.args[0].id)
    return held is not None and not held.ref and held.func is None
