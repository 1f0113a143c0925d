"""What runs, padded past the walk's bounds (issue 16; ADR 0187).

The walk keeps a dict or list whose entries run (a sink's name, a local function) as a
dispatch table, so ``T['r'](CMD)`` reaches the sink. It kept 256 tables per module and
tables of at most 64 entries, and dropped any past that silently: 300 harmless tables
written first, or 100 harmless entries before ``'r': os.system``, and the call through the
table called nothing: allowed. So with 16 implementations of a single-dispatch function
registered first, and 256 properties made first: the next one, which ran the sink, was
dropped. Now entries that do not run are not counted against a long table, the bounds are
higher where they were low, and what runs dropped past a bound holds. Every sample is
inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import classdata, handed, protocol, rebound
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_redteam7 import one_file

HARMLESS = "def h(c):\n    return c\n"


def tables_first(count: int, body: str) -> Mapping[str, str]:
    """``count`` harmless dispatch tables (of a local function) written first, then ``body``."""
    tables = "".join(f"T{i} = {{'a': h}}\n" for i in range(count))
    return one_file(HARMLESS + tables + body, "")


def long_dict(entries: str, body: str = "T['r'](CMD)\n") -> Mapping[str, str]:
    """A dict literal of 100 ``entries`` and then ``'r': os.system``, then ``body``."""
    padding = "".join(f"'k{i}': {entries}, " for i in range(100))
    return one_file(f"{HARMLESS}T = {{{padding}'r': os.system}}\n{body}", "")


def long_list(body: str) -> Mapping[str, str]:
    """A list of 100 harmless local functions and then ``os.system``, then ``body``."""
    return one_file(f"{HARMLESS}L = [{'h, ' * 100}os.system]\n{body}", "")


def registered_first(count: int) -> Mapping[str, str]:
    """``count`` harmless implementations of a single-dispatch function registered, then
    one that runs ``os.system``; the function called with the command."""
    classes = "".join(f"class T{i}:\n    pass\n" for i in range(count))
    harmless = "".join(f"@f.register(T{i})\ndef _(x):\n    return x\n" for i in range(count))
    return one_file(
        "import functools\n@functools.singledispatch\ndef f(x):\n    return x\n"
        f"{classes}{harmless}@f.register(str)\ndef _(x):\n    os.system(x)\nf(CMD)\n",
        "",
    )


def properties_first(count: int) -> Mapping[str, str]:
    """A class with ``count`` harmless properties, then one whose getter runs the command."""
    harmless = "".join(f"    p{i} = property(lambda self: {i})\n" for i in range(count))
    return one_file(
        f"class K:\n{harmless}    q = property(lambda self: os.system(CMD))\nK().q\n", ""
    )


NINE = "h, " * 9
TABLE_OF_NINE = "T = {" + "".join(f"'k{i}': h, " for i in range(9)) + "'r': os.system}\n"


def imported_after(count: int, body: str) -> Mapping[str, str]:
    """``count`` harmless module names, then ``'os'``, imported by ``map(__import__, ...)``."""
    names = "'json', " * count
    return one_file(f"mods = map(__import__, [{names}'os'])\n{body}", "")


def factories_first(count: int, last: str) -> Mapping[str, str]:
    """A dataclass with ``count`` harmless field factories, then one of ``last``, made."""
    harmless = "".join(
        f"    f{i}: list = dataclasses.field(default_factory=list)\n" for i in range(count)
    )
    return one_file(
        f"import dataclasses\n@dataclasses.dataclass\nclass K:\n{harmless}"
        f"    z: int = dataclasses.field(default_factory={last})\nK()\n",
        "",
    )


DENIED: dict[str, Mapping[str, str]] = {
    "module-imported-after-70-names": imported_after(70, "list(mods)[-1].system(CMD)\n"),
    "modules-imported-after-70-names-looped-over": imported_after(
        70, "for m in mods:\n    getattr(m, 'system', print)(CMD)\n"
    ),
    "field-factory-after-20-harmless-ones": factories_first(20, "lambda: os.system(CMD)"),
    "sink-in-a-list-of-100-functions-looped": long_list("for f in L:\n    f(CMD)\n"),
    "sink-in-a-list-of-100-functions": long_list("L[100](CMD)\n"),
    "sink-in-a-table-of-100-functions": long_dict("h"),
    # Read in turn, a few at most: the sink is read first, wherever it is written.
    "loop-over-a-harmless-function-then-the-sink": one_file(
        f"{HARMLESS}for f in [h, os.system]:\n    f(CMD)\n", ""
    ),
    "loop-over-ten-strings-then-the-sink": one_file(
        "for f in [" + "'x', " * 10 + "os.system]:\n    f(CMD)\n", ""
    ),
    "map-over-nine-functions-then-the-sink": one_file(
        f"{HARMLESS}list(map(lambda f: f(CMD), [{NINE}os.system]))\n", ""
    ),
    "table-of-nine-functions-called-by-a-key-that-does-not-fold": one_file(
        f"{HARMLESS}{TABLE_OF_NINE}import random\nT[random.choice(list(T))](CMD)\n", ""
    ),
    "table-of-nine-functions-looped-over": one_file(
        f"{HARMLESS}{TABLE_OF_NINE}for f in T.values():\n    f(CMD)\n", ""
    ),
    "update-of-100-names-then-the-sink": one_file(
        HARMLESS
        + "globals().update({"
        + "".join(f"'n{i}': h, " for i in range(100))
        + "'run': os.system})\nrun(CMD)\n",
        "",
    ),
    "update-of-100-keywords-then-the-sink": one_file(
        HARMLESS
        + "globals().update("
        + "".join(f"n{i}=h, " for i in range(100))
        + "run=os.system)\nrun(CMD)\n",
        "",
    ),
    "implementation-after-20-registered": registered_first(20),
    "property-after-300-properties": properties_first(300),
    "sink-in-a-table-of-100-strings": long_dict("'x'"),
    "sink-in-a-table-of-100-harmless-builtins": long_dict("print"),
    "sink-in-a-table-got": long_dict("'x'", "T.get('r')(CMD)\n"),
}

HELD: dict[str, Mapping[str, str]] = {
    "table-after-300-tables": tables_first(300, "T = {'r': os.system}\nT['r'](CMD)\n"),
    "table-got-after-300-tables": tables_first(300, "T = {'r': os.system}\nT.get('r')(CMD)\n"),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "many-modules-imported": one_file(
        "mods = list(map(__import__, [" + "'json', " * 70 + "'os']))\nprint(mods[0])\n", ""
    ),
    "many-harmless-field-factories": factories_first(20, "dict"),
    "loop-over-harmless-functions": one_file(
        "import logging\nfor f in [print, logging.getLogger('evpkg').info]:\n    f('ready')\n", ""
    ),
    "map-over-many-harmless-builtins": one_file(
        "list(map(lambda f: f('ready'), [" + "print, " * 12 + "]))\n", ""
    ),
    "a-long-table-of-strings": one_file(
        "T = {" + "".join(f"'k{i}': 'v{i}', " for i in range(100)) + "}\nprint(T['k1'])\n", ""
    ),
    "a-long-table-of-harmless-builtins": one_file(
        "T = {" + "".join(f"'k{i}': print, " for i in range(100)) + "}\nT['k1']('ready')\n", ""
    ),
    "a-short-table-after-a-few-tables": tables_first(8, "T = {'r': print}\nT['r']('ready')\n"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_what_runs_past_the_walk_s_bounds(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_a_table_within_the_bounds_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same table is denied within the bound and held past it (lowered here to 8)."""
    monkeypatch.setattr(handed, "MAX_TABLES", 8)
    body = "T = {'r': os.system}\nT['r'](CMD)\n"
    assert vet_package(tables_first(4, body)) is Outcome.DENY
    assert vet_package(tables_first(12, body)) is Outcome.HOLD


def test_a_table_longer_than_is_read_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A written-out table longer than is read (lowered here to 50) holds when what is left
    unread might run (the sink past the 50th entry), and not when it is data."""
    monkeypatch.setattr(handed, "MAX_TABLE_READ", 50)
    # Files not vetted above: the memo of members' findings would answer those.
    assert "past 50 entries" in budget_notes(long_dict("'y'"))
    strings = "T = {" + "".join(f"'k{i}': 'w{i}', " for i in range(100)) + "}\n"
    assert budget_notes(one_file(strings, "")) == ""
    assert vet_package(one_file(strings, "")) is Outcome.ALLOW


def budget_notes(files: Mapping[str, str]) -> str:
    """What the wheel's ``analysis-budget`` findings say was left unread."""
    report = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files)))
    return " ".join(f.explanation for f in report.findings if f.rule == "analysis-budget")


def test_an_implementation_past_the_bound_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``rebound.MAX_REGISTERED`` (lowered here to 4) the implementation that runs
    the sink is not kept: held, not allowed."""
    monkeypatch.setattr(rebound, "MAX_REGISTERED", 4)
    assert vet_package(registered_first(2)) is Outcome.DENY
    assert vet_package(registered_first(6)) is Outcome.HOLD


def test_a_descriptor_past_the_bound_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``protocol.MAX_DESCRIPTORS`` (lowered here to 4): held, not allowed."""
    monkeypatch.setattr(protocol, "MAX_DESCRIPTORS", 4)
    assert vet_package(properties_first(2)) is Outcome.DENY
    assert vet_package(properties_first(6)) is Outcome.HOLD


def test_sinks_past_the_number_read_in_turn_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """More sinks than are read in turn (``handed.MAX_HANDED``, lowered here to 1) in a
    table called by a key that does not fold: one is read, the rest left unread: held
    besides. Harmless functions left unread do not hold."""
    monkeypatch.setattr(handed, "MAX_HANDED", 1)
    call = "import random\nT[random.choice(list(T))]('ready')\n"
    sinks = one_file("T = {'a': os.system, 'b': os.popen}\n" + call, "")
    assert "read in turn" in budget_notes(sinks)
    harmless = one_file(HARMLESS + "def g(c):\n    return c\nT = {'a': h, 'b': g}\n" + call, "")
    assert vet_package(harmless) is Outcome.ALLOW


def test_a_sink_factory_past_the_bound_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Field factories past ``classdata.MAX_FACTORIES`` (lowered here to 1): the sinks are
    kept first, and one left over is said to be unread; harmless ones are not."""
    monkeypatch.setattr(classdata, "MAX_FACTORIES", 1)
    two_sinks = one_file(
        "import dataclasses\n@dataclasses.dataclass\nclass K:\n"
        "    a: int = dataclasses.field(default_factory=os.getpid)\n"
        "    b: int = dataclasses.field(default_factory=os.system)\n"
        "    c: int = dataclasses.field(default_factory=os.popen)\nK()\n",
        "",
    )
    assert "field factories of K" in budget_notes(two_sinks)
    assert budget_notes(factories_first(3, "set")) == ""
