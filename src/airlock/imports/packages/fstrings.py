"""f-strings as Python 3.12 writes them (PEP 701), and 3.14's t-strings (PEP 750), read by an
older parser (ADR 0095).

Since 3.12 a replacement field may hold any expression: the string's own quote, a backslash,
a comment, a line break. The older tokenizer stops at the inner quote, so a module with one
such f-string did not parse and its payload was unread. Each run of adjacent string literals
holding an f-string or t-string is set aside here (:func:`set_aside`), its place taken by a
name in parentheses over as many lines; after the rest parses, :func:`put_back` puts an
``ast.JoinedStr`` there, each field parsed on its own, as 3.12's parser builds it. A t-string
is read as the f-string of the same text: its fields are evaluated where it is written too.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

QUOTES = "'\""
TEMPLATED = frozenset("ft")
CONVERSIONS = {"r": ord("r"), "s": ord("s"), "a": ord("a")}


class Unreadable(ValueError):
    """Text this reader does not take for Python of any version."""


def _cases(prefix: str) -> set[str]:
    found = {""}
    for letter in prefix:
        found = {f + c for f in found for c in (letter, letter.upper())}
    return found


PREFIXES = frozenset(
    p for s in ("", "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt") for p in _cases(s)
)


@dataclass(slots=True)
class Field:
    """One replacement field: its expression's text and where it starts, and how it is shown."""

    expression: str
    line: int
    conversion: int = -1
    spec: list[Piece] | None = None
    debug: str = ""  # ``{x = }`` shows its own text: ``x = ``


Piece = str | Field  # a str is a literal's text as written (escapes not yet decoded)


@dataclass(slots=True)
class Literal:
    """One string literal of a run: its prefix, quote and pieces."""

    prefix: str
    quote: str
    pieces: list[Piece] = field(default_factory=list)


@dataclass(slots=True)
class _Reader:
    source: str
    # Offsets of the line breaks, for :meth:`line` (counting them from the start for every
    # field made reading a module with many f-strings quadratic).
    breaks: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.breaks = [m.start() for m in re.finditer("\n", self.source)]

    def line(self, index: int) -> int:
        return bisect.bisect_left(self.breaks, index) + 1

    def word(self, index: int) -> str:
        end = index
        while end < len(self.source) and (self.source[end].isalnum() or self.source[end] == "_"):
            end += 1
        return self.source[index:end]

    def string_at(self, index: int) -> str | None:
        """The prefix of a string literal starting at ``index``, or None."""
        text = self.source
        if index < len(text) and text[index] in QUOTES:
            return ""
        if index < len(text) and (text[index].isalpha() or text[index] == "_"):
            word = self.word(index)
            after = index + len(word)
            if word in PREFIXES and after < len(text) and text[after] in QUOTES:
                return word
        return None

    def literal(self, index: int) -> tuple[Literal, int]:
        """The string literal starting at ``index`` (its prefix first) and where it ends."""
        prefix = self.string_at(index)
        assert prefix is not None
        start = index + len(prefix)
        mark = self.source[start]
        quote = mark * 3 if self.source.startswith(mark * 3, start) else mark
        read = Literal(prefix, quote)
        raw = "r" in prefix.lower()
        if TEMPLATED & set(prefix.lower()):
            end = self.body(start + len(quote), read.pieces, quote=quote, raw=raw)
        else:
            end = self.plain(start + len(quote), quote)
            read.pieces.append(self.source[start + len(quote) : end - len(quote)])
        return read, end

    def plain(self, index: int, quote: str) -> int:
        """Where a literal with no fields whose text starts at ``index`` ends."""
        text = self.source
        while index < len(text):
            if text[index] == "\\":
                index += 2
            elif text.startswith(quote, index):
                return index + len(quote)
            elif text[index] == "\n" and len(quote) == 1:
                break
            else:
                index += 1
        raise Unreadable("a string literal does not end")

    def body(self, index: int, pieces: list[Piece], *, quote: str, raw: bool) -> int:
        """Read an f-string's text from ``index`` into ``pieces``; where it ends (after the
        closing quote, or, for a format spec, at its closing brace)."""
        text, start = self.source, index
        while index < len(text):
            char = text[index]
            if quote and text.startswith(quote, index):
                pieces.append(text[start:index])
                return index + len(quote)
            if not quote and char == "}":
                pieces.append(text[start:index])
                return index
            if char == "\\":
                named = not raw and text.startswith("\\N{", index)
                # In a raw f-string a backslash escapes only a quote: ``rf"\{x}"`` has a field.
                kept = raw and text[index + 1 : index + 2] not in (*QUOTES, "\\")
                index = text.index("}", index) + 1 if named else index + (1 if kept else 2)
            elif char in "{}" and text.startswith(char * 2, index) and quote:
                index += 2
            elif char == "{":
                pieces.append(text[start:index])
                found, index = self.field(index + 1, quote=quote, raw=raw)
                pieces.append(found)
                start = index
            elif char == "}" or (char == "\n" and len(quote) == 1):
                raise Unreadable("an f-string's braces or lines do not match")
            else:
                index += 1
        raise Unreadable("an f-string does not end")

    def field(self, index: int, *, quote: str, raw: bool) -> tuple[Field, int]:
        """The replacement field whose expression starts at ``index``; where it ends."""
        text, start, depth = self.source, index, 0
        while index < len(text):
            char = text[index]
            if self.string_at(index) is not None:
                index = self.literal(index)[1]
                continue
            if char == "#":
                index = text.find("\n", index)
                if index < 0:
                    break
                continue
            if char in "([{":
                depth += 1
            elif char in ")]}" and depth:
                depth -= 1
            elif depth == 0 and (char in "}:" or self._ends_at(index)):
                return self._shown(start, index, quote=quote, raw=raw)
            index += 1
        raise Unreadable("a replacement field does not end")

    def _ends_at(self, index: int) -> bool:
        """``!r`` or a bare ``=`` ends the expression (``!=``, ``==``, ``<=`` do not)."""
        text = self.source
        after = text[index + 1] if index + 1 < len(text) else ""
        before = text[index - 1] if index else ""
        if text[index] == "!":
            return after != "="
        return text[index] == "=" and after != "=" and before not in "=!<>"

    def _shown(self, start: int, index: int, *, quote: str, raw: bool) -> tuple[Field, int]:
        text = self.source
        found = Field(text[start:index], self.line(start))
        if text[index] == "=":
            index += 1
            while text[index] in " \t\n":
                index += 1
            found.debug = text[start:index]
        if text[index] == "!":
            found.conversion = CONVERSIONS.get(text[index + 1], -1)
            index += 2
        if text[index] == ":":
            found.spec = []
            index = self.body(index + 1, found.spec, quote="", raw=raw)
        elif found.debug and found.conversion == -1:
            found.conversion = CONVERSIONS["r"]  # ``{x=}`` shows repr(x) unless a spec is given
        if text[index] != "}":
            raise Unreadable("a replacement field does not end with '}'")
        return found, index + 1


@dataclass(slots=True)
class SetAside:
    """The text with each f-string run replaced by a name, and the runs by name."""

    text: str
    runs: dict[str, tuple[list[Literal], int]]  # name: (literals, line where the run starts)


def set_aside(source: str) -> SetAside | None:
    """``source`` with every run of string literals holding an f-string or t-string replaced
    by ``(name)`` over as many lines, or None when it has none.

    Raises: :class:`Unreadable` when a string literal does not end.
    """
    try:
        return _set_aside(source)
    except IndexError as e:  # the text ended inside a literal or a field
        raise Unreadable("a string literal does not end") from e


def _set_aside(source: str) -> SetAside | None:
    reader, out = _Reader(source), list[str]()
    runs: dict[str, tuple[list[Literal], int]] = {}
    stem = "_airlock_fstring_"
    while stem in source:
        stem += "_"
    index = done = depth = 0
    while index < len(source):
        char = source[index]
        if char == "#":
            end = source.find("\n", index)
            index = len(source) if end < 0 else end
            continue
        prefix = reader.string_at(index)
        if prefix is None:
            word = reader.word(index) if char.isalpha() or char == "_" else ""
            depth += (char in "([{") - (char in ")]}")
            index += max(len(word), 1)
            continue
        start, run, templated = index, [], False
        while prefix is not None:
            literal, index = reader.literal(index)
            run.append(literal)
            templated |= bool(TEMPLATED & set(literal.prefix.lower()))
            after = _after_blanks(source, index, bracketed=depth > 0)
            prefix = reader.string_at(after)
            index = after if prefix is not None else index
        if templated:
            name = f"{stem}{len(runs)}"
            runs[name] = (run, reader.line(start))
            out += [source[done:start], f"({name}", "\n" * source.count("\n", start, index), ")"]
            done = index
    if not runs:
        return None
    return SetAside("".join([*out, source[done:]]), runs)


def _after_blanks(source: str, index: int, *, bracketed: bool) -> int:
    """The index after blanks, joined lines and comments from ``index``, and after line
    breaks when ``bracketed`` (outside brackets a line break ends the statement)."""
    while index < len(source):
        if source[index] in " \t\f" or (bracketed and source[index] in "\r\n"):
            index += 1
        elif source.startswith("\\\n", index):
            index += 2
        elif source[index] == "#":
            end = source.find("\n", index)
            index = len(source) if end < 0 else end
        else:
            break
    return index


def put_back(
    tree: ast.Module, aside: SetAside, parse_expression: Callable[[str], ast.expr]
) -> ast.Module:
    """``tree`` with each set-aside name replaced by its run's ``ast.JoinedStr``; each field's
    expression is read by ``parse_expression`` (which reads nested f-strings the same way).

    Raises: :class:`Unreadable` or ``SyntaxError`` for a field or literal that does not read.
    """

    class _PutBack(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            found = aside.runs.get(node.id)
            if found is None:
                return node
            joined = _joined(found[0], parse_expression)
            return ast.copy_location(joined, node)

    back = _PutBack().visit(tree)
    assert isinstance(back, ast.Module)
    return ast.fix_missing_locations(back)


def _joined(run: list[Literal], parse_expression: Callable[[str], ast.expr]) -> ast.JoinedStr:
    values: list[ast.expr] = []
    for literal in run:
        bare = "".join(c for c in literal.prefix if c.lower() not in TEMPLATED)
        # A plain literal of the run has no fields, and its doubled braces are its text.
        fields = bare != literal.prefix
        values += _values(literal.pieces, bare, literal.quote, parse_expression, fields=fields)
    return ast.JoinedStr(values=_merged(values))


def _values(
    pieces: list[Piece],
    prefix: str,
    quote: str,
    parse_expression: Callable[[str], ast.expr],
    *,
    fields: bool = True,
) -> list[ast.expr]:
    values: list[ast.expr] = []
    for piece in pieces:
        if isinstance(piece, str):
            written = piece.replace("{{", "{").replace("}}", "}") if fields else piece
            text = _decoded(written, prefix, quote)
            values += [ast.Constant(text)] if text else []  # as the parser, no empty parts
            continue
        if piece.debug:
            values.append(ast.Constant(piece.debug))
        expression = parse_expression(piece.expression)
        ast.increment_lineno(expression, piece.line - 1)
        spec = None
        if piece.spec is not None:
            spec = ast.JoinedStr(_values(piece.spec, prefix, quote, parse_expression))
        values.append(ast.FormattedValue(expression, piece.conversion, spec))
    return values


def _decoded(text: str, prefix: str, quote: str) -> str:
    if "r" in prefix.lower():
        return text  # a raw piece is its text: ``rf"\{x}"`` starts with a lone backslash
    # A piece that ends in its quote's character (``f"""say "{x}" """``'s ``say "``) would
    # close the literal it is read in: that character is escaped, as it was not before.
    bare = text.rstrip(quote[0])
    trailing = len(text) - len(bare)
    if trailing and (len(bare) - len(bare.rstrip("\\"))) % 2:
        bare, trailing = bare + quote[0], trailing - 1  # the first one was escaped already
    text = bare + ("\\" + quote[0]) * trailing
    try:
        value = ast.literal_eval(f"{prefix}{quote}{text}{quote}")
    except (SyntaxError, ValueError) as e:
        raise Unreadable("a literal part of an f-string does not read") from e
    if not isinstance(value, str):
        raise Unreadable("an f-string joined to bytes")
    return value


def _merged(values: list[ast.expr]) -> list[ast.expr]:
    merged: list[ast.expr] = []
    for value in values:
        last = merged[-1] if merged else None
        if (
            isinstance(value, ast.Constant)
            and isinstance(last, ast.Constant)
            and isinstance(last.value, str)
            and isinstance(value.value, str)
        ):
            merged[-1] = ast.Constant(last.value + value.value)
        else:
            merged.append(value)
    return merged
