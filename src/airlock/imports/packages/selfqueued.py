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
"""

from __future__ import annotations

import re

SUBMITTED = re.compile(r"\.submit\(\s*([A-Za-z_]\w*)\s*[,)]")
DEFINED = re.compile(r"(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(")
ENDLESS = re.compile(r"while\s*(?:True|1)\s*:")
MAX_LINES_BACK = 200  # lines read back from a submit to the blocks around it
MAX_SUBMITS = 64  # submits asked of per module: past it the module is parsed anyway


def queues_itself(text: str) -> bool:
    """Whether a ``.submit(name`` lies in the body of ``def name`` or of ``while True:``."""
    if ".submit(" not in text:
        return False
    for count, match in enumerate(SUBMITTED.finditer(text)):
        if count >= MAX_SUBMITS:
            return True  # many submits: the flow pass reads them (fail towards reading)
        if _within(text, match.start(), match.group(1)):
            return True
    return False


def _within(text: str, at: int, name: str) -> bool:
    """Whether a block header above offset ``at`` (less indented, each one less than the
    last) is ``def name(`` or ``while True:``."""
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
        if (defined is not None and defined.group(1) == name) or ENDLESS.match(stripped):
            return True
    return False
