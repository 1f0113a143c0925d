"""The multi-process gateway's parent: it accepts connections and hands each to a worker.

Workers could all accept from one shared listening socket, and uvicorn's own supervisor
does that. But which process gets a connection is then up to the kernel and the moment, and
a kept-alive connection stays where it landed: measured with 8 clients and 2 workers, splits
of 6/2 were as common as 4/4 and cost a quarter of the throughput, because the busier
process is bound by its interpreter lock while the other waits (ADR 0005). Node's cluster
module hands out connections from its primary process by default for the same reason.

Here the supervisor alone listens. It gives each connection to the ready worker with the
fewest open connections (the one served least recently on a tie), counting from the
workers' own reports (:mod:`airlock.api.handoff`). It restarts a worker that dies, stops if
one cannot start at all (a broken store or policy fails every restart the same way), and on
SIGINT or SIGTERM stops accepting and lets the workers finish what they hold.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import selectors
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from airlock.api import handoff
from airlock.api.worker import serve_handed_over

logger = logging.getLogger("uvicorn.error")

_ACCEPTS_PER_WAKEUP = 64  # then look at reports and exits again before accepting more
_ACCEPT_PAUSE_SECONDS = 0.1  # after accept() fails (e.g. out of file descriptors)
_SILENCE_CHECK_SECONDS = 1.0  # how often workers' last reports are looked at
_MAX_WAITING = 1024  # accepted connections kept while no worker can take one
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

WorkerMain = Callable[[uvicorn.Config, socket.socket], None]


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    channel: socket.socket
    ready: bool = False  # takes connections now
    started: bool = False  # has said it serves, at least once
    handed: int = 0  # connections handed over
    closed: int = 0  # connections the worker reports closed
    last_handed: int = 0  # the supervisor's hand-over sequence number, for ties
    heard_at: float = 0.0  # monotonic time of its last message

    @property
    def open_connections(self) -> int:
        return self.handed - self.closed


class Supervisor:
    """Runs ``workers`` processes of ``worker_main`` and dispatches ``listener``'s connections."""

    def __init__(
        self,
        config: uvicorn.Config,
        listener: socket.socket,
        workers: int,
        *,
        worker_main: WorkerMain = serve_handed_over,
        stop_timeout: float = 30.0,
        silence_limit: float = 30.0,
    ) -> None:
        if workers < 1:
            raise ValueError("a supervisor needs at least one worker")
        self._config = config
        self._listener = listener
        self._count = workers
        self._worker_main = worker_main
        self._stop_timeout = stop_timeout
        self._silence_limit = silence_limit
        self._spawn = multiprocessing.get_context("spawn")
        self._selector = selectors.DefaultSelector()
        self._workers: list[_Worker] = []
        self._listening = False
        self._paused_until: float | None = None
        self._waiting: list[socket.socket] = []  # accepted while no worker could take them
        self._sequence = 0
        self._stopping = threading.Event()
        self._failed_to_start = False
        self._wake_reader, self._wake_writer = socket.socketpair()

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the workers running now."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    @property
    def ready_worker_pids(self) -> list[int]:
        """Process ids of the workers that have said they serve."""
        return [w.process.pid for w in self._workers if w.ready and w.process.pid is not None]

    def run(self) -> bool:
        """Serve until stopped; False if a worker could not start (see the log for why)."""
        self._listener.setblocking(False)
        for end in (self._wake_reader, self._wake_writer):
            end.setblocking(False)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, self._drain_wakeups)
        with self._stop_signals():
            try:
                for _ in range(self._count):
                    self._start_worker()
                while not self._stopping.is_set():
                    self._resume_accepting_if_due()
                    for key, _events in self._selector.select(self._select_timeout()):
                        key.data()
                    self._replace_silent_workers()
                    self._retry_waiting()
            finally:
                self._stop_workers()
                self._selector.close()
                self._wake_reader.close()
                self._wake_writer.close()
        return not self._failed_to_start

    def stop(self) -> None:
        """Ask :meth:`run` to stop; safe from any thread and from signal handlers."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    # --- workers --------------------------------------------------------------------

    def _start_worker(self) -> None:
        supervisor_end, worker_end = handoff.channel_pair()
        process = self._spawn.Process(
            target=self._worker_main, args=(self._config, worker_end), daemon=False
        )
        try:
            with _children_ignore_sigint():
                process.start()
        except BaseException:
            supervisor_end.close()
            raise
        finally:
            worker_end.close()  # the child holds its own copy now
        worker = _Worker(process, supervisor_end)
        self._workers.append(worker)
        self._selector.register(
            supervisor_end, selectors.EVENT_READ, functools.partial(self._read_reports, worker)
        )
        self._selector.register(
            process.sentinel, selectors.EVENT_READ, functools.partial(self._exited, worker)
        )
        logger.info("Started gateway worker [%s]", process.pid)

    def _read_reports(self, worker: _Worker) -> None:
        if worker.channel.fileno() == -1:  # forgotten earlier in this same wakeup
            return
        while (received := handoff.receive(worker.channel)) is not None:
            message, connections = received
            if not message:  # the worker has left; its exit is handled apart
                self._forget_channel(worker)
                return
            worker.heard_at = time.monotonic()
            if message == handoff.CONNECTION:  # handed back by a worker that is leaving
                for connection in connections:
                    self._hand_over(connection)
                continue
            for stray in connections:
                stray.close()
            if message == handoff.LEAVING:
                worker.ready = False
                with contextlib.suppress(OSError):  # the worker reads this end as "no more"
                    worker.channel.shutdown(socket.SHUT_WR)
                continue
            try:
                closed = handoff.parse_report(message)
            except ValueError as e:
                logger.warning("worker [%s]: %s", worker.process.pid, e)
                continue
            if closed is None:
                worker.ready = worker.started = True
                self._hand_over_waiting()
                self._listen()
            else:
                worker.closed = closed

    def _exited(self, worker: _Worker) -> None:
        self._selector.unregister(worker.process.sentinel)
        self._forget_channel(worker)
        worker.process.join()
        self._workers.remove(worker)
        code = worker.process.exitcode
        if self._stopping.is_set():
            return
        if code == STARTUP_FAILURE and not worker.started:
            logger.error(
                "gateway worker [%s] could not start; stopping (its log above says why)",
                worker.process.pid,
            )
            self._failed_to_start = True
            self.stop()
            return
        logger.warning(
            "gateway worker [%s] exited with code %s; starting another", worker.process.pid, code
        )
        try:
            self._start_worker()
        except OSError as e:  # out of processes or memory
            left = len(self._workers)
            logger.error(  # noqa: TRY400 -- the cause is the message; no traceback needed
                "cannot start a gateway worker (%s); %s",
                e,
                f"serving with {left} until `airlock serve` is restarted" if left else "stopping",
            )
            if not left:
                self._failed_to_start = True
                self.stop()

    def _replace_silent_workers(self) -> None:
        # A worker reports at least once a second from its event loop; one that has been
        # silent for long is stuck there. Its exit, once killed, starts the replacement.
        now = time.monotonic()
        for worker in self._workers:
            if worker.ready and now - worker.heard_at > self._silence_limit:
                logger.error(
                    "gateway worker [%s] has not reported for %.0f s; replacing it",
                    worker.process.pid,
                    now - worker.heard_at,
                )
                worker.ready = False
                worker.process.kill()

    def _forget_channel(self, worker: _Worker) -> None:
        worker.ready = False
        if worker.channel.fileno() != -1:
            self._selector.unregister(worker.channel)
            worker.channel.close()
        if not any(w.ready for w in self._workers):
            self._stop_listening()

    def _stop_workers(self) -> None:
        self._stop_listening()
        with contextlib.suppress(OSError):
            self._listener.close()
        for connection in self._waiting:
            connection.close()
        self._waiting.clear()
        for worker in self._workers:
            # A worker serving reads the closed channel as "stop"; SIGTERM reaches one that
            # is still starting.
            self._forget_channel(worker)
            if worker.process.exitcode is None and worker.process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._stop_timeout
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                logger.error(
                    "gateway worker [%s] did not stop in time; killing it", worker.process.pid
                )
                worker.process.kill()
                worker.process.join()
            with contextlib.suppress(OSError):
                worker.channel.close()
        self._workers.clear()

    # --- connections ----------------------------------------------------------------

    def _accept(self) -> None:
        for _ in range(_ACCEPTS_PER_WAKEUP):
            if not self._listening:  # the last ready worker left during this wakeup
                return
            try:
                connection, _address = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as e:
                # Out of file descriptors or memory: the kernel's backlog holds the clients
                # meanwhile; retrying at once would only spin.
                logger.warning("cannot accept connections (%s); retrying shortly", e)
                self._stop_listening()
                self._paused_until = time.monotonic() + _ACCEPT_PAUSE_SECONDS
                return
            with contextlib.suppress(OSError):  # not every listener is TCP
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._hand_over(connection)

    def _hand_over(self, connection: socket.socket) -> None:
        """Give ``connection`` to the least busy ready worker, or keep it until one is ready
        (a worker that died between its last report and now refuses it)."""
        for worker in sorted(
            (w for w in self._workers if w.ready),
            key=lambda w: (w.open_connections, w.last_handed),
        ):
            if handoff.hand_over(worker.channel, connection):
                self._sequence += 1
                worker.handed += 1
                worker.last_handed = self._sequence
                connection.close()  # the worker holds its own descriptor now
                return
        if len(self._waiting) >= _MAX_WAITING:
            logger.error("no gateway worker can take connections; closed one")
            connection.close()
            return
        self._waiting.append(connection)
        self._stop_listening()  # the kernel's backlog holds the rest meanwhile

    def _retry_waiting(self) -> None:
        # Connections wait when every ready worker's channel was full, not only while no
        # worker was ready: try again at least once a second, as channels drain.
        if self._waiting:
            self._hand_over_waiting()
            self._listen()

    def _hand_over_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for connection in waiting:
            self._hand_over(connection)

    def _listen(self) -> None:
        if not self._listening and self._paused_until is None and not self._waiting:
            self._selector.register(self._listener, selectors.EVENT_READ, self._accept)
            self._listening = True

    def _stop_listening(self) -> None:
        if self._listening:
            self._selector.unregister(self._listener)
            self._listening = False

    def _resume_accepting_if_due(self) -> None:
        if self._paused_until is not None and time.monotonic() >= self._paused_until:
            self._paused_until = None
            if any(w.ready for w in self._workers):
                self._listen()

    def _select_timeout(self) -> float:
        wait = _SILENCE_CHECK_SECONDS
        if self._paused_until is not None:
            wait = min(wait, self._paused_until - time.monotonic())
        return max(0.0, wait)

    # --- signals --------------------------------------------------------------------

    def _drain_wakeups(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._wake_reader.recv(4096):
                pass

    @contextlib.contextmanager
    def _stop_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # only the main thread may handle signals; stop() still works
            return

        def on_signal(number: int, _frame: FrameType | None) -> None:
            logger.info("Received %s; stopping the gateway", signal.Signals(number).name)
            self.stop()

        previous: dict[int, Any] = {s: signal.signal(s, on_signal) for s in _STOP_SIGNALS}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


@contextlib.contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    # A child starts with SIGINT ignored if its parent ignored it at exec, so a Ctrl-C while
    # it still imports cannot kill it mid-import with a KeyboardInterrupt traceback: the
    # supervisor, which handles that Ctrl-C, stops it with SIGTERM. uvicorn installs its own
    # SIGINT handler once the worker serves. (A Ctrl-C within these few milliseconds of the
    # supervisor's own is ignored; pressing it again works.)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
