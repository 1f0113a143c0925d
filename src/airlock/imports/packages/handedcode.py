"""Code a worker reads from a stream its caller opened (issue 16; ADR 0144).

PyInstaller's ``isolated/_child.py`` is started by its parent with two pipe descriptors on
its command line (``map(int, sys.argv[1:])``); it reads base64-encoded, marshalled code
objects from one with ``readline()``, runs them and writes the results to the other. The
flow pass saw ``types.FunctionType(loads(b64decode(fh.readline())))``: decoded data run,
``obfuscated-exec``, and denied the wheel. A packer hides its payload in the code (a blob),
in a file it ships or names, or in a download; here the module names none: the bytes come
from whoever opened the stream.

:func:`descriptor` marks a file opened on a descriptor number (``open(int(..))``, or a
name bound by ``int(..)`` or ``map(int, ..)``): :data:`UNNAMED`. :func:`streamed` marks a
decoder given one line or read of a stream that is a parameter or such a descriptor, with
no word spelt beside it: :data:`STREAM`. :func:`handed_only` says when decoded data run
came only from there. The scorer then holds the exec when called instead of denying it:
what runs is the opener's, so a person reads the opener.

What it deliberately does not do: lower anything on install or import; lower a decoded
parameter that is not read as a stream (``exec(b64decode(p))`` stays denied), a file
opened by a path (spelt, built from ``__file__`` or unknown), a blob, a download, a
picture or a key decoded beside it (those stay ``obfuscated-exec`` critical); or judge
the ``marshal.loads`` itself. A payload split across two processes of the package, the
parent opening a shipped file and handing its descriptor, is held, not allowed.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import TYPE_CHECKING

from airlock.imports.packages.childenv import HANDED_IN, PAYLOAD
from airlock.imports.packages.grammar import called_name
from airlock.imports.packages.sinks import DECODED, FILE

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Val

# Read from a file opened on a descriptor number, not on a path.
UNNAMED = "descriptor-file"
# Decoded from one read of a stream handed in (a parameter or a descriptor).
STREAM = "decoded-from-a-stream"
READS = frozenset({"read", "readline", "recv", "recv_bytes"})
TRIMS = frozenset({"strip", "rstrip", "lstrip"})
# Calls that give a descriptor number: a number parsed, a Windows handle's descriptor.
DESCRIPTORS = frozenset({"int", "open_osfhandle"})
BY_INT = re.compile(r"\s*(map\(\s*int\b|int\()")
WORD = re.compile(r"\w+")
BY_READ = re.compile(r"\s*\w+\.(read|readline|recv|recv_bytes)\(\)\s*(#.*)?$")


def descriptor(node: ast.expr, path: Val, source: str | None) -> frozenset[str]:
    """:data:`UNNAMED` when ``open`` was given a descriptor number in ``node``: an
    ``int(..)`` or ``msvcrt.open_osfhandle(..)`` call, or a name the module binds only by
    ``int(..)`` or ``map(int, ..)`` (``source`` is the module's text), and nothing is known
    of its value."""
    if path.const is not None or path.labels or path.shape:
        return frozenset()
    if isinstance(node, ast.Call):
        fd = called_name(node) in DESCRIPTORS and not _spelt(node)
    elif isinstance(node, ast.Name):
        fd = _bound_only(node.id, source, BY_INT)
    else:
        fd = False
    return frozenset({UNNAMED}) if fd else frozenset()


def streamed(node: ast.Call, args: list[Val], source: str | None) -> frozenset[str]:
    """:data:`STREAM` when a decoder's first argument is one read of a stream
    (``fh.readline().strip()``, or a name bound only by one) that is a parameter or a file
    opened on a descriptor, with no word spelt in it."""
    if not node.args or not args or _spelt(node.args[0]) or args[0].const is not None:
        return frozenset()
    read = node.args[0]
    while isinstance(read, ast.Call) and called_name(read) in TRIMS and not read.args:
        read = read.func.value  # type: ignore[attr-defined]  # an attribute, by called_name
    if isinstance(read, ast.Call):
        one_read = called_name(read) in READS and not read.args
    else:
        one_read = isinstance(read, ast.Name) and _bound_only(read.id, source, BY_READ)
    handed = not args[0].labels or args[0].labels == {FILE, UNNAMED}
    return frozenset({STREAM}) if one_read and handed else frozenset()


def plain(args: list[Val]) -> list[Val]:
    """A decoder's arguments with what was read from a file opened on a descriptor taken as
    a value nothing is known of (:func:`childenv.decoded_from` then marks it handed in)."""
    if args and args[0].const is None and args[0].labels == {FILE, UNNAMED}:
        return [args[0]._replace(labels=frozenset()), *args[1:]]
    return args


def handed_only(labels: frozenset[str]) -> bool:
    """Whether decoded data run with ``labels`` was all read from a stream handed in: no
    blob of the code, no named file, no download, picture or key beside it."""
    if DECODED not in labels or STREAM not in labels or HANDED_IN not in labels:
        return False
    payload = labels & PAYLOAD
    return not payload or (payload == {FILE} and UNNAMED in labels)


@functools.lru_cache(maxsize=64)  # asked at every ``open(name)`` and decoder of a module
def _bound_only(name: str, source: str | None, how: re.Pattern[str]) -> bool:
    """Whether the module binds ``name`` somewhere, and only by assignments whose value
    ``how`` matches (a tuple's target too: ``r, w = map(int, argv[1:])``)."""
    if source is None:
        return False
    bound = bindings(name, source)
    return bool(bound) and all(how.match(value) for _, value in bound)


def bindings(name: str, source: str) -> list[tuple[str, str]]:
    """``re.findall(rf"^[ \\t]*([\\w, \\t]*\\b{name}\\b[\\w, \\t]*)=([^=\\n].*)$", source,
    re.MULTILINE)``: each line that binds ``name`` (an identifier) by ``=``, as (targets,
    value). A match lies within one line, so only the lines where ``name`` stands as a whole
    word are tried, found by a search that skips to the name's text (issue 16: the ``^``
    pattern, tried at every character of the module, took ~70 ms a call on a large one)."""
    word = re.escape(name)
    if not WORD.fullmatch(name):  # not an identifier: the pattern as it was
        return re.findall(rf"^[ \t]*([\w, \t]*\b{word}\b[\w, \t]*)=([^=\n].*)$", source, re.M)
    line = re.compile(rf"[ \t]*([\w, \t]*\b{word}\b[\w, \t]*)=([^=\n].*)$")
    # ``\bname\b`` written to start with its literal: the same places (``name`` starts and
    # ends with a word character), found by skipping ahead to the literal.
    whole = re.compile(rf"{word}(?<!\w{word})(?!\w)")
    found: list[tuple[str, str]] = []
    at = whole.search(source)
    while at is not None:
        start = source.rfind("\n", 0, at.start()) + 1
        end = source.find("\n", at.end())
        end = len(source) if end == -1 else end
        # The line alone: ``$`` at its end, ``\b`` at its edges as beside a newline.
        bound = line.match(source, start, end)
        if bound is not None:
            found.append((bound.group(1), bound.group(2)))
        at = whole.search(source, end)
    return found


def _spelt(node: ast.expr) -> bool:
    """Whether ``node`` spells a word (a string or bytes literal) or names ``__file__``."""
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, (str, bytes)):
            return True
        if isinstance(part, ast.Name) and part.id in {"__file__", "__spec__", "__path__"}:
            return True
    return False
