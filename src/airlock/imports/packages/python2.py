"""Python 2 text read as the Python 3 it means, so that it is vetted (issue 16; ADR 0140).

olefile 0.47 ships ``olefile2.py``, the Python 2 module of its old releases
(``0x7FFFFFFFL``, ``print x``). It did not parse, and a module that does not parse holds: a
newer Python may run what this one cannot read (ADR 0095). The parser's message alone
cannot tell Python 2 from a newer grammar: ``f"{"0x1L"}"`` is a valid string to Python 3.12
(PEP 701) and Python 3.11 reports it as the same ``invalid hexadecimal literal``.

:func:`repaired` therefore proves it: it rewrites the Python 2 form found at the place the
parser reported, and only there, parses again, and repeats a bounded number of times. Only
when the whole text then parses is it Python 2, and its repaired text is vetted like any
other module's, so a payload written in Python 2 is read. Repairs never add or remove a line
break, so every finding keeps its line. The forms repaired: a long literal's ``L``, an old
octal ``0777``, the ``print`` and ``exec`` statements, ``except E, e``, ``raise E, v``,
backticks, ``<>``, the ``ur''`` prefix and
``True``/``False`` assigned to (names in Python 2).

What it deliberately does not do: repair anything away from the reported place, or guess at
a reported error that is none of these forms (the module stays unparseable and holds).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable

from airlock.imports.packages.rules import PackageFinding, Severity

MAX_REPAIRS = 512  # a Python 2 module of 2,000 lines (olefile2.py) needs about 80
# Characters parsed in all, over the attempts: a big module gets fewer of them.
MAX_PARSED = 16_000_000

_LONG = re.compile(r"(?<![\w.])(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+)[lL](?!\w)")
_OCTAL = re.compile(r"(?<![\w.])0([0-7]+)(?![\w.])")
_UR = re.compile(r"(?<!\w)[uU][rR](?=['\"])")
_Repair = Callable[[list[str], SyntaxError], list[str] | None]


def repaired(source: str, error: SyntaxError) -> str | None:
    """``source`` with its Python 2 forms rewritten, when that makes the whole text parse
    under this interpreter; None when a reported error is no Python 2 form or the bounds
    run out. ``error``: what parsing ``source`` raised."""
    found = _repaired_tree(source, error)
    return None if found is None else found[0]


def _repaired_tree(source: str, error: SyntaxError) -> tuple[str, ast.Module] | None:
    """:func:`repaired`'s text with the tree its last parse made."""
    lines = source.splitlines(keepends=True)
    budget = MAX_PARSED
    for _ in range(MAX_REPAIRS):
        fixed = _repair_at(lines, error)
        if fixed is None:
            return None
        lines = fixed
        text = "".join(lines)
        budget -= len(text)
        if budget < 0:
            return None
        try:
            tree = ast.parse(text)  # its own grammar: newer forms were read before this
        except SyntaxError as again:
            error = again
            continue
        except (ValueError, RecursionError, MemoryError):
            return None
        return text, tree
    return None


def _repair_at(lines: list[str], error: SyntaxError) -> list[str] | None:
    if error.lineno is None or not 0 < error.lineno <= len(lines):
        return None
    for repair in _REPAIRS:
        fixed = repair(lines, error)
        if fixed is not None:
            return fixed
    return None


def _at(error: SyntaxError) -> tuple[int, int, int]:
    """The reported line's index and the reported columns, from 0."""
    row = (error.lineno or 1) - 1
    start = max((error.offset or 1) - 1, 0)
    end = max((error.end_offset or 0) - 1, start) if error.end_lineno == error.lineno else start
    return row, start, end


def _replace(lines: list[str], row: int, start: int, end: int, text: str) -> list[str]:
    line = lines[row]
    return [*lines[:row], line[:start] + text + line[end:], *lines[row + 1 :]]


def _near(pattern: re.Pattern[str], line: str, start: int, end: int) -> re.Match[str] | None:
    """The match of ``pattern`` that holds the reported span or touches it."""
    for match in pattern.finditer(line):
        if match.start() <= end + 1 and match.end() >= start:
            return match
    return None


def _long(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``0x7FFFFFFFL`` and ``10L``: the suffix becomes a blank."""
    row, start, end = _at(error)
    if not error.msg.startswith("invalid") or "literal" not in error.msg:
        return None
    match = _near(_LONG, lines[row], start, end)
    if match is None:
        return None
    return _replace(lines, row, match.end() - 1, match.end(), " ")


def _octal(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``0777``: Python 3 spells it ``0o777``."""
    row, start, end = _at(error)
    if not error.msg.startswith("leading zeros in decimal integer literals"):
        return None
    match = _near(_OCTAL, lines[row], start, end)
    if match is None:
        return None
    return _replace(lines, row, match.start(), match.end(), "0o" + match.group(1))


def _statement(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``print x`` and ``exec code in ns``: the parser reports where the statement starts;
    its words, to the end of its logical line, become the call's arguments
    (``exec(code, ns)``)."""
    word = next((w for w in ("print", "exec") if f"call to '{w}'" in error.msg), None)
    if word is None:
        return None
    row, start, _ = _at(error)
    if not lines[row][start:].startswith(word):
        return None
    end = _statement_end(lines, row, start)
    if end is None:
        return None
    last, stop = end
    head = start + len(word)
    blanks = len(lines[row][head:]) - len(lines[row][head:].lstrip(" \t"))
    out = list(lines)
    out[last] = out[last][:stop] + ")" + out[last][stop:]
    out[row] = out[row][:head] + "(" + out[row][head + blanks :]
    if word == "exec":
        out = _exec_in(out, row, last)
    return out


def _statement_end(lines: list[str], row: int, start: int) -> tuple[int, int] | None:
    """Where the simple statement starting at (``row``, ``start``) ends: after its last
    token before the end of its logical line or a ``;`` outside brackets."""
    rest = iter([lines[row][start:], *lines[row + 1 :]])
    end: tuple[int, int] | None = None
    depth = 0
    try:
        for token in tokenize.generate_tokens(lambda: next(rest, "")):
            if token.type in _NOT_CODE or (depth == 0 and token.string == ";"):
                if token.type in {tokenize.NEWLINE, tokenize.ENDMARKER} or token.string == ";":
                    break
                continue
            if token.type == tokenize.OP:
                depth += (token.string in "([{") - (token.string in ")]}")
            end = token.end
    except (tokenize.TokenError, SyntaxError):
        return None
    if end is None:
        return None
    line, column = end
    return row + line - 1, column + (start if line == 1 else 0)


def _exec_in(lines: list[str], row: int, last: int) -> list[str]:
    """``exec(code in ns)`` as ``exec(code, ns)``: the first ``in`` outside brackets."""
    text = "".join(lines[row : last + 1])
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return lines
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP:
            depth += (token.string in "([{") - (token.string in ")]}")
        elif token.type == tokenize.NAME and token.string == "in" and depth == 1:
            at, column = row + token.start[0] - 1, token.start[1]
            return _replace(lines, at, column, column + 2, ", ")
    return lines


def _except(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``except E, e:``: the parser reports ``E, e``; the last comma becomes ``as``."""
    if not error.msg.startswith("multiple exception types must be parenthesized"):
        return None
    row, start, end = _at(error)
    span = lines[row][start:end]
    comma = span.rfind(",")
    if comma < 0 or not span[comma + 1 :].strip().isidentifier():
        return None
    return _replace(lines, row, start + comma, start + comma + 1, " as")


def _raise(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``raise E, v``: the parser reports the comma; it becomes ``raise E(v)``."""
    row, start, _ = _at(error)
    line = lines[row]
    if error.msg != "invalid syntax" or line[start : start + 1] != ",":
        return None
    if not line.lstrip().startswith("raise ") or not line[:start].strip().startswith("raise"):
        return None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.lstrip()).readline))
    except (tokenize.TokenError, SyntaxError):
        return None  # the statement goes on past its line
    ends = [t.end[1] for t in tokens if t.type not in _NOT_CODE and t.start[0] == 1]
    close = len(line) - len(line.lstrip()) + ends[-1]
    return _replace(lines, row, start, close, "(" + line[start + 1 : close] + ")")


def _backticks(lines: list[str], error: SyntaxError) -> list[str] | None:
    """`` `x` ``: ``repr(x)``, the pair on the reported line."""
    row, start, _ = _at(error)
    line = lines[row]
    if line[start : start + 1] != "`":
        return None
    close = line.find("`", start + 1)
    if close < 0:
        return None
    return _replace(lines, row, start, close + 1, "repr(" + line[start + 1 : close] + ")")


def _not_equal(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``a <> b``: ``a != b``."""
    row, start, _ = _at(error)
    if lines[row][start : start + 2] != "<>":
        return None
    return _replace(lines, row, start, start + 2, "!=")


def _ur(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``ur'...'``: a raw string (``r``), the ``u`` a blank."""
    row, start, end = _at(error)
    match = _near(_UR, lines[row], start - 2, end)
    if match is None:
        return None
    return _replace(lines, row, match.start(), match.end(), " r")


def _constant_name(lines: list[str], error: SyntaxError) -> list[str] | None:
    """``True, False = 1, 0``: in Python 2 these were names; the target becomes ``_True``."""
    row, start, _ = _at(error)
    for word in ("True", "False"):
        if error.msg == f"cannot assign to {word}" and lines[row][start:].startswith(word):
            return _replace(lines, row, start, start + len(word), "_" + word)
    return None


_NOT_CODE = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER})
_NOT_CODE |= {tokenize.INDENT, tokenize.DEDENT}
_REPAIRS: tuple[_Repair, ...] = (
    _long,
    _octal,
    _statement,
    _except,
    _raise,
    _backticks,
    _not_equal,
    _ur,
    _constant_name,
)


def parse_python2(source: str, error: SyntaxError) -> tuple[str, ast.Module] | None:
    """The repaired text and its tree, when :func:`repaired` proves ``source`` Python 2."""
    return _repaired_tree(source, error)


def python2_finding(path: str) -> PackageFinding:
    """What is said of a module proved Python 2: for the record, not a reason to hold."""
    why = "Python 2 code; vetted as the Python 3 it means (no Python 3 runs it as written)"
    return PackageFinding("python2-source", path, 0, Severity.LOW, why)
