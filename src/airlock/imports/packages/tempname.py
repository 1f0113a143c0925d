"""A temporary file's or folder's name is a path of its own (issue 16; ADR 0162).

``f = tempfile.NamedTemporaryFile(suffix='.py', delete=False); f.write(PAYLOAD);
subprocess.call([sys.executable, f.name])`` is ADR 0161's drop-and-run with a path that
does not fold: the file's text was remembered only for a path that folds, so the payload
run by the interpreter was never read (allowed). Here the name the module cannot know is
given a stand-in that folds, :data:`TEMP` and the call's place and suffix, the way
``__file__``'s folder is folded as :data:`runfile.HERE`: ``NamedTemporaryFile`` (an open
file whose ``name`` is that path), ``mkstemp`` (the pair's path), ``mkdtemp`` and ``mktemp``;
``gettempdir`` names one folder wherever it is called (:data:`TEMP_FOLDER`).
What is written to it and then run is read as run (:mod:`writtenrun`).

The stand-in is absolute, so it names no member of the archive (:func:`runfile.resolve`),
and it holds no folder any rule reads (no ``/tmp``, no home folder): a temporary file is
judged by what is written to it and how it is run, never by where it is. Pure.
"""

from __future__ import annotations

import ast
import hashlib
import re

from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.pathshape import skeleton

TEMP = "/\0temp"  # a temporary name's stand-in starts so
# A word holding a stand-in: the whole word goes, as an unknown value's word did not show.
_STAND_IN = re.compile("\\S*/\0temp\\S*")
# Each maker, and the position of its ``suffix`` argument.
MAKERS = {
    "tempfile.NamedTemporaryFile": 5,
    "tempfile.mkstemp": 0,
    "tempfile.mkdtemp": 0,
    "tempfile.mktemp": 0,
    # ADR 0195: a folder made for a ``with`` block (its ``as`` name is the folder's path).
    "tempfile.TemporaryDirectory": 0,
}
MAX_SUFFIX = 32


# The one folder ``gettempdir`` names, wherever it is called: line 0 is no call's place.
TEMP_FOLDER = f"{TEMP}0.0"


def made(node: ast.Call, ref: str, args: list[Val], kwargs: dict[str | None, Val]) -> Val | None:
    """What a temporary file or folder maker returns (:data:`MAKERS`): the open file, the
    ``(fd, path)`` pair, or the path, named by a stand-in; None for any other call."""
    if ref == "tempfile.gettempdir" and not args:
        return Val(const=TEMP_FOLDER)
    at = MAKERS.get(ref)
    if at is None:
        return None
    given = kwargs.get("suffix") or (args[at] if len(args) > at else None)
    suffix = given.const if given is not None and isinstance(given.const, str) else ""
    name = f"{TEMP}{node.lineno}.{node.col_offset}{suffix[:MAX_SUFFIX]}"
    if ref == "tempfile.NamedTemporaryFile":
        return Val(handle=name)
    if ref == "tempfile.mkstemp":
        return Val(const=[0, name])
    return Val(const=name)


def unfolded(
    node: ast.expr, var: str, path: Val, env: dict[str, Val], top: dict[str, Val] | None = None
) -> str:
    """A path held in the name ``var`` that does not fold, opened for writing (``P =
    os.path.join(os.path.dirname(__file__), '_v.py'); open(P, 'w')``, ``os.open(P, …)``):
    the name is bound to the same value named by a stand-in made at the open's place (with a
    ``.py`` suffix when the value's known tail shows one), which is returned. It matches
    what is written there and what is run by the name later (ADR 0196: a payload written
    to a package-relative path and run was allowed). A function's name that is the
    module's (``top``: its names, the same value there) is bound there too, for the
    function that runs it."""
    tails = (path.shape, path.code, path.words, path.head)
    suffix = next((s for s in (".py", ".pyw") for t in tails if t.endswith(s)), "")
    name = f"{TEMP}{node.lineno}.{node.col_offset}{suffix}"
    if top is not None and top is not env and top.get(var) == path:
        top[var] = path._replace(const=name)
    env[var] = path._replace(const=name)
    return name


def inline(path: ast.expr) -> str:
    """A path given as an expression that does not fold (``open(os.path.join(here,
    'x.py'), 'w')``): a stand-in named by the expression's text, so that the same
    expression in a run names it again (ADR 0196); empty for an expression with no text."""
    said = skeleton(path)
    if not said:
        return ""
    suffix = next((s for s in (".py", ".pyw") if said.rstrip("')\"").endswith(s)), "")
    return f"{INLINE}{hashlib.sha256(said.encode()).hexdigest()[:16]}{suffix}"


INLINE = f"{TEMP}="  # :func:`inline`'s stand-ins start so


def path_name(node: ast.expr) -> str:
    """The name a path object's written file is named by: ``P`` of ``P.write_text(…)`` and of
    ``Path(P).write_text(…)``; empty for anything else."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        node = node.args[0] if called in PATH_CLASSES else node
    return node.id if isinstance(node, ast.Name) else ""


PATH_CLASSES = frozenset({"Path", "PosixPath", "WindowsPath", "PurePath"})


def attribute(base: Val, attr: str) -> Val | None:
    """``f.name`` of a temporary file made so: its stand-in path; None otherwise."""
    if attr == "name" and base.handle.startswith(TEMP):
        return Val(const=base.handle)
    return None


def unnamed(text: str) -> str:
    """A sink's text with each word holding a stand-in taken out, as it read before they
    folded (``'sh ' + f.name`` is ``sh``, ``'file://' + f.name`` nothing): the stand-in
    matches what was written and run, and no rule reads it as a path or an address."""
    return _STAND_IN.sub("", text) if TEMP in text else text
