"""A constructor that names no sink but calls a method of its own class that may act
(issue 16; ADR 0171).

``class Boot: def __init__(self): self.persist()`` / ``def persist(self): ...`` with
``Boot()`` at module level runs ``persist`` on import. :func:`functions.method` skips a
constructor that names no sink and hands nothing on (six makes a hundred small objects on
import, ADR 0041), so the method ran only as code for later and lost what ``__init__``
stored on ``self`` (``self.c = c; self.go()`` then ``os.system(self.c)``). Here such a
constructor is walked when it calls, through its first parameter, a method of the class
(or of a local base) that may act, a few calls deep. Pure; bounded by :data:`MAX_HOPS`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from airlock.imports.packages.astwalk import own_nodes

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

MAX_HOPS = 3  # ``__init__`` -> ``self.a()`` -> ``self.b()`` -> ``self.c()``


def _called(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names of methods ``func`` calls on its first parameter (``self.go()``)."""
    if not func.args.args:
        return set()
    me = func.args.args[0].arg
    return {
        n.func.attr
        for n in own_nodes(func)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == me
    }


def acts(
    interp: Interpreter,
    cls: str,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    may: Callable[[ast.FunctionDef | ast.AsyncFunctionDef], bool] | None = None,
) -> bool:
    """Whether ``func`` (a constructor of ``cls``) calls on ``self`` a method that may act
    (``may``: :meth:`flow.Interpreter.may_act` unless given), directly or through at most
    :data:`MAX_HOPS` of its own methods."""
    may = may or interp.may_act
    seen: set[int] = {id(func)}
    frontier = [func]
    for _ in range(MAX_HOPS):
        following = []
        for caller in frontier:
            for name in sorted(_called(caller)):
                found = interp.lookup(cls, name)  # of ``cls`` or of its local bases
                if found is None or id(found) in seen:
                    continue
                if may(found):
                    return True
                seen.add(id(found))
                following.append(found)
        frontier = following
    return False
