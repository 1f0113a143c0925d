"""A ``.pth`` line that itself starts a program or connects out (issue 16; ADR 0167).

``site`` runs every ``import`` line of every ``.pth`` file in site-packages at each start
of Python: a line is the one place where a package's code runs with no import of it at
all, in every later process, so it is how malware stays. The lines real packages ship
import a module (setuptools' distutils shim, virtualenv's hook, coverage's start-up, a
namespace package's path set-up) and touch ``sys`` and ``os.environ``; the code that acts
lives in the module, vetted with the archive. A line that spawns a program or opens a
connection by itself (``import os; os.system(...)``, ``import urllib.request; ...``) is
that persistence in plain sight: it denies, whatever the command's words, where the same
call in a module on import holds.

What it deliberately does not cover: what the line's imported module does (judged as that
module on import), a line that only imports, and calls it cannot resolve.
"""

from __future__ import annotations

from airlock.imports.packages.flowtypes import Trace
from airlock.imports.packages.rules import PackageFinding, Severity

ACTING = frozenset({"process", "network", "native-load"})


def acting_line(path: str, number: int, traced: Trace | None) -> PackageFinding | None:
    """``pth-exec`` (critical) when the line's own code starts a program or connects."""
    if traced is None:
        return None
    acts = [e for e in traced.events if e.kind in ACTING]
    if not acts:
        return None
    first = acts[0]
    why = (
        f".pth line calls {first.callee} at every Python start-up: a start-up line that "
        "spawns a program or connects out by itself is persistence"
    )
    return PackageFinding("pth-exec", path, number, Severity.CRITICAL, why)
