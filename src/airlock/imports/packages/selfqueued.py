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
"""

from __future__ import annotations

import ast
import re

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
            if _within(text, match.start(), match.group(1)):
                return True
    return any(word in text for word in MAPPED_WORDS) and _maps_itself(text)


def _maps_itself(text: str) -> bool:
    for count, match in enumerate(MAPPED.finditer(text)):
        if count >= MAX_SUBMITS:
            return True
        name = match.group(1) or match.group(2) or match.group(3)
        if _within(text, match.start(), name, endless=False):
            return True
    return False


def queued(call: ast.Call) -> tuple[str, int]:
    """The name a pool's call queues and how many times (two at most), for
    :func:`hostile.self_forking`: ``ex.map(grow, [0, 0])`` and ``pool.starmap_async(grow,
    ((1, 2), (3, 4)))`` queue ``grow`` twice, ``loop.run_in_executor(None, grow)`` and
    ``pool.apply_async(grow)`` once;
    ``('', 0)`` for any other call (the builtin ``map`` among them: it queues nothing)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return "", 0
    if func.attr == RUN_IN and len(call.args) >= 2 and isinstance(call.args[1], ast.Name):
        return call.args[1].id, 1
    if func.attr == APPLY and call.args and isinstance(call.args[0], ast.Name):
        return call.args[0].id, 1
    if func.attr not in MAPS or len(call.args) < 2 or not isinstance(call.args[0], ast.Name):
        return "", 0
    return call.args[0].id, _items(call.args[1])


def _items(node: ast.expr) -> int:
    """Two for a literal of two items or more or ``range(n)`` with ``n`` >= 2; else one."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return 2 if len(node.elts) >= 2 else 1
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
        bounds = [
            a.value for a in node.args if isinstance(a, ast.Constant) and type(a.value) is int
        ]
        if len(bounds) == len(node.args) and len(bounds) in {1, 2}:
            low, high = (0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
            return 2 if high - low >= 2 else 1
    return 1


def _within(text: str, at: int, name: str, *, endless: bool = True) -> bool:
    """Whether a block header above offset ``at`` (less indented, each one less than the
    last) is ``def name(`` or (when ``endless``) ``while True:``."""
    start = text.rfind("\n", 0, at) + 1
    line = text[start:at]
    indent = len(line) - len(line.lstrip())
    for _ in range(MAX_LINES_BACK):
        if indent == 0 or start == 0:
            return False
        previous = text.rfind("\n", 0, start - 1) + 1
        line = text[previous : start - 1]
        start = previous
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#") or len(line) - len(stripped) >= indent:
            continue
        indent = len(line) - len(stripped)
        defined = DEFINED.match(stripped)
        if defined is not None and defined.group(1) == name:
            return True
        if endless and ENDLESS.match(stripped):
            return True
    return False
