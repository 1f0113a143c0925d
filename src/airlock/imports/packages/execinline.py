"""A module's top-level ``exec`` of code in plain sight is read as the module's own code
(issue 16; ADR 0155).

A module whose whole body is ``exec('...')`` of its own text runs exactly that text in its
own namespace. The flow pass reads such code (ADR 0153, 0154), but only as code run from a
string: the passes that read a module's syntax tree never see it. So a ``setup.py``
wrapped so (``_code = '...setup(cmdclass={"install": Hook})...' + x; exec(_code)``) had no
install hook, and a helper module wrapped so defined no function its importer could
follow: on the malicious calibration half, 15 of 148 denied files dropped (6 to allow)
when each module was wrapped in an exec of a grown string, and 9 of them also when it was
wrapped in an exec of the plain literal.

Here, before any pass reads a Python member, each statement at the module's top level
that starts its line and is ``exec(CODE)`` (``builtins.exec``, or ``exec(compile(CODE,
...))``), where CODE is a string or bytes literal, a name bound at the top level only (by
``=`` or ``+=``, to such code) or a sum or f-string whose start is such code (the known
parts, as :mod:`parttext` keeps them), has CODE's text put *before* it. The exec statement
stays: the flow pass reads it as before, so a name rebound where this reading does not look
(``globals()['_code'] = ...``) is still read where it runs. Only a module that still parses
is rewritten; ``from __future__`` imports in CODE become blank lines. The shipped bytes are
kept for the RECORD check (:attr:`archive.Member.shipped`).

What it does not do: read an exec inside a function, a class or a condition (the flow pass
reads those), code built by ``join``, ``%`` or ``.format``, decoded or downloaded code (an
obfuscated exec, judged as such), or more than :data:`MAX_ADDED` characters per module.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from airlock.imports.packages.archive import Member
from airlock.imports.packages.grammar import parse_module
from airlock.imports.packages.lazyre import AtLineStart

# A statement at column 0 that calls exec: the only modules parsed here. Tried at line
# starts only (:class:`lazyre.AtLineStart`; a match ends with ``(``, never a newline), after
# a test for ``exec`` anywhere: the ``^`` pattern tried every byte of every module (issue 16:
# a twentieth of vetting's CPU).
TOP_EXEC = AtLineStart(rb"(?:builtins\s*\.\s*)?exec\s*\(")
# A coding cookie other than UTF-8 makes Python read other text than these bytes (ADR 0057).
CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*(?!utf-?8\b)[-\w.]+", re.MULTILINE | re.I)
COOKIE_SPAN = 512  # the first two lines, generously
BOM = "\ufeff"
MAX_ADDED = 2_000_000  # characters of code put into one module
MAX_DEPTH = 3  # code that itself execs code at its top level, read so deep
LINES = re.compile(r"(?<=\n)")


def inlined(data: bytes) -> bytes | None:
    """The module's text with the code of each top-level exec of code in plain sight put
    before that exec; None when there is none (or the result would not parse)."""
    if b"exec" not in data or not TOP_EXEC.search(data) or CODING.search(data[:COOKIE_SPAN]):
        return None
    try:
        text = data.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError:
        return None
    grown = _inline(text, 1)
    if grown is None:
        return None
    return (BOM.encode() if data.startswith(BOM.encode()) else b"") + grown.encode()


def member_inlined(member: Member) -> Member:
    """``member`` read with its top-level execs' code in place (:func:`inlined`), the
    shipped bytes kept; itself for anything else."""
    if member.data is None or not member.name.endswith((".py", ".pyw")):
        return member
    grown = inlined(member.data)
    return member if grown is None else replace(member, data=grown, shipped=member.data)


def _inline(text: str, depth: int, tree: ast.Module | None = None) -> str | None:
    """``text`` with each top-level exec's code put before it; ``tree``: ``text`` parsed,
    when the caller has it."""
    if tree is None:
        try:
            tree = parse_module(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    top_only = _bound_at_top_only(tree)
    bound: dict[str, str] = {}
    inserts: list[tuple[int, str]] = []
    added = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            _bind(stmt.targets[0], _code(stmt.value, bound), bound, top_only)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
            target = stmt.target
            known = bound.get(target.id) if isinstance(target, ast.Name) else None
            tail = _code(stmt.value, bound) if known else None
            _bind(target, known + (tail or "") if known else None, bound, top_only)
        code = _executed(stmt, bound)
        if code is None or stmt.col_offset != 0 or added + len(code) > MAX_ADDED:
            continue
        readable = _readable(code)
        if readable is None:
            continue
        body, parsed = readable
        if depth < MAX_DEPTH:  # code that execs code at its top level
            body = _inline(body, depth + 1, parsed) or body
        inserts.append((stmt.lineno, body))
        added += len(body)
    if not inserts:
        return None
    lines = LINES.split(text)  # as the parser counts them (not ``splitlines``' breaks)
    for line, body in reversed(inserts):
        lines.insert(line - 1, body if body.endswith("\n") else body + "\n")
    grown = "".join(lines)
    try:
        parse_module(grown)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return grown


def _bound_at_top_only(tree: ast.Module) -> set[str]:
    """Names stored only by ``=``/``+=`` statements of the module's top level: their value
    where an exec runs is what those statements make it."""
    top = {
        id(t)
        for s in tree.body
        if isinstance(s, (ast.Assign, ast.AugAssign))
        for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
    }
    stored: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored[node.id] = stored.get(node.id, True) and id(node) in top
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                stored[name] = False
    return {name for name, only in stored.items() if only}


def _bind(target: ast.expr, code: str | None, bound: dict[str, str], top_only: set[str]) -> None:
    if not isinstance(target, ast.Name):
        return
    if code is not None and target.id in top_only:
        bound[target.id] = code
    else:
        bound.pop(target.id, None)


def _executed(stmt: ast.stmt, bound: dict[str, str]) -> str | None:
    """CODE of ``exec(CODE)`` or ``exec(compile(CODE, ...))`` as a statement."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    if not (_named(call.func, "exec") and call.args):
        return None
    given = call.args[0]
    if isinstance(given, ast.Call) and _named(given.func, "compile") and given.args:
        given = given.args[0]
    return _code(given, bound)


def _named(func: ast.expr, name: str) -> bool:
    if isinstance(func, ast.Name):
        return func.id == name
    return (
        isinstance(func, ast.Attribute)
        and func.attr == name
        and isinstance(func.value, ast.Name)
        and func.value.id == "builtins"
    )


def _code(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The text of code written here: a literal, a bound name, or a sum or f-string whose
    start is one (its unknown parts left out); None for anything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bytes):
            return node.value.decode("utf-8", "replace")
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        head = _code(node.left, bound)
        return None if head is None else head + (_code(node.right, bound) or "")
    if isinstance(node, ast.JoinedStr) and node.values:
        parts = [_part(v, bound) for v in node.values]
        return None if parts[0] is None else "".join(p or "" for p in parts)
    return None


def _part(value: ast.expr, bound: dict[str, str]) -> str | None:
    """One part of an f-string: its text, or a field's plain value (``{P}``)."""
    if isinstance(value, ast.FormattedValue):
        plain = value.conversion == -1 and value.format_spec is None
        return _code(value.value, bound) if plain else None
    return _code(value, bound)


def _readable(code: str) -> tuple[str, ast.Module] | None:
    """``code`` as lines to put at a module's top level, and its tree: None when it does not
    parse alone; its ``from __future__`` imports blanked (they are legal only at a module's
    start). Its line breaks are the parser's own (``\\r`` is one to it, and it reads one
    in a string as ``\\n``), so that its lines are counted as the parser counts them: a
    form feed in a docstring is a line break to ``splitlines``, and the blanking missed the
    import, so the module did not parse and its code was not put in."""
    if not code.strip():
        return None
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    try:
        tree = parse_module(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    futures = [s for s in tree.body if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
    if not futures:
        return code, tree
    lines = LINES.split(code)
    for stmt in futures:
        for index in range(stmt.lineno - 1, (stmt.end_lineno or stmt.lineno)):
            lines[index] = "\n"
    return "".join(lines), tree
