"""One Python file's findings: string constants, data-flow chains and hidden layout.

Pure. ``scan_python`` parses once, then runs the constant rules (:mod:`rules`), the
data-flow pass (:mod:`flow`) scored as chains (:mod:`chains`) and a layout check for code
pushed off-screen by whitespace. ``install_time`` marks ``setup.py``: its module level runs
during ``pip install``.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages.chains import score
from airlock.imports.packages.flow import trace
from airlock.imports.packages.rules import PackageFinding, Severity, scan_constants

# Code far to the right of a line's visible part: a classic way to hide a payload (issue 16).
OFF_SCREEN = re.compile(rb"\S[ \t]{150,}(?P<code>[^\s#\"'][^\n]{4,})")
OFF_SCREEN_CODE = re.compile(rb"import|exec|eval|system|popen|;|\(")
# Dependencies that only stealers need in a package that claims to be something else.
STEALER_DEPS = re.compile(
    r"browser[_-]cookie3|discord[_-]?webhook|dhooks|robloxpy|pycryptodome.*win32crypt|"
    r"pyautogui.*discord",
    re.IGNORECASE,
)


# A string constant that is itself obfuscated Python, written out or run later.
EMBEDDED_CODE = re.compile(r"from builtins import \*|exec\(|__import__\(|marshal\.loads\(")
ESCAPES = re.compile(r"\\x[0-9a-fA-F]{2}")
TELEGRAM_TOKEN = re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b")
# Remote-control kits: a collector of screens, keys, cookies or clipboard plus a chat channel.
COLLECTORS = {"mss", "pynput", "pyautogui", "browser_cookie3", "win32crypt", "clipboard"}
COLLECTORS |= {"pyperclip", "PIL.ImageGrab", "cv2", "pyAesCrypt", "secure_delete", "keyboard"}
CHANNELS = {"telebot", "telegram", "discord_webhook", "dhooks", "discord", "discordwebhook"}


def scan_python(
    path: str, source: str, *, install_time: bool = False, helper: bool = False
) -> list[PackageFinding]:
    """Findings for one Python file; a file that does not parse is itself a finding.

    ``install_time``: the file is ``setup.py``. ``helper``: ``setup.py`` imports the file.
    """
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        return [
            PackageFinding(
                "unparseable-source",
                path,
                0,
                Severity.MEDIUM,
                f"could not parse as Python ({type(e).__name__}); cannot vet it",
            )
        ]
    try:
        found = scan_constants(path, tree)
        found += score(path, trace(tree, install_time=install_time, helper=helper))
    except RecursionError:
        return [PackageFinding("unparseable-source", path, 0, Severity.MEDIUM, "too deep to vet")]
    found += off_screen(path, source.encode("utf-8", "replace"))
    found += _embedded(path, tree)
    if install_time and STEALER_DEPS.search(source):
        found.append(
            PackageFinding(
                "stealer-dependency",
                path,
                0,
                Severity.HIGH,
                "setup.py depends on cookie, webhook or game-account stealing libraries",
            )
        )
    return found


def off_screen(path: str, data: bytes) -> list[PackageFinding]:
    """Code placed after a long run of blanks on one line."""
    found = []
    for match in OFF_SCREEN.finditer(data):
        code = match.group("code")
        if OFF_SCREEN_CODE.search(code):
            line = data.count(b"\n", 0, match.start()) + 1
            found.append(
                PackageFinding(
                    "off-screen-code",
                    path,
                    line,
                    Severity.CRITICAL,
                    "code hidden far to the right of a line by whitespace",
                )
            )
            break
    return found


def _embedded(path: str, tree: ast.AST) -> list[PackageFinding]:
    """Obfuscated code kept in a string, bot tokens, and remote-control import sets."""
    found = []
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if len(text) >= 200 and EMBEDDED_CODE.search(text) and len(ESCAPES.findall(text)) >= 20:
                found.append(
                    PackageFinding(
                        "embedded-payload",
                        path,
                        node.lineno,
                        Severity.CRITICAL,
                        "a string holds obfuscated Python (escaped names, exec/__import__)",
                    )
                )
            if TELEGRAM_TOKEN.search(text):
                found.append(
                    PackageFinding(
                        "bot-token", path, node.lineno, Severity.HIGH, "embeds a Telegram bot token"
                    )
                )
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    collectors = imported & COLLECTORS
    if imported & CHANNELS and len(collectors) >= 2:
        found.append(
            PackageFinding(
                "remote-control-kit",
                path,
                0,
                Severity.CRITICAL,
                f"imports a chat channel with {', '.join(sorted(collectors))}: a remote-access kit",
            )
        )
    return found


def setup_imports(source: str) -> set[str]:
    """Top-level names ``setup.py`` imports (its local helpers are among them)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names
