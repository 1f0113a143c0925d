"""pip run in-process as a module (issue 16; ADR 0119). Pure.

ADR 0116 denies code that installs a look-alike on install or import, and holds any other
install then; ``pip.main([...])`` and ``pip._internal.cli.main.main([...])`` are read as
the command they run. ``runpy.run_module('pip', run_name='__main__')`` runs the same pip
with the words ``sys.argv`` holds, set by the code just before
(``sys.argv = ['pip', 'install', 'colourama']``): it was read as a module run by name
(``dynamic-exec``, medium) and the install was allowed. Here such a run is also read as
``pip.main`` given ``sys.argv[1:]``, so the same rules judge it.

What it does not do: ``sys.argv`` changed in place (``sys.argv[1:] = ...``,
``sys.argv.extend``), pip run by ``runpy.run_path`` of its folder, or ``-m pip`` handed
to ``sys.executable`` through ``os.execv`` (a process, read already).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.imports.packages.flowtypes import Val

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

PIP_MODULES = frozenset({"pip", "pip.__main__", "pip._internal", "pip._internal.cli.main"})
RUNNERS = frozenset({"runpy.run_module", "runpy._run_module_as_main"})
PIP_MAIN = "pip.main"  # the call such a run stands for
ARGV = ("sys", "argv")  # where :func:`statements.bind` keeps ``sys.argv = [...]``


def argv_run(interp: Interpreter, ref: str, args: list[Val]) -> list[Val] | None:
    """The arguments ``pip.main`` would be given for ``runpy.run_module('pip', ...)``:
    ``sys.argv`` past its first word when the code set it, else none; None for other calls."""
    if ref not in RUNNERS or not args or args[0].const not in PIP_MODULES:
        return None
    argv = interp.attrs.get(ARGV)
    words = argv.const if argv is not None and isinstance(argv.const, list) else []
    return [Val(const=[w for w in words[1:] if isinstance(w, str)])]


def keep_argv(interp: Interpreter, owner: str, attr: str, value: Val) -> None:
    """Keep ``value`` when the assignment is ``sys.argv = ...``, for :func:`argv_run`."""
    if (owner, attr) == ARGV:
        interp.attrs[ARGV] = value
