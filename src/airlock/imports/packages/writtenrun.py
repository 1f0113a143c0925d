"""A file written with known text and then run is read as that text run (issue 16; ADR 0161).

The classic drop-and-run: ``open('/tmp/x.py', 'w').write(PAYLOAD)`` and then
``runpy.run_path('/tmp/x.py')``, ``subprocess.Popen([sys.executable, '/tmp/x.py'])`` or
``os.system('sh /tmp/x.sh')``. A written file was judged as a write of its path, and the run
as a run of a file the code names: ``runpy`` a dynamic exec (noted), the interpreter on a
path a build step (low), a shell on a script held as a process on import. The payload's
text was never read as what runs. Only downloaded or decoded data written to a path made
that path a dropped file (:mod:`writes`).

Here a module remembers the text it writes to a path that folds (:data:`MAX_KEPT` paths, at
most :data:`fold.MAX_FOLD` characters each, a string or the known head of one), and a run
that runs such a path reads the text as it runs: ``runpy.run_path`` and an interpreter given
a ``.py`` path walk it as exec'd code is; a program run by its path, or a file given to a
shell, is a script judged as a command of that text. A compiler or a copy given the path
only reads it (:func:`_runs`).

What it does not do: follow a path that does not fold (a temporary file's name folds to a
stand-in, :mod:`tempname`, ADR 0162), a file written by another module, or a write walked
after the run.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes
from airlock.imports.packages.fold import MAX_FOLD

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# What runs a file given to it: an interpreter, a shell (``python -u x.py``, ``sh x.sh``).
RUNNERS = re.compile(
    r"(?:.*/)?(?:python[\d.]*w?|pypy3?|sys\.executable|sh|bash|zsh|dash|ksh|source|\."
    r"|cmd|cmd\.exe|powershell|pwsh)",
    re.IGNORECASE,
)
MAX_KEPT = 16  # paths whose written text a module remembers
MIN_PATH = 4  # characters: a shorter path names nothing a command could be matched on


def keep(interp: Interpreter, path: str, text: str) -> None:
    """``text`` was written to ``path``: what running the path will run."""
    if len(path) < MIN_PATH or "?" in path or not text.strip():
        return
    if path in interp.trace.written or len(interp.trace.written) < MAX_KEPT:
        interp.trace.written[path] = text[:MAX_FOLD]


def ran(  # noqa: PLR0917 -- the parts of one run
    interp: Interpreter,
    kind: str,
    node: ast.Call,
    text: str,
    labels: frozenset[str],
    when: flowtypes.When,
    env: dict[str, flowtypes.Val],
) -> None:
    """A run (``kind`` exec or process, ``text`` its folded text) of a path written here
    with known text: that text is read as run."""
    if kind not in ("exec", "process") or not interp.trace.written:
        return
    named = _named(node, env) if kind == "exec" else set()
    for path, written in list(interp.trace.written.items()):
        if path in named:
            interp.nested(written, {}, when)  # ``exec(open(p).read())``
            return
        if path not in text or (kind == "process" and not _runs(text.split(), path)):
            continue
        if kind == "exec" or path.endswith((".py", ".pyw")):
            interp.nested(written, {}, when)
        else:  # a script a shell runs
            event = flowtypes.Event("process", "script", node.lineno, when, written[:4096], labels)
            interp.trace.events.append(event)
        return


def _runs(words: list[str], path: str) -> bool:
    """Whether a command's words run ``path``: it is the program, or what an interpreter or
    a shell is given (past its flags). A compiler or a copy given the path only reads it."""
    for i, word in enumerate(words):
        if word.strip("'\"") != path:
            continue
        before = [w for w in words[:i] if not w.startswith("-")]
        if i == 0 or (before and RUNNERS.fullmatch(before[-1])):
            return True
    return False


MAX_NAMED = 64  # nodes of an exec's argument looked at for a path written here


def _named(node: ast.Call, env: dict[str, flowtypes.Val]) -> set[str]:
    """The strings an exec's argument names, written or held in a name: the path of
    ``exec(open(p).read())``, ``exec(compile(Path(p).read_text(), p, 'exec'))``."""
    found: set[str] = set()
    for i, part in enumerate(ast.walk(node.args[0]) if node.args else ()):
        if i >= MAX_NAMED:
            break
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            found.add(part.value)
        elif isinstance(part, ast.Name) and isinstance(env.get(part.id, _NONE).const, str):
            found.add(str(env[part.id].const))
    return found


_NONE = flowtypes.Val()
