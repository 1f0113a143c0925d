"""Whether ``setup.py`` takes only constants from a local module (issue 16, ADR 0129).

A module that ``setup.py`` imports runs at install, and its functions are taken to run then
too (a dropper moved out of ``setup.py`` into ``pre_install.py``). ``from nodeenv import
nodeenv_version`` for the version runs the module's top level and nothing else: its
functions run when the installed tool is used. Such a module is read as any module is (its
top level on import, its functions when called).

Pure: syntax trees in, a boolean out. What it deliberately does not do: excuse a module
named anywhere else in ``setup.py`` (``import m``, ``__import__('m')``, a string it execs,
an attribute), a name bound to anything but a literal, or a star import.
"""

from __future__ import annotations

import ast

from airlock.imports.packages.grammar import is_literal


def constants_only(setup_tree: ast.Module, module: str, source: str) -> bool:
    """Whether every mention of ``module`` in ``setup.py`` is ``from module import NAMES``
    whose names ``source`` (the module's text) binds only to literals at its top level."""
    froms = [
        node
        for node in ast.walk(setup_tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module
    ]
    if not froms or _named_otherwise(setup_tree, module):
        return False  # ``import m``, ``m.run``, ``__import__('m')``, code it execs
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    names = {alias.name for node in froms for alias in node.names}
    return "*" not in names and all(_literal_binding(tree, name) for name in names)


def _literal_binding(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` is bound at the module's top level, and only by ``name = LITERAL``
    (or its annotated form): any other binding of it anywhere in the module (a ``def``, a
    ``class``, an import, an unpacking, one inside ``if``/``try``/a function) is not."""
    plain = 0
    for node in tree.body:
        target = (
            node.targets[0]
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            else node.target
            if isinstance(node, ast.AnnAssign)
            else None
        )
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == name and value is not None:
            if not is_literal(value):
                return False
            plain += 1
    return plain > 0 and _bindings(tree, name) == plain


def _bindings(tree: ast.Module, name: str) -> int:
    """How many places in the module bind ``name`` (stores, defs, classes, imports)."""
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            count += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            count += node.name == name
        elif isinstance(node, ast.alias):
            count += (node.asname or node.name).split(".")[0] == name
    return count


# Calls through which setup.py could reach a module by a name it computes, or run text.
DYNAMIC = frozenset(
    {
        "__import__",
        "import_module",
        "exec",
        "eval",
        "compile",
        "run_module",
        "run_path",
        "execfile",
        "load_source",
        "spec_from_file_location",
    }
)


def _named_otherwise(tree: ast.Module, module: str) -> bool:
    """Whether ``setup.py`` names ``module`` as a module (``import m``, ``m`` as a value) or
    imports or runs anything by a computed name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == module for a in node.names):
            return True
        if isinstance(node, ast.Name) and node.id == module:
            return True
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in DYNAMIC:
                return True
    return False
