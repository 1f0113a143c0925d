"""Code put into the import system: finders and loaders, and replaced builtins (issue 16).

Pure tables and one scorer. A module that, on install or import, adds a finder or a loader to
``sys.meta_path`` or a path hook to ``sys.path_hooks``, or replaces a builtin
(``builtins.__import__ = f``, ``setattr(builtins, 'open', f)``, ``__builtins__['exec'] = f``),
has that code run by every later ``import`` (or ``open``) in the process, with nobody calling
it by name. :mod:`flow` evaluates the hook's body at registration (the finder class's methods,
the replacing function) and records which of the events it made came from a hook
(:attr:`flowtypes.Trace.hooks`); :func:`hook_findings` judges them.

What is judged is the hook's body, not the registration: ``six`` appends a finder to
``sys.meta_path`` that only imports modules by other names, setuptools' distutils shim does
the same from a ``.pth``, and both stay quiet. A hook body that reaches the network, starts a
process, loads native code or runs decoded, downloaded or hidden code holds
(``import-hook``); a chain inside it (a secret sent, a download run) keeps its own weight
from :mod:`chains`. Re-running the builtin it replaced (``return _real_open(*a)``) is not a
reach.

A registration inside a function counts when that function runs on install or import,
also when it is called by a string (``globals()['_install']()``, ADR 0039).

What it deliberately does not do: follow hooks registered later (inside a function that only
a caller outside the archive runs), ``importlib.abc`` loaders returned by a ``find_spec``
built at run time from data, or ``sys.modules`` entries replaced by objects (lazy modules do
that all the time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.sinks import CLIENTS, DECODED, HIDDEN, REMOTE

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Event, Trace

# Calls that put a finder, a loader or a path hook where every import consults it.
REGISTRARS = {
    "sys.meta_path.append": "sys.meta_path", "sys.meta_path.insert": "sys.meta_path",
    "sys.path_hooks.append": "sys.path_hooks", "sys.path_hooks.insert": "sys.path_hooks",
    # ADR 0067: a loader made into a spec is there to be run (``module_from_spec`` calls
    # its ``create_module``, the caller its ``exec_module``), whoever calls them.
    "importlib.util.spec_from_loader": "a module spec",
    "importlib.machinery.ModuleSpec": "a module spec",
}  # fmt: skip
# Builtins whose replacement runs in place of the real one for all code in the process.
PATCHED_BUILTINS = frozenset({
    "__import__", "open", "exec", "eval", "compile", "print", "input", "getattr",
    "__build_class__", "globals", "setattr",
})  # fmt: skip
BUILTIN_MODULES = frozenset({"builtins", "__builtins__", "__builtin__"})
# What the import system calls on a finder, a loader or a path-hook object.
FINDER_METHODS = (
    "__init__", "__call__", "find_spec", "find_module", "find_distributions", "load_module",
    "create_module", "exec_module", "get_code", "get_source", "get_data", "invalidate_caches",
)  # fmt: skip


def _reaches(event: Event, replaced: str) -> bool:
    """Whether an event made inside a hook is a reach outside the import system."""
    if event.callee == replaced:
        return False  # the replaced builtin called through: a wrapper
    if event.kind == "network":
        return event.callee not in CLIENTS and event.callee != "socket.socket"
    if event.kind in ("process", "native-load", "memory"):
        return True
    return event.kind in ("exec", "opaque-load") and bool(event.labels & {DECODED, REMOTE, HIDDEN})


def hook_findings(path: str, found: Trace) -> list[PackageFinding]:
    """``import-hook`` findings (high) for the hooks whose body, run at registration, reached
    a sink in this file's events (one finding per sink line)."""
    out: dict[int, PackageFinding] = {}
    for registered, what, replaced, start, end in found.hooks:
        for event in found.events[start:end]:
            if event.line in out or not _reaches(event, replaced):
                continue
            out[event.line] = PackageFinding(
                "import-hook",
                path,
                event.line,
                Severity.HIGH,
                f"{what} (line {registered}) runs code that reaches {event.kind} via "
                f"{event.callee}: it runs for every later import, with nobody calling it",
            )
    return list(out.values())
