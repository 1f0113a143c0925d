"""A loop over a sequence the code spells, and an item picked from one (issue 16; ADR 0159).

ADR 0063 reads ``for c in ['id']: os.system(c)`` as the run of each item, for a list of at
most four items and one loop name. The attacker pads or reshapes the list: five harmless
commands before the payload, pairs unpacked (``for k, c in [('a', 'x = 1'), ('b', P)]``),
a dict's ``.items()``, ``enumerate``, ``zip``. Each was allowed. A loop over a folded
sequence now unpacks pairs and reads those calls; a longer list binds its names to the
strings each may be, those that name a sink first.

Near-misses stay allowed: a loop over harmless commands, a loop over module names that are
imported, a long list of version strings printed. Every sample is inert (vetting only
reads files)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    CURL,
    PAYLOAD,
    PY,
    init,
    verdict_cases,
    vet_package,
)

PAD = "'ls', 'pwd', 'id -u', 'uname -a', 'whoami', 'date', 'true', 'hostname', 'w'"

DENIED: dict[str, dict[str, str]] = {
    "long-list-last-command": init(f"import os\nfor c in [{PAD}, {CURL!r}]:\n    os.system(c)\n"),
    "long-list-named": init(f"import os\nC = [{PAD}, {CURL!r}]\nfor c in C:\n    os.system(c)\n"),
    "long-list-exec": init(
        f"for c in ['x = 1', 'y = 2', 'z = 3', 'w = 4', 'v = 5', {PAYLOAD!r}]:\n    exec(c)\n"
    ),
    "long-list-comprehension": init(
        f"import subprocess\n[subprocess.call(c, shell=True) for c in [{PAD}, {CURL!r}]]\n"
    ),
    "pairs-unpacked-exec": init(
        f"for k, c in [('a', 'x = 1'), ('b', {PAYLOAD!r})]:\n    exec(c)\n"
    ),
    "pairs-unpacked-comprehension": init(
        f"import os\n[os.system(c) for k, c in [('a', 'ls'), ('b', {CURL!r})]]\n"
    ),
    "dict-items": init(
        f"import os\nfor k, c in {{'a': 'ls', 'b': {CURL!r}}}.items():\n    os.system(c)\n"
    ),
    "dict-values": init(
        f"import os\nfor c in {{'a': 'ls', 'b': {CURL!r}}}.values():\n    os.system(c)\n"
    ),
    "enumerate": init(f"import os\nfor i, c in enumerate(['ls', {CURL!r}]):\n    os.system(c)\n"),
    "zip-written-then-run": init(
        f"import subprocess, sys\nfor p, t in zip([{PY!r}], [{PAYLOAD!r}]):\n"
        f"    open(p, 'w').write(t)\nsubprocess.call([sys.executable, {PY!r}])\n"
    ),
    "pairs-written-then-run": init(
        f"import subprocess, sys\nfor p, t in [('/tmp/evpkg.cfg', 'x'), ({PY!r}, {PAYLOAD!r})]:\n"
        f"    open(p, 'w').write(t)\nsubprocess.call([sys.executable, {PY!r}])\n"
    ),
    # The loop in a function called on import, over the module's own list.
    "function-over-module-list": init(
        f"import os\nC = ['ls', {CURL!r}]\ndef go():\n    for c in C:\n        os.system(c)\ngo()\n"
    ),
    "function-over-long-module-list": init(
        f"import os\nC = [{PAD}, {CURL!r}]\n"
        "def go():\n    for c in C:\n        os.system(c)\ngo()\n"
    ),
    # An item picked by an index that does not fold, and a table padded before the payload.
    "list-item-by-index": init(
        f"import os\nC = [{PAD}, {CURL!r}]\nfor i in range(len(C)):\n    os.system(C[i])\n"
    ),
    "padded-table-by-platform": init(
        "import os, sys\nT = {"
        + ", ".join(f"'k{i}': 'uname -a #{i}'" for i in range(9))
        + f", 'linux': {CURL!r}}}\nos.system(T[sys.platform])\n"
    ),
    # A set literal, a table built by a comprehension over pairs, a list spliced in.
    "set-literal": init(f"import os\nfor c in {{{PAD}, {CURL!r}}}:\n    os.system(c)\n"),
    "table-comprehension-over-pairs": init(
        f"import os\nT = {{k: v for k, v in [('a', 'ls'), ('b', {CURL!r})]}}\n"
        "for v in T.values():\n    os.system(v)\n"
    ),
    "list-spliced-into-the-call": init(
        f"import subprocess\nargs = ['sh', '-c', {CURL!r}]\nsubprocess.call([*args])\n"
    ),
    "list-spliced-then-bound": init(
        f"import subprocess\nargs = ['sh', '-c', {CURL!r}]\nx = [*args]\nsubprocess.call(x)\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # setup.py looking for a version control tool, one after another.
    "version-control-tools-probed": {
        "setup.py": "import subprocess\nfrom setuptools import setup\n"
        "for tool in ['git --version', 'hg --version', 'svn --version', 'bzr --version', "
        "'darcs --version']:\n"
        "    if subprocess.call(tool, shell=True) == 0:\n        break\n"
        "setup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    },
    "modules-imported-in-a-loop": init(
        "import importlib\nfor k, m in {'j': 'json', 'c': 'csv', 'r': 're', 'o': 'os', "
        "'s': 'sys', 't': 'time'}.items():\n    globals()[k] = importlib.import_module(m)\n"
    ),
    "versions-printed": init(
        "for i, v in enumerate(['1.0', '1.1', '1.2', '2.0', '2.1', '3.0']):\n    print(i, v)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_loop_over_a_spelled_sequence_runs_each_item(
    files: dict[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
