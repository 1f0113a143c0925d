"""What ``print`` writes into an open file (issue 16; ADRs 0190, 0191).

``print(PAYLOAD, file=f)`` into the file the package then ran was no write (ADR 0190): the
walk reads ``print(x, y, file=f)`` as ``f.write(f'{x} {y}')`` when ``f`` is a name or a
dotted name holding an open file. ADR 0191 adds the file given as an expression
(``print(PAYLOAD, file=open(P, 'w'))``, evaluated once) and standard output sent into a file:
``sys.stdout = f`` or ``contextlib.redirect_stdout(f)``, and then a bare ``print(PAYLOAD)``
or ``sys.stdout.write(PAYLOAD)`` (standard error alike). The file a stream was last sent
into is kept under a name no source spells (:data:`STREAMS`) for the rest of the scope (a
``with`` block's end does not undo it: reading a later print as a write of the file costs
nothing but a write event).

``print`` to anything else (a stream not sent into a file, an unknown object) is left: no
write event is made for the thousands of prints to a stream. Pure.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Val, When
from airlock.imports.packages.plainattr import root_name

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# The file each standard stream is sent into, as the walk keeps it (names no source spells).
STDOUT, STDERR = "\0stdout", "\0stderr"
STREAMS = {"stdout": STDOUT, "stderr": STDERR}
REDIRECTS = {"contextlib.redirect_stdout": STDOUT, "contextlib.redirect_stderr": STDERR}
_HELD = "\0printed"  # the name the rewritten call gives a file given as an expression


def printed_call(
    interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When
) -> Val | None:
    """What ``print(…)`` into an open file gives, read as that file's ``write`` of the
    printed text (made once per call site and kept); None for any other call."""
    func = node.func
    if not (isinstance(func, ast.Name) and func.id == "print" and "print" not in env):
        return None
    if not node.args:
        return None
    target = next((k.value for k in node.keywords if k.arg == "file"), None)
    extra: dict[str, Val] = {}
    owner: ast.expr
    if target is None:
        held, owner = env.get(STDOUT), ast.copy_location(ast.Name(STDOUT, ast.Load()), node)
    elif root_name(target):  # read again, a name or a dotted name runs nothing
        held = env.get(target.id) if isinstance(target, ast.Name) else None
        held = held or interp.expr(target, env, When.LATER)
        owner = target
    else:  # ``file=open(P, 'w')``: evaluated once, here
        held = interp.expr(target, env, when)
        owner = ast.copy_location(ast.Name(_HELD, ast.Load()), target)
        extra = {_HELD: held}
    if held is None or not _open_file(held):
        return None
    known = interp.synthetic.get(id(node))
    if known is None:
        attribute = ast.copy_location(ast.Attribute(owner, "write", ast.Load()), node.func)
        known = ast.copy_location(ast.Call(attribute, [_printed_text(node)], []), node)
        interp.synthetic[id(node)] = known
    return interp.call(known, {**env, **extra} if extra else env, when)


def redirected(ref: str, args: list[Val], env: dict[str, Val]) -> None:
    """``contextlib.redirect_stdout(f)`` of an open file: standard output is that file."""
    kept = REDIRECTS.get(ref)
    if kept is not None and args and _open_file(args[0]):
        env[kept] = args[0]


def swapped(interp: Interpreter, target: ast.Attribute, value: Val, env: dict[str, Val]) -> None:
    """``sys.stdout = f`` (or ``sys.stderr``) of an open file: the stream is that file."""
    kept = STREAMS.get(target.attr)
    if kept is None or not _open_file(value) or not isinstance(target.value, ast.Name):
        return
    if interp.expr(target.value, env, When.LATER).ref == "sys":
        env[kept] = value


def stream(base: Val, attr: str, env: dict[str, Val]) -> Val | None:
    """``sys.stdout`` once sent into a file: that file (``sys.stdout.write(x)`` writes it)."""
    kept = STREAMS.get(attr)
    return env.get(kept) if kept is not None and base.ref == "sys" else None


def _open_file(value: Val) -> bool:
    return bool(value.handle) and not value.ref and value.func is None


def _printed_text(node: ast.Call) -> ast.expr:
    """What ``print`` writes: its one argument, or its arguments joined by its written
    ``sep`` (a space) as an f-string, which the walk folds."""
    if len(node.args) == 1 and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    sep = next((k.value for k in node.keywords if k.arg == "sep"), None)
    gap = sep.value if isinstance(sep, ast.Constant) and isinstance(sep.value, str) else " "
    parts: list[ast.expr] = []
    for i, arg in enumerate(node.args):
        if i:
            parts.append(ast.copy_location(ast.Constant(gap), node))
        parts.append(ast.copy_location(ast.FormattedValue(arg, -1, None), arg))
    return ast.copy_location(ast.JoinedStr(parts), node)
