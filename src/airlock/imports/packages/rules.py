"""Static rules over a package's Python source: nothing is imported, built or run.

Each rule has a stable id; a finding names file, line, severity and why it matters. Code at
module top level (runs on import) or in setup.py (runs on install) weighs more than the same
call inside a function.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from airlock.imports.packages.lazyre import LazyPattern


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True, slots=True)
class PackageFinding:
    """One thing a rule found in a package: where (member path and line), how bad, and why."""

    rule: str
    path: str
    line: int
    severity: Severity
    explanation: str


@dataclass(frozen=True, slots=True)
class PickleCallFinding(PackageFinding):
    """A ``pickle-call`` finding with every call it stands for, ``(how, name)`` (ADR 0124):
    its explanation names only the first few, and :mod:`picklecalls` judges them all (read
    back from the text, a gadget listed after six of the package's own classes was dropped
    with them). :mod:`spread` carries ``calls`` across the process boundary too."""

    calls: tuple[tuple[str, str], ...] = ()


NETWORK = {
    "socket.socket",
    "socket.create_connection",
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    "requests.get",
    "requests.post",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "httpx.get",
    "httpx.post",
}
PROCESS = {
    "subprocess.Popen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_output",
    "subprocess.check_call",
    "os.system",
    "os.popen",
    "os.execv",
    "os.execve",
    "pty.spawn",
}
DYNAMIC = {"exec", "eval", "compile", "__import__"}
DECODERS = {
    "base64.b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "zlib.decompress",
    "marshal.loads",
    "codecs.decode",
    "bytes.fromhex",
    "lzma.decompress",
    "bz2.decompress",
}
SECRETS = LazyPattern(
    r"\.ssh|id_rsa|id_ed25519|\.aws/credentials|\.netrc|\.docker/config|"
    r"\.kube/config|\.git-credentials|Login Data|Cookies"
)
METADATA = LazyPattern(r"169\.254\.169\.254|metadata\.google\.internal|100\.100\.100\.200")
# A bitcoin (1..., 3..., bc1...) or ethereum (0x + 40 hex) address standing as a word. Written
# to start with its first character so the regex engine skips ahead in C: the same matches
# as r"\b(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}\b|\b0x[a-fA-F0-9]{40}\b", seven times faster.
WALLET = LazyPattern(
    r"[13b0](?<!\w.)(?:(?<=[13])[a-zA-HJ-NP-Z0-9]{25,39}\b|(?<=b)c1[a-zA-HJ-NP-Z0-9]{25,39}\b"
    r"|(?<=0)x[a-fA-F0-9]{40}\b)"
)
EXECUTABLE_URL = LazyPattern(r"https?://[^\s'\"]+\.(exe|sh|elf|bin|ps1|bat)\b")
SUSPICIOUS_URL = LazyPattern(
    r"https?://(\d{1,3}\.){3}\d{1,3}|pastebin\.com|discord(app)?\.com/api/"
    r"webhooks|ngrok\.io|transfer\.sh"
)
# Paste sites, webhooks and tunnels are where stolen data goes; an IP literal alone is common
# in tests and proxy code (issue 16) and only weighs when it is a sink's target (chains.py).
DROP_SITE = LazyPattern(
    r"pastebin\.com|discord(app)?\.com/api/webhooks|ngrok\.io|transfer\.sh|"
    r"api\.telegram\.org/bot|webhook\.site|pipedream\.net|interact\.sh|\boast\.(?:fun|site|me|pro|live|online)|burpcollaborator"
)
LONG_ENCODED = LazyPattern(r"[A-Za-z0-9+/=]{400,}")
# Where no library needs to send anything (GuardDog's shady-links, issue 16): URL shorteners,
# tunnels and request catchers, anonymous file and paste hosts, dynamic DNS, public-IP
# look-ups. Only a sink's target or a decoded string is judged by it, never a docstring.
SHADY_HOST = LazyPattern(
    r"(?:^|[/.@\s'\"])(?:bit\.ly|tinyurl\.com|cutt\.ly|is\.gd|rebrand\.ly|shorturl\.at|rb\.gy|"
    r"t\.ly|ngrok-free\.(?:app|dev)|ngrok\.app|trycloudflare\.com|localhost\.run|serveo\.net|"
    r"termbin\.com|webhook\.cool|oastify\.com|ply\.gg|dnslog\.cn|webhook-test\.com|"
    r"beeceptor\.com|requestbin\.\w+|filetransfer\.io|sendspace\.com|paste\.ee|hastebin\.com|"
    r"ghostbin\.\w+|rentry\.co|files\.catbox\.moe|anonfiles\.com|gofile\.io|file\.io|"
    r"cdn\.discordapp\.com/attachments|ipinfo\.io|ipify\.org|ifconfig\.me|ip-api\.com|"
    r"icanhazip\.com|checkip\.\w+|duckdns\.org|no-ip\.\w+|ddns\.net|hopto\.org|"
    r"zapto\.org|sytes\.net|"
    # Out-of-band interaction catchers and tunnels (ADR 0114): a recon package's ping.
    r"requestcatcher\.com|canarytokens\.(?:com|org)|ceye\.io|requestrepo\.com|hookb\.in|"
    r"bxss\.me|xss\.ht|interactsh\.com|dnslog\.link|eyes\.sh|mockbin\.(?:org|io)|"
    r"ptsv[23]\.com|postb\.in|putsreq\.com|requestinspector\.com|loca\.lt|"
    r"pinggy\.(?:io|link|online)|bore\.pub|tunnelto\.dev|pagekite\.me|loophole\.site)\b",
    re.IGNORECASE,
)


DROP_SITE_WORDS = (
    "pastebin", "discord", "ngrok", "transfer.sh", "telegram", "webhook", "pipedream",
    "interact.sh", "oast.", "burpcollaborator",
)  # fmt: skip
# SECRETS' alternatives lower-cased: a match's text lower-cased holds one of them.
SECRET_WORDS = (
    ".ssh", "id_rsa", "id_ed25519", ".aws/credentials", ".netrc", ".docker/config",
    ".kube/config", ".git-credentials", "login data", "cookies",
)  # fmt: skip
# Each rule with the literals (in the lower-cased text) one of which any match contains:
# a substring test is many times faster than a regex pass, and most files hold none of them.
CONSTANT_RULES: tuple[tuple[str, LazyPattern[str], Severity, str, tuple[str, ...]], ...] = (
    ("credential-path", SECRETS, Severity.MEDIUM, "mentions a credential file", SECRET_WORDS),
    # Cloud SDKs read the metadata service; only the chain that sends it out denies.
    (
        "cloud-metadata",
        METADATA,
        Severity.MEDIUM,
        "names a cloud metadata endpoint",
        ("169.254.169.254", "metadata.google", "100.100.100.200"),
    ),
    # Installers name .exe and .sh URLs; fetching and running one is the chain that denies.
    ("executable-download", EXECUTABLE_URL, Severity.MEDIUM, "URL of an executable", ("http",)),
    # tqdm ships Telegram and Discord progress bars: naming a chat API is not sending to it.
    (
        "suspicious-url",
        DROP_SITE,
        Severity.MEDIUM,
        "paste, webhook or tunnel URL",
        DROP_SITE_WORDS,
    ),
    ("wallet-address", WALLET, Severity.MEDIUM, "looks like a crypto-wallet address", ()),
    ("long-encoded-string", LONG_ENCODED, Severity.MEDIUM, "long encoded blob", ()),
    # Every class, then a function's globals, in one expression: the way to a sink that
    # names none (``().__class__.__base__.__subclasses__()[n].__init__.__globals__``).
    (
        "introspection-gadget",
        LazyPattern(
            r"__subclasses__\(\)[^\n]{0,300}__globals__|__globals__[^\n]{0,300}__subclasses__\(\)"
        ),
        Severity.HIGH,
        "walks every class to a function's globals: reaches a sink without naming it",
        ("__subclasses__",),
    ),
)
# Words without which a wallet address in a file is only a coincidence of letters.
WALLET_WORDS = ("wallet", "clipboard", "clip", "bitcoin", "btc", "eth", "crypto", "usdt", "coin")


# Every literal the rules above ask for: found in one native pass (Aho-Corasick) when
# ``ahocorasick-rs`` is installed, else each is looked for in turn.
NEEDLES = tuple(sorted({n for *_, needles in CONSTANT_RULES for n in needles} | {*WALLET_WORDS}))


@functools.cache
def _needle_finder() -> _Finder | None:
    try:
        import ahocorasick_rs  # noqa: PLC0415 -- only vetting Python source needs it
    except ImportError:  # pragma: no cover - a dependency; the fallback is tested
        return None
    return ahocorasick_rs.AhoCorasick(NEEDLES)


class _Finder(Protocol):
    def find_matches_as_indexes(
        self, haystack: str, overlapping: bool = False
    ) -> list[tuple[int, int, int]]: ...


def _holds(lowered: str, words: tuple[str, ...], present: frozenset[str] | None) -> bool:
    """Whether one of ``words`` occurs in ``lowered`` (``present``: every needle that does)."""
    if present is not None:
        return not present.isdisjoint(words)
    return any(w in lowered for w in words)


def scan_constants(path: str, source: str) -> list[PackageFinding]:
    """Findings from string patterns in one file's text (one C-speed pass per rule, run only
    when a literal the rule needs is present)."""
    found = []
    lowered = source.lower()
    finder = _needle_finder()
    present = (
        frozenset(NEEDLES[i] for i, _, _ in finder.find_matches_as_indexes(lowered, True))
        if finder is not None
        else None
    )
    long_line = max(map(len, source.splitlines()), default=0) >= 400
    for rule, pattern, severity, why, needles in CONSTANT_RULES:
        if needles and not _holds(lowered, needles, present):
            continue
        if rule == "wallet-address" and not _holds(lowered, WALLET_WORDS, present):
            continue
        if rule == "long-encoded-string" and not long_line:
            continue  # 400 encoded characters in a row need a line at least that long
        match = pattern.search(source)
        if match:
            line = source.count("\n", 0, match.start()) + 1
            found.append(PackageFinding(rule, path, line, severity, why))
    return found


def setup_py_hooks(path: str, source: str) -> Iterator[PackageFinding]:
    """Custom install commands in setup.py run arbitrary code during pip install."""
    if re.search(r"cmdclass\s*=", source):
        yield PackageFinding(
            "install-hook",
            path,
            0,
            Severity.MEDIUM,  # versioneer and build_ext do it; the flow pass reads the hook
            "setup.py overrides install commands (cmdclass)",
        )
