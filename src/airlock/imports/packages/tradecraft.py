"""Attacker tradecraft named in the text: GuardDog source classes the data-flow pass misses.

Pure text rules over one Python file (issue 16, ADR 0034), each gated by a plain substring
test so that a file naming none of them costs a few ``in`` checks:

* *reverse shell* (GuardDog ``threat-network-reverse-shell``): a socket's file descriptor
  handed to a shell (``os.dup2(s.fileno(), 0)`` or ``stdin=s.fileno()``) with a shell or
  ``pty.spawn`` in the same file. No library wires a socket to a shell: critical wherever
  it sits (a function a console script calls is as bad as module level).
* *keylogging* (``threat-runtime-keylogging``): a global keyboard hook (pynput's
  ``keyboard.Listener(on_press=...)``, ``keyboard.hook``/``on_press``, pyHook,
  ``SetWindowsHookEx``) in a file that also sends data (an HTTP client, a socket, SMTP, a
  chat webhook) holds; the hook alone is noted (hotkey tools use it).
* *autostart through the registry* (``threat-filesystem-autostart``): a ``Run``/``RunOnce``
  or Winlogon key named with ``SetValueEx`` or ``reg add`` holds (file writes into startup
  folders are judged by the flow pass).
* *packed code* (``threat-runtime-obfuscation-pyarmor``): a PyArmor bootstrap
  (``__pyarmor__(``, ``pytransform``, ``pyarmor_runtime``) runs code nobody can read: holds,
  like bytecode shipped without its source; only when the module imports or calls PyArmor's
  runtime as code (:mod:`packedcode`), not when it names it in text.
* *account databases* (``suspicious_passwd_access_linux``): ``/etc/shadow`` read holds
  (:mod:`sinks` marks it and ``/etc/passwd`` as secrets for the flow pass too).

What it deliberately does not do: understand the code (the flow pass does); a rule here is a
named trick that popular packages do not show.
"""

from __future__ import annotations

import re

from airlock.imports.packages.packedcode import is_pyarmor_code
from airlock.imports.packages.rules import PackageFinding, Severity

SOCKET_TO_SHELL = re.compile(r"dup2\(\s*[\w.]+\.fileno\(\)|std(?:in|out)\s*=\s*[\w.]+\.fileno\(\)")
SHELL = re.compile(r"/bin/(?:ba|z|da)?sh\b|pty\.spawn|\bcmd\.exe\b|powershell", re.IGNORECASE)
KEYBOARD_HOOK = re.compile(
    r"keyboard\.Listener\(|\bkeyboard\.(?:hook|on_press|on_release)\(|pyHook\.HookManager|"
    r"SetWindowsHookEx[AW]?\(|\bWH_KEYBOARD_LL\b"
)
# Every alternative of KEYBOARD_HOOK (case kept) holds one of these as written: only a text
# that holds one can match. The regex has no literal prefix, so the engine tries it at every
# position; ``Hook`` alone (import hooks, ``HookImpl``) opened that scan for one popular
# module in eighty, and it was 30 % of this module's time on them (ADR 0091).
KEYBOARD_WORDS = ("keyboard.", "pyHook", "SetWindowsHookEx", "WH_KEYBOARD_LL")
SENDS = re.compile(
    r"\brequests\.\w+\(|urlopen\(|\.sendall?\(|smtplib\.|webhook|api\.telegram\.org|"
    r"\bhttpx\.|\baiohttp\.|\.sendmail\(|ftplib\.",
    re.IGNORECASE,
)
RUN_KEY = re.compile(
    r"CurrentVersion\\{1,2}(?:Run|RunOnce|RunServices)\b|"
    r"Windows NT\\{1,2}CurrentVersion\\{1,2}Winlogon",
    re.IGNORECASE,
)
REGISTRY_WRITE = re.compile(r"SetValueEx|\breg(?:\.exe)?\s+add\b", re.IGNORECASE)
PYARMOR = re.compile(
    r"__pyarmor__\s*\(|\bfrom\s+pytransform\s+import\b|\bimport\s+pytransform\b|"
    r"pyarmor_runtime\w*\s*(?:\(|import\b)|__armor_enter__|__pyarmor_enter_\w*__"
)
SHADOW = re.compile(r"['\"]/etc/(?:g?shadow|master\.passwd)['\"]")


def tradecraft_findings(path: str, source: str) -> list[PackageFinding]:
    """Findings for the named tricks above in one Python file's text."""
    found: list[PackageFinding] = []

    def add(rule: str, pattern_match: re.Match[str], severity: Severity, why: str) -> None:
        line = source.count("\n", 0, pattern_match.start()) + 1
        found.append(PackageFinding(rule, path, line, severity, why))

    match = SOCKET_TO_SHELL.search(source) if "fileno" in source else None
    if match and "socket" in source and SHELL.search(source):
        add("reverse-shell", match, Severity.CRITICAL, "wires a socket to a shell")
    if any(w in source for w in KEYBOARD_WORDS) and (match := KEYBOARD_HOOK.search(source)):
        sends = SENDS.search(source)
        add(
            "keylogger",
            match,
            Severity.HIGH if sends else Severity.MEDIUM,
            "installs a global keyboard hook" + (" in a file that sends data out" if sends else ""),
        )
    match = RUN_KEY.search(source) if "CurrentVersion" in source else None
    if match and REGISTRY_WRITE.search(source):
        add(
            "registry-autostart",
            match,
            Severity.HIGH,
            "writes a Windows autostart registry key (Run, RunOnce or Winlogon)",
        )
    if "armor" in source or "pytransform" in source:
        match = PYARMOR.search(source)
        # A mention (a docstring, a marker in a string) is not PyArmor's output (ADR 0135).
        if match and is_pyarmor_code(source):
            add(
                "packed-code",
                match,
                Severity.HIGH,
                "PyArmor-packed code: what runs is encrypted and cannot be read",
            )
    if "/etc/" in source and (match := SHADOW.search(source)):
        add("credential-read", match, Severity.HIGH, "names the system's password hash file")
    return found
