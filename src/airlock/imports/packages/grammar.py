"""Python code written in a grammar newer than the one airlock runs on.

Airlock parses packages with its own interpreter's :func:`ast.parse`; the enclave may install
them under a newer Python. A module that only the newer grammar reads (``type X = int``,
``def f[T](x)``) was reported as unparseable and allowed, so a payload beside one such line
ran on import unread (ADR 0095; numpy 2.5, scipy 1.18 and deprecated 3.0 ship such modules).

:func:`parse_module` reads the newer forms whose meaning needs no new node: a PEP 695 alias
is read as an assignment and type parameters (PEP 695, PEP 696 defaults) are dropped, so
every call in the module is still seen. What it still cannot read is the caller's to weigh:
:func:`runs_on_no_python3` tells Python 2 text, which no Python 3 runs, from text a newer
Python may run.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from dataclasses import dataclass

from airlock.imports.packages.fstrings import Unreadable, put_back, set_aside

# Errors of text that no Python 3 compiles, whatever its version: a Python 2 module shipped
# as data or kept for reference (billiard's docs, boringssl's scripts in grpcio's sdist).
NO_PYTHON3 = (
    "Missing parentheses in call to 'print'",
    "Missing parentheses in call to 'exec'",
    "leading zeros in decimal integer literals are not permitted",
    "source code string cannot contain null bytes",
    "source code cannot contain null bytes",
)


def parse_module(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source)``; when that fails, the source with the newer forms this module
    knows rewritten into this interpreter's grammar, lines kept.

    Raises: what ``ast.parse(source)`` raised when the rewritten text does not parse either
    (or nothing was rewritten).
    """
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as first:
        try:
            tree = _read_newer(source, filename)
        except (SyntaxError, Unreadable):
            raise first from None
        if tree is None:
            raise
        return tree


def parse_member(data: bytes) -> ast.Module | None:
    """An archive member's text read by :func:`parse_module`, or None when it does not
    parse (the archive-wide rules that read other members' trees: a file they cannot read
    keeps whatever its own pass found)."""
    try:
        return parse_module(data.decode("utf-8", "replace"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def called_name(node: ast.Call) -> str:
    """The called function's or method's own name (``msvcrt.open_osfhandle``: the last
    part); "" when the callee is an expression (``f()()``)."""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def is_literal(node: ast.expr) -> bool:
    """Whether ``node`` is a literal :func:`ast.literal_eval` reads (``'x'``, ``('a', 1)``)."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _read_newer(source: str, filename: str) -> ast.Module | None:
    """``source`` read through the newer forms, or None when it has none."""
    aside = set_aside(source)
    text = source if aside is None else aside.text
    older = lowered(text)
    if aside is None and older is None:
        return None
    tree = ast.parse(older or text, filename=filename)
    return tree if aside is None else put_back(tree, aside, _expression)


def _expression(text: str) -> ast.expr:
    """A replacement field's expression, itself read through the newer forms."""
    tree = parse_module(f"(\n{text}\n)")
    statement = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(statement, ast.Expr):
        raise Unreadable("a replacement field is not one expression")
    ast.increment_lineno(statement, -1)
    return statement.value


def runs_on_no_python3(error: BaseException) -> bool:
    """Whether the parse ``error`` is of text that no Python 3 runs (Python 2 text)."""
    return isinstance(error, (SyntaxError, ValueError)) and any(m in str(error) for m in NO_PYTHON3)


@dataclass(frozen=True, slots=True)
class _Cut:
    """Text to drop, from (line, column) to (line, column), as :mod:`tokenize` counts."""

    start: tuple[int, int]
    end: tuple[int, int]
    # The (line, column) after which the cut's newlines are put back: the end of its
    # logical line, so the statements after it keep their line numbers.
    refill: tuple[int, int]
    text: str = ""  # what takes the cut's place


def lowered(source: str) -> str | None:
    """``source`` with PEP 695/696 aliases and type parameters rewritten as this grammar
    reads them (``type X[T] = v`` as ``X = v``; ``def f[T](x)`` as ``def f(x)``), or None
    when it has none or does not tokenize."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in {tokenize.COMMENT, tokenize.NL}
        ]
    except (tokenize.TokenError, SyntaxError):
        return None
    cuts: list[_Cut] = []
    for i, token in enumerate(tokens[:-2]):
        if token.type != tokenize.NAME:
            continue
        name, after = tokens[i + 1], tokens[i + 2]
        if name.type != tokenize.NAME or keyword.iskeyword(name.string):
            continue
        # Two names side by side are no expression of the older grammar: after ``type`` they
        # are an alias, after ``def``/``class`` a bracket is a type parameter list.
        if token.string == "type" and after.string in {"=", "["}:
            cuts.append(_Cut(token.start, name.start, _line_end(tokens, i)))
            if after.string == "[":
                cuts.append(_bracketed(tokens, i + 2))
        elif token.string in {"def", "class"} and after.string == "[":
            cuts.append(_bracketed(tokens, i + 2))
    cuts += _bare_exception_lists(tokens)
    return _cut(source, cuts) if cuts else None


def _bare_exception_lists(tokens: list[tokenize.TokenInfo]) -> list[_Cut]:
    """PEP 758 (3.14): ``except A, B:`` catches either; the older grammar needs ``(A, B)``."""
    found: list[_Cut] = []
    for i, token in enumerate(tokens[:-1]):
        if token.type != tokenize.NAME or token.string != "except":
            continue
        depth, listed = 0, False
        for j in range(i + 1, len(tokens)):
            part = tokens[j]
            if part.type == tokenize.NEWLINE or (depth == 0 and part.string == "as"):
                break
            depth += (part.string in "([{") - (part.string in ")]}")
            listed |= depth == 0 and part.string == ","
            if depth == 0 and part.string == ":":
                if listed:
                    opening = tokens[i + 2 if tokens[i + 1].string == "*" else i + 1].start
                    found += [
                        _Cut(opening, opening, opening, "("),
                        _Cut(part.start, part.start, part.start, ")"),
                    ]
                break
    return found


def _bracketed(tokens: list[tokenize.TokenInfo], opening: int) -> _Cut:
    """The cut of the bracketed list that starts at ``tokens[opening]``."""
    depth = 0
    for token in tokens[opening:]:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
            if depth == 0:
                return _Cut(tokens[opening].start, token.end, _line_end(tokens, opening))
    return _Cut(tokens[opening].start, tokens[opening].end, _line_end(tokens, opening))


def _line_end(tokens: list[tokenize.TokenInfo], index: int) -> tuple[int, int]:
    """Where the logical line of ``tokens[index]`` ends (its NEWLINE token)."""
    for token in tokens[index:]:
        if token.type in {tokenize.NEWLINE, tokenize.ENDMARKER}:
            return token.start
    return tokens[-1].start


def _cut(source: str, cuts: list[_Cut]) -> str:
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(at: tuple[int, int]) -> int:
        row, column = at
        return starts[row - 1] + column if row - 1 < len(lines) else len(source)

    pieces: list[tuple[int, int, str]] = []  # (from, to, replacement), non-overlapping
    for cut in cuts:
        begin, end = offset(cut.start), offset(cut.end)
        pieces.append((begin, end, cut.text))
        newlines = source.count("\n", begin, end)
        if newlines:  # put the dropped line breaks back after the statement
            at = offset(cut.refill)
            pieces.append((at, at, "\n" * newlines))
    text, done = [], 0
    for begin, end, replacement in sorted(pieces):
        text.append(source[done:begin])
        text.append(replacement)
        done = max(done, end)
    text.append(source[done:])
    return "".join(text)
