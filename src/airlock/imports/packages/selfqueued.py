"""A function that queues itself on an executor, found in the text (issue 16; ADR 0119). Pure.

``def grow(): ex.submit(grow); ex.submit(grow)`` doubles a thread pool's jobs each round
(:func:`hostile.self_forking` reads it), and ``while True: ThreadPoolExecutor(4).submit(spin)``
makes pools without end (:func:`hostile.floods`). A module naming nothing else that
:mod:`prefilter` looks for was not parsed, and ``ThreadPoolExecutor`` alone is in too many
libraries' modules to be a word that parses them (ADR 0110). Here the text is asked the
narrower question: is a name submitted inside the ``def`` of that name, or inside a
``while True:``? Libraries submit a worker defined elsewhere, so their modules stay unparsed.

What it does not do: understand Python. It reads indentation back from each ``.submit(``
(at most :data:`MAX_LINES_BACK` lines); a definition spelt over lines, tabs mixed with
spaces, or a submitted name bound to another name are not matched, and the flow pass
decides what a match is worth.

A pool's ``map`` queues its function once per item (ADR 0122): ``def grow(_):
ex.map(grow, range(2))`` doubles the jobs as two ``submit``s do, and so do ``starmap``,
``map_async``, ``imap`` and multiprocessing's thread pools; ``loop.run_in_executor(None,
grow)`` is asyncio's ``submit`` and a multiprocessing pool's ``apply_async(grow)`` its
own. :func:`queued` reads such a call for
:func:`hostile.self_forking` (a map of a literal of two items or more, or of ``range(n)``
with ``n`` of two or more, counts twice; items it cannot count, once), and the text is
asked for it as for ``submit``, inside the ``def`` of the name only (a server's
``while True:`` mapping work is no bomb).

ADR 0126 reads two more shapes. The items may be a list the function builds first (``items =
[0, 0]; ex.map(grow, items)``, also ``[0] * 4`` and ``list(range(4))``): a name bound once in
the function's body, to one of the forms counted above, counts as that form
(:func:`local_items`). And the call back may go through a partner (``def a(_): ex.map(b,
[0, 0])`` with ``def b(_): a(0)``): :func:`hostile.self_forking` already follows it, and the
text is now asked for it too, a name queued inside ``def outer`` whose own ``def`` calls
``outer(``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping

SUBMITTED = re.compile(r"\.submit\(\s*([A-Za-z_]\w*)\s*[,)]")
DEFINED = re.compile(r"(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(")
ENDLESS = re.compile(r"while\s*(?:True|1)\s*:")
MAX_LINES_BACK = 200  # lines read back from a submit to the blocks around it
MAX_SUBMITS = 64  # submits asked of per module: past it the module is parsed anyway
# A pool's map of a name (not the builtin ``map(``: a method), a multiprocessing pool's
# ``apply_async`` (its ``submit``), asyncio's executor run.
MAPS = frozenset({"map", "starmap", "map_async", "starmap_async", "imap", "imap_unordered"})
RUN_IN = "run_in_executor"
APPLY = "apply_async"
MAPPED = re.compile(
    r"\.(?:star)?(?:map|imap)(?:_async|_unordered)?\(\s*([A-Za-z_]\w*)\s*,"
    r"|\brun_in_executor\(\s*[^,()]*,\s*([A-Za-z_]\w*)\s*[,)]"
    r"|\.apply_async\(\s*([A-Za-z_]\w*)\s*[,)]"
)
MAPPED_WORDS = (".map(", ".starmap(", "map_async(", ".imap(", "imap_unordered(", RUN_IN, APPLY)


def queues_itself(text: str) -> bool:
    """Whether a ``.submit(name`` lies in the body of ``def name`` or of ``while True:``, or
    a pool's ``.map(name`` (``run_in_executor(ex, name``) in the body of ``def name``."""
    if ".submit(" in text:
        for count, match in enumerate(SUBMITTED.finditer(text)):
            if count >= MAX_SUBMITS:
                return True  # many submits: the flow pass reads them (fail towards reading)
            if _within(text, match.start(), match.group(1)) or _partner(
                text, match.start(), match.group(1)
            ):
                return True
    return any(word in text for word in MAPPED_WORDS) and _maps_itself(text)


def _maps_itself(text: str) -> bool:
    for count, match in enumerate(MAPPED.finditer(text)):
        if count >= MAX_SUBMITS:
            return True
        name = match.group(1) or match.group(2) or match.group(3)
        if _within(text, match.start(), name, endless=False) or _partner(text, match.start(), name):
            return True
    return False


def queued(call: ast.Call, lists: Mapping[str, ast.expr] | None = None) -> tuple[str, int]:
    """The name a pool's call queues and how many times (two at most), for
    :func:`hostile.self_forking`: ``ex.map(grow, [0, 0])`` and ``pool.starmap_async(grow,
    ((1, 2), (3, 4)))`` queue ``grow`` twice, ``loop.run_in_executor(None, grow)`` and
    ``pool.apply_async(grow)`` once;
    ``('', 0)`` for any other call (the builtin ``map`` among them: it queues nothing).
    ``lists`` are the names the calling function binds once (:func:`local_items`): a map
    over one of them counts as a map over what it was bound to."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return "", 0
    if func.attr == RUN_IN and len(call.args) >= 2 and isinstance(call.args[1], ast.Name):
        return call.args[1].id, 1
    if func.attr == APPLY and call.args and isinstance(call.args[0], ast.Name):
        return call.args[0].id, 1
    if func.attr not in MAPS or len(call.args) < 2 or not isinstance(call.args[0], ast.Name):
        return "", 0
    items = call.args[1]
    if isinstance(items, ast.Name) and lists:
        items = lists.get(items.id, items)
    return call.args[0].id, _items(items)


def local_items(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    """The names ``func``'s own body binds exactly once, by a plain ``name = value`` whose
    value :func:`_items` counts as two (``items = [0, 0]``, ``[0] * 4``, ``range(3)``), and
    binds no other way (a loop, a ``with``, an augmented assignment, a parameter)."""
    bound: dict[str, ast.expr] = {}
    other: set[str] = {a.arg for a in (*func.args.args, *func.args.kwonlyargs)}
    todo: list[ast.AST] = list(func.body)
    seen = 0
    while todo and seen < MAX_NODES:
        part = todo.pop()
        seen += 1
        if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # its own names are not this function's
        if (
            isinstance(part, ast.Assign)
            and len(part.targets) == 1
            and isinstance(part.targets[0], ast.Name)
        ):
            name = part.targets[0].id
            if name in bound:
                other.add(name)
            bound[name] = part.value
            todo.append(part.value)  # not its target: that is the binding kept
            continue
        if isinstance(part, ast.Name) and isinstance(part.ctx, (ast.Store, ast.Del)):
            other.add(part.id)
        todo.extend(ast.iter_child_nodes(part))
    return {n: v for n, v in bound.items() if n not in other and _items(v) == 2}


MAX_NODES = 2000  # nodes of a function's body read for the names it binds


def _items(node: ast.expr) -> int:
    """Two for a literal of two items or more, ``[x] * n`` with ``n`` >= 2, or ``range(n)``
    with ``n`` >= 2 (also under ``list(...)``/``tuple(...)``); else one."""
    if isinstance(node, ast.Call) and _named(node.func, ("list", "tuple")) and len(node.args) == 1:
        node = node.args[0]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return 2 if len(node.elts) >= 2 else 1
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        sides = (node.left, node.right)
        seq = next((p for p in sides if isinstance(p, (ast.List, ast.Tuple)) and p.elts), None)
        times = next((p.value for p in sides if isinstance(p, ast.Constant)), None)
        if seq is not None and type(times) is int:
            return 2 if len(seq.elts) * times >= 2 else 1
    if isinstance(node, ast.Call) and _named(node.func, ("range",)):
        bounds = [
            a.value for a in node.args if isinstance(a, ast.Constant) and type(a.value) is int
        ]
        if len(bounds) == len(node.args) and len(bounds) in {1, 2}:
            low, high = (0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
            return 2 if high - low >= 2 else 1
    return 1


def _named(func: ast.expr, names: tuple[str, ...]) -> bool:
    return isinstance(func, ast.Name) and func.id in names


def _partner(text: str, at: int, name: str) -> bool:
    """Whether the ``def`` around offset ``at`` (``outer``, another name than ``name``) is
    called in the body of ``def name``: the job queued comes back through it."""
    outer = _enclosing(text, at)
    if not outer or outer == name:
        return False
    for found in re.finditer(rf"(?m)^([ \t]*)(?:async\s+)?def\s+{re.escape(name)}\s*\(", text):
        if re.search(rf"\b{re.escape(outer)}\s*\(", _block(text, found.end(), found.group(1))):
            return True
    return False


def _headers(text: str, at: int) -> Iterator[str]:
    """The block headers above offset ``at``, innermost first: each line less indented
    than the last (at most :data:`MAX_LINES_BACK` lines read), stripped."""
    start = text.rfind("\n", 0, at) + 1
    line = text[start:at]
    indent = len(line) - len(line.lstrip())
    for _ in range(MAX_LINES_BACK):
        if indent == 0 or start == 0:
            return
        previous = text.rfind("\n", 0, start - 1) + 1
        line = text[previous : start - 1]
        start = previous
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#") or len(line) - len(stripped) >= indent:
            continue
        indent = len(line) - len(stripped)
        yield stripped


def _enclosing(text: str, at: int) -> str:
    """The name of the nearest ``def`` whose block holds offset ``at``, or empty."""
    for header in _headers(text, at):
        defined = DEFINED.match(header)
        if defined is not None:
            return defined.group(1)
    return ""


def _block(text: str, at: int, indent: str) -> str:
    """The text of the block whose header (indented ``indent``) ends before offset ``at``:
    its lines up to the next one indented as little (at most :data:`MAX_LINES_BACK`)."""
    lines = text[at:].split("\n", MAX_LINES_BACK + 1)[: MAX_LINES_BACK + 1]
    out = [lines[0]]
    for line in lines[1:]:
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#") and len(line) - len(stripped) <= len(indent):
            break
        out.append(line)
    return "\n".join(out)


def _within(text: str, at: int, name: str, *, endless: bool = True) -> bool:
    """Whether a block header above offset ``at`` (less indented, each one less than the
    last) is ``def name(`` or (when ``endless``) ``while True:``."""
    for header in _headers(text, at):
        defined = DEFINED.match(header)
        if defined is not None and defined.group(1) == name:
            return True
        if endless and ENDLESS.match(header):
            return True
    return False
