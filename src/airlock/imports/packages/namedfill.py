"""Templates filled by name keep their known text (issue 16; ADR 0162).

ADR 0161 keeps the known text of ``'{} {}'.format(CMD, x)`` and ``'%s %s' % (CMD, x)``:
items given by position. The same template filled by name (``'{c} {x}'.format(c=CMD,
x=x)``, ``'%(c)s %(x)s' % {'c': CMD, 'x': x}``, ``string.Template('$c $x').substitute(c=CMD,
x=x)``) kept nothing, and what it built was an unread command or a plain dynamic exec.
Here each is filled with the items' folded text or head (:func:`parttext.item_text`), a gap
for an unknown one: the text folds when there is no gap, and keeps a head when what comes
before the first gap is written (ADR 0154's rule: the program is known).

Only plain fields are filled: a ``format`` field with a spec, a conversion, an index or an
attribute, or a ``%`` conversion other than ``%(name)s``, fills nothing (no width read from
the analysed code makes the filling allocate). Pure.
"""

from __future__ import annotations

import ast
import re
import string

from airlock.imports.packages import parttext, sinkcall
from airlock.imports.packages.flowtypes import UNKNOWN, Val
from airlock.imports.packages.fold import MAX_FOLD, MAX_WRITTEN

_NAMED_PERCENT = re.compile(r"(?:[^%]|%%|%\(\w+\)s)*", re.DOTALL)
SUBSTITUTES = frozenset({"substitute", "safe_substitute"})
MAX_NAMED = MAX_WRITTEN  # items filled in by name (64 let padding unfill a command, ADR 0188)


def filled(template: str, items: list[Val], named: dict[str, Val], style: str) -> str | None:
    """``template`` filled by ``style`` (``format``, ``percent`` or ``template``) with the
    items' text, a gap (:data:`parttext.GAP`) for each unknown one; None when the template
    does not take them so."""
    if len(named) > MAX_NAMED or len(template) > MAX_FOLD:
        return None
    texts = {k: parttext.item_text(v) for k, v in named.items()}
    try:
        if style == "format":
            if sinkcall.FIELD_SPEC.search(template):
                return None
            return template.format(*(parttext.item_text(v) for v in items), **texts)
        if style == "percent":
            return template % texts if _NAMED_PERCENT.fullmatch(template) else None
        return string.Template(template).substitute(texts)
    except (ValueError, TypeError, LookupError):
        return None


def value(text: str | None) -> Val | None:
    """What a filled template is: its text when it folds, its head when its start does;
    None when neither."""
    if text is None:
        return None
    if parttext.GAP not in text:
        return Val(const=text) if len(text) <= MAX_FOLD else None
    head = parttext.known_start(text)
    return Val(head=head) if head else None


TEMPLATE = "string.Template"


def ref_of(func: ast.expr, env: dict[str, Val]) -> str:
    """What a called name refers to, read without running anything (``string.Template``)."""
    if isinstance(func, ast.Name):
        return env.get(func.id, UNKNOWN).ref
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = env.get(func.value.id, UNKNOWN).ref
        return f"{owner}.{func.attr}" if owner else ""
    return ""


def dict_items(node: ast.expr, env: dict[str, Val]) -> dict[str, Val] | None:
    """A dict written in the call, its keys written strings, each value read again as
    :func:`parttext.item` reads it; None for any other argument."""
    if not isinstance(node, ast.Dict) or len(node.keys) > MAX_NAMED:
        return None
    out: dict[str, Val] = {}
    for key, item in zip(node.keys, node.values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        out[key.value] = parttext.item(item, env)
    return out


def percent_head(template: str, given: ast.expr, env: dict[str, Val]) -> str:
    """The head of ``template % {...}`` of a dict written there that does not fold
    (``'%(c)s %(x)s' % {'c': CMD, 'x': x}``); empty otherwise."""
    named = dict_items(given, env)
    filled_in = value(filled(template, [], named, "percent")) if named else None
    return filled_in.head if filled_in is not None else ""
