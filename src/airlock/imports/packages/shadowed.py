"""A library's module replaced in ``sys.modules`` by this archive's code (ADR 0071).

``sys.modules['requests'] = fake`` on import: every later ``import requests``, in any
package of the environment, gets ``fake``, and every call another package makes into it runs
the archive's code with that package's arguments (its URLs, headers, passwords), with no call
of it written here. It is the module-wide form of ADR 0067's ``getpass.getpass = steal``
and is read the same way: each function of the impostor (a module of the archive, a local
class or an instance of one) runs as a hook, with unknown arguments.

Not a shadow: an entry under this archive's own top-level names (``sys.modules['pkg.compat']
= compat``, six's ``moves``), a key that does not fold, or a library module put under
another library's name (``sys.modules['yaml'] = ruamel.yaml``): none runs this archive's code.

An impostor made with ``types.ModuleType`` and filled by ``setattr`` with constant names
runs the functions it was given (ADR 0073). What it deliberately does not do: follow one
filled in a loop.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import across, flowtypes, handed, intercept
from airlock.imports.packages.local import absolute
from airlock.imports.packages.prefilter import HitLines

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

# Functions or methods of one impostor run as hooks, those that may act first; one that
# may act left past it holds (ADR 0189: sixteen harmless methods first, and the 17th, which
# sent what it was called with, was never run).
MAX_SHADOW_FUNCTIONS = 16
MODULE_TABLES = frozenset({"sys.modules"})
MADE_MODULE = "\0module@"  # ``types.ModuleType(name)`` made here, its place after it


def replaced(
    interp: Interpreter, target: ast.Subscript, value: Val, env: dict[str, Val], when: When
) -> bool:
    """Run the impostor's functions when ``target = value`` puts this archive's code in
    place of a library's module; False when it does not (the walk reads the assignment as
    before)."""
    if interp.expr(target.value, env, flowtypes.When.LATER).ref not in MODULE_TABLES:
        return False
    return put(interp, interp.expr(target.slice, env, flowtypes.When.LATER).const, value, env, when)


def updated(
    interp: Interpreter,
    node: ast.Call,
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    when: When,
) -> None:
    """``sys.modules.update({'requests': fake})`` (or with keywords): each entry as
    ``sys.modules['requests'] = fake`` (ADR 0073)."""
    pairs: list[tuple[object, Val]] = [(k, v) for k, v in kwargs.items() if k is not None]
    table = node.args[0] if node.args else None
    if isinstance(table, ast.Dict):
        for key, item in zip(table.keys, table.values, strict=True):
            if key is not None:
                folded = interp.expr(key, env, flowtypes.When.LATER).const
                pairs.append((folded, interp.expr(item, env, flowtypes.When.LATER)))
    pairs = [(name, value) for name, value in pairs if _shadows(interp, name)]
    acting = [_impostor_acts(interp, value) for _, value in pairs]
    order = sorted(range(len(pairs)), key=lambda i: not acting[i])
    _past(interp, [acting[i] for i in order])
    for i in order[:MAX_SHADOW_FUNCTIONS]:
        put(interp, *pairs[i], env, when)


def _past(interp: Interpreter, acting: list[bool]) -> None:
    """Hold when one that may act is left past :data:`MAX_SHADOW_FUNCTIONS` (ranked first)."""
    if any(acting[MAX_SHADOW_FUNCTIONS:]):
        interp.trace.past(f"an impostor's hook past the {MAX_SHADOW_FUNCTIONS} airlock runs")


def _shadows(interp: Interpreter, key: object) -> bool:
    """Whether ``key`` names a module not of this archive (what :func:`put` replaces)."""
    if not isinstance(key, str) or not key or key.startswith("."):
        return False
    tops = interp.package.tops if interp.package is not None else frozenset()
    top = key.split(".", 1)[0]
    return top not in tops and top != interp.module.split(".", 1)[0]


def _impostor_acts(interp: Interpreter, value: Val) -> bool:
    """Whether an impostor may act: a sink's name, a lambda or a function whose text names a
    sink (:func:`handed.rank`), a class with such a method, a made module, or a module of
    the archive whose text names a sink. A library's module is no impostor (:func:`put`)."""
    owner = value.ref.removesuffix("()")
    if owner in interp.classes:
        return any(
            isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and interp.may_act(item)
            for item in interp.classes[owner].body
        )
    if value.ref.startswith(MADE_MODULE) or handed.rank(interp, value) < 2:
        return True
    package = interp.package
    if value.func is not None or package is None or not value.ref:
        return False
    module = absolute(value.ref, interp.module, package.is_package(interp.module))
    return module in package.sources and package.acts(module)


def put(interp: Interpreter, key: object, value: Val, env: dict[str, Val], when: When) -> bool:
    """Run the impostor ``value`` put in ``sys.modules`` under ``key``; False when it is not
    one."""
    if not isinstance(key, str) or not _shadows(interp, key):
        return False  # the archive's own module under another of its names
    given = intercept.mark(key)  # every importer's calls now come here
    owner = value.ref.removesuffix("()")
    if owner in interp.classes:
        _methods(interp, owner, given, env, when)
        return True
    if value.func is not None:
        interp.run_hook(value, env, when, given)
        return True
    if value.ref.startswith(MADE_MODULE):  # ``types.ModuleType`` filled by setattr
        filled = [v for (made, _), v in interp.attrs.items() if made == value.ref]
        filled.sort(key=lambda v: handed.rank(interp, v))
        _past(interp, [handed.rank(interp, v) < 2 for v in filled])
        for function in filled[:MAX_SHADOW_FUNCTIONS]:
            interp.run_hook(function, env, when, given)
        return True
    return _module(interp, value.ref, given, when)


def _methods(
    interp: Interpreter, owner: str, given: frozenset[str], env: dict[str, Val], when: When
) -> None:
    instance = flowtypes.Val(ref=f"{owner}()")
    methods = [
        item
        for item in interp.classes[owner].body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    acting = [interp.may_act(item) for item in methods]
    order = sorted(range(len(methods)), key=lambda i: not acting[i])
    _past(interp, [acting[i] for i in order])
    for name in [methods[i].name for i in order[:MAX_SHADOW_FUNCTIONS]]:
        found = interp.lookup(owner, name)
        if found is not None:
            rest = [flowtypes.Val(labels=given)] * len(found.args.args)  # and ``*a, **kw``
            interp.method(owner, name, [instance, *rest], env, when)


def _module(interp: Interpreter, ref: str, given: frozenset[str], when: When) -> bool:
    """A module of the archive (``from . import fake``): each function it defines runs."""
    package = interp.package
    if package is None or not ref:
        return False
    module = absolute(ref, interp.module, package.is_package(interp.module))
    if module not in package.sources or module.split(".", 1)[0] not in package.tops:
        return False
    names = package.top_names(module)
    if names is None:
        return False
    functions = [
        (name, definition)
        for name, definition in names.defined.items()
        if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    hits = HitLines(package.sources[module][1].decode("utf-8", "replace"))
    acting = [hits.acts(d.lineno, d.end_lineno or d.lineno) for _, d in functions]
    order = sorted(range(len(functions)), key=lambda i: not acting[i])
    _past(interp, [acting[i] for i in order])
    for name, definition in [functions[i] for i in order[:MAX_SHADOW_FUNCTIONS]]:
        count = len(definition.args.args) + 1  # and ``*a, **kw``
        across.follow(interp, f"{ref}.{name}", [flowtypes.Val(labels=given)] * count, when)
    return True
