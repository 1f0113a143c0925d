"""A repository's own configuration read as host information (issue 16; ADR 0195).

``.git/config`` holds the remotes' URLs, and a URL may carry a token
(``https://x-access-token:TOKEN@github.com/o/r``); a CI checkout keeps its token in an
``http.<url>.extraheader`` there. A stealer run on install (in the checkout a CI job builds)
reads the file, or asks ``git config --get remote.origin.url``, and sends it: the file was
a plain file, and the command's output nothing.

:func:`read` says whether a path names a repository's configuration; what is read from it
is host information (:data:`sinks.HOSTINFO`), as a tool's credential file is
(:mod:`pathreads`): sent on install or import it is exfiltration, sent when called it is
what a CLI does with its remote (``api.github.com/repos/{owner}/{repo}``), and stays so.

What it does not do: read ``~/.gitconfig`` (a name and an e-mail address, already host
information through ``git config user.*``), or judge the file written (:mod:`sinks`
``PERSISTENCE`` names ``.git/hooks`` and ``.gitconfig``).
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

# A repository's configuration file by its path, or its path's shape (``$CWD/.git/config``).
REPO_CONFIG = LazyPattern(r"(?:^|[/\\])\.git[/\\]config$", re.IGNORECASE)


# The same, or the repository's folder a later part is joined to (``Path.cwd() / '.git'``):
# a path that does not fold keeps these known parts as its shape (:mod:`pathshape`).
REPO_PART = LazyPattern(r"(?:^|[/\\])\.git(?:[/\\]config)?$", re.IGNORECASE)


def kept(known: str) -> bool:
    """Whether the known parts of a path that does not fold (``?/.git``) are kept."""
    return ".git" in known and REPO_PART.search(known) is not None


def read(path: str) -> bool:
    """Whether ``path`` (a path's text or shape) is a repository's ``.git/config``."""
    return bool(path) and ".git" in path and REPO_CONFIG.search(path.strip()) is not None
