"""Strings built with an unknown start keep their known parts (issue 16; ADR 0171).

ADR 0156 keeps the known parts of ``x + PAYLOAD`` (``Val.code``) for an exec to read; a
template or a join that starts with an unknown item (``'{}{}'.format(x, CMD)``, ``'%s%s' %
(x, CMD)``, ``''.join([x, CMD])``) and a method of such a string (``(x + CMD).strip()``,
``('X' + CMD).replace('X', x)``) had none: their head is empty, since their start is not
written. Here they keep the same known parts, which an exec reads as code and a run reads
only when they are a payload by themselves (:mod:`paddedrun`). Pure.
"""

from __future__ import annotations

import ast

from airlock.imports.packages import listtext, parttext
from airlock.imports.packages.flowtypes import Val


def built_code(  # noqa: PLR0911 -- one return per way a string is built
    node: ast.Call, ref: str, callee: Val, args: list[Val], env: dict[str, Val]
) -> str:
    """The known parts of a template filled by position or a join whose start does not
    fold (:func:`parttext.padded`): ``'{}{}'.format(x, CMD)``, ``''.join([x, CMD])``,
    ``''.join(parts)`` of a list that kept its items."""
    template = callee.const
    name = ref.removeprefix("str.")
    if template is None and callee.code and not callee.head and name in parttext.KEEPS_TEXT:
        return parttext.method(name, callee.code, [a.const for a in args])  # ``.strip()``
    if ref == "str.replace" and isinstance(template, str):
        # ``('X' + CMD).replace('X', x)``: the template with ``old`` taken out.
        given = [a.const for a in args]
        if len(given) == 2 and isinstance(given[0], str) and given[0] and given[1] is None:
            return parttext.padded(template.replace(given[0], parttext.GAP))
    if not isinstance(template, str) or node.keywords:
        return ""
    if any(isinstance(a, ast.Starred) for a in node.args):
        return ""
    if ref == "str.format":
        return parttext.padded(parttext.filled_text(template, args, percent=False))
    if ref != "str.join" or len(node.args) != 1:
        return ""
    if isinstance(node.args[0], (ast.List, ast.Tuple)):
        items = [parttext.item(e, env) for e in node.args[0].elts[:64]]
        return parttext.padded(template.join(parttext.item_text(v) for v in items))
    listed = listtext.of(args[0]) if args and args[0].const is None else None
    return parttext.padded(template.join(listed)) if listed else ""
