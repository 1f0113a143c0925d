"""A downloaded value handed to ``curl`` as its URL or its output file (issue 16; ADR 0144).

Ultralytics' ``safe_download`` asks Google Drive for a file's direct address and hands
that address to ``curl -o FILE``: data from the network on curl's command line, which the
flow pass read as a download run as a program (``dropper``). curl only fetches what it is
told into where it is told; a value on its argument list is never run by it. This module
says when a process call is that shape, so the scorer judges it as a download (as
``requests.get`` then a write is), not as code run.

What it deliberately does not cover: the program itself taken from the download, a shell
(``shell=True``, a string command, ``os.system``), any other program (an interpreter, a
shell, ``ssh`` whose options run commands, ``wget`` whose ``--execute`` and
``--use-askpass`` run them), and a command list built elsewhere whose first element the
pass cannot see. Those stay ``dropper``. Nor does it judge the moment: the scorer keeps a
downloaded value on curl's line on install or import a dropper.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import writes
from airlock.imports.packages.pathshape import arg_text, skeleton
from airlock.imports.packages.sinkcall import LIST_RUNNERS
from airlock.imports.packages.sinks import DROPPED, REMOTE

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val

# A mark on a process event: the downloaded data it carries (a download's address, the
# file a download was saved to) sits only in curl's arguments.
FETCH_ARGS = "fetch-args"
FETCHERS = frozenset({"curl", "curl.exe"})
# The option naming the file each download tool writes, alone or joined by ``=`` (curl's
# ``-O`` takes no file: it saves under the URL's own name).
OUTPUT_OPTIONS = {
    "curl": ("-o", "--output"), "curl.exe": ("-o", "--output"),
    "wget": ("-O", "--output-document"), "wget.exe": ("-O", "--output-document"),
}  # fmt: skip


def fetch_args(ref: str, node: ast.Call, kwargs: dict[str | None, Val]) -> bool:
    """Whether ``node`` starts curl from a list written in the call, no shell and no other
    executable asked, with no keyword carrying downloaded data: what was downloaded there is
    only curl's arguments (the program's name is a literal, so never downloaded)."""
    if _program(ref, node) not in FETCHERS:
        return False
    if None in kwargs or any(k.arg is None for k in node.keywords):
        return False  # ``**options`` may hold ``shell=True``
    shell = kwargs.get("shell")
    if (shell is not None and shell.const is not False) or "executable" in kwargs:
        # A shell reads the downloaded words as commands; ``executable=`` is what starts.
        return False
    # Downloaded data in a keyword (its stdin, its environment, its folder) is not judged.
    return not any(v.labels & {REMOTE, DROPPED} for v in kwargs.values())


def saved(interp: Interpreter, node: ast.Call, ref: str, env: dict[str, Val]) -> None:
    """``subprocess.run(['curl', URL, '-o', f])`` writes a download to ``f``: it is marked
    as a requests download written there is (:func:`writes.dropped_to`), so running it,
    or reading it as code, is a dropper (ADR 0144). On main a curl download run when
    called was allowed; the address handed to curl is no longer a dropper by itself, and
    this keeps the run of what curl saved one."""
    options = OUTPUT_OPTIONS.get(_program(ref, node), ())
    command = node.args[0] if options else None
    if not isinstance(command, (ast.List, ast.Tuple)):
        return
    elements = command.elts
    joined = tuple(o + "=" for o in options)
    for i, element in enumerate(elements[1:], start=1):
        word = element.value if isinstance(element, ast.Constant) else None
        if word in options and i + 1 < len(elements):
            _mark(interp, elements[i + 1], env)
        elif isinstance(word, str) and word.startswith(joined):
            _add(interp, word.partition("=")[2])


def _program(ref: str, node: ast.Call) -> str:
    """The program's base name, lower case, when ``node`` starts a list written in the
    call whose first element is a literal (``''`` otherwise)."""
    command = node.args[0] if ref in LIST_RUNNERS and node.args else None
    if not isinstance(command, (ast.List, ast.Tuple)) or not command.elts:
        return ""
    program = command.elts[0]
    if not isinstance(program, ast.Constant) or not isinstance(program.value, str):
        return ""
    return program.value.replace("\\", "/").rsplit("/", 1)[-1].lower()


def _add(interp: Interpreter, path: str) -> None:
    if len(path) >= 4 and len(interp.trace.dropped) < 256:
        interp.trace.dropped.add(path)


def _mark(interp: Interpreter, target: ast.expr, env: dict[str, Val]) -> None:
    """The path ``target`` names holds a download: its folded text, or the text of its
    expression when it does not fold, as :func:`writes.dropped_to` keeps them."""
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        _add(interp, target.value)
        return
    if isinstance(target, ast.Name) and target.id in env:
        writes.dropped_to(interp, target, env, arg_text(env[target.id]))
    if len(interp.trace.skeletons) < 64:
        interp.trace.skeletons.add(skeleton(target))
