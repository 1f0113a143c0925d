"""Vetting does less work for the same findings (issue 16: vetting speed, ADR 0050)."""

from __future__ import annotations

import ast
import collections
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.imports.packages.analysis import IMPORTS
from airlock.imports.packages.archive import Member
from airlock.imports.packages.crossfile import (
    DERIVED,
    KEPT_FOLLOWED_BYTES,
    LOCAL_IMPORT,
    TOP_CALL,
    TOP_LEVEL_CALL,
    followable,
)
from airlock.imports.packages.disguise import BIDI, first_bidi
from airlock.imports.packages.dynimports import WRITTEN
from airlock.imports.packages.execinline import TOP_EXEC
from airlock.imports.packages.handedcode import bindings
from airlock.imports.packages.lazyre import AtLineStart
from airlock.imports.packages.local import LocalModules
from airlock.imports.packages.ownpass import MAIN_NAMED
from airlock.imports.packages.rules import PackageFinding
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist, wheel

SEND = (
    "import urllib.request\ndef run():\n    urllib.request.urlopen('https://example.invalid/x')\n"
)


def _followed(findings: tuple[PackageFinding, ...], when: str) -> bool:
    """Whether the cross-file pass followed the call into ``_b.py`` (its sink runs ``when``)."""
    return any(f.path.endswith("o/_b.py") and f.explanation.endswith(when) for f in findings)


def _counting_parses(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Counts of ``ast.parse`` by the text parsed, for the rest of the test."""
    counts: collections.Counter[str] = collections.Counter()
    parse: Callable[..., ast.Module] = ast.parse

    def counted(source: str, *args: Any, **kwargs: Any) -> ast.Module:
        counts[source] += 1
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    return counts


@pytest.mark.parametrize(
    "init",
    [
        "from ._b import run\nrun()\n",  # the start names no sink: parsed by the cross-file pass
        "import os\nfrom ._b import run\nrun()\nos.getenv('X')\n",  # its own pass parses it
    ],
)
def test_a_module_followed_into_from_another_is_parsed_once(
    monkeypatch: pytest.MonkeyPatch, init: str
) -> None:
    counts = _counting_parses(monkeypatch)
    module = f"# {init!r}\n{SEND}"  # its own bytes: no other test's findings are reused
    files: dict[str, str | bytes] = {"o/__init__.py": init, "o/_b.py": module}
    report = vet("o-1.0-py3-none-any.whl", wheel("o", "1.0", files))
    assert _followed(report.findings, "on import"), report.to_json()
    assert counts[module] == 1
    assert max(counts.values()) == 1


def test_a_module_followed_into_from_an_sdist_setup_is_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts = _counting_parses(monkeypatch)
    module = f"# setup\n{SEND}"
    files = {"setup.py": "from o._b import run\nrun()\n", "o/__init__.py": "", "o/_b.py": module}
    report = vet("o-1.0.tar.gz", sdist("o", "1.0", files))
    assert _followed(report.findings, "at install time"), report.to_json()
    assert counts[module] == 1


def test_trees_kept_for_the_cross_file_pass_are_bounded_and_skip_tests() -> None:
    """An archive of many large modules (the attacker chooses sizes and layout) keeps at
    most ``KEPT_FOLLOWED_BYTES`` of source in trees; tests are never kept."""
    big = b"#" * (KEPT_FOLLOWED_BYTES * 2 // 5)  # two fit, a third does not
    members = [Member(f"o/m{i}.py", big) for i in range(6)]
    members += [Member("o/tests/test_a.py", b"y = 2\n"), Member("o/small.py", b"z = 3\n")]
    package = LocalModules.of({m.name: m.data or b"" for m in members}, sdist=False)
    kept = followable(members, package)
    assert sum(len(m.data or b"") for m in members if m.name in kept) <= KEPT_FOLLOWED_BYTES
    assert {"o/m0.py", "o/m1.py", "o/small.py"} <= kept
    assert "o/tests/test_a.py" not in kept
    assert "o/m2.py" not in kept


# --- patterns tried only at line starts give the ``^`` pattern's matches ------------------

# The patterns as they were, with ``^`` and re.MULTILINE: the specification.
AS_THEY_WERE_TEXT: list[tuple[AtLineStart[str], str]] = [
    (IMPORTS, r"^(\s*)(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))"),
    (
        WRITTEN,
        (
            r"^(?![ \t#]|def |async |class )[^\n]*(?:__import__|import_module)\(\s*"
            r"""['"]([A-Za-z_][\w.]*)['"]"""
        ),
    ),
]
AS_THEY_WERE_BYTES: list[tuple[AtLineStart[bytes], bytes]] = [
    (
        LOCAL_IMPORT,
        (
            rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|\*|[\w, \t]+)|"
            rb"import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?)"
        ),
    ),
    (DERIVED, rb"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)"),
    (TOP_EXEC, rb"^(?:builtins\s*\.\s*)?exec\s*\("),
    (TOP_CALL, rb"^[A-Za-z_]\w*\s*\("),
    (
        TOP_LEVEL_CALL,
        rb"^(?:[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*)?([A-Za-z_]\w*)(?:\.\w+)*[ \t]*\(",
    ),
]
PIECES = st.sampled_from(
    [
        "from", "import", "class", " ", "\t", "\n", "\r", "\r\n", "\x0c", "\x1c", "\x85", "\xa0",
        "\u2028", "x", "os", "_a", "é", ".", ",", "=", "*", "(", ")", " as ", "K(B)", "f(",
        "from . import (a,\n b)", "import os\n", "  from .x import y", "\n\n\n",
        "__import__(", "import_module('", "'os'", "def ", "exec", "exec (", "builtins", " . ",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=24).map("".join)


def _groups(
    matches: Iterable[re.Match[Any]],
) -> list[tuple[tuple[Any, ...], list[tuple[int, int]]]]:
    return [(m.groups(), [m.span(g) for g in range(1, len(m.groups()) + 1)]) for m in matches]


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_a_pattern_tried_at_line_starts_matches_as_its_caret_pattern(text: str) -> None:
    for fast, spec in AS_THEY_WERE_TEXT:
        assert fast.body == spec.removeprefix("^")
        was = re.compile(spec, re.MULTILINE)
        assert _groups(fast.finditer(text)) == _groups(was.finditer(text)), spec
        assert (fast.search(text) is None) == (was.search(text) is None), spec
        assert not any(m.group().endswith("\n") for m in was.finditer(text))
    data = text.encode()
    for fast_bytes, spec_bytes in AS_THEY_WERE_BYTES:
        assert fast_bytes.body == spec_bytes.removeprefix(b"^")
        was_bytes = re.compile(spec_bytes, re.MULTILINE)
        assert _groups(fast_bytes.finditer(data)) == _groups(was_bytes.finditer(data))
        assert (fast_bytes.search(data) is None) == (was_bytes.search(data) is None)
        assert not any(m.group().endswith(b"\n") for m in was_bytes.finditer(data))


# --- a name's bindings found line by line give the whole-text pattern's ---------------------

BINDING_PIECES = st.sampled_from(
    [
        "p", "fd", "x", "p2", "_p", "é", "pé", " ", "\t", ",", "=", "==", "\n", "\r", "\r\n",
        "\x0c", "\u2028", "int(", "map(int, a)", "f.read()", ".", "(", ")", "#", "'p'", "a",
        "\0owner",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    st.lists(BINDING_PIECES, max_size=30).map("".join), st.sampled_from(["p", "fd", "é", "\0owner"])
)
def test_bindings_line_by_line_are_the_whole_text_patterns(text: str, name: str) -> None:
    was = rf"^[ \t]*([\w, \t]*\b{re.escape(name)}\b[\w, \t]*)=([^=\n].*)$"
    assert bindings(name, text) == re.findall(was, text, re.MULTILINE)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "é", "\n", "\u202a", "\u202e", "\u2066", "\u2069", "\u202f", "\u2065", "\u4e00"]
        ),
        max_size=20,
    ).map("".join)
)
def test_the_first_bidi_control_is_the_patterns_first_match(text: str) -> None:
    match = BIDI.search(text)
    assert first_bidi(text) == (match.start() if match else -1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["__main__", "_", "main", "__", "x"]), max_size=12).map("".join))
def test_a_literal_counted_in_c_is_the_patterns_count(text: str) -> None:
    data = text.encode()
    assert data.count(MAIN_NAMED.pattern) == len(MAIN_NAMED.findall(data))
