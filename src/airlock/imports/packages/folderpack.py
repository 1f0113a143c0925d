"""Secrets gathered into a folder, then the folder archived and sent (issue 16; ADR 0195).

A stealer copies ``~/.aws``, ``~/.ssh`` and a wallet into a temporary folder
(``d = tempfile.mkdtemp()``; ``shutil.copytree(src, os.path.join(d, 'aws'))``), writes the
environment beside them, then ``shutil.make_archive(base, 'zip', d)`` and uploads the
archive by the path that call returns. ADR 0193 kept what is written into a file by its
path (:mod:`stashed`), but a credential file copied was not written data, and the archive
was a new path made of a folder: it carried nothing.

:func:`copied` keeps a credential file copied (by its path, or a path a listing of
credentials gave) as a secret written to where it was copied. :func:`archived` reads
``make_archive``: what was kept under the folder it packs (its ``root_dir`` joined to its
``base_dir``), or the folder itself when it is a credential folder, is kept for the
archive's path (the base name with the format's suffix), and the path it returns carries
it, so a later ``open`` of either carries the secret.

What it does not do: follow a folder whose path does not fold (a temporary folder folds to
:mod:`tempname`'s stand-in), or an archive tool run as a command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.imports.packages import stashed
from airlock.imports.packages.flowtypes import Val
from airlock.imports.packages.pathshape import arg_text
from airlock.imports.packages.sinks import SECRET, secret_path

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

MAKE_ARCHIVE = "shutil.make_archive"
# The suffix ``make_archive`` gives each format's archive.
SUFFIXES = {
    "zip": ".zip", "tar": ".tar", "gztar": ".tar.gz", "bztar": ".tar.bz2", "xztar": ".tar.xz",
}  # fmt: skip
# ``make_archive(base_name, format, root_dir, base_dir)`` by position and by keyword.
PARTS = ("base_name", "format", "root_dir", "base_dir")
SECRET_ONLY = frozenset({SECRET})


def copied(interp: Interpreter, source: Val, target: Val, *, secret: bool) -> None:
    """``shutil.copy(src, dst)`` and the other copies: a credential file's path (``secret``,
    :func:`writes.secret_file`) or a path a listing of credentials gave (``glob('~/.ssh/*')``)
    copied is a secret written to ``dst``."""
    if secret or SECRET in source.labels:
        stashed.keep(interp, arg_text(target), SECRET_ONLY)


def archived(interp: Interpreter, args: list[Val], kwargs: dict[str | None, Val]) -> Val | None:
    """The path ``shutil.make_archive`` returns, carrying what was kept under the folder it
    packs; None when nothing secret is in it (the call reads as it did)."""
    given = {name: args[at] for at, name in enumerate(PARTS) if at < len(args)}
    given |= {name: kwargs[name] for name in PARTS if name in kwargs}
    folder = "/".join(
        arg_text(given[name]) for name in ("root_dir", "base_dir") if name in given
    ).rstrip("/")
    if not folder:
        return None
    labels = stashed.held(interp, folder) | _under(interp, folder)
    if secret_path(folder) and not folder.endswith(".pub"):
        labels |= SECRET_ONLY  # ``make_archive(b, 'zip', '~', '.ssh')``
    if not labels:
        return None
    base = arg_text(given["base_name"]) if "base_name" in given else ""
    kind = given["format"].const if "format" in given else None
    suffix = SUFFIXES.get(kind, "") if isinstance(kind, str) else ""
    if not (base and suffix):
        return Val(labels=labels)
    stashed.keep(interp, base + suffix, labels)
    return Val(const=base + suffix, labels=labels)


def _under(interp: Interpreter, folder: str) -> frozenset[str]:
    """What was kept for paths inside ``folder``."""
    prefix = folder + "/"
    found = [held for path, held in interp.stashed.items() if path.startswith(prefix)]
    return frozenset().union(*found)
