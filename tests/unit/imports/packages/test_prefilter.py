"""The one-pass line index agrees with asking ``may_act`` of each function's text (issue 16)."""

from __future__ import annotations

import ast

import pytest

from airlock.imports.packages import prefilter
from airlock.imports.packages import rules as constant_rules
from airlock.imports.packages.prefilter import PATH_WORDS, HitLines, may_act
from airlock.imports.packages.rules import WALLET


@pytest.fixture(autouse=True, params=["automaton", "regex"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with the Aho-Corasick anchors and with the regex scan alone (what a
    machine without ``ahocorasick-rs`` uses): the answers must be the same."""
    if request.param == "regex":
        monkeypatch.setattr(prefilter, "_automata", lambda: None)
    else:
        assert prefilter._automata() is not None
    return str(request.param)


SOURCES = [
    "import os\n\n\ndef a():\n    return 1\n\n\ndef b():\n    os.system('x')\n",
    (
        "class C:\n    def m(self):\n        return eval (x)\n\n"
        "    def n(self):\n        return m.eval(x)\n"
    ),
    "def f():\n    return getattr(\n        os, 'x')\n\n\ndef g():\n    pass\n",
    "X = 1\r\ndef f():\r\n    return 2\r\ndef g():\r\n    return exec(y)\r\n",
    (
        "def f():\n    return '~/.SSH/config'\n\n\ndef g():\n    return 'İİİ'.lower()\n"
        "\n\ndef h():\n    return '.ssh'\n"
    ),
    (
        "@deco(subprocess)\ndef f():\n    pass\n\n\ndef g():\n    def inner():\n        spawn()\n"
        "\n\ndef h():\n    pass\n"
    ),
    # Words found once per module: several in one function, none in the next, the same word
    # again after it, and one on the line right after a function's last line.
    (
        "def f():\n    a = 'AppData'\n    b = '~/.aws'\n\n\ndef g():\n    return 1\n"
        "\n\ndef h():\n    return '.bashrc'\n\n\ndef i():\n    return 2\nX = '.aws'\n"
    ),
    # Before the words, text whose lower case is longer (the lowered offsets differ).
    "def f():\n    return 'İİİİ'\n\n\ndef g():\n    return 'crontab'\n",
]


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


@pytest.mark.parametrize("source", SOURCES)
def test_hit_lines_answer_as_may_act_of_each_function_text(source: str) -> None:
    lines = source.replace("\r\n", "\n").split("\n")
    paths = any(word in source.lower() for word in PATH_WORDS)
    hits = HitLines(source)
    answers = []
    for func in _functions(ast.parse(source)):
        first = min([func.lineno, *(d.lineno for d in func.decorator_list)])
        text = "\n".join(lines[first - 1 : func.end_lineno])
        assert hits.acts(first, func.end_lineno or first) == may_act(text, paths=paths), func.name
        answers.append(hits.acts(first, func.end_lineno or first))
    assert any(answers) and not all(answers)  # each source has both kinds


def test_ranges_are_searched_within_their_own_lines() -> None:
    assert not HitLines("def f():\n    return 1\n")
    hits = HitLines("x = getattr(\n    os, 'system')\nimport os\r\ny = 1\rz = eval(w)\n")
    assert hits and hits.acts(1, 2) and hits.acts(2, 2)  # 'system' on line 2
    assert not hits.acts(3, 4) and hits.acts(5, 5) and hits.acts(5, 99)


@pytest.mark.parametrize(
    ("text", "acts"),
    [
        ("os.system('id')", True),
        ("'system'", True),
        ("pty.spawn('/bin/sh')", True),
        ("subprocess.call(['pip3', 'install', x])", True),
        ("from pip._internal import main", True),
        ("os.environ['HOME']", True),
        ("exec(code)", True),
        ("the filesystem is empty.", False),
        ("file_system.pipeline(pipes)", False),
        ("set up the environment", False),
        ("    def eval(cls, arg):", False),
        ("async def compile(self):", False),
    ],
)
def test_sink_words_match_as_names_not_inside_longer_words(text: str, acts: bool) -> None:
    assert may_act(text) is acts
    assert bool(HitLines(text)) is acts


def test_wallet_regex_is_word_bounded() -> None:
    """The wallet regex is the word-bounded address pattern written for speed."""
    address = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    for text, found in [
        (f"x = '{address}'", True),
        (f"a{address}", False),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", True),
        ("0x" + "a" * 40, True),
        ("_0x" + "a" * 40, False),
        ("0x" + "a" * 41, False),
        ("3" + "a" * 30 + "_", False),
    ]:
        assert bool(WALLET.search(text)) is found, text


@pytest.mark.parametrize(
    ("source", "rules"),
    [
        ("URL = 'https://pastebin.com/raw/x'\n", {"suspicious-url"}),
        ("# Discord bot\nX = 1\n", set()),  # a needle without the pattern: nothing
        ("addr = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'  # bitcoin\n", {"wallet-address"}),
        ("addr = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'\n", set()),  # no wallet word
        ("H = '169.254.169.254'\nP = '~/.ssh/id_rsa'\n", {"cloud-metadata", "credential-path"}),
        ("def method():\n    return 'get http://x/y.exe'\n", {"executable-download"}),
    ],
)
def test_constant_rules_ask_for_their_needles(
    source: str, rules: set[str], engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The constant rules' needles (found by the automaton, or one by one without it) gate
    the same rules."""
    if engine == "regex":
        monkeypatch.setattr(constant_rules, "_needle_finder", lambda: None)
    assert {f.rule for f in constant_rules.scan_constants("m.py", source)} == rules


def test_path_words_found_everywhere_by_either_engine() -> None:
    # Overlapping and repeated words, upper case, and text whose lower case is longer: the
    # automaton's one pass lists the places the word-by-word search lists.
    text = "İ .SSH.sshx ~/.ssh/id_rsa .ssh/id_rsa AppData\\Startup cookiescookies .pth.pth"
    expected = sorted(
        (at, at + len(word))
        for word in PATH_WORDS
        for at in range(len(text.lower()))
        if text.lower().startswith(word, at)
    )
    assert HitLines(text)._path_words() == expected
    assert len(expected) >= 10
