"""Names that pretend to be something else (issue 16: malware with no code signal).

Pure. Two tricks with no sink to trace:

* **A look-alike of a standard-library module** imported at a module's top level
  (``import sockets``): the module is not in the standard library, so the import only
  works once someone installs that name from the index, which is the attacker's package.
  Backports and well-known libraries one letter from a stdlib name (``ujson``, ``pathlib2``)
  are declared as dependencies by the packages that use them; an import that the archive
  neither ships nor declares is the trick (:func:`stdlib_lookalike`, filtered in ``vet``).
* **An impostor distribution**: a project that ships another project's import package,
  named after the repository its own metadata points to, under a name that does not contain
  it (``celium-collateral-upgrade`` shipping ``celium_collateral_contracts`` from
  ``github.com/…/celium-collateral-contracts``). Installing it shadows the real package.
"""

from __future__ import annotations

import functools
import re
import sys

from airlock.imports.packages.typosquat import established, normalise, one_edit, typosquat_of

# Python 2 names and well-known libraries a letter away from a stdlib module.
KNOWN = frozenset({
    "urllib2", "cpickle", "copy_reg", "thread", "httplib", "queue", "stringio", "cstringio",
    "ujson", "orjson", "typer", "timm", "crypto", "httpx", "emails", "tokens", "sqlite",
    "stats", "html5", "json5", "dbus", "yaml", "mock", "attr", "sets", "sha", "md5",
})  # fmt: skip
_STDLIB: dict[int, list[str]] = {}
for _name in sorted(sys.stdlib_module_names):
    if not _name.startswith("_") and len(_name) >= 4:
        _STDLIB.setdefault(len(_name), []).append(_name)
GITHUB_REPO = re.compile(
    r"^(?:Home-page|Project-URL):.*?\b(?:github|gitlab)\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?\s*$",
    re.MULTILINE | re.IGNORECASE,
)


@functools.lru_cache(maxsize=8192)
def stdlib_lookalike(name: str) -> str | None:
    """The standard-library module ``name`` is one edit away from, or None (also None for
    a stdlib module, a Python 2 name, a known library, a backport like ``glob2`` or one of
    the most downloaded projects' names)."""
    lowered = name.lower()
    if len(lowered) < 5 or lowered in KNOWN or name in sys.stdlib_module_names:
        return None
    stem = lowered.rstrip("0123456789")
    if stem != lowered and stem in sys.stdlib_module_names:
        return None  # a numbered backport (pickle5, pathlib2, selectors2)
    for size in (len(lowered) - 1, len(lowered), len(lowered) + 1):
        for module in _STDLIB.get(size, ()):
            if one_edit(lowered, module):
                # The trick needs the name to be the attacker's on the index; one of the
                # most downloaded projects' names is not (ADR 0141: asgiref beside wsgiref).
                return None if normalise(lowered) in established() else module
    return None


@functools.lru_cache(maxsize=8192)
def popular_lookalike(name: str) -> str | None:
    """The popular project whose name ``name`` imitates when imported (``import reqeusts``),
    or None. Import names that are a popular project's name with letters added or removed
    (``attr`` of attrs, ``jwt`` of pyjwt, ``dateutil`` of python-dateutil) are not look-alikes.
    """
    lowered = name.lower()
    if len(lowered) < 5 or lowered in KNOWN or name in sys.stdlib_module_names:
        return None
    imitated = typosquat_of(lowered)
    if imitated is None:
        return None
    own, other = lowered.replace("_", ""), imitated.replace("-", "")
    return None if own in other or other in own else imitated


def impostor_of(project: str, metadata: str, packages: frozenset[str]) -> str | None:
    """The project whose import package this distribution ships, when its metadata names
    that project's repository, its own name does not contain the package's and the
    repository's owner is not named as the project is; else None."""
    own = normalise(project)
    own_words = set(own.split("-"))
    own_squashed = own.replace("-", "")
    for owner, repo in GITHUB_REPO.findall(metadata):
        other = normalise(repo)
        squashed = other.replace("-", "")
        if squashed in own_squashed or own_squashed in squashed:
            continue  # ``grpcio`` from the ``grpc`` repository, ``python-x`` from ``x``
        if normalise(owner).replace("-", "") == own_squashed:
            # The project's own organisation holds the repository (``PyWavelets/pywt``):
            # its package, not another's. The trick borrows another owner's repository
            # (``Datura-ai/celium-collateral-contracts``); naming an organisation after
            # one's own project points the index page at nothing (ADR 0144).
            continue
        for package in packages:
            if normalise(package) != other:
                continue
            words = set(other.split("-")) - {"python", "py"}
            if not words <= own_words:
                return str(repo)
    return None
