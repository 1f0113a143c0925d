"""Credential files a walk picks by their name (ADR 0110).

``glob('**/.env')`` and ``Path.home().rglob('.env')`` name the files they find, so what they
find is a credential (ADR 0104, 0110). A walk can pick the same files by testing each name
instead: ``for f in os.listdir(d): if f == '.env': ...``, ``if f.endswith('.env')``, ``if
e.name in ('.env', '.env.local')``, ``if fnmatch(f, '*.env')``. Inside such an ``if``, the
tested name is a credential file's, so :mod:`statements` marks it as a secret for the
block (and only the block): the file it opens is a credential read, sent or not.

Pure, over the test's syntax. What it deliberately does not do: read a test that skips the
files (``!=``, ``not in``, ``not f.endswith(...)``: a deploy tool leaving ``.env`` out),
a name tested through a helper function, or a pattern held in a variable.
"""

from __future__ import annotations

import ast

from airlock.imports.packages.sinks import secret_path

# A name's own tests that pick a file by its name (``f.endswith('.env')``), and
# ``fnmatch(f, '*.env')`` (the name first).
METHOD_PICKS = frozenset({"endswith", "startswith"})
FUNCTION_PICKS = frozenset({"fnmatch", "fnmatchcase"})
# What a path or a directory entry names its file by (``p.name == '.env'``, ``e.name``).
NAME_PARTS = frozenset({"name", "suffix", "stem"})


def secret_names(test: ast.expr) -> list[str]:
    """The variables an ``if`` test proves to name a credential file: ``f == '.env'``,
    ``f in ('.env', '.env.local')``, ``e.name == 'id_rsa'``, ``f.endswith('.env')``,
    ``fnmatch(f, '*.env')``, either side of an ``and``/``or``."""
    if isinstance(test, ast.BoolOp):
        return [name for value in test.values for name in secret_names(value)]
    if isinstance(test, ast.Compare):
        return _compared(test)
    if isinstance(test, ast.Call):
        return _picked(test)
    return []


def _compared(test: ast.Compare) -> list[str]:
    if len(test.ops) != 1 or not isinstance(test.ops[0], (ast.Eq, ast.In)):
        return []
    left, right = test.left, test.comparators[0]
    for named, spelt in ((left, right), (right, left)):
        variable = _tested(named)
        if variable and _names_secret(spelt):
            return [variable]
    return []


def _picked(test: ast.Call) -> list[str]:
    func = test.func
    if isinstance(func, ast.Attribute) and func.attr in METHOD_PICKS and test.args:
        tested, patterns = func.value, test.args[0]
    elif _function_name(func) in FUNCTION_PICKS and len(test.args) == 2:
        tested, patterns = test.args[0], test.args[1]
    else:
        return []
    variable = _tested(tested)
    return [variable] if variable and _names_secret(patterns) else []


def _function_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _tested(node: ast.expr) -> str:
    """The variable a test reads a file's name from: ``f``, ``p.name``, ``e.name``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and node.attr in NAME_PARTS:
        return node.value.id if isinstance(node.value, ast.Name) else ""
    return ""


def _names_secret(node: ast.expr) -> bool:
    """Whether the test's other side writes a credential file's name: one string, or a
    tuple's, list's or set's."""
    if isinstance(node, ast.Constant):
        written = [node.value]
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        written = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    else:
        return False
    return any(isinstance(w, str) and secret_path(w) for w in written)
