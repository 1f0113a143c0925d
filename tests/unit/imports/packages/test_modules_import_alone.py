"""Every module of the vetting package imports first, on its own (ADR 0112).

The flow pass's parts import each other; a cycle that only works in one import order breaks
the first caller that imports a part directly (a test, a bench, a new adapter). On
``b124ead`` importing ``handed`` first failed with a circular ``ImportError``.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import airlock.imports.packages as packages

MODULES = sorted(m.name for m in pkgutil.iter_modules(packages.__path__))

# One interpreter for all of them: each module is imported with every airlock module first
# forgotten, so that it is the first to load.
PROBE = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.startswith("airlock")]:
        del sys.modules[loaded]
    try:
        importlib.import_module("airlock.imports.packages." + name)
    except ImportError as error:
        failed.append(f"{name}: {error}")
print("\\n".join(failed))
"""


def test_the_package_has_the_flow_pass_and_its_parts() -> None:
    assert {"flow", "flowtypes", "statements", "expressions", "calls", "sinkevents"} <= set(MODULES)


def test_every_module_imports_first_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *MODULES], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
