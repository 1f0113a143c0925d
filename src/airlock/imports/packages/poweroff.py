"""Commands that switch the machine off or restart it (ADR 0120, issue 16).

Pure. ``psslib`` (2025), a look-alike of passlib, ran ``shutdown /s /t 1`` when a typed
password did not match, and offered calls that shut down or restart the host outright. No
build step, import or library call needs to stop the machine it runs on: on install or
import it is destruction (deny); when a function is called it holds for a person to read,
as a wiper does (:data:`chains.WIPER`).

Only the command word is read: ``shutdown`` with an option or a time, ``poweroff``,
``halt``, ``reboot``, ``systemctl poweroff|reboot|halt|kexec``, ``init 0|6`` and
PowerShell's ``Stop-Computer``/``Restart-Computer``, at the start of a command, after a
separator or after ``sudo``. A socket's ``shutdown`` is no command, and another program's
sub-command (``adb reboot``, ``docker restart``) stops another machine or a container.
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern

POWER_OFF = LazyPattern(
    r"(?:^|[;&|(`]\s*|\bsudo\s+(?:-\S+\s+)*|\bcmd(?:\.exe)?\s+/[ck]\s+)"
    r"(?:(?:\S*[/\\])?shutdown(?:\.exe)?\s+(?:[-/][a-z]|now\b|\+\d)|"
    r"(?:\S*/)?(?:poweroff|halt|reboot)\b(?!\s*[=:(])|"
    r"systemctl\s+(?:poweroff|reboot|halt|kexec)\b|(?:tel)?init\s+[06]\b|"
    r"(?:stop|restart)-computer\b)",
    re.IGNORECASE | re.MULTILINE,
)


def stops_machine(command: str) -> bool:
    """Whether the command text switches off or restarts the machine it runs on."""
    return POWER_OFF.search(command) is not None
