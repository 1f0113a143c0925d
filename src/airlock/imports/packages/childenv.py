"""The environment a started process is handed, told from what it runs (issue 16, ADR 0131).

A process call's environment mapping (``env=``, or the last argument of ``os.execve`` and
its kin) is not on the child's command line: the child sees it only if it reads it. The
standard library's CGI server (``http.server.CGIHTTPRequestHandler.run_cgi``, vendored by
``future``) copies a request's user, base64-decoded from its ``Authorization`` header, into
the script's ``REMOTE_USER`` and starts the script the request names: the base64 decode
made that a "dropper carrying decoded data", and the wheel was denied.

:func:`decoded_from` marks what a decoder was given: :data:`HANDED_IN` for a value nothing
is known of (a parameter, a request's header), :data:`OF_CODE` for text written in the
code (a folded decode, a blob XORed with a key written beside it). :func:`given` splits a
process call's arguments into what it runs and that environment; :func:`carried` says
which of the environment's labels the command carries. Decoded data there is dropped only
when all of it was handed in (no :data:`PAYLOAD` mark: nothing decoded from the code, a
file or a download beside it), the call runs when called (on install or import no request
is served), and the command's text reads no variable (``sh -c 'eval "$P"'``, ``python -c
'exec(os.environ["P"])'`` still run a payload moved there). Then it is the decoded value of
something handed in, not a hidden program.

Pure. What it deliberately does not do: drop anything but the decoded mark (a secret or
host data in a child's environment keeps its label), or judge the command itself (a
decoded or downloaded program named on the command line is still a dropper).
"""

from __future__ import annotations

import re

from airlock.imports.packages.flowtypes import Val, When
from airlock.imports.packages.sinks import DECODED, ENV, FILE, HIDDEN, KEY_BYTE, MEDIA, REMOTE

# What a decoder was given, beside :data:`sinks.DECODED`: a value nothing is known of (a
# parameter, a request's header), or text written in the code, a file or a download.
HANDED_IN = "decoded-handed-in"
OF_CODE = "decoded-from-code"
# Decoded data that is a payload whatever else was decoded beside it.
PAYLOAD = frozenset({OF_CODE, FILE, REMOTE, MEDIA, KEY_BYTE, HIDDEN})

# Calls whose environment mapping is a positional argument, by its index (-1: the last,
# after a variable number of the child's own arguments).
ENV_AT = {
    "os.execve": 2, "os.execvpe": 2, "os.execle": -1, "os.execlpe": -1,
    "os.spawnve": 3, "os.spawnvpe": 3, "os.spawnle": -1, "os.spawnlpe": -1,
    "os.posix_spawn": 2, "os.posix_spawnp": 2,
}  # fmt: skip
# A command that reads its environment: a shell's or PowerShell's ``$P``, cmd's ``%P%``,
# Python's ``os.environ``/``getenv``, Node's ``process.env``, Ruby's and Perl's ``ENV``.
READS_ENV = re.compile(r"\$|%\w+%|environ|getenv|process\.env|\bENV\b", re.IGNORECASE)


def decoded_from(args: list[Val]) -> frozenset[str]:
    """:data:`HANDED_IN` for a decoder given a value nothing is known of, else
    :data:`OF_CODE`."""
    handed = bool(args) and args[0].const is None and not args[0].labels
    return frozenset({HANDED_IN if handed else OF_CODE})


def given(ref: str, args: list[Val], kwargs: dict[str | None, Val]) -> tuple[list[Val], Val | None]:
    """What a process call runs (its arguments but the environment) and the environment
    mapping it hands the child, if it names one."""
    rest = [v for k, v in kwargs.items() if k != "env"]
    at = ENV_AT.get(ref)
    if at is not None and len(args) >= (2 if at < 0 else at + 1):
        index = at if at >= 0 else len(args) - 1
        return [*args[:index], *args[index + 1 :], *rest], args[index]
    return [*args, *rest], kwargs.get("env")


def carried(child_env: Val, text: str, when: When) -> frozenset[str]:
    """The labels of the child's environment that the command carries: never the
    environment variables themselves (a child inherits them anyway); decoded data unless
    all of it was handed in, the call runs when called and the command reads no variable."""
    labels = child_env.labels - {ENV}
    handed_only = HANDED_IN in labels and not labels & PAYLOAD
    if DECODED in labels and handed_only and when is When.LATER and not READS_ENV.search(text):
        return labels - {DECODED}
    return labels
