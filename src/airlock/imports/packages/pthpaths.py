"""Folders a shipped ``.pth`` file puts on every Python's import path (probe 19, ADR 0111).

Pure. ``site`` reads each line of a ``.pth`` file in site-packages that is not a comment or
an ``import`` line as a folder, joins it to site-packages, and appends it to ``sys.path``
when it exists. An absolute folder (``/tmp``, ``C:\\Users\\Public``) or one that climbs out
of site-packages (``../../../../tmp``) is searched by every Python program for every import
the installed packages do not answer, and for the ``sitecustomize`` and ``usercustomize``
modules ``site`` imports right after the ``.pth`` files: a module another user drops there
runs in everybody's Python. A package has no folder of its own outside site-packages to
point at; the lines real wheels ship name folders inside it (``pywin32.pth``: ``win32``,
``win32\\lib``), and the absolute ones an editable install writes are made on the machine
that installs, never shipped.

What it deliberately does not do: judge ``import`` lines (:func:`analysis.scan_pth`), or
whether the folder exists or who may write to it (that is the installing machine's).
"""

from __future__ import annotations

import posixpath

from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.rules import PackageFinding, Severity

DRIVE = LazyPattern(r"[A-Za-z]:[\\/]|[\\/]{2}")
# Where ``site`` may find the file: the archive's top or one folder down (a wheel's top, an
# sdist's top that its build installs), or a wheel's ``.data/purelib``/``platlib`` top. A
# ``.pth`` deeper in a package, or in a nested archive, is data no ``site`` reads (a test's
# fixture).
SITE_READ = LazyPattern(r"[^/!]+(?:/[^/!]+)?|[^/!]+\.data/(?:purelib|platlib)/[^/!]+")


def site_reads(path: str) -> bool:
    """Whether ``path`` is a ``.pth`` file where ``site`` would read it once installed."""
    return SITE_READ.fullmatch(path) is not None


def pth_path_findings(path: str, lines: list[str]) -> list[PackageFinding]:
    """``pth-path-outside`` (high) for each folder line of a ``.pth`` file (``lines`` as
    ``site`` splits them) that names a folder outside site-packages."""
    found = []
    for number, line in enumerate(lines, start=1):
        folder = line.rstrip()
        if not folder.strip() or folder.startswith("#") or _imports(folder):
            continue
        if _outside(folder):
            found.append(
                PackageFinding(
                    "pth-path-outside",
                    path,
                    number,
                    Severity.HIGH,
                    f".pth line puts {folder[:80]!r}, a folder outside site-packages, on every "
                    "Python's import path: a module dropped there runs in every program",
                )
            )
    return found


def _imports(line: str) -> bool:
    return line.startswith(("import ", "import\t"))


def _outside(folder: str) -> bool:
    """Whether ``folder``, joined to site-packages as ``site`` does, lies outside it."""
    if folder.startswith(("/", "\\")) or DRIVE.match(folder):
        return True
    return posixpath.normpath(folder.replace("\\", "/")).startswith("..")
