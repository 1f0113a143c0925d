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
from itertools import groupby

# Names of sinks, decoders, ways to reach names by string, and secret sources (case kept).
LITERALS = (
    "__import__", "import_module", "__builtins__", "builtins", "__dict__[", "subprocess",
    "system", "popen", "spawn", "execl", "execv", "pty.", "startfile", "getoutput", "pip",
    "socket", "urllib", "urlopen", "urlretrieve", "httplib", "http.client", "smtplib", "ftplib",
    "webbrowser", "telebot", "telegram", "webhook", "dhooks", "discord", "requests", "httpx",
    "aiohttp", "marshal", "pickle", "dill", "pyperclip", "clipboard", "ctypes", "decrypt",
    "fernet", "Fernet", "pyaes", "b64decode", "b32decode", "b16decode", "b85decode",
    "a85decode", "decodebytes", "unhexlify", "a2b_base64", "fromhex", "decompress", "codecs",
    "environ", "getenv", "gethostname", "getuser", "getlogin", "expanduser", "browser_cookie3",
    "win32crypt", "keyring", "dotenv", "ImageGrab", "pyautogui", "mnemonic", "private_key",
    "privatekey", "seed_phrase", "seedphrase", "wallet_key", "keystore",
    # Sinks reachable without any word above (``from http import client``; issue 16).
    "HTTPConnection", "HTTPSConnection", "xmlrpc", "telnetlib", "open_connection",
    "dns.resolver",
)  # fmt: skip
# ``getattr(o, 'sys' + 'tem')``, ``getattr(o, 'metsys'[::-1])``, ``getattr(o, chr(115) + x)``:
# an attribute named by a string built on the spot, whatever the module is called locally.
BUILT_NAME = (
    r"getattr\([^,()\n]{1,60},\s*(?:[rbu]?['\"][^'\"\n]*['\"]\s*(?:[+%*]|\[|\.join)|"
    r"chr\(|bytes|[\w.]+\s*\+|f['\"][^'\"\n]*\{)"
)
# Credential files and persistence places, looked for in the lower-cased text.
PATH_WORDS = (
    ".ssh", "id_rsa", "id_ed25519", ".aws", ".netrc", ".git-credentials", "login data",
    "cookies", "leveldb", "wallet", "keychain", "exodus", "bashrc", "zshrc", "crontab",
    "launchagents", "autostart", "appdata", "system32", "\\startup", "site-packages", ".pth",
)  # fmt: skip


def _by_first_letter(words: tuple[str, ...]) -> str:
    """One alternation per first character: the regex engine rejects most positions after
    one comparison instead of trying every word (seven times faster than a flat list)."""
    parts = []
    for head, group in groupby(sorted(set(words)), key=lambda w: w[0]):
        tails = sorted({re.escape(w[1:]) for w in group}, key=len, reverse=True)
        parts.append(re.escape(head) + "(?:" + "|".join(tails) + ")")
    return "|".join(parts)


WORDS = re.compile(
    _by_first_letter(LITERALS)
    + r"|getattr\(\s*(?:os|sys|subprocess|socket|importlib)\b|"
    + BUILT_NAME
)
# exec/eval/compile as a call of the builtin: ``model.eval()`` and ``re.compile(`` are not.
CALLS = re.compile(r"(?:exec|eval|compile|globals|vars|locals|breakpoint)\s*\(")


def may_act(text: str, *, paths: bool = True) -> bool:
    """Whether ``text`` names a sink, a way to hide one, or a secret to send to one.

    ``paths=False`` skips the credential-file and persistence words (the caller knows the
    enclosing file names none)."""
    if WORDS.search(text):
        return True
    for match in CALLS.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if not (before.isalnum() or before in "._"):
            return True
    if not paths:
        return False
    lowered = text.lower()
    return any(word in lowered for word in PATH_WORDS)
