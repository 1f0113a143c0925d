"""A list handed out by a generator, or drawn from one item at a time (issue 16; ADR 0169).

A loop over a list the code spells runs each item (ADRs 0063, 0159). The attacker keeps the
list and changes how it is handed over: a generator that yields each command, ``yield
from`` the list, ``list()`` or a join of the generator, ``while C: os.system(C.pop())``, a
``deque``'s ``popleft``. Each was allowed. A generator's call is now the list of what it
yields, or each value it may yield; a pop of a folded list may be each item.

Near-misses stay allowed: a generator of version strings printed, harmless commands
popped and printed, a file's chunks yielded to a local writer. Every sample is inert
(vetting only reads files)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    CURL,
    PAYLOAD,
    X,
    init,
    verdict_cases,
    vet_package,
)

PAD = "'ls', 'pwd', 'id -u', 'uname -a', 'whoami', 'date', 'true', 'hostname', 'w'"
CMDS = f"def cmds():\n    yield 'ls'\n    yield {CURL!r}\n"

DENIED: dict[str, Mapping[str, str]] = {
    "generator-looped": init(f"import os\n{CMDS}for c in cmds():\n    os.system(c)\n"),
    "generator-exec": init(
        f"def parts():\n    yield 'x = 1'\n    yield {PAYLOAD!r}\nfor p in parts():\n    exec(p)\n"
    ),
    "generator-joined": init(
        f"def parts():\n    yield 'x = 1\\n'\n    yield {PAYLOAD!r}\nexec(''.join(parts()))\n"
    ),
    "generator-listed": init(f"import os\n{CMDS}for c in list(cmds()):\n    os.system(c)\n"),
    "generator-comprehension": init(f"import os\n{CMDS}[os.system(c) for c in cmds()]\n"),
    "yield-from-list": init(
        f"import os\ndef cmds():\n    yield from [{PAD}, {CURL!r}]\nfor c in cmds():\n"
        "    os.system(c)\n"
    ),
    # Yields in a branch: the call may hand out either.
    "generator-branches": init(
        f"import os, sys\ndef cmds():\n    if sys.platform == 'win32':\n        yield 'dir'\n"
        f"    else:\n        yield {CURL!r}\nfor c in cmds():\n    os.system(c)\n"
    ),
    # The loop in a function called on import.
    "generator-in-a-function": init(
        f"import subprocess\n{CMDS}def go():\n    for c in cmds():\n"
        "        subprocess.call(c, shell=True)\ngo()\n"
    ),
    # Some values unknown: the known ones are still read.
    "generator-partly-known": init(
        f"import os, sys\ndef cmds():\n    yield {X}\n    yield {CURL!r}\nfor c in cmds():\n"
        "    os.system(c)\n"
    ),
    "generator-partly-known-joined": init(
        f"import sys\ndef parts():\n    yield {PAYLOAD!r}\n    yield {X}\nexec(''.join(parts()))\n"
    ),
    "list-partly-known": init(f"import os, sys\nfor c in [{X}, {CURL!r}]:\n    os.system(c)\n"),
    "generator-of-a-loop": init(
        f"import os\ndef cmds():\n    for c in [{PAD}, {CURL!r}]:\n        yield c\n"
        "for c in cmds():\n    os.system(c)\n"
    ),
    "generator-method": init(
        f"import os\nclass K:\n    def cmds(self):\n        yield 'ls'\n        yield {CURL!r}\n"
        "for c in K().cmds():\n    os.system(c)\n"
    ),
    "while-pop": init(f"import os\nC = [{PAD}, {CURL!r}]\nwhile C:\n    os.system(C.pop())\n"),
    "while-pop-first": init(
        f"import os\nC = ['ls', {CURL!r}]\nwhile C:\n    os.system(C.pop(0))\n"
    ),
    "pop-exec": init(f"C = ['x = 1', {PAYLOAD!r}]\nwhile C:\n    exec(C.pop(0))\n"),
    "deque-popleft": init(
        f"import collections, os\nC = collections.deque(['ls', {CURL!r}])\nwhile C:\n"
        "    os.system(C.popleft())\n"
    ),
    "setup-generator": {
        "setup.py": f"import os\nfrom setuptools import setup\n{CMDS}for c in cmds():\n"
        "    os.system(c)\nsetup(name='evpkg', version='1.0')\n"
    },
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "versions-printed": init(
        "def versions():\n    yield '1.0'\n    yield '2.0'\nfor v in versions():\n    print(v)\n"
    ),
    "names-popped-and-printed": init(
        "C = ['alpha', 'beta', 'gamma']\nwhile C:\n    print(C.pop())\n"
    ),
    "chunks-to-a-local-file": init(
        "def chunks(path):\n    with open(path, 'rb') as f:\n        yield f.read(65536)\n"
        "def copy(src, dst):\n    with open(dst, 'wb') as out:\n"
        "        for part in chunks(src):\n            out.write(part)\n"
    ),
    "partly-known-names-printed": init(
        "import sys\nfor n in [sys.argv[0], 'alpha']:\n    print(n)\n"
    ),
    "modules-imported": init(
        "import importlib\ndef names():\n    yield 'json'\n    yield 'csv'\n"
        "for n in names():\n    importlib.import_module(n)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_list_handed_out_or_drawn_is_read_as_the_list(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
