"""A class body's scope for the flow pass (ADR 0123).

Python runs a class body once, top to bottom, in one namespace of its own: a name it binds
(``import os``, ``u = '...'``) is seen by its later statements, and a name it declares
``global`` is bound in the module. Moving a module's code into a class body
(``class _M: global os; import os ...``) is one of the first rewrites an attacker who knows
the pass tries; walking each statement in a fresh copy of the enclosing scope lost both.

Methods are not walked here: they are queued, as before, and read the module's names.
"""

from __future__ import annotations

import ast

from airlock.imports.packages.flowtypes import Val


def scope(
    node: ast.ClassDef, env: dict[str, Val], defined: dict[str, Val]
) -> tuple[dict[str, Val], frozenset[str]]:
    """The body's namespace (the enclosing names it reads, and its own functions) and the
    names its own statements declare ``global`` (not those of its methods)."""
    declared = frozenset(
        name for item in node.body if isinstance(item, ast.Global) for name in item.names
    )
    return {**env, **defined}, declared


def publish(scope: dict[str, Val], declared: frozenset[str], env: dict[str, Val]) -> None:
    """Names declared ``global`` that the body has bound, written where the class was
    defined (the module, for a class at module level)."""
    for name in declared:
        if name in scope:
            env[name] = scope[name]
