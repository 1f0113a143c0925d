"""Cheap text tests that stand before a regex or a parse (issue 16: vetting speed) give the
same answer as the pattern they replace."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.imports.packages.rules import SECRET_WORDS, SECRETS
from airlock.imports.packages.runfile import _marked
from airlock.imports.packages.tradecraft import KEYBOARD_HOOK, KEYBOARD_WORDS, tradecraft_findings

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


KEYBOARD_PIECES = st.sampled_from(
    [
        "keyboard", "keyboard.", "Listener(", "hook(", "on_press(", "on_release(", "pyHook",
        ".HookManager", "SetWindowsHookEx", "A(", "W(", "WH_KEYBOARD_LL", "Hook", "x", "_", " ",
        ".", "(", "\n", "KEYBOARD", "hook",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(KEYBOARD_PIECES, max_size=8).map("".join))
def test_a_keyboard_hook_match_holds_one_of_its_words(text: str) -> None:
    if KEYBOARD_HOOK.search(text):
        assert any(word in text for word in KEYBOARD_WORDS)


@pytest.mark.parametrize(
    "hook",
    [
        "keyboard.Listener(on_press=f)",
        "keyboard.hook(f)",
        "keyboard.on_release(f)",
        "pyHook.HookManager()",
        "SetWindowsHookExA(13, f, 0, 0)",
        "SetWindowsHookEx(WH, f, 0, 0)",
        "windll.user32.SetWindowsHookExW(x)",
        "h = WH_KEYBOARD_LL",
    ],
)
def test_each_keyboard_hook_still_opens_the_keylogger_rule(hook: str) -> None:
    """The gate before the regex lets every kind of hook through (ADR 0091)."""
    found = tradecraft_findings("k.py", f"import keyboard\n{hook}\n")
    assert [f.rule for f in found] == ["keylogger"]
