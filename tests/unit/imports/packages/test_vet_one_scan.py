"""One scan of a module's text for the flow pass's gate and its functions, ranges answered
in lines, and calls no rule reads skipped cheaply (issue 16, ADR 0074)."""

from __future__ import annotations

import ast
import inspect
from bisect import bisect_left
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.imports.packages import (
    analysis,
    calls,
    flow,
    flowtypes,
    fold,
    pathshape,
    prefilter,
    sinkevents,
    sinks,
)
from airlock.imports.packages.prefilter import ANCHORS, PATH_WORDS, HitLines, may_act


@pytest.fixture(params=["automaton", "regex"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "regex":
        monkeypatch.setattr(prefilter, "_automata", lambda: None)
    return str(request.param)


class _Reference:
    """HitLines as it was written over offsets (before ADR 0074): every line's offset,
    each range turned into offsets; the answers the line-numbered index must give."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = prefilter._line_starts(source)
        self.hit_starts: list[int] = []
        self.reach: list[int] = []
        reach = 0
        for start, end in prefilter.acting_spans(source):
            reach = max(reach, end)
            self.hit_starts.append(start)
            self.reach.append(reach)
        lowered = source.lower()
        self.words = sorted(
            (at, at + len(word))
            for word in PATH_WORDS
            for at in range(len(lowered))
            if lowered.startswith(word, at)
        )
        self.lowered_starts = (
            prefilter._line_starts(lowered) if len(lowered) != len(source) else None
        )

    def acts(self, first: int, last: int) -> bool:
        begin, end = prefilter._range(self.starts, first, last)
        at = bisect_left(self.hit_starts, begin)
        if at < len(self.hit_starts) and self.hit_starts[at] < end:
            return True
        if at and self.reach[at - 1] > begin:
            return True
        if self.lowered_starts is not None:
            begin, end = prefilter._range(self.lowered_starts, first, last)
        at = bisect_left(self.words, (begin, 0))
        while at < len(self.words) and self.words[at][0] < end:
            if self.words[at][1] <= end:
                return True
            at += 1
        return False


# Pieces of Python-like text: sink words and calls, path words, text whose lower case is
# longer or differs (``İ``, the Kelvin sign), and every line break the parser knows.
PIECES = [
    "os.system(x)", "eval (y)", "m.eval(z)", "def eval(self):", "getattr(\n    os, 'x')",
    "subprocess", "socket", "'~/.SSH/id_rsa'", "AppData\\Startup", ".bashrc", "crontab",
    "environ", "environment", "filesystem", "x = 1", "pass", "İİ", "\u212aeychain", "exec",
    "exec(code)", "\n", "\r\n", "\r", "\n\n", "    ", " ", "'.aws'", "compile(s)",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(PIECES), max_size=40),
    ranges=st.lists(st.tuples(st.integers(1, 30), st.integers(0, 12)), min_size=1, max_size=8),
)
def test_ranges_answered_in_lines_as_they_were_in_offsets(
    parts: list[str], ranges: list[tuple[int, int]]
) -> None:
    source = "".join(parts)
    hits, reference = HitLines(source), _Reference(source)
    assert bool(hits) is may_act(source)
    for first, more in ranges:
        assert hits.acts(first, first + more) is reference.acts(first, first + more), (
            source,
            first,
            first + more,
        )


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize(
    "source",
    [
        "import os\n\ndef f():\n    return 1\n\ndef g():\n    os.system('x')\n",
        "X = 1\r\ndef f():\r\n    return 2\rdef g():\r\n    return exec(y)\r\n",
        "def f():\n    return 'İİİ'\n\ndef g():\n    return '~/.ssh'\n",
        "def f():\n    return 1\n",
    ],
)
def test_line_answers_hold_with_either_engine(source: str) -> None:
    hits, reference = HitLines(source), _Reference(source)
    assert bool(hits) is may_act(source)
    count = len(prefilter._line_starts(source))
    for first in range(1, count + 3):
        for last in range(first, count + 3):
            assert hits.acts(first, last) is reference.acts(first, last)


def test_no_anchor_or_path_word_holds_a_line_break() -> None:
    """What answering ranges in lines relies on: no match starts on a break, no word
    starts or ends on one."""
    assert not any(c in word for word in (*ANCHORS, *PATH_WORDS) for c in "\r\n")


def test_a_module_s_text_is_scanned_once_for_the_gate_and_its_functions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``scan_python`` asks whether the text acts and the flow pass asks of each function:
    the acting matches are found once (on ``b189886``'s successors, twice)."""
    scans: list[str] = []
    real = prefilter.acting_spans

    def counted(text: str) -> list[tuple[int, int]]:
        scans.append(text)
        return real(text)

    calls = {"may_act": 0}
    real_may_act = prefilter.may_act

    def counted_may_act(text: str, *, paths: bool = True) -> bool:
        calls["may_act"] += 1
        return real_may_act(text, paths=paths)

    monkeypatch.setattr(prefilter, "acting_spans", counted)
    monkeypatch.setattr(analysis, "may_act", counted_may_act)
    source = "import os\n\n\ndef a():\n    return 1\n\n\ndef b():\n    os.system('x')\n"
    found = analysis.scan_python("pkg/m.py", source)
    assert found  # the call in b() is read
    assert scans == [source]
    assert calls["may_act"] == 0  # the gate is answered by the same scan


def test_sink_kinds_and_labels_are_remembered() -> None:
    """Asked of every call and attribute the walk reads: pure functions of a name."""
    assert sinks.kind_of("os.system") == "process"
    assert sinks.kind_of.cache_info().hits + sinks.kind_of.cache_info().misses > 0
    assert sinks.source_labels("os.getenv") == frozenset({sinks.ENV})
    assert sinks.source_labels.cache_info().maxsize


def _compared_names(tree: ast.AST) -> Iterator[str]:
    """Strings ``ref`` is compared with (``==``, ``in``) in ``tree``, and the members of a
    set of :mod:`fold` it is looked up in (``ref in SPLITS``)."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)):
            continue
        if node.left.id != "ref":
            continue
        for right in node.comparators:
            named = getattr(fold, right.id, None) if isinstance(right, ast.Name) else None
            if isinstance(named, (set, frozenset, dict)):
                yield from (name for name in named if isinstance(name, str))
            for const in ast.walk(right):
                if isinstance(const, ast.Constant) and isinstance(const.value, str):
                    yield const.value


def test_every_name_fold_call_folds_is_in_its_gate() -> None:
    """``fold_call`` answers None at once for a name outside :data:`fold.FOLDED`; every
    name its body compares ``ref`` with is in it (``map`` folds to None below as well)."""
    tree = ast.parse(inspect.getsource(fold.fold_call))
    names = set(_compared_names(tree)) - {"map", "lzma"}
    assert names
    assert names <= fold.FOLDED
    assert set(fold.DECODERS) <= fold.FOLDED
    assert fold.DECOMPRESSORS <= fold.FOLDED
    assert fold.fold_call("chr", None, [97], {}) == "a"
    assert fold.fold_call("os.__str__", None, [], {}) == "<built-in function os>"
    assert fold.fold_call("os.system", None, ["id"], {}) is None


def test_a_call_that_is_no_sink_builds_no_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text of a call's arguments is read only for a sink's event; a list argument is
    still read again (its calls are met as before)."""
    built: list[str] = []
    real = pathshape.arg_text

    def counted(value: flowtypes.Val) -> str:
        built.append(value.ref)
        return real(value)

    for part in (calls, sinkevents):  # the parts of the walk that read arguments' text
        monkeypatch.setattr(part, "arg_text", counted)
    traced = flow.trace(ast.parse("import os\nprint(os.sep)\n"), install_time=False)
    assert not traced.events and not built
    traced = flow.trace(ast.parse("import os\nos.system(os.sep)\n"), install_time=False)
    assert [e.kind for e in traced.events] == ["process"]
    assert built == ["os.sep"]
    traced = flow.trace(ast.parse("import os\nprint([os.system('id')])\n"), install_time=False)
    # Met when the argument is evaluated and again when the list is read as text.
    assert [e.when for e in traced.events] == [flowtypes.When.IMPORT, flowtypes.When.LATER]
