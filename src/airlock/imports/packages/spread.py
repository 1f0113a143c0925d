"""Members' own passes shared with a second process (issue 16: one large package, one CLI run).

Vetting a package is CPU work on independent files: each member's own pass (parse, flow
pass, rules) reads nothing but its bytes. A command-line run that vets one large sdist
used one of the machine's cores. Here a forked helper process takes about half of the
members (by source size) and sends their findings back; this process does the jobs that
may not move (among them the cross-file pass, ADR 0061) and then the rest.

One helper serves the whole run (ADR 0186): it is forked once, when the first package
worth a fork comes, and takes the members of every later package it is sent. A fork per
package cost 20-25 ms in a batch grown to 1 GB, more than sharing saved the packages
around the batch's median file. The helper is sent each member it may take by value (a
:class:`Task`: a registered function's name, the member's path, bytes and flags), never a
function to call, so what it computes is what it was forked knowing.

What it may not change is the verdict, so:

- The helper only computes what this process would have: the same functions on the same
  bytes. Its answers come back as JSON (rule, path, line, severity, explanation; and
  :func:`runfile.run_files` answers), never as pickles: nothing it sends is executed.
- Any failure of the helper (it crashes, is killed, writes something unreadable, answers
  for jobs it did not take, or for another package) falls back to computing what it took
  here: slower, never different, never open. The helper is then stopped, and the next
  package worth a fork forks another.
- Findings are put back in member order; a member's result is the same object the
  sequential loop would have made.

It forks only where that is safe: ``os.fork`` exists, the process runs one thread (a fork
copies only the calling thread; a lock another thread held would never be released in the
child), and it may use two cores. The gateway, which runs threads, vets in one process as
before; only the CLI asks for this (``vet(..., spread=True)``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from airlock.imports.packages.rules import PackageFinding, PickleCallFinding, Severity
from airlock.imports.packages.runfile import RunFile, added, remember

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
# With the helper forked already, a package is shared for the price of sending it its
# members and reading the answers back (ADR 0186: ~0.2 ms a package and ~1 ms a MB here):
# worth it from ~4 ms of members' passes, the helper's half twice that price.
MIN_SHARED_BYTES = 24 * 1024


@dataclass(frozen=True)
class Task:
    """What the helper computes for a job, by value: the function :func:`register`ed as
    ``kind``, called with ``path``, ``data`` and ``flags``."""

    kind: str
    path: str
    data: bytes
    flags: tuple[bool, ...] = ()


# What the helper may compute, by kind: registered when their modules are imported, before
# any helper is forked (one forked earlier knows only the kinds it was forked with).
TASKS: dict[str, Callable[[Task], list[PackageFinding]]] = {}


def register(kind: str, compute: Callable[[Task], list[PackageFinding]]) -> None:
    """Let the helper compute tasks of ``kind`` with ``compute`` (a pure function of the
    task: what this process computes for the same job)."""
    TASKS[kind] = compute


@dataclass(frozen=True)
class Job:
    """One member's own pass: ``compute()`` returns its findings.

    ``size``: its bytes (the share of work it stands for). ``task``: the same work as the
    helper computes it (:class:`Task`), when the helper may take it; None when this process
    needs something the pass leaves behind or state only it has, or the answer is already
    known. Jobs that may not move run here first, in order, while the helper starts on the
    queue."""

    size: int
    compute: Callable[[], list[PackageFinding]]
    task: Task | None = None
    # Called here with the helper's findings so this process's memo learns them.
    learn: Callable[[list[PackageFinding]], list[PackageFinding]] | None = None


def can_spread() -> bool:
    """Whether this process may share work with a helper now (see the module's docstring)."""
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


@dataclass
class Helper:
    """The forked helper process and this process's ends of its pipes: ``requests`` (the
    tasks of each package, to it), ``answers`` (its findings, back), and the shared queue
    of job indexes both processes take from (``claims``, read without blocking: empty is
    the end of a package's queue)."""

    pid: int
    requests: int
    answers: int
    claims: int
    offer: int
    kinds: frozenset[str]
    sent: int = 0  # packages sent so far: each answer names the one it is for


_helper: Helper | None = None


def run_jobs(jobs: Sequence[Job], *, spread: bool) -> list[list[PackageFinding]]:
    """Each job's findings, in order; with ``spread``, shared with the helper process when
    :func:`can_spread` and the work is large enough (the first time, large enough to fork
    it)."""
    helper: Helper | None = None
    queue: list[int] = []
    if spread and can_spread():
        queue = _queue(jobs, _helper.kinds if _helper is not None else frozenset(TASKS))
        helper = _ensure_helper() if queue else None
    if helper is None:
        return [job.compute() for job in jobs]
    try:
        return _shared(jobs, queue, helper)
    except BaseException:
        _retire()  # left mid-package: its queue and answer are no longer this package's
        raise


def _shared(jobs: Sequence[Job], queue: list[int], helper: Helper) -> list[list[PackageFinding]]:
    # The queued jobs wait in a pipe as 4-byte indexes; each process takes the next one
    # when it is free (reads of 4 bytes from a pipe are whole), so a helper slowed down by
    # other work on the machine holds back at most the job it is on, not half the package.
    helper.sent += 1
    os.write(helper.offer, b"".join(i.to_bytes(4, "little") for i in queue))
    tasks = {i: task for i in queue if (task := jobs[i].task) is not None}  # all queued
    sent = _send(helper.requests, _request(helper.sent, tasks))
    results: list[list[PackageFinding] | None] = [None] * len(jobs)
    movable = set(queue)
    for index, job in enumerate(jobs):
        if index not in movable:
            results[index] = job.compute()
    while (claimed := _claim(helper.claims)) is not None:
        results[claimed] = jobs[claimed].compute()
    reply = _receive(helper.answers) if sent else None
    taken = {i for i in queue if results[i] is None}
    answered = _parse(reply, taken, helper.sent) if reply is not None else None
    if answered is None:
        _retire()  # it failed or lied: the next package worth a fork forks another
    for index in sorted(taken):
        found = answered.get(index) if answered is not None else None
        job = jobs[index]
        if found is None:
            results[index] = job.compute()  # the helper failed: the same work, here
        else:
            results[index] = job.learn(found) if job.learn is not None else found
    return [r if r is not None else [] for r in results]


# A pipe holds 64 KiB: at most this many queued jobs, so filling it never blocks.
MAX_QUEUED = 16_000


def _queue(jobs: Sequence[Job], kinds: frozenset[str]) -> list[int]:
    """Indexes of the jobs either process may take (those whose task's kind the helper
    knows, ``kinds``), in the order they are taken: largest first (the last jobs are the
    small ones, so neither process waits long for the other at the end); empty when the
    work is too small to split."""
    least = MIN_SHARED_BYTES if _helper is not None else min_spread_bytes()
    if sum(job.size for job in jobs) < least:
        return []
    order = sorted(
        (i for i, job in enumerate(jobs) if job.task is not None and job.task.kind in kinds),
        key=lambda i: -jobs[i].size,
    )
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


def _ensure_helper() -> Helper | None:
    """The helper process, forked now if there is none; None when no process can be had."""
    global _helper  # noqa: PLW0603 -- one helper per process, as one memo per process
    if _helper is not None:
        return _helper
    # Only a shared package needs the answers' codec; loaded before the fork, so the helper
    # has it too (issue 16: a process that never forks does not import it).
    import json  # noqa: F401, PLC0415

    requests_read, requests = os.pipe()
    answers, answers_write = os.pipe()
    claims, offer = os.pipe()
    os.set_blocking(claims, False)  # an empty queue reads as the end of a package's jobs
    kinds = frozenset(TASKS)
    try:
        pid = os.fork()
    except OSError:  # no process to be had (EAGAIN, ENOMEM): the same work, in this one
        for fd in (requests_read, requests, answers, answers_write, claims, offer):
            os.close(fd)
        return None
    if pid == 0:  # the helper: serve until this process closes its requests, then leave
        for fd in (requests, answers, offer):
            os.close(fd)
        _serve(requests_read, claims, answers_write)
    os.close(requests_read)
    os.close(answers_write)
    _helper = Helper(pid, requests, answers, claims, offer, kinds)
    return _helper


def _retire() -> None:
    """Stop the helper and close its pipes (this process is leaving, left a package
    mid-way, or the helper failed): no orphan goes on vetting."""
    global _helper
    helper, _helper = _helper, None
    if helper is None:
        return
    for fd in (helper.requests, helper.answers, helper.claims, helper.offer):
        with contextlib.suppress(OSError):
            os.close(fd)
    import signal  # noqa: PLC0415 -- only a run that forked a helper stops one (ADR 0072)

    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(helper.pid, signal.SIGKILL)
        os.waitpid(helper.pid, 0)


# At exit the helper is stopped (a run that forked none stops nothing).
atexit.register(_retire)


def _claim(claims: int) -> int | None:
    """The next queued job's index, or None when the queue is empty."""
    try:
        taken = os.read(claims, 4)
    except BlockingIOError:
        return None
    return int.from_bytes(taken, "little") if len(taken) == 4 else None


def _request(number: int, tasks: dict[int, Task]) -> bytes:
    """A package's tasks as the helper reads them: a JSON head (the package's number, and
    per task its index, kind, path, flags and length) and the members' bytes after it."""
    import json  # noqa: PLC0415 -- loaded already (_ensure_helper): a name lookup here

    head = [
        [index, task.kind, task.path, list(task.flags), len(task.data)]
        for index, task in tasks.items()
    ]
    encoded = json.dumps({"package": number, "tasks": head}).encode()
    body = b"".join(task.data for task in tasks.values())
    return len(encoded).to_bytes(8, "little") + encoded + body


def _tasks(request: bytes) -> tuple[int, dict[int, Task]]:
    """:func:`_request`'s package number and tasks, read back."""
    import json  # noqa: PLC0415 -- loaded already (_ensure_helper): a name lookup here

    size = int.from_bytes(request[:8], "little")
    head = json.loads(request[8 : 8 + size])
    at = 8 + size
    tasks: dict[int, Task] = {}
    for index, kind, path, flags, length in head["tasks"]:
        tasks[int(index)] = Task(str(kind), str(path), request[at : at + length], tuple(flags))
        at += length
    return int(head["package"]), tasks


def _send(fd: int, message: bytes) -> bool:
    """Write one length-prefixed message; False when the reader is gone."""
    view = memoryview(len(message).to_bytes(8, "little") + message)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError:  # BrokenPipeError among them
        return False
    return True


def _receive(fd: int) -> bytes | None:
    """One length-prefixed message; None when the writer left before the end of one."""
    head = _read_exactly(fd, 8)
    if head is None:
        return None
    return _read_exactly(fd, int.from_bytes(head, "little"))


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(requests: int, claims: int, answers: int) -> None:
    """The helper: for each package it is sent, take and compute jobs until none are left,
    write the answers; leave when the requests end. Never returns."""
    import json  # noqa: PLC0415 -- loaded already (_ensure_helper): a name lookup here

    code = 1
    try:
        while (request := _receive(requests)) is not None:
            number, tasks = _tasks(request)
            added()  # what it computes from here on is sent back with the answers
            found: dict[str, list[list[object]]] = {}
            while (index := _claim(claims)) is not None:
                task = tasks[index]
                found[str(index)] = [finding_json(f) for f in TASKS[task.kind](task)]
            runs = [
                [key[0].hex(), key[1], [[r.target, r.line, r.how] for r in ran]]
                for key, ran in added().items()
            ]
            reply = {"package": number, "answers": found, "runs": runs}
            if not _send(answers, json.dumps(reply).encode()):
                break
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no flushing of buffers the parent owns


def _parse(sent: bytes, taken: set[int], number: int) -> dict[int, list[PackageFinding]] | None:
    """The helper's answers, or None when they are not exactly for the jobs it took of
    package ``number``."""
    import json  # noqa: PLC0415 -- loaded already (_ensure_helper): a name lookup here

    try:
        body = json.loads(sent)
        if body["package"] != number:
            return None
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
