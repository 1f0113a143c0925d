"""A payload written to a path the walk cannot fold, then run by the same name (issue 16;
ADR 0196).

``P = os.path.join(os.path.dirname(__file__), '_v.py')`` names a file beside the package's
own code; ``sys.prefix``, ``os.getcwd()`` and ``Path(__file__).with_name`` name others the
walk cannot know. Writing the payload there (``open(P, 'w')``, ``print(file=)``,
``Path(P).write_text``, ``os.open``, ``open(file=P, mode='w')``) and running ``P`` (the
interpreter, ``runpy``, ``exec(open(P).read())``, a formatted command, ``importlib``) was
allowed: a written file's text was only kept for a path that folds, so the run ran nothing
known. The name now holds a stand-in made where it is opened for writing, which the run
folds to; a path given inline to both is named by its expression's text; a written file
copied or moved holds its text where it goes. Every sample is inert: vetting only reads
files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import PAYLOAD, verdict_cases, vet_package

HEAD = "import importlib.util, os, pathlib, runpy, subprocess, sys\n"
BESIDE = "os.path.join(os.path.dirname(__file__), '_v.py')"
WRITE = f"with open(P, 'w') as f:\n    f.write({PAYLOAD!r})\n"
RUN = "subprocess.call([sys.executable, P])\n"
BODY = f"P = {BESIDE}\n{WRITE}{RUN}"  # bind, write and run, in one scope


def dropped(path: str = BESIDE, write: str = WRITE, run: str = RUN) -> dict[str, str]:
    """``__init__.py`` binds ``P`` to ``path``, writes the payload there and runs it."""
    return {"evpkg/__init__.py": f"{HEAD}P = {path}\n{write}{run}"}


def indented(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.splitlines())


DENIED: dict[str, Mapping[str, str]] = {
    "payload-beside-the-package-run-by-the-interpreter": dropped(),
    "payload-under-sys-prefix-run-by-the-interpreter": dropped("os.path.join(sys.prefix, 'v.py')"),
    "payload-in-the-working-folder-run-by-the-interpreter": dropped(
        "os.path.join(os.getcwd(), 'v')"
    ),
    "payload-beside-the-module-by-path-with-name": dropped(
        "str(pathlib.Path(__file__).with_name('_v.py'))"
    ),
    "payload-printed-into-the-file": dropped(
        write=f"with open(P, 'w') as f:\n    print({PAYLOAD!r}, file=f)\n"
    ),
    "payload-written-by-path-write-text": dropped(
        write=f"pathlib.Path(P).write_text({PAYLOAD!r})\n"
    ),
    "payload-written-to-an-os-open-descriptor": dropped(
        write=f"fd = os.open(P, os.O_WRONLY | os.O_CREAT)\nos.write(fd, {PAYLOAD!r}.encode())\n"
    ),
    "payload-written-by-open-with-keywords": dropped(
        write=f"with open(file=P, mode='w') as f:\n    f.write({PAYLOAD!r})\n"
    ),
    "payload-written-by-codecs-open": dropped(
        write=f"import codecs\nwith codecs.open(P, 'w', 'utf-8') as f:\n    f.write({PAYLOAD!r})\n"
    ),
    "payload-written-and-run-by-the-same-inline-expression": {
        "evpkg/__init__.py": (
            f"{HEAD}with open({BESIDE}, 'w') as f:\n    f.write({PAYLOAD!r})\n"
            f"subprocess.call([sys.executable, {BESIDE}])\n"
        )
    },
    "payload-written-by-an-inline-expression-run-by-runpy": {
        "evpkg/__init__.py": (
            f"{HEAD}with open({BESIDE}, 'w') as f:\n    f.write({PAYLOAD!r})\n"
            f"runpy.run_path({BESIDE})\n"
        )
    },
    "payload-written-to-a-temporary-name-then-copied-beside-the-package": dropped(
        write=f"import shutil, tempfile\nt = tempfile.mktemp()\n"
        f"with open(t, 'w') as f:\n    f.write({PAYLOAD!r})\nshutil.copy(t, P)\n"
    ),
    "payload-written-then-moved-to-a-path-that-folds": {
        "evpkg/__init__.py": (
            f"{HEAD}import shutil\nP = '/opt/evpkg/v.py'\nwith open('w.txt', 'w') as f:\n"
            f"    f.write({PAYLOAD!r})\nshutil.move('w.txt', P)\n{RUN}"
        )
    },
    "payload-run-by-runpy": dropped(run="runpy.run_path(P)\n"),
    "payload-read-and-exec-d": dropped(run="exec(open(P).read())\n"),
    "payload-run-by-an-f-string-command": dropped(run="os.system(f'{sys.executable} {P}')\n"),
    "payload-loaded-by-importlib": dropped(
        run="s = importlib.util.spec_from_file_location('v', P)\n"
        "m = importlib.util.module_from_spec(s)\ns.loader.exec_module(m)\n"
    ),
    "payload-written-and-run-in-a-function-called-on-import": {
        "evpkg/__init__.py": f"{HEAD}def go():\n{indented(BODY)}go()\n"
    },
    # As with a path that folds: a function that drops and runs it is a dropper whenever
    # it is called.
    "payload-written-and-run-in-a-function-never-called": {
        "evpkg/__init__.py": f"{HEAD}def go():\n{indented(BODY)}"
    },
    "payload-written-by-one-function-run-by-another": {
        "evpkg/__init__.py": (
            f"{HEAD}P = {BESIDE}\ndef put():\n{indented(WRITE)}def run():\n{indented(RUN)}"
            "put()\nrun()\n"
        )
    },
    "payload-written-by-setup-py-at-install": {
        "setup.py": f"{HEAD}from setuptools import setup\nP = {BESIDE}\n{WRITE}{RUN}setup()\n",
        "evpkg/__init__.py": "",
    },
    "payload-written-by-an-imported-module": {
        "evpkg/__init__.py": f"{HEAD}from . import helper\n"
        "subprocess.call([sys.executable, helper.P])\n",
        "evpkg/helper.py": f"{HEAD}P = {BESIDE}\n{WRITE}",
    },
}
ALLOWED: dict[str, Mapping[str, str]] = {
    "a-version-script-beside-the-package-run": dropped(
        write="with open(P, 'w') as f:\n    f.write('print(\"1.0\")')\n"
    ),
    "a-payload-like-text-written-and-only-read-back": dropped(run="print(open(P).read())\n"),
    "a-version-script-written-inline-and-run": {
        "evpkg/__init__.py": (
            f"{HEAD}with open({BESIDE}, 'w') as f:\n    f.write('print(1)')\n"
            f"subprocess.call([sys.executable, {BESIDE}])\n"
        )
    },
    "a-version-script-copied-beside-the-package-and-run": dropped(
        write="import shutil\nwith open('v.txt', 'w') as f:\n    f.write('print(1)')\n"
        "shutil.copy('v.txt', P)\n"
    ),
    "a-config-written-beside-the-package-then-copied": dropped(
        write="with open(P, 'w') as f:\n    f.write('[core]\\nname = x\\n')\n",
        run="subprocess.call(['cp', P, '/etc/evpkg.cfg'])\n",
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_a_payload_written_to_a_path_that_does_not_fold_then_run(
    files: Mapping[str, str], expected: Outcome
) -> None:
    assert vet_package(files) is expected
