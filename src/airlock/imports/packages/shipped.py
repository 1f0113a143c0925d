"""A program the archive ships, started on import by its path (ADR 0101). Pure.

``subprocess.Popen([os.path.join(os.path.dirname(__file__), 'svc.exe')])`` at a module's
top level runs a file of the package that airlock does not read as code: a native
executable, a script in another language (``node i.js``, ``powershell x.ps1``). The flow
pass sees a process start whose command it cannot fold (medium: a build variable's command
looks the same), and the program itself is data to every other check. :mod:`runfile` finds
the start and the member it names; this judges it:

* a program that is not a Python file, started on import: held, naming it (a person reads
  what the package runs beside the weights);
* one whose text downloads and runs code (:data:`hooks.SCRIPT_DROPPER`): denied as a
  dropper, as the same script started from a module's own line is.

A program a function starts by the same path runs when the function is called (probe 17):
a bundled tool (ruff, esbuild, a node server) is started so on request, so only one whose
text downloads and runs code is denied; any other stays allowed.

On install a build runs the scripts it ships (``configure``, ``build.sh``): not asked here.
A Python file started as a program is read by its own pass.
"""

from __future__ import annotations

from airlock.imports.packages.hooks import SCRIPT_DROPPER
from airlock.imports.packages.rules import PackageFinding, Severity

MAX_READ = 200_000  # bytes of a started program searched for a download-and-run


def program_started(runner: str, line: int, target: str, data: bytes | None) -> PackageFinding:
    """What ``runner`` starting the shipped file ``target`` (holding ``data``) on import says."""
    text = data[:MAX_READ].decode("utf-8", "replace") if data else ""
    dropper = SCRIPT_DROPPER.search(text)
    if dropper:
        return PackageFinding(
            "dropper",
            runner,
            line,
            Severity.CRITICAL,
            f"starts {target!r}, a program it ships, on import; it downloads and runs code: "
            f"{dropper.group()[:100]!r}",
        )
    return PackageFinding(
        "shipped-program",
        runner,
        line,
        Severity.HIGH,
        f"starts {target!r}, a program it ships, on import: airlock does not read programs, "
        "so a person should",
    )


def program_called(
    runner: str, line: int, target: str, data: bytes | None
) -> PackageFinding | None:
    """A dropper when the shipped file ``target`` that a function of ``runner`` starts
    downloads and runs code; None for any other program (a bundled tool)."""
    text = data[:MAX_READ].decode("utf-8", "replace") if data else ""
    dropper = SCRIPT_DROPPER.search(text)
    if dropper is None:
        return None
    return PackageFinding(
        "dropper",
        runner,
        line,
        Severity.CRITICAL,
        f"starts {target!r}, a program it ships, when called; it downloads and runs code: "
        f"{dropper.group()[:100]!r}",
    )
