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

ACTS = re.compile(
    r"(?<![\w.])(?:exec|eval|compile|globals|vars|locals|breakpoint)\s*\(|"
    r"__import__|import_module|__builtins__|\bbuiltins\b|__dict__\s*\[|"
    r"\b(?:subprocess|system|popen\w*|spawn\w*|exec[lv]\w*|pty|startfile|getoutput|"
    r"create_subprocess\w*|pip|socket|urllib\w*|urlopen|urlretrieve|httplib|http\.client|"
    r"smtplib|ftplib|webbrowser|telebot|telegram|\w*webhook\w*|dhooks|discord\w*|requests|"
    r"httpx|aiohttp|marshal|pickle|dill|cloudpickle|pyperclip|clipboard|ctypes|decrypt|"
    r"fernet|Fernet|pyaes|\w*b(?:64|32|16|85)decode|a85decode|decodebytes|unhexlify|"
    r"a2b_base64|fromhex|decompress|codecs|environ|getenv|gethostname|getuser|getlogin|"
    r"expanduser|browser_cookie3|win32crypt|keyring|dotenv|ImageGrab|pyautogui|mnemonic|"
    r"private_?key|seed_?phrase|wallet_?key|keystore|getattr\s*\(\s*(?:os|sys|subprocess|"
    r"socket|importlib)\b)|"
    r"(?i:\.ssh\b|id_rsa|id_ed25519|\.aws\b|\.netrc|\.git-credentials|login data|cookies|"
    r"leveldb|wallet|keychain|exodus|bashrc|zshrc|crontab|launchagents|autostart|appdata|"
    r"system32|\\startup|site-packages|\.pth\b)"
)


def may_act(text: str) -> bool:
    """Whether ``text`` names a sink, a way to hide one, or a secret to send to one."""
    return ACTS.search(text) is not None
