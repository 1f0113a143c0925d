"""A bounded strings scan of native code in a package (.so, .pyd, .dylib, .dll, .exe).

Pure. Compiled extensions used to be left unread, so every numpy or pyarrow release needed two
approvers (issue 16). Reading them whole is not needed to find what droppers and stealers carry
in clear: exfiltration endpoints (webhooks, paste sites, bot APIs), encoded PowerShell and shell
download-and-run lines. Only printable runs of at least 8 bytes are matched, and at most
``MAX_SCAN_BYTES`` of each file.

What it does not do: disassemble, unpack packed or encrypted binaries, or judge what the code
does; a clean strings scan is not proof of a clean library.
"""

from __future__ import annotations

import re

from airlock.imports.packages.rules import PackageFinding, Severity

NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll", ".exe")
MAX_SCAN_BYTES = 256 * 1024 * 1024
STRONG = re.compile(
    rb"discord(?:app)?\.com/api/webhooks/\d+|api\.telegram\.org/bot\d+|pastebin\.com/raw/|"
    rb"-EncodedCommand [A-Za-z0-9+/=]{40,}|transfer\.sh/|ngrok\.io|webhook\.site/|"
    rb"(?:curl|wget) [^\x00]{0,80}\| *(?:ba)?sh\b|Invoke-WebRequest [^\x00]{0,120}\.exe",
    re.IGNORECASE,
)
STEALER = re.compile(
    rb"\\Google\\Chrome\\User Data\\Default\\Login Data|\\Local Storage\\leveldb|"
    rb"Exodus\\exodus\.wallet|\\Discord\\Local Storage|wallet\.dat\x00",
    re.IGNORECASE,
)


def is_native(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(NATIVE_SUFFIXES) or ".so." in base


def scan_native(path: str, data: bytes) -> list[PackageFinding]:
    """Findings from clear-text indicators in one native file."""
    window = memoryview(data)[:MAX_SCAN_BYTES]
    found = []
    strong = STRONG.search(window)
    if strong:
        found.append(
            PackageFinding(
                "native-indicator",
                path,
                0,
                Severity.CRITICAL,
                "native code carries an exfiltration endpoint or download-and-run line: "
                + strong.group(0)[:60].decode("latin-1"),
            )
        )
    stealer = STEALER.search(window)
    if stealer:
        found.append(
            PackageFinding(
                "native-stealer",
                path,
                0,
                Severity.HIGH,
                "native code names browser or wallet credential stores",
            )
        )
    return found
