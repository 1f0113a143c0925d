"""Modules imported by a written name on a module-level line (ADR 0123).

``sockets = __import__('sockets')`` or ``importlib.import_module('reqeusts')`` on an
unindented line runs on import exactly as ``import sockets`` does; the look-alike import
rules (``analysis._embedded``) read ``import`` statements only, so an attacker who knows them
spells the import as a call. Indented calls are left, as indented ``import`` statements are
(inside a ``try`` or a function, an import may be optional). One name a line: the last
written call on it (``__import__('importlib').import_module('sockets')`` imports sockets).
"""

from __future__ import annotations

from collections.abc import Iterator

from airlock.imports.packages.lazyre import AtLineStart

# An unindented line, not a definition, ending its last importer call on a written name.
# No match ends with a newline (:class:`lazyre.AtLineStart`).
WRITTEN = AtLineStart(
    r"(?![ \t#]|def |async |class )[^\n]*(?:__import__|import_module)\(\s*"
    r"""['"]([A-Za-z_][\w.]*)['"]"""
)


def written_imports(source: str) -> Iterator[tuple[str, int]]:
    """Each module-level importer call's top-level module name and its line."""
    if "__import__" not in source and "import_module" not in source:
        return
    for match in WRITTEN.finditer(source):
        yield match.group(1).split(".", 1)[0], source.count("\n", 0, match.start(1)) + 1
