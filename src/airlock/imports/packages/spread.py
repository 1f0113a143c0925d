"""Members' own passes shared with a second process (issue 16: one large package, one CLI run).

Vetting a package is CPU work on independent files: each member's own pass (parse, flow
pass, rules) reads nothing but its bytes. A command-line run that vets one large sdist
used one of the machine's cores. Here a forked copy of the process takes about half of the
members (by source size) and sends their findings back; this process does the jobs that
may not move (among them the cross-file pass, ADR 0061) and then the rest.

What it may not change is the verdict, so:

- The child only computes what this process would have: the same functions on the same
  bytes. Its answers come back as JSON (rule, path, line, severity, explanation; and
  :func:`runfile.run_files` answers), never as pickles: nothing it sends is executed.
- Any failure of the child (it crashes, is killed, writes something unreadable, answers
  for jobs it did not take) falls back to computing what it took here: slower, never
  different, never open.
- Findings are put back in member order; a member's result is the same object the
  sequential loop would have made.

It forks only where that is safe: ``os.fork`` exists, the process runs one thread (a fork
copies only the calling thread; a lock another thread held would never be released in the
child), and it may use two cores. The gateway, which runs threads, vets in one process as
before; only the CLI asks for this (``vet(..., spread=True)``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from airlock.imports.packages.rules import PackageFinding, PickleCallFinding, Severity
from airlock.imports.packages.runfile import RunFile, remember, remembered

# Below this much work a fork costs more than it saves: copying the page tables and the
# child's copy-on-write faults take 5-15 ms here; a member's pass about 1 ms per 6 KB.
MIN_SPREAD_BYTES = 96 * 1024
# The fork's cost grows with this process: copying its page tables takes about 0.03 ms per
# MB resident (2.5 ms at 50 MB, 30 ms at 1 GB, measured here), and copy-on-write faults
# cost both processes about as much again. A batch that has vetted hundreds of packages
# is large, so a package of a few hundred KB waited longer for the fork than it saved
# (a quiet batch of 699 files: median 61 ms per file sharing, 18 ms in one process).
# Sharing pays when the half of the work the child takes is more than twice the fork.
FORK_MS_PER_MB = 0.03
BYTES_PER_MS = 6 * 1024


@dataclass(frozen=True)
class Job:
    """One member's own pass: ``compute()`` returns its findings.

    ``size``: its bytes (the share of work it stands for). ``movable``: the other process
    may compute it (False when this process needs something the pass leaves behind or
    state only it has, or the answer is already known). Jobs that may not move run here
    first, in order, while the other process starts on the queue."""

    size: int
    compute: Callable[[], list[PackageFinding]]
    movable: bool = True
    # Called here with the child's findings so this process's memo learns them.
    learn: Callable[[list[PackageFinding]], list[PackageFinding]] | None = None


def can_spread() -> bool:
    """Whether this process may fork a helper now (see the module's docstring)."""
    return hasattr(os, "fork") and threading.active_count() == 1 and idle_core()


def idle_core() -> bool:
    """Whether the machine has a core to spare now: two or more this process may use, and
    fewer runnable tasks than cores (this process among them). On a busy machine the child
    only competes with this process and others: measured 10-25 % slower, not faster, at
    load 4-6 on two cores. The load average is no guide: it lags by a minute, and a run of
    vettings keeps it near one by itself."""
    cores = _cores()
    running = _running()
    return cores > 1 and running is not None and running < cores


def _running() -> int | None:
    """Tasks runnable at this moment, this one included (``/proc/loadavg``'s fourth field,
    ``running/total``); None where the kernel does not say."""
    try:
        return int(Path("/proc/loadavg").read_text("ascii").split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_jobs(jobs: Sequence[Job], *, spread: bool) -> list[list[PackageFinding]]:
    """Each job's findings, in order; with ``spread``, shared with a forked child when
    :func:`can_spread` and the work is large enough."""
    queue = _queue(jobs) if spread and can_spread() else []
    if not queue:
        return [job.compute() for job in jobs]
    # Only a shared package needs the answers' codec; loaded before the fork, so the child
    # has it too (issue 16: a process that never forks does not import it).
    import json  # noqa: F401, PLC0415

    # The movable jobs wait in a pipe as 4-byte indexes; each process takes the next one
    # when it is free (reads of 4 bytes from a pipe are whole), so a child slowed down by
    # other work on the machine holds back at most the job it is on, not half the package.
    claims, offer = os.pipe()
    os.write(offer, b"".join(i.to_bytes(4, "little") for i in queue))
    os.close(offer)
    reader, writer = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to be had (EAGAIN, ENOMEM): the same work, in this one
        for fd in (claims, reader, writer):
            os.close(fd)
        return [job.compute() for job in jobs]
    if pid == 0:  # the child: take jobs until none are left, answer, leave without cleanup
        os.close(reader)
        _child(jobs, claims, writer)
    os.close(writer)
    results: list[list[PackageFinding] | None] = [None] * len(jobs)
    movable = set(queue)
    sent = b""
    try:
        for index, job in enumerate(jobs):
            if index not in movable:
                results[index] = job.compute()
        while (claimed := _claim(claims)) is not None:
            results[claimed] = jobs[claimed].compute()
        sent = _read_all(reader)
    finally:
        os.close(reader)
        os.close(claims)
        _reap(pid, stop=not sent)
    taken = {i for i in queue if results[i] is None}
    answered = _parse(sent, taken) if sent else None
    for index in sorted(taken):
        found = answered.get(index) if answered is not None else None
        job = jobs[index]
        if found is None:
            results[index] = job.compute()  # the child failed: the same work, here
        else:
            results[index] = job.learn(found) if job.learn is not None else found
    return [r if r is not None else [] for r in results]


# A pipe holds 64 KiB: at most this many queued jobs, so filling it never blocks.
MAX_QUEUED = 16_000


def _queue(jobs: Sequence[Job]) -> list[int]:
    """Indexes of the jobs either process may take, in the order they are taken: largest
    first (the last jobs are the small ones, so neither process waits long for the other
    at the end); empty when the work is too small to split."""
    least = min_spread_bytes()
    if sum(job.size for job in jobs) < least:
        return []
    order = sorted((i for i, job in enumerate(jobs) if job.movable), key=lambda i: -jobs[i].size)
    order = order[:MAX_QUEUED]
    return order if sum(jobs[i].size for i in order) >= least / 2 else []


def min_spread_bytes() -> float:
    """The least work worth a fork for a process of this size (:data:`FORK_MS_PER_MB`)."""
    fork_ms = _resident_mb() * FORK_MS_PER_MB
    return max(MIN_SPREAD_BYTES, 4 * fork_ms * BYTES_PER_MS)


def _resident_mb() -> float:
    """This process's resident memory in MB (``/proc/self/statm``); 0 where not known."""
    try:
        pages = int(Path("/proc/self/statm").read_text("ascii").split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _claim(claims: int) -> int | None:
    """The next queued job's index, or None when the queue is empty."""
    taken = os.read(claims, 4)
    return int.from_bytes(taken, "little") if len(taken) == 4 else None


def _child(jobs: Sequence[Job], claims: int, writer: int) -> None:
    """Take and compute jobs until none are left, write the answers to ``writer``; never
    returns."""
    import json  # noqa: PLC0415 -- loaded already (run_jobs): a name lookup here

    code = 1
    try:
        before = set(remembered())
        answers: dict[str, list[list[object]]] = {}
        while (index := _claim(claims)) is not None:
            answers[str(index)] = [finding_json(f) for f in jobs[index].compute()]
        runs = [
            [key[0].hex(), key[1], [[r.target, r.line, r.how] for r in found]]
            for key, found in remembered().items()
            if key not in before
        ]
        data = json.dumps({"answers": answers, "runs": runs}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view) :]
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no flushing of buffers the parent owns


def _read_all(reader: int) -> bytes:
    chunks = []
    while chunk := os.read(reader, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _reap(pid: int, *, stop: bool) -> None:
    """Wait for the child; ``stop``: kill it first (this process is leaving on an error, or
    the child sent nothing), so no orphan goes on vetting."""
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        if stop:
            import signal  # noqa: PLC0415 -- only a child that failed is stopped

            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _parse(sent: bytes, taken: set[int]) -> dict[int, list[PackageFinding]] | None:
    """The child's answers, or None when they are not exactly for the jobs it took."""
    import json  # noqa: PLC0415 -- loaded already (run_jobs): a name lookup here

    try:
        body = json.loads(sent)
        answers = {int(k): [finding_from_json(f) for f in v] for k, v in body["answers"].items()}
        runs = [
            ((bytes.fromhex(key), bool(top)), tuple(RunFile(t, int(n), h) for t, n, h in found))
            for key, top, found in body["runs"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if set(answers) != taken:
        return None
    remember(runs)
    return answers


def finding_json(f: PackageFinding) -> list[object]:
    item: list[object] = [f.rule, f.path, f.line, int(f.severity), f.explanation]
    if isinstance(f, PickleCallFinding):  # its calls are judged after the passes (ADR 0124)
        item.append([list(call) for call in f.calls])
    return item


def finding_from_json(item: list[object]) -> PackageFinding:
    rule, path, line, severity, explanation, *more = item
    if not (isinstance(rule, str) and isinstance(path, str) and isinstance(explanation, str)):
        raise TypeError("finding fields")
    if not isinstance(line, int) or not isinstance(severity, int):
        raise TypeError("finding numbers")
    if not more:
        return PackageFinding(rule, path, line, Severity(severity), explanation)
    (sent,) = more
    if not isinstance(sent, list):
        raise TypeError("finding calls")
    calls = tuple((str(how), str(name)) for how, name in sent)
    return PickleCallFinding(rule, path, line, Severity(severity), explanation, calls)
