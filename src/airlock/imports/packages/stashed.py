"""Secrets stashed in a file or an archive, then sent by the file (issue 16; ADR 0193).

A stealer rarely sends what it read as it read it: it writes the environment into a file
in the temporary folder, or packs ``~/.ssh`` and the browsers' stores into a zip, then
uploads the file by its path (``files={'f': open(P, 'rb')}``). The write was read, and the
open file carried what was written, but the later ``open(P, 'rb')`` was a new file that
carried nothing, and a file added to an archive by its path put nothing into the archive.

:func:`keep` remembers, by the path's text as far as it folds, the secret labels written
into a file (:data:`STASHED`); :func:`held` gives them back to a later read of the same path.
:func:`made` remembers an archive made for writing (``zipfile.ZipFile``, ``tarfile.open``)
with where it is written; :func:`added` reads ``add``, ``write`` and ``writestr`` into it
as a write of its file, or of the buffer it was made on. A credential file added by its path
is a secret written.

What it does not do: follow a path that does not fold (two unknown paths are never the same
file), or host information and plain files (a library's cache holds the user's name and its
own files, and uploads them when asked).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.pathshape import arg_text
from airlock.imports.packages.picked import ARCHIVE_ADDS, ARCHIVES
from airlock.imports.packages.sinks import ENV, ENV_ALL, SECRET

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val

STASHED = frozenset({SECRET, ENV, ENV_ALL})
MAX_STASHED = 256  # paths remembered per module
MAX_ARCHIVES = 64  # archives made for writing remembered per module
# Where an archive maker is told to write: its first argument or one of these keywords.
TARGET_KEYWORDS = ("file", "name", "fileobj")
WRITE_MODES = ("w", "a", "x")


def keep(interp: Interpreter, path: str, labels: frozenset[str]) -> None:
    """``path`` (a folded path's text) was written with data carrying ``labels``."""
    stashed = labels & STASHED
    if not path or path == "?" or not stashed:
        return
    if path in interp.stashed or len(interp.stashed) < MAX_STASHED:
        interp.stashed[path] = interp.stashed.get(path, frozenset()) | stashed


def held(interp: Interpreter, path: str) -> frozenset[str]:
    """What was written into ``path`` before (:func:`keep`)."""
    return interp.stashed.get(path, frozenset()) if path else frozenset()


def made(
    interp: Interpreter,
    node: ast.Call,
    ref: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    *,
    value: Val,
) -> Val:
    """``value``, the archive ``node`` made (``ref``); when made for writing, remembered by
    its id with where it writes (the value is kept, so its id is not reused), for
    :func:`added` to find again by its receiver."""
    if ref not in ARCHIVES or len(interp.archives) >= MAX_ARCHIVES:
        return value
    mode = args[1].const if len(args) > 1 else kwargs["mode"].const if "mode" in kwargs else ""
    if not (isinstance(mode, str) and mode.startswith(WRITE_MODES)):
        return value
    target, target_node = _target(node, args, kwargs)
    if target is not None:
        name = target_node.id if isinstance(target_node, ast.Name) else ""
        interp.archives[id(value)] = (value, arg_text(target), name)
    return value


def added(
    interp: Interpreter,
    node: ast.Call,
    archive: Val | None,
    args: list[Val],
    env: dict[str, Val],
    *,
    secret: bool,
) -> None:
    """``z.write(p)``, ``z.writestr(n, data)``, ``t.add(p)`` on an archive :func:`made`: its
    file, or the buffer named when it was made, now holds what was added. ``secret``: the
    first argument is a credential file's path (:func:`writes.secret_file`)."""
    if archive is None or not isinstance(node.func, ast.Attribute):
        return
    kept = interp.archives.get(id(archive))
    if node.func.attr not in ARCHIVE_ADDS or kept is None or kept[0] is not archive:
        return
    labels = frozenset().union(*(a.labels for a in args))
    if secret:
        labels |= {SECRET}  # ``z.write(os.path.expanduser('~/.ssh/id_rsa'))``
    labels &= STASHED
    if not labels:
        return
    _, path, name = kept
    keep(interp, path, labels)
    held_now = env.get(name) if name else None
    if held_now is not None and not held_now.ref:
        env[name] = held_now._replace(labels=held_now.labels | labels)  # an ``io.BytesIO``


def _target(
    node: ast.Call, args: list[Val], kwargs: dict[str | None, Val]
) -> tuple[Val | None, ast.expr | None]:
    if args and node.args and not isinstance(node.args[0], ast.Starred):
        return args[0], node.args[0]
    for keyword in TARGET_KEYWORDS:
        if keyword in kwargs:
            value = next(k.value for k in node.keywords if k.arg == keyword)
            return kwargs[keyword], value
    return None, None
