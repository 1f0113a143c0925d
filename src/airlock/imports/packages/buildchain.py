"""Modules an sdist's build helpers import in turn: reached on install, held (issue 16;
ADR 0126). Pure.

``setup.py``'s own root-level imports are its helpers (:func:`scripts.install_helpers`):
their functions are read as running on install, at full weight. A helper's own imports
were not: ``setup.py -> _build.py -> pre_install.py`` with ``pre_install.run()`` sending the
host's name was read as a function of an ordinary module, called later (allowed). ADR 0123
made the modules that helpers import helpers too, and on all 699 files that turned one
popular held-out package from hold to deny: build helpers do run compilers and downloads,
and a chain of them is less sure to run than setup.py's own lines.

So the modules a chain of build helpers reaches (root-level modules beside ``setup.py``, at
most :data:`MAX_HOPS` imports from it and :data:`MAX_CHAINED` of them) are read a second
time as helpers, and what that reading finds is capped at high: it holds for a person to
read, never denies alone. Their ordinary pass is kept as it was, at its own weight.

What it does not do: follow modules inside packages (``tools/build/x.py``), imports of a
name that is built at run time, or modules a build hook's helpers import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.imports.packages.analysis import setup_imports
from airlock.imports.packages.ownpass import member_findings
from airlock.imports.packages.rules import PackageFinding, Severity

if TYPE_CHECKING:
    from airlock.imports.packages.archive import Member
    from airlock.imports.packages.local import LocalModules

MAX_HOPS = 3  # imports from setup.py: setup.py -> helper -> helper -> module
MAX_CHAINED = 16  # modules read again as helpers per sdist
MAX_SOURCE = 512 * 1024  # a helper's bytes read for its imports
CAPPED = (
    "(reached on install only through a chain of setup.py's build helpers: held for a "
    "person to read, ADR 0126)"
)


def chained_findings(
    members: list[Member], setup: str, helpers: set[str], package: LocalModules
) -> list[PackageFinding]:
    """What the modules :func:`chained_helpers` finds do when read as install helpers,
    each finding capped at high (:func:`capped`)."""
    found: list[PackageFinding] = []
    for member in chained_helpers(members, setup, helpers):
        assert member.data is not None  # chained_helpers read it
        read = member_findings(member.name, member.data, helper=True, package=package)
        found += [capped(f) for f in read]
    return found


def chained_helpers(members: list[Member], setup: str, helpers: set[str]) -> list[Member]:
    """Root-level modules beside ``setup`` that ``helpers`` (setup.py's own imports) import,
    directly or through each other, and that are not helpers themselves."""
    if not setup:
        return []
    root = setup.rpartition("/")[0]
    prefix = f"{root}/" if root else ""
    by_name = {m.name: m for m in members if m.name.endswith(".py")}
    seen = {setup, *helpers}
    frontier = [by_name[h] for h in sorted(helpers) if h in by_name]
    chained: list[Member] = []
    for _ in range(MAX_HOPS - 1):
        reached: list[Member] = []
        for member in frontier:
            if member.data is None or len(member.data) > MAX_SOURCE:
                continue
            for name in sorted(setup_imports(member.data.decode("utf-8", "replace"))):
                path = f"{prefix}{name}.py"
                if path in by_name and path not in seen and len(chained) < MAX_CHAINED:
                    seen.add(path)
                    chained.append(by_name[path])
                    reached.append(by_name[path])
        frontier = reached
    return chained


def capped(finding: PackageFinding) -> PackageFinding:
    """``finding`` at most high, saying why."""
    if finding.severity <= Severity.HIGH:
        return finding
    return PackageFinding(
        finding.rule,
        finding.path,
        finding.line,
        Severity.HIGH,
        f"{finding.explanation} {CAPPED}",
    )
