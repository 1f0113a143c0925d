"""A file of a caller's data handed to a command a setting spells (issue 16, ADR 0139).

jupyter_console shows a picture a kernel sent: it base64-decodes the message's image,
writes it to a temporary file and calls the viewer its user configured, a list of command
templates (``tempfile_image_handler``, a traitlet with no default) each formatted with the
file's path: ``[s.format(file=path) for s in self.tempfile_image_handler]``. Decoded data
written to a path that a process call then names was a dropper, and the wheel was denied.
The written file is data handed to a program, not the program: the code decides neither
what the file holds (a caller's value, decoded) nor what runs (the user's setting).

So a drop is *handed* (:data:`HANDED_DROP`, kept on the path instead of
:data:`sinks.DROPPED`) when all the data written was decoded from a value handed in
(:data:`childenv.HANDED_IN`, with no :data:`childenv.PAYLOAD` mark: nothing decoded from
the code, a file, a download or a picture) and the write runs when called. A handed drop
reads as dropped at every sink (:func:`as_dropped`), except through a field of a template
nothing is known of: ``T.format(file=path)`` / ``T.format_map(...)``, ``T`` a value with no
constant, no name it refers to, no label and no shape, called when called
(:func:`formatted`). A path used as itself (``[path]``, ``[sys.executable, path]``,
``'sh ' + path``), a template the code writes, decodes or reads from the environment, a
payload written in the code, fetched or read from a file, and any write on install or
import stay droppers.

Pure. What it deliberately does not do: read a template set in another module (it is
nothing known here; the data must then still be a caller's), or tell a viewer from a
runner by the program's name.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import TYPE_CHECKING

from airlock.imports.packages.childenv import HANDED_IN, PAYLOAD
from airlock.imports.packages.flowtypes import Val, When
from airlock.imports.packages.sinks import DECODED, DROPPED

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

HANDED_DROP = "dropped-handed-in"  # a path a caller's decoded data was written to
FORMATS = frozenset({"format", "format_map"})
# A name bound to each item of a sequence the walk folded (``for s in ['{file}']``) whose
# element did not fold is bound to a bare value; this key beside it (no identifier has a
# space) says the items were known.
ITEMS = "items of "


def drop_label(labels: frozenset[str], when: When) -> str:
    """The label a path gets when data carrying ``labels`` is written to it."""
    handed = DECODED in labels and HANDED_IN in labels and not labels & PAYLOAD
    return HANDED_DROP if handed and when is When.LATER else DROPPED


def as_dropped(labels: frozenset[str]) -> frozenset[str]:
    """``labels`` with a handed drop read as dropped (at a sink, or a function's fill)."""
    if HANDED_DROP not in labels:
        return labels
    return (labels - {HANDED_DROP}) | {DROPPED}


def formatted(  # noqa: PLR0917 -- the parts of one call
    interp: Interpreter, node: ast.Call, callee: Val, value: Val, env: dict[str, Val], when: When
) -> Val:
    """``value``, returned by ``node``, without its handed drop when ``node`` fills a
    template nothing is known of (see the module docstring)."""
    if HANDED_DROP not in value.labels or when is not When.LATER:
        return value
    if not (isinstance(node.func, ast.Attribute) and node.func.attr in FORMATS):
        return value
    if callee != Val():  # the template's constant, name, labels or shape is known
        return value
    template = node.func.value
    if isinstance(template, ast.Name) and ITEMS + template.id in env:
        return value  # an item of a folded sequence or of an attribute the code writes
    if _written_attribute(interp, template):
        return value  # ``self.tmpl.format(...)`` of ``tmpl = 'sh {file}'`` in the class
    return value._replace(labels=value.labels - {HANDED_DROP})


def bind_items(
    interp: Interpreter, iterated: ast.expr, target: ast.expr, seq: Val, env: dict[str, Val]
) -> None:
    """Note that ``target`` takes the items of ``seq`` (the value of ``iterated``) when the
    walk folded it or the code writes the attribute it reads."""
    if not isinstance(target, ast.Name):
        return
    if isinstance(seq.const, (list, tuple, str, bytes)) or _written_attribute(interp, iterated):
        env[ITEMS + target.id] = Val(const=True)


def _written_attribute(interp: Interpreter, node: ast.expr) -> bool:
    """Whether ``node`` reads an attribute (``self.handler``) that the module writes as a
    literal: a class body's constant, ``x.handler = [...]`` or ``setattr(x, 'handler',
    ...)`` anywhere in its text. A method walked on its own does not know ``self``, so
    ``self.handler`` is otherwise nothing known. With no text to read, it may be."""
    if not isinstance(node, ast.Attribute):
        return False
    name = node.attr
    if any(attr == name for _, attr in interp.constants):
        return True
    if interp.source is None:
        return True
    return _writes(interp.source, name)


@functools.lru_cache(maxsize=1024)
def _writes(source: str, name: str) -> bool:
    escaped = re.escape(name)
    literal = rf"""\b{escaped}\s*(?::[^=\n]*)?=(?!=)\s*[\[\('"]"""
    setter = rf"""setattr\([^,]+,\s*['"]{escaped}['"]"""
    return re.search(f"{literal}|{setter}", source) is not None
