"""What a socket says of itself, told from what it receives (issue 16, ADR 0139).

A socket object carries :data:`sinks.REMOTE`: what its methods return is what the other end
sent (``s.recv()``, ``s.makefile().read()``). Its own address, descriptor and settings are
not: memray's ``attach`` binds a server to ``localhost`` port 0, reads the port the system
gave it with ``getsockname()`` and puts that number on ``gdb``'s command line; the port
was read as downloaded data and the wheel was denied as a dropper.

Pure. What it deliberately does not do: clear the peer's address (``getpeername``, the
address ``accept`` and ``recvfrom`` return: the other end chooses it), or anything
received.
"""

from __future__ import annotations

# Methods whose result this host chose: the address the socket was bound to, its
# descriptor, its time-out and blocking mode.
OWN_FACTS = frozenset({
    "socket.socket.getsockname", "socket.socket.fileno", "socket.socket.gettimeout",
    "socket.socket.getblocking",
})  # fmt: skip


def own_fact(ref: str) -> bool:
    """Whether ``ref`` is a socket's method that returns what this host chose."""
    return ref in OWN_FACTS
