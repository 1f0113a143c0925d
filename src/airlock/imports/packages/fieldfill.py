"""A template's fields that read an attribute or an item (``'{0.p}'``, ``'{0[0]}'``,
``'{c.cmd}'``) are filled with what they read (issue 16; ADR 0164).

``str.format`` folds when each argument does, and ADRs 0161 and 0162 keep the known text of
a template filled by position or by name with plain fields (``{}``, ``{0}``, ``{c}``).
A field that looks something up in its argument was left out on purpose: ``'{0.p}'.format(
Cfg)`` with ``class Cfg: p = CMD`` gave no text, and the command it builds was run unread
(allowed), as was ``'{0[0]} {1}'.format([PAYLOAD], x)`` and ``'{:s}'.format(CMD)``.

Here, when the other readings leave a ``.format`` call unknown, its template is read field
by field (``string.Formatter``'s grammar): a plain field is its argument's text or head, a
field that reads attributes or items is the value of the same lookup written out on the
argument (``Cfg.p``, ``L[0]``), read as the flow pass reads it when called (no effect
runs); only an argument written as a name, a literal or a display of them is looked up
(nothing is evaluated twice). A field with a spec other than ``s`` or a conversion other
than ``!s`` is a gap. The text folds when no gap is left, else keeps a head when what comes
before the first gap is written (ADR 0154's rule). Pure.
"""

from __future__ import annotations

import ast
import re
import string
from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Val, When
from airlock.imports.packages.fold import MAX_FOLD, MAX_WRITTEN
from airlock.imports.packages.parttext import GAP, item_text, known_start

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# Fields of one template read; past it, a template that looks something up holds. At 64,
# 70 empty ``{0.p}`` after ``{0.c} | sh`` left the command unread (ADR 0188).
MAX_FIELDS = MAX_WRITTEN
MAX_LOOKUPS = 8  # attributes and items one field reads
_WRITTEN = (ast.Name, ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Load)


def filled(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter,
    node: ast.Call,
    template: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
) -> Val | None:
    """``template.format(...)`` read field by field (module docstring): its text, a head,
    or None when neither (or the template has no field that looks something up or takes
    ``s``: the other readings have read it)."""
    if any(isinstance(a, ast.Starred) for a in node.args) or None in kwargs:
        return None
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    looks_up = any(_looks_up(f, s, c) for _, f, s, c in parsed)
    if looks_up and len(parsed) > MAX_FIELDS:
        interp.trace.past(f"a template's fields, past {MAX_FIELDS}")
    if not looks_up or len(parsed) > MAX_FIELDS:
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
    labels: frozenset[str] = frozenset()
    auto, out = 0, []
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        split = _split(field)
        if split is None:
            return None
        first, rest = split
        if first == "":
            first, auto = auto, auto + 1
        value = _field(interp, node, keywords, args, kwargs, env, first, rest)
        labels |= value.labels
        plain = spec in ("", "s") and conversion in (None, "s")
        out.append(item_text(value) if plain else GAP)
    text = "".join(out)
    if GAP not in text:
        return Val(const=text, labels=labels) if len(text) <= MAX_FOLD else None
    head = known_start(text)
    return Val(labels=labels, head=head) if head else None


# A field's name as ``str.format`` reads it: an argument (a number or a name, or none for
# the next by position), then ``.attribute`` and ``[key]`` lookups.
_FIRST = re.compile(r"[^.\[]*")
_LOOKUP = re.compile(r"\.([^.\[]+)|\[([^\]]+)\]")


def _split(field: str) -> tuple[int | str, list[tuple[bool, int | str]]] | None:
    """``'0.p[1]'`` as ``(0, [(True, 'p'), (False, 1)])``, as ``str.format`` splits it (a
    key of digits is a number); None for a name it would refuse."""
    head = _FIRST.match(field)
    name = head.group(0) if head else ""
    at, rest = len(name), []
    while at < len(field):
        found = _LOOKUP.match(field, at)
        if found is None:
            return None
        attribute, key = found.group(1), found.group(2)
        if attribute is not None:
            rest.append((True, attribute))
        else:
            rest.append((False, int(key) if key.isdigit() else key))
        at = found.end()
    first: int | str = int(name) if name.isdigit() else name
    return first, rest


def _looks_up(field: str | None, spec: str | None, conversion: str | None) -> bool:
    """A field this module reads and the other readings do not: one that looks up an
    attribute or an item, or takes the spec ``s`` or the conversion ``!s``."""
    if field is None:
        return False
    return "." in field or "[" in field or spec == "s" or conversion == "s"


def _field(  # noqa: PLR0917 -- the parts of one call and one field
    interp: Interpreter,
    node: ast.Call,
    keywords: dict[str, ast.expr],
    args: list[Val],
    kwargs: dict[str | None, Val],
    env: dict[str, Val],
    first: int | str,
    rest: list[tuple[bool, int | str]],
) -> Val:
    """One field's value: its argument, looked up as ``rest`` says."""
    if isinstance(first, int):
        if first >= len(args) or first >= len(node.args):
            return Val()
        value, written = args[first], node.args[first]
    else:
        if first not in keywords:
            return Val()
        value, written = kwargs.get(first, Val()), keywords[first]
    if not rest:
        return value
    if len(rest) > MAX_LOOKUPS or not all(isinstance(n, _WRITTEN) for n in ast.walk(written)):
        return Val()
    looked: ast.expr = written
    for is_attribute, key in rest:
        if is_attribute:
            looked = ast.Attribute(value=looked, attr=str(key), ctx=ast.Load())
        else:
            looked = ast.Subscript(value=looked, slice=ast.Constant(value=key), ctx=ast.Load())
    ast.copy_location(looked, written)
    ast.fix_missing_locations(looked)
    return interp.expr(looked, env, When.LATER)
