"""Code a started interpreter runs that only asks it a question (issue 16; ADR 0152).

A build or a test starts ``python3 -c 'import sys; print(sys.version_info[0])'`` or
``python3 -c 'import os, sys; print(os.stat(1), file=sys.stderr)'`` to learn something
about an interpreter. :data:`chains.DROPPER` took the ``python -c`` words for a
download-and-run, so such a line in ``setup.py`` denied the package and one in a test
(python-daemon's) held it. The flow pass already reads literal ``-c`` code as Python
(ADR 0086) and judges what it does; this module says when that code can do nothing
beside answering, so the scorer need not read the interpreter's flag as a dropper word.

:func:`asks_only` is an allowlist, not a search for bad calls: the code imports only
modules that describe the interpreter and its platform, calls only reading functions of
them and a few builtins, and names none of the ways to reach other code (``__import__``,
``getattr``, ``exec``, ``open``, ``input``). Anything else (a third-party or the package's
own module imported, a file opened, ``os.chmod``, ``code.interact()``) keeps the flag, and
so the verdict it had. What it does not do: read a command that is a string (a shell
parses it), code that does not fold to a literal, or code past the parse bound.
"""

from __future__ import annotations

import ast

# Modules that describe the interpreter and its platform; none runs or loads other code.
QUERY_MODULES = frozenset({
    "sys", "os", "os.path", "sysconfig", "platform", "struct", "locale", "distutils",
    "distutils.sysconfig",
})  # fmt: skip
# Their functions that only read (``os.path`` and ``sysconfig``, ``platform`` wholly).
QUERY_CALLS = frozenset({
    "os.stat", "os.lstat", "os.getcwd", "os.cpu_count", "os.getpid", "os.uname", "os.fspath",
    "os.getenv", "os.get_terminal_size", "os.fsencode", "os.fsdecode", "os.environ.get",
    "sys.exit", "sys.getsizeof", "sys.getfilesystemencoding", "sys.getdefaultencoding",
    "sys.getrecursionlimit", "sys.stdout.write", "sys.stderr.write", "sys.stdout.flush",
    "sys.stderr.flush", "struct.calcsize", "locale.getpreferredencoding",
})  # fmt: skip
QUERY_PREFIXES = ("os.path.", "sysconfig.", "platform.", "distutils.sysconfig.")
BUILTINS = frozenset({
    "print", "len", "str", "int", "float", "bool", "repr", "sorted", "list", "tuple", "dict",
    "set", "max", "min", "any", "all", "abs", "round", "hex", "format",
})  # fmt: skip
# Methods of the values those return (strings, lists, dicts).
VALUE_METHODS = frozenset({
    "join", "split", "strip", "format", "decode", "encode", "get", "items", "keys", "values",
    "replace", "startswith", "endswith", "lower", "upper",
})  # fmt: skip
UNSAFE_NAMES = frozenset({
    "__import__", "__builtins__", "builtins", "getattr", "setattr", "delattr", "globals",
    "locals", "vars", "exec", "eval", "compile", "open", "input", "breakpoint", "__loader__",
    "__spec__",
})  # fmt: skip


def asks_only(code: str) -> bool:
    """Whether ``code`` only imports :data:`QUERY_MODULES` and only calls their reading
    functions, the listed builtins and string, list and dict methods of values."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            return False  # a name bound from a module: its calls are not told apart here
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in QUERY_MODULES:
                    return False
                aliases[alias.asname or alias.name.partition(".")[0]] = (
                    alias.name if alias.asname else alias.name.partition(".")[0]
                )
        elif isinstance(node, ast.Name) and node.id in UNSAFE_NAMES:
            return False
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            return False  # ``().__class__.__bases__``: the way back to every builtin
    return all(_reads(n.func, aliases) for n in ast.walk(tree) if isinstance(n, ast.Call))


def _reads(func: ast.expr, aliases: dict[str, str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in BUILTINS
    dotted = _dotted(func, aliases)
    if dotted is not None:
        if dotted in QUERY_CALLS or dotted.startswith(QUERY_PREFIXES):
            return True
        # A method of a module's value (``sys.version.split()``), never a module's own
        # function of that name (``os.replace`` moves a file).
        return dotted.count(".") >= 2 and dotted.rpartition(".")[2] in VALUE_METHODS
    # A method of a value that is not a module's (``sys.version.split()``, ``' '.join``).
    return isinstance(func, ast.Attribute) and func.attr in VALUE_METHODS


def _dotted(func: ast.expr, aliases: dict[str, str]) -> str | None:
    """``os.path.join`` for a call through an imported module's name; None otherwise."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases or not parts:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])
