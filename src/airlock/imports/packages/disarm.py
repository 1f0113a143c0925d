"""A command that turns the machine's defences off (issue 16; ADR 0167).

Stealers and droppers on PyPI clear their way before they act: Microsoft Defender told to
stop scanning or to skip the folder the payload sits in (``Set-MpPreference
-DisableRealtimeMonitoring``, ``Add-MpPreference -ExclusionPath``), the firewall switched
off (``netsh advfirewall set allprofiles state off``, ``ufw disable``), SELinux made
permissive (``setenforce 0``), a second root account added (``useradd -o -u 0``), the
shadow copies a victim would restore from deleted (``vssadmin delete shadows``), the event
logs cleared (``wevtutil cl``). No build step or import does any of these; the scorer
denies them on install or import and holds them when called (an administration tool may be
asked to).

What it deliberately does not cover: reading those settings (``Get-MpPreference``,
``ufw status``), firewall rules that open one port, and commands it cannot read.
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

DISARMS = LazyPattern(
    r"\bset-mppreference\b[^|;&\n]*-disable\w*|"
    r"\badd-mppreference\b[^|;&\n]*-exclusion\w*|"
    r"\bsc(?:\.exe)?\s+(?:stop|delete|config)\s+windefend\b|"
    r"\bnetsh\s+(?:advfirewall\s+set\s+\w+|firewall\s+set\s+opmode)\s[^|;&\n]*\b(?:state\s+)?(?:off|disable)\b|"
    r"\bufw\s+disable\b|\bsetenforce\s+0\b|"
    r"\bsystemctl\s+(?:stop|disable|mask)\s+(?:firewalld|apparmor|auditd)\b|"
    r"\buser(?:add|mod)\b[^|;&\n]*\s-o\b[^|;&\n]*\s-u\s*0\b|"
    r"\buser(?:add|mod)\b[^|;&\n]*\s-u\s*0\b[^|;&\n]*\s-o\b|"
    r"\bvssadmin(?:\.exe)?\s+delete\s+shadows\b|\bwmic\s+shadowcopy\s+delete\b|"
    r"\bbcdedit\b[^|;&\n]*\brecoveryenabled\s+no\b|\bwevtutil(?:\.exe)?\s+cl\b",
    re.IGNORECASE,
)


def disarms(command: str) -> bool:
    """Whether ``command`` (a process call's folded text) turns a defence off."""
    return DISARMS.search(command) is not None
