"""YARA rules over the native code in a package (.so, .pyd, .dylib, .dll, .exe).

Compiled extensions used to be left unread, so every numpy or pyarrow release needed two
approvers (issue 16). Reading them whole is not needed to find what droppers, stealers and
miners carry in clear: exfiltration endpoints (webhooks, paste sites, bot APIs), encoded
PowerShell and shell download-and-run lines, reverse shells, mining pools, credential-store
paths (in ASCII and UTF-16), UPX packing. The rules live in ``yara/native.yar`` (YARA's own
language, so an operator can read and extend them); at most ``MAX_SCAN_BYTES`` of each file is
scanned, under a time bound.

What it does not do: disassemble, unpack packed or encrypted binaries, or judge what the code
does; a clean scan is not proof of a clean library.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from airlock.imports.packages.archive import MAX_NATIVE_BYTES
from airlock.imports.packages.rules import PackageFinding, Severity

if TYPE_CHECKING:
    import yara

NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll", ".exe")
MAX_SCAN_BYTES = MAX_NATIVE_BYTES  # all of every native member the archive reads
SCAN_TIMEOUT_SECONDS = 60
_SEVERITY = {"critical": Severity.CRITICAL, "high": Severity.HIGH}


def is_native(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(NATIVE_SUFFIXES) or ".so." in base


# Executables and libraries by their first bytes: ELF and Mach-O (both byte orders); a PE
# is an ``MZ`` header whose offset at 0x3C points at ``PE\0\0``.
EXECUTABLE_MAGIC = (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
# Names that say "data": an executable under one of them is disguised (issue 16).
DATA_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".svg", ".txt", ".md", ".rst", ".json",
    ".csv", ".dat", ".yml", ".yaml", ".xml", ".html", ".cfg", ".ini", ".log", ".db", ".ttf",
    ".woff", ".mp3", ".wav", ".pdf", ".py", ".pth", ".toml", ".lock",
)  # fmt: skip


def is_executable(data: bytes) -> bool:
    """Whether ``data`` (the first 4 KiB are enough) is a PE, ELF or Mach-O file."""
    if data.startswith(b"MZ") and len(data) >= 64:
        offset = int.from_bytes(data[0x3C:0x40], "little")
        return data[offset : offset + 4] == b"PE\x00\x00"
    return data.startswith(EXECUTABLE_MAGIC)


def disguised_executable(path: str) -> PackageFinding:
    return PackageFinding(
        "disguised-executable",
        path,
        0,
        Severity.CRITICAL,
        "a program (PE, ELF or Mach-O) named like data: a payload in disguise",
    )


@functools.cache
def native_rules() -> yara.Rules:
    """The shipped rules, compiled once per process. From source on purpose: a compiled
    file kept between processes would save a few milliseconds, but "using compiled rules
    from untrusted sources can lead to the execution of malicious code" (YARA's
    docs/commandline.rst), and a cache is a file someone else may write."""
    import pkgutil  # noqa: PLC0415 -- see yara

    import yara  # noqa: PLC0415 -- only vetting a package with native code needs it

    # pkgutil reads through the package's loader (zip-safe) without importlib.resources,
    # whose import (tempfile, shutil, random) cost more than the compile itself.
    source = pkgutil.get_data("airlock.imports.packages.yara", "native.yar")
    if source is None:
        raise ImportError("airlock.imports.packages.yara: the loader cannot read native.yar")
    return yara.compile(source=source.decode("utf-8"))


def scan_native(path: str, data: bytes) -> list[PackageFinding]:
    """Findings from YARA rule matches in one native file.

    A scan that fails or runs out of time is itself a finding (held): the file is unread.
    """
    import yara  # noqa: PLC0415 -- see native_rules

    window = data[:MAX_SCAN_BYTES]
    try:
        matches = native_rules().match(data=window, timeout=SCAN_TIMEOUT_SECONDS)
    except yara.Error as e:
        return [
            PackageFinding(
                "native-unread",
                path,
                0,
                Severity.HIGH,
                f"native code could not be scanned ({e}); nobody has read it",
            )
        ]
    found = []
    for match in matches:
        severity = _SEVERITY.get(str(match.meta.get("severity")), Severity.HIGH)
        found.append(
            PackageFinding(
                f"native-{match.rule.replace('_', '-')}",
                path,
                0,
                severity,
                f"{match.meta.get('why', match.rule)}: {_first_text(match)}",
            )
        )
    return found


def _first_text(match: yara.Match) -> str:
    for string in match.strings:
        for instance in string.instances:
            text = bytes(instance.matched_data)[:60]
            return text.replace(b"\x00", b"").decode("latin-1")
    return str(match.rule)
