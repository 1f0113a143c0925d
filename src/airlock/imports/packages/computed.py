"""Modules imported or run by a computed name on install or import (ADR 0132): what such
a call may reach, as the literal start of the name or path it builds ("" for anything).

:mod:`sidecalled` lowers a side module's payload only when nothing run on install or import
reaches it, and reads that first from the text: who names the module. A name built from
pieces (``import_module("evpkg.tests." + "helper")``, a decoded string) names nothing, so
every ``import_module``, ``__import__``, ``runpy`` call and file loader outside side code
whose target is not a literal is read here, when the code holding it runs on import: at its
module's level or in what that uses, or in a function whose name another module's import-time
code uses. Its target's literal start limits what it reaches (``f"fastmcp.server.{name}"``
reaches ``fastmcp.server.*`` only, ``f".{name}"`` the importer's own package); a target read
from a module-level literal (``_module_lookup[name]``) names its modules in the text, which the
caller already reads. Anything else may reach any module.

Not followed: a function holding such a call that is used on import two modules away.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import is_literal, parse_member
from airlock.imports.packages.importruns import import_run, innermost_name
from airlock.imports.packages.local import module_names

# Calls that import or run a module by name (first argument) or a file by path (second).
BY_NAME = frozenset({"import_module", "__import__", "run_module"})
BY_PATH = {"run_path": 0, "execfile": 0, "spec_from_file_location": 1, "load_source": 1}
BY_PATH_LOADERS = {"SourceFileLoader": 1, "SourcelessFileLoader": 1}
MARKERS = tuple(n.encode() for n in (*BY_NAME, *BY_PATH, *BY_PATH_LOADERS))
# Files read for the functions' users: past it, a function is taken to run on import.
MAX_USERS = 64


def computed_reach(
    members: list[Member], runs_on_its_own: Callable[[str], bool], *, sdist: bool
) -> list[str]:
    """Literal starts of the names or paths computed imports may reach ("" for anything),
    from the Python files ``runs_on_its_own`` says install, import or a tool runs."""
    sources = {
        m.name: m.data
        for m in members
        if m.data is not None and m.name.endswith((".py", ".pyw")) and runs_on_its_own(m.name)
    }
    starts: list[str] = []
    for path, data in sources.items():
        if not any(marker in data for marker in MARKERS):
            continue
        tree = parse_member(data)
        if tree is None:
            return [""]
        run = import_run(tree)
        for call, target in _computed_calls(tree):
            start = _literal_start(tree, target)
            if start is None:
                continue  # the literals it picks from are in the text
            holder = innermost_name(tree, call.lineno)
            used = _used_on_import(frozenset({holder} - {""}), sources, path)
            if call.lineno in run.lines or used:
                starts.append(_absolute(start, path, sdist=sdist))
    return starts


def reaches(starts: list[str], path: str, *, sdist: bool) -> bool:
    """Whether a computed import starting with one of ``starts`` may reach ``path``."""
    names = module_names(path, sdist=sdist)
    relative = path.split("/", 1)[-1] if sdist else path
    return any(relative.startswith(s) or any(n.startswith(s) for n in names) for s in starts)


def _computed_calls(tree: ast.Module) -> Iterator[tuple[ast.Call, ast.expr | None]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        index = 0 if name in BY_NAME else {**BY_PATH, **BY_PATH_LOADERS}.get(name)
        if index is None:
            continue
        yield node, node.args[index] if len(node.args) > index else None


def _literal_start(tree: ast.Module, node: ast.expr | None) -> str | None:
    """The literal start of the name ``node`` builds; None when it is one literal or read
    from a module-level literal (the text names what it picks). Pieces joined are not one
    literal: ``"evpkg.tests." + "hel" + "per"`` names no module in the text."""
    if node is None:
        return ""  # a keyword argument or ``*args``: anything
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None
    base = node
    if isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
        base = base.func.value  # ``LOOKUP.get(name)``
    if isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Name) and _literal_binding(tree, base.id):
        return None
    return _start(node)[0]


def _start(node: ast.expr) -> tuple[str, bool]:
    """The literal text ``node`` starts with, and whether that is all of it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.JoinedStr):
        head: list[str] = []
        for value in node.values:
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                return "".join(head), False
            head.append(value.value)
        return "".join(head), True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, whole = _start(node.left)
        if not whole:
            return left, False
        right, whole = _start(node.right)
        return left + right, whole
    return "", False


def _literal_binding(tree: ast.Module, name: str) -> bool:
    """Whether the module binds ``name`` once, at its top level, to a literal."""
    bound = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)
    ]
    values = [
        n.value
        for n in tree.body
        if isinstance(n, (ast.Assign, ast.AnnAssign))
        and any(isinstance(t, ast.Name) and t.id == name for t in _targets(n))
    ]
    return len(bound) == 1 and len(values) == 1 and values[0] is not None and is_literal(values[0])


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _used_on_import(names: frozenset[str], sources: dict[str, bytes], own: str) -> bool:
    """Whether another module's import-time code uses one of ``names`` (the functions and
    classes holding a computed import); too many users to read counts as yes."""
    if not names:
        return False
    pattern = re.compile(
        rb"(?<!\w)(?:" + b"|".join(re.escape(n.encode()) for n in names) + rb")(?!\w)"
    )
    encoded = [n.encode() for n in names]
    users = [
        p
        for p, data in sources.items()
        if p != own and any(n in data for n in encoded) and pattern.search(data)
    ]
    if len(users) > MAX_USERS:
        return True
    for user in users:
        tree = parse_member(sources[user])
        if tree is None or names & import_run(tree).names:
            return True
    return False


def _absolute(start: str, importer: str, *, sdist: bool) -> str:
    """``start`` with leading dots resolved against ``importer``'s package."""
    if not start.startswith("."):
        return start
    names = module_names(importer, sdist=sdist)
    if not names:
        return ""
    package = names[0].split(".")
    if not importer.endswith("/__init__.py"):
        package = package[:-1]
    level = len(start) - len(start.lstrip("."))
    package = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*package, start.lstrip(".")]) if package else ""
