"""A repeating XOR key applied by a mapping call rather than a comprehension (ADR 0093).

``bytes(map(operator.xor, BLOB, cycle(KEY)))`` and ``bytes(starmap(operator.xor, zip(BLOB,
cycle(KEY))))`` undo the same cipher as ``bytes(a ^ b for a, b in zip(BLOB, cycle(KEY)))``
(ADR 0089), with no ``^`` written. :class:`flow.Interpreter` hands ``map`` and ``starmap``
calls here: over a blob written in the code and a key written in it, the result folds to
the plain bytes (and what they spell is read as decoded text is); over a file's or a
download's bytes and such a key, the result is decoded data.

Pure and bounded as :mod:`comprehend` is (``MAX_ITEMS``). Only names are read again
(reading one has no effect). What it does not do: a key built at run time (from a hash, the
host name), or a function other than ``operator.xor`` or a two-name ``lambda a, b: a ^ b``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import comprehend, flowtypes, runkey
from airlock.imports.packages.fold import MAX_ITEMS
from airlock.imports.packages.sinks import DECODED, FILE, KEY_BYTE, REMOTE

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

XORS = frozenset({"operator.xor", "operator.__xor__", "int.__xor__"})
MAPS = frozenset({"map", "itertools.starmap"})


def mapped(  # noqa: PLR0911, PLR0917 -- the parts of one call, as flow's handlers take them; one return per case
    interp: Interpreter, node: ast.Call, ref: str, args: list[Val], env: dict[str, Val], when: When
) -> Val | None:
    """The value of ``map(xor, DATA, cycle(KEY))`` or ``starmap(xor, zip(DATA,
    cycle(KEY)))``: the XORed bytes as a folded list when both are written in the code,
    decoded data when DATA was read or downloaded; None for any other mapping."""
    if not (args and _xor(args[0])):
        return None
    if ref == "map" and len(node.args) == len(("xor", "data", "key")):
        pair, given = node.args[1:], args[1:]
    elif ref == "itertools.starmap" and len(node.args) == len(("xor", "pairs")):
        zipped = node.args[1]
        if not (
            isinstance(zipped, ast.Call)
            and isinstance(zipped.func, ast.Name)
            and zipped.func.id == "zip"
            and len(zipped.args) == len(("data", "key"))
        ):
            return None
        pair, given = zipped.args, [args[1]]
    else:
        return None
    for data_node, key_node in (pair, pair[::-1]):
        key = comprehend.cycled_key(interp, key_node, env, when)
        if key is None:
            continue
        data = interp.expr(data_node, env, when).const if isinstance(data_node, ast.Name) else None
        ints = [k for k in key if type(k) is int]  # a key table's items are all small ints
        if isinstance(data, (list, bytes)) and len(data) <= MAX_ITEMS and ints:
            items = [d ^ ints[i % len(ints)] for i, d in enumerate(data) if type(d) is int]
            if len(items) == len(data):
                return flowtypes.Val(const=items)
    labels = frozenset().union(*(v.labels for v in given))
    if any(runkey.blob(interp, n, env, when) for n in pair):
        # A blob written in the code under a key built at run time (ADR 0098).
        return flowtypes.Val(labels=(labels - {KEY_BYTE}) | {DECODED})
    if KEY_BYTE in labels and labels & {FILE, REMOTE}:
        # Bytes read or downloaded XORed with a key written in the code (ADR 0088's cipher).
        return flowtypes.Val(labels=(labels - {KEY_BYTE}) | {DECODED})
    return None


def _xor(fn: Val) -> bool:
    """``operator.xor``, or ``lambda a, b: a ^ b``."""
    if fn.ref in XORS:
        return True
    func = fn.func
    if not isinstance(func, ast.Lambda) or len(func.args.args) != len(("a", "b")):
        return False
    body, names = func.body, {a.arg for a in func.args.args}
    return (
        isinstance(body, ast.BinOp)
        and isinstance(body.op, ast.BitXor)
        and {getattr(body.left, "id", ""), getattr(body.right, "id", "")} == names
    )
