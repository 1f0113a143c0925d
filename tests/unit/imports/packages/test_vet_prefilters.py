"""Cheap text tests that stand before a regex or a parse (issue 16: vetting speed) give the
same answer as the pattern they replace."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.imports.packages.rules import SECRET_WORDS, SECRETS
from airlock.imports.packages.runfile import _marked

# The single alternation the runfile test used before it was split (issue 16).
MARKERS = re.compile(
    r"(?<!\w)exec(?!\w)|execfile|run_path|spec_from_file_location|load_source|FileLoader"
)
PIECES = st.sampled_from(
    [
        "exec", "execfile", "executable", "_exec", "exec_", "é", "1", " ", "(", ".", "\n",
        "run_path", "load_source", "FileLoader", "spec_from_file_location", "x", "_", "Login Data",
        ".SSH", "Cookies", ".aws/credentials", "ID_RSA", "İ",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_runfile_marker_test_answers_as_the_one_regex_did(text: str) -> None:
    assert _marked(text) == (MARKERS.search(text) is not None)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_a_credential_path_match_holds_one_of_its_literals_lower_cased(text: str) -> None:
    if SECRETS.search(text):
        assert any(word in text.lower() for word in SECRET_WORDS)


def test_exec_as_a_whole_name_only() -> None:
    assert _marked("exec(code)")
    assert _marked("builtins.exec")
    assert not _marked("executable = 1; _exec = 2; exec_ = 3; éexec")
