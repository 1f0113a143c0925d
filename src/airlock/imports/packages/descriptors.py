"""A file opened by its descriptor is a file opened for writing (issue 16; ADR 0191).

``fd = os.open(P, os.O_WRONLY | os.O_CREAT)`` and then ``os.write(fd, PAYLOAD)``, or
``os.fdopen(fd, 'w').write(PAYLOAD)``, wrote a payload that the package then ran
(``subprocess.call([sys.executable, P])``): only ``mkstemp``'s descriptor was known
(ADR 0162), so the write was no write and the run ran nothing the walk knew. Here
``os.open`` with flags that write (or that do not fold) gives the file open for writing, as
``open(P, 'w')`` does; ``os.fdopen`` of such a descriptor is the same file; ``os.write`` to
it is its write (:func:`writes.written`). An ``os.open`` that only reads gives nothing, as
before. Pure.
"""

from __future__ import annotations

import ast
import os

from airlock.imports.packages import tempname
from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.pathshape import SKELETON, arg_text, skeleton

# Flags of ``os.open`` that write, by name, and their bits (``O_RDONLY`` is 0: no bit).
WRITING_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})
_WRITING_BITS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_FLAG_NAMES = frozenset({*WRITING_FLAGS, "O_RDONLY", "O_CLOEXEC", "O_NOFOLLOW", "O_BINARY"})


def opened(node: ast.Call, ref: str, args: list[Val], env: dict[str, Val]) -> Val | None:
    """What ``os.open(path, flags)`` gives when it may write (the file, open), and what
    ``os.fdopen(fd)`` gives of such a descriptor (the same file); None otherwise."""
    if ref == "os.fdopen" and args and args[0].handle:
        return Val(handle=args[0].handle, path_var=args[0].path_var)
    if ref != "os.open" or len(node.args) < 2 or not _writes(node.args[1], args[1]):
        return None
    path = node.args[0]
    handle = arg_text(args[0])
    var = path.id if isinstance(path, ast.Name) else ""
    if not handle and var:  # a name that does not fold: a stand-in (ADR 0196)
        handle = tempname.unfolded(node, var, args[0], env)
    if not handle and not var:
        var = SKELETON + skeleton(path)  # matched by its text when run (``writes.dropped_to``)
    return Val(handle=handle or "?", path_var=var)


def _writes(flags: ast.expr, value: Val) -> bool:
    """Whether ``os.open``'s flags may open for writing: a write flag named in them, bits
    that write, or flags that neither fold nor name only reading flags."""
    if isinstance(value.const, int):
        return bool(value.const & _WRITING_BITS)
    named = [
        n.attr if isinstance(n, ast.Attribute) else n.id
        for n in ast.walk(flags)
        if isinstance(n, (ast.Attribute, ast.Name))
    ]
    flag_names = [n for n in named if n in _FLAG_NAMES]
    if flag_names and len(flag_names) == len([n for n in named if n != "os"]):
        return any(n in WRITING_FLAGS for n in flag_names)
    return True  # ``os.open(p, flags)``: what it opens cannot be told, so it may write


def written_to(args: list[Val]) -> bool:
    """``os.write(fd, data)`` to a descriptor opened for writing."""
    return len(args) == 2 and bool(args[0].handle)
