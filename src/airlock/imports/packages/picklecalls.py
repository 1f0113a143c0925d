"""Calls a pickle makes that no allowlist vouches for, judged with what the archive tells
(ADR 0124, issue 16).

Pure. :func:`pickles.scan_pickle` reads one member and does not know the package, so its
``pickle-call`` finding (high) carries every call :mod:`pickleallow` did not vouch for
(:class:`rules.PickleCallFinding`; its message names the first few). Here:

* a class of the package's own modules, restored or called, is its own code, which the
  source passes read: dropped. A function of its own modules stays named: the pickle picks
  its arguments, unless the archive shows it is a class or its native module's
  reconstructor (:mod:`pickleown`, ADR 0135).
* a pickle that a module of the package loads at its top level (``pickle.load``,
  ``joblib.load``, ``torch.load``, ``numpy.load``, ``pandas.read_pickle`` of a path naming
  the file) runs those calls on ``import``: critical, as the fake Alibaba AI SDKs of 2025
  did with their model (ADR 0120).
* a pickle under ``tests/``, ``docs/`` or ``examples/`` that nothing loads on import is
  lightened (medium), as code there is.

What it does not do: follow a load made in a function, even one called at import; a path
built from pieces that do not spell the file's name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from airlock.imports.packages import pickleown
from airlock.imports.packages.local import LocalModules
from airlock.imports.packages.moments import SIDE_CODE, lighter
from airlock.imports.packages.pickles import call_finding
from airlock.imports.packages.rules import PackageFinding, PickleCallFinding, Severity

LOADERS = {"load", "loads", "read_pickle", "load_model"}


def judged(
    findings: list[PackageFinding],
    package: LocalModules,
    natives: frozenset[str] = frozenset(),
) -> list[PackageFinding]:
    """``findings`` with each ``pickle-call`` judged as the module docstring says;
    ``natives``: the package's own native modules (:func:`pickleown.native_modules`)."""
    if not any(f.rule == "pickle-call" for f in findings):
        return findings
    loads = _loaded_on_import(package, {_base(f.path) for f in findings if f.rule == "pickle-call"})
    out: list[PackageFinding] = []
    for finding in findings:
        if not isinstance(finding, PickleCallFinding):
            # Not a call list (or one rebuilt on its way here, e.g. lightened under
            # ``tests/``): kept as it is, never lowered by names it may not list in full.
            out.append(finding)
            continue
        held = [
            (how, name)
            for how, name in finding.calls
            if not _own(name, how, package.tops)
            and not pickleown.vouched(how, name, package, natives)  # ADR 0135
        ]
        if not held:
            out.append(
                PackageFinding(
                    "pickle-globals",
                    finding.path,
                    0,
                    Severity.MEDIUM,
                    "pickle restores only classes of the package's own modules",
                )
            )
            continue
        loader = loads.get(_base(finding.path))
        if loader:
            extra = f", and {loader} loads this file when it is imported"
            out.append(call_finding(finding.path, held, Severity.CRITICAL, extra))
        elif SIDE_CODE.search(finding.path):
            out.append(lighter(call_finding(finding.path, held)))
        else:
            out.append(call_finding(finding.path, held))
    return out


def _base(path: str) -> str:
    return path.split("!", 1)[0].rsplit("/", 1)[-1]


def _own(name: str, how: str, tops: frozenset[str]) -> bool:
    """A class of the package's own modules (a CapWords last name when called)."""
    if name.endswith("()") or name.split(".", 1)[0] not in tops:
        return False
    return how != "call" or name.rsplit(".", 1)[-1][:1].isupper()


def _loaded_on_import(package: LocalModules, bases: set[str]) -> dict[str, str]:
    """Per pickle file name: the member of a module whose top level loads a path naming it."""
    found: dict[str, str] = {}
    for module, (path, data) in package.sources.items():
        if SIDE_CODE.search(path):
            continue
        named = [b for b in bases if b not in found and b.encode() in data]
        if not named or not any(w.encode() in data for w in LOADERS):
            continue
        tree = package.parsed(module)
        if tree is None:
            continue
        for base in _top_level_loads(tree, named):
            found.setdefault(base, path)
    return found


def _top_level_loads(tree: ast.Module, bases: list[str]) -> set[str]:
    """Which of ``bases`` a statement of the module's top level loads: a loader call in a
    statement that spells the name, or names a variable bound to a text spelling it."""
    bound: dict[str, set[str]] = {}  # module-level names -> file names their value spells
    loaded: set[str] = set()
    for statement in _top_statements(tree.body):
        spelt = {b for b in bases if _spells(statement, b)}
        names = {n.id for n in _nodes(statement) if isinstance(n, ast.Name)}
        via = spelt.union(*(bound.get(n, set()) for n in names))
        if via:  # ``PATH = ...``, ``with open(...) as f``, ``for f in ...``
            for node in _nodes(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bound.setdefault(node.id, set()).update(via)
        if via and any(_is_load(n) for n in _nodes(statement)):
            loaded |= via
    return loaded


def _top_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run on import: the module's, and those inside its ``if``, ``try``,
    ``with``, loops and class bodies, not inside functions."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        blocks = [
            getattr(statement, field, None) for field in ("body", "orelse", "finalbody", "handlers")
        ]
        inner = [s for block in blocks if isinstance(block, list) for s in block]
        handlers = [s for s in inner if isinstance(s, ast.ExceptHandler)]
        inner = [s for s in inner if isinstance(s, ast.stmt)]
        inner += [s for h in handlers for s in h.body]
        if inner:
            yield statement  # its own test or items (``with open(...) as f``)
            yield from _top_statements(inner)
        else:
            yield statement


def _nodes(statement: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of ``statement`` itself, not of the statements nested in its blocks nor of
    functions and lambdas it defines."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt | ast.ExceptHandler | ast.Lambda):
                continue
            stack.append(child)


def _spells(statement: ast.stmt, base: str) -> bool:
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and base in n.value
        for n in _nodes(statement)
    )


def _is_load(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )
    return name in LOADERS
