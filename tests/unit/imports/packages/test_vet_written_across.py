"""A file one module of the archive writes and another runs (issue 16; ADR 0157).

ADR 0161 read a file a module writes with known text, then runs, as that text run. The
attacker's next step splits the two: ``helper.py`` writes the payload to ``/tmp/x.py`` at its
top level, and ``setup.py`` (or the package's ``__init__.py``) imports it and runs the path
by the interpreter, a shell, ``runpy`` or ``os.system``. Importing a module runs its top
level, so the write happens at the import and the run after it reads the written text.

The same holds for a file ``setup.py`` writes at install and the package runs when
imported: it is on disk by then.

Near-misses a real package writes stay allowed: a module writing a version file that the
setup script (or the package) then runs, a build helper writing a C file that a compiler
reads, and a module writing the payload but nothing running it. Each sample is inert
(vetting only reads files)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import CURL, PAYLOAD, PY, SH, verdict_cases, vet_package


def writer(path: str, text: str, *, in_function: bool = False) -> str:
    """A module that writes ``text`` to ``path`` when imported (through a function it calls
    at its top level when ``in_function``)."""
    write = f"with open(P, 'w') as f:\n    f.write({text!r})\n"
    if in_function:
        body = "".join(f"    {line}\n" for line in write.splitlines())
        write = f"def _drop():\n{body}_drop()\n"
    return f"P = {path!r}\n" + write


def setup_running(run: str, imports: str = "import helper\n") -> str:
    """``setup.py`` importing the writer, then running ``run`` at module level."""
    return (
        f"import os, runpy, subprocess, sys\nfrom setuptools import setup\n{imports}{run}\n"
        "setup(name='evpkg')\n"
    )


def init_running(run: str, imports: str = "from . import helper\n") -> dict[str, str]:
    """The package's ``__init__.py`` importing its writer module, then running ``run``."""
    return {
        "evpkg/__init__.py": f"import os, runpy, subprocess, sys\n{imports}{run}\n",
        "evpkg/helper.py": writer(PY, PAYLOAD),
    }


def on_install(run: str, written: str = PAYLOAD, path: str = PY, **kw: bool) -> dict[str, str]:
    return {
        "setup.py": setup_running(run),
        "helper.py": writer(path, written, **kw),
        "evpkg/__init__.py": "",
    }


DENIED: dict[str, dict[str, str]] = {
    # setup.py runs the file its helper wrote on import, by the path the helper binds.
    "install-interpreter-helper-name": on_install("subprocess.call([sys.executable, helper.P])"),
    "install-interpreter-literal-path": on_install(f"subprocess.call([sys.executable, {PY!r}])"),
    "install-os-system-sum": on_install("os.system('python3 ' + helper.P)"),
    "install-runpy": on_install("runpy.run_path(helper.P)"),
    "install-exec-open-read": on_install("exec(open(helper.P).read())"),
    "install-written-in-a-function": on_install(
        f"subprocess.call([sys.executable, {PY!r}])", in_function=True
    ),
    "install-shell-script": on_install(
        f"subprocess.call(['bash', {SH!r}])", written=CURL + "\n", path=SH
    ),
    "install-write-text": {
        **on_install("subprocess.call([sys.executable, helper.P])"),
        "helper.py": f"import pathlib\nP = {PY!r}\npathlib.Path(P).write_text({PAYLOAD!r})\n",
    },
    "install-written-as-bytes": {
        **on_install("subprocess.call([sys.executable, helper.P])"),
        "helper.py": f"P = {PY!r}\nopen(P, 'wb').write({PAYLOAD!r}.encode())\n",
    },
    "install-path-joined": {
        **on_install("subprocess.call([sys.executable, helper.P])"),
        "helper.py": "import os\nP = os.path.join('/tmp', '.cache_x.py')\n"
        + writer(PY, PAYLOAD).split("\n", 1)[1],
    },
    "install-class-attribute-path": {
        **on_install("subprocess.call([sys.executable, helper.Cfg.P])"),
        "helper.py": f"class Cfg:\n    P = {PY!r}\n"
        f"with open(Cfg.P, 'w') as f:\n    f.write({PAYLOAD!r})\n",
    },
    "install-temporary-file-name": {
        **on_install("subprocess.call([sys.executable, helper.f.name])"),
        "helper.py": "import tempfile\n"
        "f = tempfile.NamedTemporaryFile('w', suffix='.py', delete=False)\n"
        f"f.write({PAYLOAD!r})\nf.close()\n",
    },
    "install-f-string-shell": on_install("subprocess.run(f'python3 {helper.P}', shell=True)"),
    "install-name-imported-from-helper": {
        **on_install(""),
        "setup.py": setup_running(
            "subprocess.call([sys.executable, P])", imports="from helper import P\n"
        ),
    },
    # One module writes the payload as bytes and runs it (ADR 0161 kept text only).
    "own-module-bytes-literal": {
        "evpkg/__init__.py": f"import subprocess, sys\nP = {PY!r}\n"
        f"open(P, 'wb').write({PAYLOAD.encode()!r})\nsubprocess.call([sys.executable, P])\n"
    },
    "own-module-encoded-text": {
        "evpkg/__init__.py": f"import subprocess, sys\nP = {PY!r}\n"
        f"open(P, 'wb').write({PAYLOAD!r}.encode())\nsubprocess.call([sys.executable, P])\n"
    },
    # The package's __init__ runs, on import, what its own module wrote when imported.
    "import-runpy-relative": init_running("runpy.run_path(helper.P)"),
    "import-os-system": init_running("os.system('python3 ' + helper.P)"),
    "import-popen-literal": init_running(f"subprocess.Popen([sys.executable, {PY!r}])"),
    "import-dotted-import": init_running(
        f"subprocess.Popen([sys.executable, {PY!r}])", imports="import evpkg.helper\n"
    ),
}


def installed_then_run(run: str, written: str = PAYLOAD, path: str = PY) -> dict[str, str]:
    """``setup.py`` writing ``written`` to ``path`` at install; the package running
    ``run`` when imported (the file is on disk by then)."""
    return {
        "setup.py": "from setuptools import setup\n"
        + writer(path, written)
        + "setup(name='evpkg')\n",
        "evpkg/__init__.py": run,
    }


DENIED |= {
    "installed-popen-on-import": installed_then_run(
        f"import subprocess, sys\nsubprocess.Popen([sys.executable, {PY!r}])\n"
    ),
    "installed-runpy-on-import": installed_then_run(f"import runpy\nrunpy.run_path({PY!r})\n"),
    "installed-exec-open-on-import": installed_then_run(f"exec(open({PY!r}).read())\n"),
}

ALLOWED: dict[str, dict[str, str]] = {
    # A version module written by a helper and run by the setup script to print it.
    "version-file-run": on_install(
        "subprocess.call([sys.executable, helper.P])", written="print('1.0')\n"
    ),
    # A C file written and handed to a compiler: read, not run.
    "c-file-compiled": on_install(
        "subprocess.call(['cc', '-c', helper.P])",
        written="int main(void) { return 0; }\n",
        path="/tmp/probe.c",
    ),
    # The payload written but run by nothing: the write alone is no dropper.
    "written-not-run": on_install("print(helper.P)"),
    # setup.py writing a version module that the package runs to print it.
    # Not in a temporary or hidden place, which holds whatever wrote it (ADR 0191).
    "installed-version-file-run": installed_then_run(
        "import subprocess, sys\nsubprocess.call([sys.executable, '/opt/evpkg/version.py'])\n",
        written="print('1.0')\n",
        path="/opt/evpkg/version.py",
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_file_another_module_writes_is_read_when_run(
    files: dict[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
