"""An import in code that runs whenever the module is imported holds as a top-level one
does (issue 16; ADRs 0162, 0164).

A look-alike import (``import reqeusts``, ``import sockets``) holds only at a module's top
level: an indented one was read as optional (inside ``try``, a platform ``if``, or a
function called when asked). Indented look-alikes are common in popular code and are no
trick there (``docket`` imported in a function, ``_winreg`` under ``if`` on Windows,
``jarray`` under Jython), so an indented import is not held for its indent. It is held when
it runs each time the module is imported all the same, in a body Python runs while it runs
the module's top level:

* a class body (it runs when the class is defined);
* a function's body, when a body that runs calls it by name (``f()``, ``x = f()``,
  ADR 0162), uses it as a decorator (``@register``: the decorator runs at the ``def``), or
  is decorated by a decorator that calls its argument (``def d(f): f(); return f``; also
  the inner function of a decorator factory ``@d(...)``), ADR 0164;
* a class's hooks Python calls itself (ADR 0164): ``__init_subclass__`` of a base (of the
  module) when a subclass is defined, a metaclass's ``__new__``/``__init__`` when a class
  naming it (or a base of the module naming it) is defined, ``__new__``/``__init__`` when
  the class is called, ``__set_name__`` when an instance is bound in a class body.

Only statements directly in such a body count, and only calls, decorators and classes
directly in it are followed (each body once): an import under an ``if``, a ``try``, a loop
or a ``with``, and a function called only under a condition, are left as they were. Names
are the module's top-level functions and classes. Pure.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeGuard

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
Body = list[ast.stmt]
# Bases (or metaclasses) followed up from one class: against cycles (``class A(B)`` after
# ``class B(A)`` rebinds names, never a real cycle, but the walk is bounded all the same).
# A class and its bases read (ADR 0189: sixteen harmless bases named first, and the base
# whose ``__init_subclass__`` imported a look-alike was never read).
MAX_ANCESTORS = 1024


class _Module:
    """The module's top-level functions and classes by name (the last binding wins), and the
    bodies found to run on import."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        for node in tree.body:
            if isinstance(node, _FUNCTIONS):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
        self.seen: set[int] = set()
        self.todo: list[Body] = []

    def runs(self, body: Body, owner: ast.AST | None = None) -> None:
        """Queue ``body`` (of ``owner``, when it has one) to be read once."""
        key = id(owner if owner is not None else body)
        if key not in self.seen:
            self.seen.add(key)
            self.todo.append(body)

    def method(self, klass: ast.ClassDef, names: tuple[str, ...]) -> Iterator[Body]:
        for node in klass.body:
            if isinstance(node, _FUNCTIONS) and node.name in names:
                yield node.body

    def ancestors(self, klass: ast.ClassDef) -> list[ast.ClassDef]:
        """The class and its bases defined in the module, nearest first (bounded)."""
        out: list[ast.ClassDef] = []
        seen: set[int] = set()
        queue = [klass]
        while queue and len(out) < MAX_ANCESTORS:
            one = queue.pop(0)
            if id(one) in seen:
                continue
            seen.add(id(one))
            out.append(one)
            queue += [self.classes[b.id] for b in one.bases if _named(b, self.classes)]
        return out

    def defined(self, klass: ast.ClassDef) -> None:
        """What runs when ``klass`` is defined: its body, its bases' ``__init_subclass__``
        and its metaclass's ``__new__``/``__init__`` (named by it or by a base)."""
        self.runs(klass.body, klass)
        lineage = self.ancestors(klass)
        for base in lineage[1:]:
            for body in self.method(base, ("__init_subclass__",)):
                self.runs(body)
        for one in lineage:
            for keyword in one.keywords:
                if keyword.arg == "metaclass" and _named(keyword.value, self.classes):
                    meta = self.classes[keyword.value.id]
                    for body in self.method(meta, ("__new__", "__init__")):
                        self.runs(body)

    def called(self, name: str) -> None:
        """What runs when ``name`` is called: the function's body, or the class's
        ``__new__``/``__init__`` (its own or a base's of the module)."""
        if name in self.functions:
            self.runs(self.functions[name].body, self.functions[name])
        elif name in self.classes:
            for klass in self.ancestors(self.classes[name]):
                for body in self.method(klass, ("__new__", "__init__")):
                    self.runs(body)

    def decorated(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """What runs when ``node`` is defined with decorators: each decorator of the module
        (``@d``) or factory (``@d(...)``), and the function itself when the decorator
        calls its argument."""
        for decorator in node.decorator_list:
            factory = isinstance(decorator, ast.Call)
            name = decorator.func if isinstance(decorator, ast.Call) else decorator
            if not _named(name, self.functions):
                continue
            outer = self.functions[name.id]
            self.runs(outer.body, outer)
            inner = [f for f in outer.body if isinstance(f, _FUNCTIONS)] if factory else [outer]
            if isinstance(node, _FUNCTIONS) and any(_calls_argument(f) for f in inner):
                self.runs(node.body, node)

    def read(self, body: Body) -> None:
        """Follow what a running body starts: calls, decorators, classes defined."""
        for node in body:
            if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
                self.decorated(node)
            if isinstance(node, ast.ClassDef):
                self.defined(node)
            value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                self.called(value.func.id)
                if isinstance(node, ast.Assign) and value.func.id in self.classes:
                    named = self.classes[value.func.id]
                    for hook in self.method(named, ("__set_name__",)):
                        self.runs(hook)


def _named(
    node: ast.expr,
    table: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] | dict[str, ast.ClassDef],
) -> TypeGuard[ast.Name]:
    return isinstance(node, ast.Name) and node.id in table


def _calls_argument(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a decorator calls its first argument directly in its body (``f()``,
    ``r = f()``, ``return f()``)."""
    params = func.args.posonlyargs + func.args.args
    if not params:
        return False
    first = params[0].arg
    for node in func.body:
        value = node.value if isinstance(node, (ast.Expr, ast.Assign, ast.Return)) else None
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == first
        ):
            return True
    return False


def eager_lines(tree: ast.Module) -> frozenset[int]:
    """The lines of the import statements that run whenever the module is imported: those
    directly in a body Python runs while it runs the module's top level."""
    module = _Module(tree)
    module.read(tree.body)
    lines: set[int] = set()
    while module.todo:
        body = module.todo.pop()
        lines.update(n.lineno for n in body if isinstance(n, (ast.Import, ast.ImportFrom)))
        module.read(body)
    return frozenset(lines)
