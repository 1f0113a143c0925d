"""Which declared dependency explains a look-alike import (issue 16, ADR 0132): ``import
docket`` beside a declared ``pydocket``, as ``yaml`` comes from ``pyyaml`` and ``dateutil``
from ``python-dateutil``; not ``import sockt`` beside a declared ``sockt``.

A module one edit from a standard-library module (``docket``, ``socket``) is suspicious only
when nothing explains where it comes from. The archive's own modules do
(:func:`metadata.declared_lookalikes`), and so does a declared dependency, but an attacker can
declare a look-alike of their own as easily as import it. So a declared distribution
explains the import only when it is among the most downloaded projects
(``data/established.txt``, ADR 0129: a project in its own right, not a name waiting for a
mistyped import), under the module's own name or with the ecosystem's usual ``py`` /
``python`` affix. A look-alike of a popular project (``import reqeusts``) declared by its
own name is explained as before: the declared name is judged as a dependency
(``lookalike-dependency``), and holds there.
"""

from __future__ import annotations

import re

from airlock.imports.packages.typosquat import established, normalise

PREFIXES = ("py", "py-", "python-", "python")
SUFFIXES = ("-py", "py", "-python", "python")


def supplied(module: str, rule: str, declared: str) -> bool:
    """Whether ``declared`` (the archive's requirement text) names a distribution that
    explains the look-alike import of ``module`` that ``rule`` reported."""
    own = normalise(module)
    if rule != "stdlib-lookalike-import" and _declares(own, declared):
        return True
    top = established()
    names = [own, *(p + own for p in PREFIXES), *(own + s for s in SUFFIXES)]
    return any(name in top and _declares(name, declared) for name in names)


def _declares(name: str, declared: str) -> bool:
    """Whether ``declared`` names the distribution ``name`` (normalised): ``python-dateutil``
    may be written ``python_dateutil`` or ``Python.Dateutil``."""
    spelt = "[-_.]+".join(re.escape(part) for part in name.split("-"))
    return re.search(rf"(?<![\w-]){spelt}(?![\w-])", declared, re.IGNORECASE) is not None
