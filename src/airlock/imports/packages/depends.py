"""Declared dependencies that pretend: look-alikes of popular projects and known-bad names.

Pure. A package need not ship its payload: it may declare a dependency on the attacker's
typosquat (``install_requires=['reqeusts']``) and let pip fetch it (issue 16). The names come
from ``Requires-Dist`` (METADATA, PKG-INFO), ``requires.txt``, a literal ``install_requires``
in ``setup.py`` or ``setup.cfg``, and ``[project] dependencies`` in ``pyproject.toml``.

Real dependencies sit one letter from popular projects more often than squats do: ``cchardet``
(chardet), ``authlib`` (oauthlib), ``fastai`` (fastapi), ``pymssql`` and ``cymysql`` (pymysql),
``markdown2``, ``httpx2``. So a declared name is a look-alike only in the shapes a typing
slip or a visual trick makes and no project picks for itself: the same letters with two
neighbours swapped (``reqeusts``), a letter typed twice (``requestss``), or the same
skeleton (separators moved, ``0``/``o``, ``1``/``l``, ``rn``/``m``: ``python-dateutll``), or
one letter struck as the key next to it (``requezts``; ADR 0039: none of the 771 names the
bench's popular packages declare is one). Such a name holds (``lookalike-dependency``); a
name the malicious-packages feed lists denies (``malicious-dependency``,
:func:`with_dependencies`).

What it deliberately does not do: judge a dependency one letter away by another
substitution, an insertion or a deletion (the real projects above), or resolve what the
dependency is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set

from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.typosquat import POPULAR, established, normalise, skeleton

NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
CFG_REQUIRES = re.compile(
    r"^install_requires\s*=\s*((?:[^\n]*\n)(?:[ \t]+[^\n]*\n?){0,200})", re.MULTILINE
)
PYPROJECT_DEPENDENCIES = re.compile(
    r"^dependencies\s*=\s*\[((?:[^\]\"']|\"[^\"\n]*\"|'[^'\n]*'){0,20000})\]", re.MULTILINE
)
QUOTED = re.compile(r"['\"]([^'\"\n]{1,200})['\"]")
MAX_NAMES = 4096  # distinct names judged (ADR 0189: 400 strings were, the 401st was not)


def declared_names(requirements: Iterable[str], files: dict[str, str]) -> list[str]:
    """Normalised project names of the requirement strings and of ``setup.cfg`` /
    ``pyproject.toml`` texts (base name -> text), in order, once each: at most
    :data:`MAX_NAMES` and one, so that the caller can tell (and hold for) names left past
    the bound. Strings were read to 400, duplicates counted: a look-alike (or a listed
    malicious name) declared 401st was never judged (ADR 0189)."""
    strings = list(requirements)
    cfg = files.get("setup.cfg", "")
    for block in CFG_REQUIRES.findall(cfg) if "install_requires" in cfg else []:
        strings += [line.split("#", 1)[0] for line in block.splitlines()]
    toml = files.get("pyproject.toml", "")
    for block in PYPROJECT_DEPENDENCIES.findall(toml) if "dependencies" in toml else []:
        strings += QUOTED.findall(block)
    names: dict[str, None] = {}
    for value in strings:
        match = NAME.match(value)
        if match and not value.lstrip().startswith(("-", "#")):
            name = normalise(match.group(1))
            if name:
                names[name] = None
                if len(names) > MAX_NAMES:
                    break
    return list(names)


def lookalike_of(name: str, protected: Set[str] = POPULAR) -> str | None:
    """The popular project a dependency name imitates in a typo's or a disguise's shape
    (see the module docstring), or None. A name among the most downloaded projects is a
    project in its own right (``usort`` beside ``isort``), as :func:`typosquat.typosquat_of`
    judges a package's own name (ADR 0129, 0133)."""
    own = normalise(name)
    if own in protected or len(own) < 5:
        return None
    shape = skeleton(own)
    for popular in protected:
        if len(popular) < 5 or abs(len(popular) - len(own)) > 1:
            continue
        if shape == skeleton(popular) or _swapped(own, popular) or _doubled(own, popular):
            return None if own in established() else popular
        if _slipped(own, popular):
            return None if own in established() else popular
    return None


# Letters next to each other on a QWERTY keyboard (ADR 0039): one struck for the other is
# a typing slip. Digits are left out: ``urllib2``/``urllib3`` are two real projects.
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {
    key: {
        KEY_ROWS[r][c]
        for r in range(max(row - 1, 0), min(row + 2, len(KEY_ROWS)))
        for c in range(max(col - 1, 0), min(col + 2, len(KEY_ROWS[r])))
        if (r, c) != (row, col)
    }
    for row, keys in enumerate(KEY_ROWS)
    for col, key in enumerate(keys)
}


def _slipped(a: str, b: str) -> bool:
    """``a`` is ``b`` with one letter struck as a key next to it (``requezts``); a letter
    replaced by one far from it on the keyboard is a name of its own (``pymssql``,
    ``cymysql`` beside ``pymysql``)."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 1 and a[diff[0]] in NEIGHBOURS.get(b[diff[0]], ())


def _swapped(a: str, b: str) -> bool:
    """``a`` is ``b`` with two neighbouring letters swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and (a[diff[1]] == b[diff[0]])
    )


def _doubled(a: str, b: str) -> bool:
    """``a`` is ``b`` with one letter after the first typed twice (``cchardet`` is a real
    project: a C port named by a prefix letter)."""
    if len(a) != len(b) + 1:
        return False
    return any(a[i] == a[i - 1] and a[:i] + a[i + 1 :] == b for i in range(2, len(a)))


def dependency_findings(
    filename: str, own: str, names: Iterable[str], protected: Set[str] = POPULAR
) -> list[PackageFinding]:
    """``lookalike-dependency`` (high) for each declared name imitating a protected one."""
    found = []
    for name in names:
        imitated = lookalike_of(name, protected) if name != normalise(own) else None
        if imitated:
            found.append(
                PackageFinding(
                    "lookalike-dependency",
                    filename,
                    0,
                    Severity.HIGH,
                    f"depends on {name!r}, a look-alike of the popular {imitated!r}: installing "
                    "it fetches whatever that name holds",
                )
            )
    return found


def bad_dependencies(
    filename: str,
    names: Iterable[str],
    bad: Set[str],
    protected: Set[str] = POPULAR,
    *,
    needs: str = "depends on",
) -> list[PackageFinding]:
    """``malicious-dependency`` (critical) for each declared name the feed lists (a popular
    name whose one release was hijacked is judged at that release, not here)."""
    return [
        PackageFinding(
            "malicious-dependency",
            filename,
            0,
            Severity.CRITICAL,
            f"{needs} {name!r}, listed in the malicious-packages feed",
        )
        for name in names
        if name in bad and name not in protected
    ]
