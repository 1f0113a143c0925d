"""Something that runs, kept and called later (issue 16; ADR 0185).

* Kept on an instance: ``K(os.system).go(CMD)``, ``go`` calling ``self.f(c)``. A constructor
  whose text names no sink was not walked (six makes a hundred small objects on import), so
  ``self.f`` was never recorded, whatever it was handed.
* Kept in a global: ``X = print; run(CMD); X = os.system; run(CMD)``. The walk's memo of
  applied functions answered the second call from the first: what a function reads of the
  scope it is called from, or of its instance, was not in the key.
* Kept in a partial: ``partial(run, os.system)(CMD)``. What the partial was called with was
  dropped.
* Kept past a bound: 256 instance attributes were recorded per module walk, and one past
  them was dropped unread. The other keepers (``setattr``, a made module, a
  ``SimpleNamespace``, a class made by ``type``) stopped at 256 after that, silently, until
  ADR 0187: 300 harmless attributes set first, then ``m.run(CMD)`` was allowed.
* Kept on the class (``K.f = os.system``), or in a closure a function returns (``mk()(CMD)``,
  ``deco(go)(CMD)``): the function returned was called with the caller's names.
* Kept in another module's global (``zz.X = os.system; zz.run(CMD)``), or handed as one item
  of a second iterable to ``map``.

Near-misses a real package writes stay allowed. Every sample is inert: vetting only reads
files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import handed as handed_module
from tests.unit.imports.packages.adversary import verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_redteam7 import handed, one_file

KEEPS = (
    "class K:\n    def __init__(self, f):\n        self.f = f\n"
    "    def go(self, c):\n        return self.f(c)\n"
)
RUN_GLOBAL = "def run(c):\n    return X(c)\n"
RUN = "import functools\ndef run(f, c):\n    return f(c)\n"
GO = "import subprocess\ndef go(c):\n    subprocess.call(c, shell=True)\n"
DECO = "def deco(f):\n    def inner(*a):\n        return f(*a)\n    return inner\n"


def many_attributes(count: int) -> dict[str, str]:
    """A constructor that sets ``count`` harmless attributes, then keeps ``os.system``."""
    sets = "".join(f"        self.a{i} = f\n" for i in range(count))
    keeps = (
        f"class J:\n    def __init__(self, f):\n{sets}        self.f = f\n"
        "    def go(self, c):\n        return self.f(c)\n"
    )
    return one_file("J(os.system).go(CMD)\n", keeps)


# Each keeper of an attribute besides ``self.x = v``: a sink kept, then called.
KEEPERS = {
    "made-module": "import types\nm = types.ModuleType('m')\nsetattr(m, 'run', os.system)\n"
    "m.run(CMD)\n",
    "simple-namespace": "import types\nns = types.SimpleNamespace(run=os.system)\nns.run(CMD)\n",
    "setattr-on-an-instance": "class O:\n    pass\no = O()\nsetattr(o, 'run', os.system)\n"
    "o.run(CMD)\n",
    "class-made-by-type": "K = type('K', (), {'r': os.system})\nK.r(CMD)\n",
}


def harmless_attributes(count: int) -> str:
    """A constructor walked on import (its text names a sink) that sets ``count`` harmless
    attributes (and, first, one that may run: within any bound, so it alone never holds)."""
    sets = "".join(f"        self.a{i} = f\n" for i in range(count))
    return (
        "class P:\n    def __init__(self, f):\n"
        f"        self.z = os.system if f is None else f\n{sets}P(print)\n"
    )


DENIED: dict[str, Mapping[str, str]] = {
    "sink-kept-on-an-instance": one_file("K(os.system).go(CMD)\n", KEEPS),
    "sink-kept-on-an-instance-bound-first": one_file("k = K(os.system)\nk.go(CMD)\n", KEEPS),
    "sink-called-by-the-constructor": one_file(
        "K(os.system, CMD)\n",
        "class K:\n    def __init__(self, f, c):\n        self.f = f\n        self.f(c)\n",
    ),
    "instance-harmless-first": one_file("K(print).go(CMD)\nK(os.system).go(CMD)\n", KEEPS),
    "instance-of-another-module-harmless-first": handed(
        "from .zz import K\nK(print).go(CMD)\nK(os.system).go(CMD)\n", KEEPS
    ),
    "global-rebound-after-a-harmless-call": one_file(
        "X = print\nrun(CMD)\nX = os.system\nrun(CMD)\n", RUN_GLOBAL
    ),
    "partial-called-with-the-command": one_file("functools.partial(run, os.system)(CMD)\n", RUN),
    "partial-kept-then-called": one_file("p = functools.partial(run, os.system)\np(CMD)\n", RUN),
    "sink-kept-after-300-attributes": many_attributes(300),
    **{
        f"{name}-after-300-attributes": one_file(harmless_attributes(300) + body, "")
        for name, body in KEEPERS.items()
    },
    "sink-kept-on-the-class": one_file("class K:\n    f = None\nK.f = os.system\nK.f(CMD)\n", ""),
    # Kept in a closure: the function returned is called where its names are not bound.
    "sink-kept-in-a-closure": one_file(
        "def mk():\n    f = os.system\n    def g(c):\n        return f(c)\n    return g\n"
        "mk()(CMD)\n",
        "",
    ),
    "sink-kept-in-a-lambda-s-default": one_file(
        "def mk(f=os.system):\n    return lambda c: f(c)\nmk()(CMD)\n", ""
    ),
    "function-wrapped-by-a-decorator-factory": one_file("deco(go)(CMD)\n", GO + DECO),
    # Handed one item of each of two iterables (only the first's items were handed on).
    "map-over-two-iterables": one_file("list(map(run, [os.system], [CMD]))\n", RUN),
    # Kept in another module's global, which its function reads when followed.
    "sink-set-in-another-module": handed(
        "from . import zz\nzz.X = os.system\nzz.run(CMD)\n", RUN_GLOBAL
    ),
    "sink-set-in-another-module-by-setattr": handed(
        "from . import zz\nsetattr(zz, 'X', os.system)\nzz.run(CMD)\n", RUN_GLOBAL
    ),
    "another-module-s-global-harmless-first": handed(
        "from . import zz\nzz.X = print\nzz.run(CMD)\nzz.X = os.system\nzz.run(CMD)\n",
        RUN_GLOBAL,
    ),
    # Each call of the factory makes a closure of its own: the last one made is not the
    # only one (``a`` was read with ``print``).
    "older-closure-called-after-a-harmless-one": one_file(
        "a = deco(go)\nb = deco(print)\na(CMD)\n", GO + DECO
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "callback-kept-on-an-instance": one_file(
        "import logging\nK(logging.getLogger('evpkg').debug).go('ready')\n", KEEPS
    ),
    "global-rebound-to-harmless-functions": one_file(
        "X = print\nrun('a')\nX = len\nrun('a')\n", RUN_GLOBAL
    ),
    "partial-of-a-harmless-function": one_file("functools.partial(run, str.upper)('a')\n", RUN),
    "another-module-s-global-set-harmless": handed(
        "from . import zz\nzz.X = print\nzz.run('ready')\n", RUN_GLOBAL
    ),
    "map-over-two-harmless-iterables": one_file("list(map(run, [str.upper], ['a']))\n", RUN),
    "older-closure-of-a-harmless-function": one_file(
        "import logging\na = deco(logging.getLogger('evpkg').info)\nb = deco(go)\na('ready')\n",
        GO + DECO,
    ),
    "harmless-function-wrapped-by-a-decorator-factory": one_file(
        "import logging\ndeco(logging.getLogger('evpkg').info)('ready')\n", DECO
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_something_that_runs_kept_and_called(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_an_attribute_that_runs_past_the_bound_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``handed.MAX_ATTRS`` (lowered here to 8), ``self.f = os.system`` was not
    kept and ``self.f(CMD)`` called nothing: allowed. Now it holds."""
    monkeypatch.setattr(handed_module, "MAX_ATTRS", 8)
    assert vet_package(many_attributes(4)) is Outcome.DENY
    assert vet_package(many_attributes(12)) is Outcome.HOLD


@pytest.mark.parametrize("keeper", sorted(KEEPERS))
def test_every_keeper_holds_past_the_bound(keeper: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every keeper shares the one bound: within it the sink kept is called and denied; past
    it, kept by none, the walk holds rather than calling nothing (ADR 0187). The harmless
    attributes alone, past the bound, are allowed."""
    monkeypatch.setattr(handed_module, "MAX_ATTRS", 8)
    assert vet_package(one_file(harmless_attributes(12), "")) is Outcome.ALLOW
    assert vet_package(one_file(harmless_attributes(2) + KEEPERS[keeper], "")) is Outcome.DENY
    assert vet_package(one_file(harmless_attributes(12) + KEEPERS[keeper], "")) is Outcome.HOLD
