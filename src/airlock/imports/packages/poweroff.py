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

Windows' own calls do the same without a command (ADR 0122): ``ExitWindowsEx``,
``InitiateSystemShutdown(Ex)``, ``InitiateShutdown``, ``NtShutdownSystem`` and
``NtRaiseHardError`` (a blue screen, after ``RtlAdjustPrivilege`` of the shutdown privilege)
called through ctypes (``ctypes.windll.user32.ExitWindowsEx(8, 0)``, ``WinDLL('user32')
.ExitWindowsEx``) or pywin32 (``win32api.ExitWindowsEx``). :func:`native_call` names such a
call, and the flow pass records it as the command it stands for. ``LockWorkStation`` and
``AbortSystemShutdown`` switch nothing off.

Putting the machine to sleep stops it as surely (ADR 0126): powrprof's ``SetSuspendState``
(also run as ``rundll32 powrprof.dll,SetSuspendState``), kernel32's and pywin32's
``SetSystemPowerState``, and ``systemctl suspend|hibernate|hybrid-sleep``. Nothing a build
step or an import does needs the host asleep; a tool that sends it to sleep when told to
is held, as one that switches it off is. ``SetThreadExecutionState`` (keeping the machine
awake) and ``SetSuspendState``'s name in a table are not calls to them.
"""

from __future__ import annotations

import ast
import re

from airlock.imports.packages.lazyre import LazyPattern

POWER_OFF = LazyPattern(
    r"(?:^|[;&|(`]\s*|\bsudo\s+(?:-\S+\s+)*|\bcmd(?:\.exe)?\s+/[ck]\s+)"
    r"(?:(?:\S*[/\\])?shutdown(?:\.exe)?\s+(?:[-/][a-z]|now\b|\+\d)|"
    r"(?:\S*/)?(?:poweroff|halt|reboot)\b(?!\s*[=:(])|"
    r"systemctl\s+(?:poweroff|reboot|halt|kexec|suspend|hibernate|hybrid-sleep)\b|(?:tel)?init\s+[06]\b|"
    r"(?:stop|restart)-computer\b)|"
    # The Windows calls that do it (:func:`native_call`), in a command or a call's name.
    r"\b(?:ExitWindowsEx|InitiateSystemShutdown(?:Ex)?[AW]?|InitiateShutdown[AW]?|"
    r"(?:Nt|Zw)ShutdownSystem|(?:Nt|Zw)RaiseHardError|SetSuspendState|SetSystemPowerState)\b",
    re.IGNORECASE | re.MULTILINE,
)


def stops_machine(command: str) -> bool:
    """Whether the command text switches off or restarts the machine it runs on."""
    return POWER_OFF.search(command) is not None


# The Windows calls that switch the machine off, restart it, crash it (a blue screen) or
# put it to sleep (ADR 0126).
NATIVE = frozenset({
    "ExitWindowsEx", "InitiateSystemShutdown", "InitiateSystemShutdownA",
    "InitiateSystemShutdownW", "InitiateSystemShutdownEx", "InitiateSystemShutdownExA",
    "InitiateSystemShutdownExW", "InitiateShutdown", "InitiateShutdownA", "InitiateShutdownW",
    "NtShutdownSystem", "ZwShutdownSystem", "NtRaiseHardError", "ZwRaiseHardError",
    "SetSuspendState", "SetSystemPowerState",
})  # fmt: skip


def native_call(node: ast.Call, ref: str) -> str:
    """The name of the Windows call that stops the machine which ``node`` makes
    (``ctypes.windll.user32.ExitWindowsEx(8, 0)``, or a callee ``ref`` reached by
    ``getattr``), or empty. Only the called name is read: these names are Windows' own, and
    no library calls them to do anything else."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in NATIVE:
        return func.attr
    last = ref.rpartition(".")[2]
    return last if last in NATIVE else ""
