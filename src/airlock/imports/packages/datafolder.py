"""``data_files`` whose folder ``setup.py`` computes from the home folder or an environment
variable (issue 16; ADR 0171).

:mod:`datafiles` reads a folder written as text. ``data_files=[(os.path.expanduser('~'),
['evpkg/.bashrc'])]`` puts a shipped ``.bashrc`` in the installing user's home, and
``(os.path.join(os.environ['APPDATA'], ..., 'Startup'), ['u.bat'])`` a script in the
Windows Startup folder: no flow event, no finding. Here the folder's expression is read
without running it, as a path's shape (``~``, ``$APPDATA``, joined parts), and each file's
place (folder and base name) that a shell, the desktop, the loader or pip runs or trusts is
returned. A folder under the environment's prefix (relative text) is :mod:`datafiles`'s.

What it does not do: evaluate anything but ``os.path.expanduser``, ``os.path.join``,
``os.getenv``/``os.environ``, ``Path.home()`` and ``/`` of them; read a computed file list.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages.declared import keyword_nodes
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.sinks import START_SCRIPTS

# Beside the start scripts: Windows' Startup folder, an import line's file, the files that
# let someone in or choose the index pip installs from.
TRUSTED = LazyPattern(
    r"/startup/|\.pth$|(?:site|user)customize\.py$|authorized_keys|\.ssh/|pip\.(?:conf|ini)$|"
    r"launchagents/|\.pydistutils\.cfg$|\.condarc$|\.gitconfig$|\.git/hooks/",
    re.IGNORECASE,
)
MAX_PAIRS = 400


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def shape(node: ast.expr, depth: int = 0) -> str:  # noqa: PLR0911 -- one return per maker
    """A folder expression's text: ``~`` for the home folder, ``$NAME`` for a variable,
    parts joined by ``/``; ``?`` for any part not read."""
    if depth > 8:
        return "?"
    text = _text(node)
    if text is not None:
        return text.replace("\\", "/")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Add):
        glue = "/" if isinstance(node.op, ast.Div) else ""
        return shape(node.left, depth + 1) + glue + shape(node.right, depth + 1)
    if isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ"):
        name = _text(node.slice)
        return f"${name}" if name else "?"
    if not isinstance(node, ast.Call):
        return "?"
    ref = _dotted(node.func)
    last = ref.rpartition(".")[2]
    args = node.args
    if last == "home" and not args:
        return "~"
    if ref.endswith("getenv") or (last == "get" and "environ" in ref):
        name = _text(args[0]) if args else None
        return f"${name}" if name else "?"
    if last == "expanduser" and args:
        return shape(args[0], depth + 1)
    if last in {"join", "Path", "PurePath"} and args:
        return "/".join(shape(a, depth + 1).rstrip("/") for a in args[:8])
    return "?"


def places(tree: ast.Module) -> list[str]:
    """Where ``data_files`` with a folder built from the home folder or an environment
    variable puts each named file, when a shell, the desktop or pip runs or trusts it."""
    found: list[str] = []
    for _, value in keyword_nodes(tree, ("data_files",)):
        if not isinstance(value, ast.List | ast.Tuple):
            continue
        for pair in value.elts[:MAX_PAIRS]:
            if not (isinstance(pair, ast.Tuple | ast.List) and len(pair.elts) == 2):
                continue
            folder, files = pair.elts
            if _text(folder) is not None:
                continue  # written text: :mod:`datafiles` reads it
            where = shape(folder)
            if not where.startswith(("~", "$")):
                continue
            named = files.elts if isinstance(files, ast.List | ast.Tuple) else [files]
            bases = [t.rsplit("/", 1)[-1] for n in named if (t := _text(n)) is not None]
            for base in bases or [""]:
                place = f"{where.rstrip('/')}/{base}"
                if START_SCRIPTS.search(place) or TRUSTED.search(place):
                    found.append(place)
                    break
    return found
