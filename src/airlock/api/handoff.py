"""The channel between the gateway's supervisor and one worker process.

One ``AF_UNIX``/``SOCK_SEQPACKET`` socket pair per worker, so every message arrives whole:

- supervisor to worker: ``c`` with one accepted TCP connection attached (``SCM_RIGHTS``);
- worker to supervisor: ``r`` once the worker serves, then ``z`` and a 64-bit count of the
  connections it has closed so far, whenever that count changes and at least once a second
  (the supervisor replaces a worker that stays silent);
- leaving: the worker sends ``l``; the supervisor hands it nothing more and shuts its
  sending side, and the worker sends back as ``c`` every connection that was already on its
  way, until it reads that end. Nothing is left in the channel to be lost with it.

The count is a running total, not a delta, so a lost or merged report cannot skew the
supervisor's picture for longer than until the next one.
"""

from __future__ import annotations

import logging
import socket
import struct

CONNECTION = b"c"
READY = b"r"
LEAVING = b"l"
CLOSED = b"z"
_COUNT = struct.Struct(">Q")
MAX_MESSAGE = 1 + _COUNT.size

logger = logging.getLogger("uvicorn.error")


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """(supervisor's end, worker's end); the worker's end is inheritable by a child process."""
    supervisor_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    supervisor_end.setblocking(False)
    worker_end.set_inheritable(True)
    return supervisor_end, worker_end


def hand_over(channel: socket.socket, connection: socket.socket) -> bool:
    """Send ``connection`` down ``channel``; False if the worker cannot take it right now
    (its channel is full or gone). The caller still owns, and must close, its own copy."""
    try:
        socket.send_fds(channel, [CONNECTION], [connection.fileno()])
    except OSError:  # full (EAGAIN), gone (EPIPE, ECONNRESET, EBADF), or out of kernel memory
        return False
    return True


def receive(channel: socket.socket) -> tuple[bytes, list[socket.socket]] | None:
    """The next message on ``channel`` and the connections it carries; None when nothing is
    waiting on a non-blocking channel, and an empty message once the other side has ended
    its sending (or the channel failed, which is logged)."""
    try:
        message, fds, _flags, _address = socket.recv_fds(channel, MAX_MESSAGE, 1)
    except BlockingIOError:
        return None
    except OSError as e:
        logger.warning("a gateway channel failed (%s); taking it as closed", e)
        return b"", []
    return message, [socket.socket(fileno=fd) for fd in fds]


def closed_report(closed: int) -> bytes:
    """Raises: ValueError if ``closed`` is negative or beyond 64 bits (a counting bug)."""
    if not 0 <= closed < 2**64:
        raise ValueError(f"a closed-connection count must fit in 64 bits, not {closed}")
    return CLOSED + _COUNT.pack(closed)


def parse_report(message: bytes) -> int | None:
    """The closed-connection count a worker reported, or None for a ready message.

    Raises:
        ValueError: the message is neither (the worker is not speaking this protocol).
    """
    if message == READY:
        return None
    if len(message) == MAX_MESSAGE and message[:1] == CLOSED:
        return int(_COUNT.unpack(message[1:])[0])
    raise ValueError(f"unexpected message from a gateway worker: {message[:16]!r}")
