"""Whether a text that names PyArmor is PyArmor's output, not a mention of it (ADR 0135).

Pure. :data:`tradecraft.PYARMOR` finds PyArmor's names in a file's text; a tracer that
guards its bytecode rewriting against obfuscated functions (ddtrace's
``internal/utils/obfuscation.py``) names ``__armor_enter__`` in its docstring, comments and
a ``frozenset`` of markers, and was held as packed code. What PyArmor writes is code: an
import of its runtime (``from pytransform import pyarmor_runtime``, PyArmor 8's
``from pyarmor_runtime_000000 import __pyarmor__``) and a call of its loader
(``__pyarmor__(__name__, __file__, b'...')``, ``pyarmor_runtime()``). So a match counts
only when the module's syntax tree holds such an import or call; a name inside a string,
a docstring or a comment does not. A text that does not parse keeps the match (fail
closed: an unparseable module is judged by its text, as before).

What it does not do: read the blob (it is encrypted), or find a runtime imported under a
name that is not PyArmor's (``importlib.import_module(name)``); the loader call is judged
by its name, so ``f = __pyarmor__; f(...)`` still counts through the name's load.
"""

from __future__ import annotations

import ast
import re

# PyArmor's runtime modules (``pytransform`` up to 7, ``pyarmor_runtime_NNNNNN`` from 8).
RUNTIME_MODULE = re.compile(r"(?:^|\.)(?:pytransform|pyarmor_runtime\w*)$")
# Its loader and the wrappers its restrict modes put around each function.
RUNTIME_NAME = re.compile(
    r"^(?:__pyarmor__|pyarmor_runtime\w*|__armor_enter__|__armor_exit__|__pyarmor_\w+__)$"
)


def is_pyarmor_code(source: str) -> bool:
    """True if ``source`` imports PyArmor's runtime or uses its loader as code, or does not
    parse (so the text alone decides)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return any(_is_runtime(node) for node in ast.walk(tree))


def _is_runtime(node: ast.AST) -> bool:
    """An import of PyArmor's runtime, or a use of one of its names as code."""
    if isinstance(node, ast.Import):
        return any(RUNTIME_MODULE.search(alias.name) for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return bool(RUNTIME_MODULE.search(node.module or "")) or any(
            RUNTIME_NAME.match(alias.name) for alias in node.names
        )
    if isinstance(node, ast.Name):
        return bool(RUNTIME_NAME.match(node.id))
    return isinstance(node, ast.Attribute) and bool(RUNTIME_NAME.match(node.attr))
