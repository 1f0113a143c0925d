"""Start-up hooks of other tools that a ``.pth`` line may name (issue 16, ADR 0143).

Pure. coverage.py documents one line for measuring subprocesses: a ``.pth`` file holding
``import coverage; coverage.process_startup()``, which starts measurement only when the
user has set ``COVERAGE_PROCESS_START`` and does nothing otherwise (tld ships it at its
sdist's top). The line's meaning is fixed by coverage's own API: the code it runs is
coverage's, a package vetted on its own when it is imported into the enclave, and nothing
in the line carries data of its own.

What it deliberately does not do: vouch for a line that differs in any way (another
module, an alias, an argument, a second statement, code after the call), nor for the line
when any member of the archive could be what ``import coverage`` finds (``coverage/``,
``coverage.py``, ``coverage.pyc``, ``coverage.cpython-311-x86_64-linux-gnu.so``, at any
depth): then the line may run this archive's code, and is judged as any other line. Where
the archive's names are not known (a ``.pth`` inside a nested archive), nothing is vouched
for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

# (module, function): ``import MODULE; MODULE.FUNCTION()`` and nothing else.
KNOWN_HOOKS = frozenset({("coverage", "process_startup")})


def present_names(names: Iterable[str]) -> frozenset[str]:
    """Every name an import could find in an archive with members ``names``: each folder
    of each path and each file name up to its first dot."""
    found: set[str] = set()
    for name in names:
        *folders, base = name.split("/")
        found.update(folders)
        found.add(base.split(".", 1)[0])
    return frozenset(found)


def known_hook(tree: ast.Module, present: frozenset[str] | None) -> bool:
    """Whether ``tree`` (one ``.pth`` line) is exactly a known tool's start-up hook whose
    module is none of ``present`` (:func:`present_names`; None: not known, so never)."""
    if present is None:
        return False
    if len(tree.body) != 2:  # the import and the call
        return False
    imported, called = tree.body
    if not (
        isinstance(imported, ast.Import)
        and len(imported.names) == 1
        and imported.names[0].asname is None
        and isinstance(called, ast.Expr)
        and isinstance(call := called.value, ast.Call)
        and not call.args
        and not call.keywords
        and isinstance(function := call.func, ast.Attribute)
        and isinstance(function.value, ast.Name)
    ):
        return False
    module = imported.names[0].name
    return (
        function.value.id == module
        and (module, function.attr) in KNOWN_HOOKS
        and module not in present
    )
