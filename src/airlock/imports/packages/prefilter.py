"""Which source text can reach a sink: the cheap test that bounds the data-flow pass.

Pure. The data-flow pass (:mod:`flow`) costs a parse and an interpretation; most modules of a
large library (and most functions of a large module) name no sink and no way to reach one, so
they cannot produce a chain. ``may_act`` says whether a piece of text names one: an exec or
eval call (not a method ``.eval()``), a process, network, pickle or clipboard module, a
decoder, a way to reach names by string (``__import__``, ``getattr`` of a module, ``globals()``),
a source of secrets (environment, host, credential files) or a persistence location.

What it deliberately does not do: understand the text. It may say yes to a harmless file (the
pass then reads it) and says no only when none of those words occur; a sink named without any
of them (an attribute chain built at run time from data outside the file) is not seen, which
the flow pass could not follow either.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import groupby

# Names of sinks, decoders, ways to reach names by string, and secret sources (case kept).
LITERALS = (
    "__import__", "import_module", "__builtins__", "builtins", "__dict__[", "subprocess",
    "popen", "spawn", "execl", "execv", "startfile", "getoutput",
    "socket", "urllib", "urlopen", "urlretrieve", "httplib", "http.client", "smtplib", "ftplib",
    "webbrowser", "telebot", "telegram", "webhook", "dhooks", "discord", "requests", "httpx",
    "aiohttp", "marshal", "pickle", "dill", "pyperclip", "clipboard", "ctypes", "decrypt",
    "fernet", "Fernet", "pyaes", "b64decode", "b32decode", "b16decode", "b85decode",
    "a85decode", "decodebytes", "unhexlify", "a2b_base64", "fromhex", "decompress", "codecs",
    "getenv", "gethostname", "getuser", "getlogin", "expanduser", "browser_cookie3",
    "win32crypt", "keyring", "dotenv", "ImageGrab", "pyautogui", "mnemonic", "private_key",
    "privatekey", "seed_phrase", "seedphrase", "wallet_key", "keystore",
)  # fmt: skip
# Names that are also the tail or head of common longer words, which do not name the sink:
# ``empty.``, ``filesystem``, ``pipeline``, ``environment`` (issue 16: those words made six
# in ten popular modules parse). Each is (word, must not follow a letter/digit/_, what must
# not follow it). ``os.system``, ``pty.spawn``, ``pip install``/``pip3``, ``os.environ``
# and the names in strings still match.
BOUNDED = (
    ("system", True, ""),
    ("pty.", True, ""),
    ("pip", True, r"(?![a-z_])"),
    ("environ", False, r"(?![a-z])"),
)
# Credential files and persistence places, looked for in the lower-cased text.
PATH_WORDS = (
    ".ssh", "id_rsa", "id_ed25519", ".aws", ".netrc", ".git-credentials", "login data",
    "cookies", "leveldb", "wallet", "keychain", "exodus", "bashrc", "zshrc", "crontab",
    "launchagents", "autostart", "appdata", "system32", "\\startup", "site-packages", ".pth",
)  # fmt: skip


def _by_first_letter(
    words: tuple[str, ...], bounded: tuple[tuple[str, bool, str], ...] = ()
) -> str:
    """One alternation per first character: the regex engine rejects most positions after
    one comparison instead of trying every word (seven times faster than a flat list)."""
    entries = [(w, False, "") for w in words] + list(bounded)
    parts = []
    for head, group in groupby(sorted(set(entries)), key=lambda e: e[0][0]):
        tails = {
            (rf"(?<!\w{re.escape(head)})" if left else "") + re.escape(word[1:]) + after
            for word, left, after in group
        }
        parts.append(re.escape(head) + "(?:" + "|".join(sorted(tails, key=len, reverse=True)) + ")")
    return "|".join(parts)


WORDS = re.compile(
    _by_first_letter(LITERALS, BOUNDED) + r"|getattr\(\s*(?:os|sys|subprocess|socket|importlib)\b"
)
# exec/eval/compile as a call of the builtin: ``model.eval()`` and ``re.compile(`` are not.
CALLS = re.compile(r"(?:exec|eval|compile|globals|vars|locals|breakpoint)\s*\(")
PATHS = re.compile("|".join(re.escape(w) for w in sorted(PATH_WORDS, key=len, reverse=True)))
NEWLINES = re.compile(r"\r\n?|\n")


def may_act(text: str, *, paths: bool = True) -> bool:
    """Whether ``text`` names a sink, a way to hide one, or a secret to send to one.

    ``paths=False`` skips the credential-file and persistence words (the caller knows the
    enclosing file names none)."""
    if WORDS.search(text):
        return True
    if any(_builtin_call(text, match.start()) for match in CALLS.finditer(text)):
        return True
    if not paths:
        return False
    lowered = text.lower()
    return any(word in lowered for word in PATH_WORDS)


def _builtin_call(text: str, start: int) -> bool:
    """Whether the CALLS match at ``start`` calls the builtin: not a method (``m.eval(``),
    not part of a longer name (``re_compile(``), not a definition (``def eval(self)``)."""
    before = text[start - 1] if start else " "
    if before.isalnum() or before in "._":
        return False
    head = text[max(0, start - 16) : start].rstrip()
    return not (head.endswith("def") and not head[-4:-3].isidentifier())


class HitLines:
    """The lines of one module where :func:`may_act` finds something, found in one pass.

    ``may_act`` asked of each function's text scans a method once for itself and again for
    every function around it; this index scans the module once and answers per line range.
    It never says no where ``may_act`` of the range's text would say yes: a range counts as
    acting when any match (of the words, of a builtin call, or of a path word when the
    module names one) overlaps it, including one that starts before the range and runs into it.
    Lines are numbered as the parser numbers them (``\\n``, ``\\r\\n`` and ``\\r`` end one).
    """

    def __init__(self, source: str) -> None:
        spans = [(m.start(), m.end()) for m in WORDS.finditer(source)]
        spans += [
            (m.start(), m.end()) for m in CALLS.finditer(source) if _builtin_call(source, m.start())
        ]
        lines = _line_finder(source)
        found = [(lines(a), lines(max(a, b - 1))) for a, b in spans]
        lowered = source.lower()  # lower() keeps every line break, so lines count the same
        path_spans = [(m.start(), m.end()) for m in PATHS.finditer(lowered)]
        if path_spans:
            lowered_lines = lines if len(lowered) == len(source) else _line_finder(lowered)
            found += [(lowered_lines(a), lowered_lines(max(a, b - 1))) for a, b in path_spans]
        found.sort()
        self._starts = [a for a, _ in found]
        self._long = [(a, b) for a, b in found if b > a]  # a match over several lines

    def __bool__(self) -> bool:
        return bool(self._starts)

    def acts(self, first: int, last: int) -> bool:
        """Whether lines ``first``..``last`` (1-based, inclusive) hold or touch a match."""
        if bisect_right(self._starts, last) > bisect_left(self._starts, first):
            return True
        return any(a < first <= b for a, b in self._long)


def _line_finder(text: str) -> Callable[[int], int]:
    """A function from an offset in ``text`` to its 1-based line number."""
    breaks = [m.end() for m in NEWLINES.finditer(text)]
    return lambda offset: bisect_right(breaks, offset) + 1
