"""A name bound to another string on each path through a statement may be either (issue 16;
ADR 0162).

The flow pass walks an ``if``'s branches one after the other, and a ``try``'s body then its
handlers, on one set of names: what the last block binds is what the name holds after the
statement. So ``if os.name == 'posix': cmd = CURL`` / ``else: cmd = 'ver'`` left ``cmd``
as ``'ver'`` and the download piped to a shell was never read (held as a process call;
``code = PAYLOAD`` / ``code = 'pass'`` then ``exec(code)`` was allowed). ADR 0161 reads
``CURL if t else 'ver'`` as each string it may be (``Val.alts``); this reads the same
choice written as a statement the same way.

What it does and does not do:

* The value the walk leaves is kept as it is (its folded text, its labels): what folds in
  the code after the statement folds as before. Only the *other* paths' strings (or heads)
  are added as alternatives, which an exec or a process sink given the name reads as run
  (one more sink per string, :data:`parttext.MAX_ALTS` at most), and nothing else reads.
* The paths: each branch of an ``if`` (an ``if`` without ``else`` has the value before it
  as its other path), the body of a ``try`` and each of its handlers, each ``case`` of a
  ``match``.
* Names bound by ``=`` (unpacked too), ``+=`` or an annotated assignment, in the blocks and
  in blocks nested in them (not in a function or a class defined there).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.parttext import MAX_ALTS, alternatives

_NESTED = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)
# Names followed through one statement: the first ones bound, in the order of the code.
# Past it the rest keep what the walk left (as before ADR 0162); dropping every name then
# let 40 padding assignments in the payload's branch hide it (review of ADR 0162).
MAX_NAMES = 128


def bound(
    blocks: Iterable[list[ast.stmt]], memo: dict[ast.stmt, tuple[str, ...]]
) -> tuple[str, ...]:
    """The names the statements of ``blocks`` bind by assignment, nested blocks included,
    in the order of the code (the first :data:`MAX_NAMES`). ``memo`` keeps each statement's
    names for the walk (held by the node itself, so no id is reused): an ``elif`` chain,
    nested in itself, is read once, not once per step."""
    names: dict[str, None] = {}
    for block in blocks:
        for node in block:
            names.update(dict.fromkeys(_stmt_names(node, memo)))
            if len(names) >= MAX_NAMES:
                return tuple(names)[:MAX_NAMES]
    return tuple(names)


def _stmt_names(node: ast.stmt, memo: dict[ast.stmt, tuple[str, ...]]) -> tuple[str, ...]:
    if isinstance(node, ast.Assign):
        return tuple(n for t in node.targets for n in _names(t))
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return tuple(_names(node.target))
    if not isinstance(node, _NESTED):
        return ()
    known = memo.get(node)
    if known is not None:
        return known
    blocks = [getattr(node, field, []) for field in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(node, "handlers", [])]
    blocks += [case.body for case in getattr(node, "cases", [])]
    memo[node] = bound(blocks, memo)
    return memo[node]


def _names(target: ast.expr) -> Iterator[str]:
    """The names a target binds: itself, or those of a tuple or list unpacked into."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element)


def _texts(value: Val | None) -> list[object]:
    if value is None:
        return []
    own = value.head if value.const is None else value.const
    return [own, *value.alts]


def either(kept: Val, others: Iterable[Val | None]) -> Val:
    """``kept`` (what the walk left) with the strings ``others`` (the other paths' values)
    hold and it does not, as alternatives; ``kept`` itself when they add none."""
    own = _texts(kept)[:1]
    texts = alternatives([*own, *kept.alts, *(t for o in others for t in _texts(o))])
    new = tuple(t for t in texts if t not in own)
    if all(t in kept.alts for t in new):  # lists and tables are not hashed (ADR 0164)
        return kept
    return kept._replace(alts=new[:MAX_ALTS])
