"""Does a project name imitate a popular one? (typosquatting and combosquatting)

Pure but for reading the shipped list. ``POPULAR`` holds widely used PyPI projects (top
downloads, plus the ML stack an enclave installs), shipped as data in ``data/popular.txt``;
:class:`Protected` adds what ``airlock package typosquat refresh`` stored (names from an
offline popularity list and the internal index's own projects) and the names the
malicious-packages feed lists. A name is suspect when, after PEP 503 normalisation, it
differs from one of them by one edit, only by separators, only by look-alike characters
(``0``/``o``, ``1``/``l``, ``rn``/``m``), or by a bare "python"/"py" prefix or suffix or a
trailing version digit.
Extensions with a real suffix (``pytest-cov``, ``requests-toolbelt``) are not flagged, nor
is a name among the most downloaded projects (``data/established.txt``, ADR 0129).
"""

from __future__ import annotations

import functools
import pkgutil
import re
from collections.abc import Iterable, Set
from dataclasses import dataclass

from airlock.imports.packages.lazyre import LazyPattern

_LOOKALIKE = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s", "7": "t", "i": "l"})
_BARE_AFFIX = LazyPattern(r"^(?:python-?|py-)?(?P<core>.+?)(?:-?python|-py|-?[0-9])?$")


def normalise(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _shipped(name: str = "popular.txt") -> frozenset[str]:
    """The names of ``data/NAME``, read through the package's loader: zip-safe like
    importlib.resources, whose import (with tempfile and shutil) costs more than the read,
    and every vetting process starts here."""
    text = pkgutil.get_data("airlock.imports.packages.data", name)
    if text is None:  # a loader that cannot read data: no list is no protection, so fail
        raise ImportError(f"airlock.imports.packages.data: the loader cannot read {name}")
    lines = (line.split("#", 1)[0].strip() for line in text.decode("utf-8").splitlines())
    return frozenset(normalise(line) for line in lines if line)


POPULAR = _shipped()


@functools.cache
def established() -> frozenset[str]:
    """The most downloaded projects (``data/established.txt``, ADR 0129), never judged
    look-alikes: read only when a name resembles a protected one (most names do not)."""
    return _shipped("established.txt")


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    rows = [list(range(len(b) + 1))] + [[i + 1] + [0] * len(b) for i in range(len(a))]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def one_edit(a: str, b: str) -> bool:
    """Whether ``distance(a, b) == 1``: one substitution, insertion, deletion or swap of
    two neighbours turns ``a`` into ``b``. One pass from the first difference instead of the
    full table (each name is compared with every protected one: issue 16, start-up cost)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) > len(b):
        return a[first + 1 :] == b[first:]
    if len(a) < len(b):
        return b[first + 1 :] == a[first:]
    rest = first + 2
    return a[first + 1 :] == b[first + 1 :] or (
        a[first + 1 : rest] == b[first] and b[first + 1 : rest] == a[first] and a[rest:] == b[rest:]
    )


@functools.lru_cache(maxsize=65_536)  # each protected name's, once, not once per lookup
def skeleton(name: str) -> str:
    """What a name looks like: separators gone, look-alike characters folded."""
    return name.replace("-", "").replace("rn", "m").replace("vv", "w").translate(_LOOKALIKE)


def typosquat_of(name: str, protected: Set[str] = POPULAR) -> str | None:
    """The protected project ``name`` imitates, or None (also None for a protected name)."""
    own = normalise(name)
    if own in protected:
        return None
    shape = skeleton(own)
    match = _BARE_AFFIX.fullmatch(own)
    core = match["core"] if match else own
    for popular in sorted(protected):
        if shape == skeleton(popular) or (core != own and core == popular):
            return _unless_established(own, popular)
        if len(popular) > 4 and abs(len(own) - len(popular)) <= 1 and one_edit(own, popular):
            return _unless_established(own, popular)
    return None


def _unless_established(own: str, popular: str) -> str | None:
    """``popular``, unless ``own`` is itself among the most downloaded projects: a name
    that many installs is a project of its own (ADR 0129: cattrs, pycryptodomex, authlib)."""
    return None if own in established() else popular


POPULAR_SOURCE = "popular"
INDEX_SOURCE = "index"


@dataclass(frozen=True, slots=True)
class Protected:
    """What the typosquat and known-bad-name checks compare a name with, beyond the shipped list.

    ``extra``: names stored by a refresh (popular or served by the index); ``bad``: names the
    malicious-packages feed lists at some version, except protected ones (a popular project
    whose one release was hijacked is denied at that release by the feed, not held at every
    other release).
    """

    extra: frozenset[str]
    bad: frozenset[str]

    @classmethod
    def of(cls, stored: Iterable[tuple[str, str]], feed_names: Iterable[str]) -> Protected:
        """From the stored (name, source) rows and the feed's names (all of them, or only the
        vetted file's own name when the feed lists it: that is all a report is judged on)."""
        extra = frozenset(normalise(n) for n, _ in stored) - POPULAR
        safe = POPULAR | extra
        return cls(extra, frozenset(normalise(n) for n in feed_names) - safe)


def popular_names(text: str) -> list[str]:
    """Project names from an offline popularity list: one a line (``#`` comments), a CSV whose
    first column is the name (a header row is skipped), or the JSON of
    hugovk's top-pypi-packages (``{"rows": [{"project": ...}]}``).

    Raises: ValueError for JSON of another shape.
    """
    stripped = text.lstrip()
    if stripped.startswith("{"):
        import json  # noqa: PLC0415 -- only this shape needs it

        rows = json.loads(stripped).get("rows")
        if not isinstance(rows, list):
            raise ValueError('expected {"rows": [{"project": NAME}, ...]}')
        found = [str(r.get("project", "")) for r in rows if isinstance(r, dict)]
    else:
        found = [line.split("#", 1)[0].split(",", 1)[0].strip() for line in text.splitlines()]
        if "," in text.split("\n", 1)[0] and found and found[0].lower() in {"project", "name"}:
            found = found[1:]  # a CSV header row
    names = [normalise(n) for n in found if _NAME.fullmatch(n)]
    return list(dict.fromkeys(names))


_NAME = LazyPattern(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def refreshed_names(popular: Iterable[str], index_projects: Iterable[str]) -> list[tuple[str, str]]:
    """(normalised name, source) rows a refresh stores: the offline list's names that are not
    shipped already, and every project the internal index serves."""
    rows = {(normalise(n), POPULAR_SOURCE) for n in popular if normalise(n) not in POPULAR}
    rows |= {(normalise(n), INDEX_SOURCE) for n in index_projects}
    return sorted(rows)
