"""A package that pretends (a name it has no right to, another project's import package, no
code of its own) and acts on install or import denies (issue 16)."""

from __future__ import annotations

from airlock.imports.packages import installers
from airlock.imports.packages.imposture import impostor_of
from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.local import LocalModules
from airlock.imports.packages.moments import LIGHTER
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.typosquat import distance, normalise, typosquat_of


def squatting_installs(name: str, findings: list[PackageFinding]) -> list[PackageFinding]:
    """A look-alike that installs packages on install denies (issue 16): a typosquat's
    ``setup.py`` installs the project it imitates, so that the victim sees it work."""
    installs = [f for f in findings if f.rule == "install-time-pip"]
    if not installs:
        return []
    own = normalise(name)
    squat = any(f.rule == "typosquat" for f in findings)
    for finding in installs:
        words = installed_names(finding.explanation.rpartition(": ")[2])
        imitated = [w for w in words if normalise(w) != own and distance(normalise(w), own) <= 2]
        if squat or imitated:
            what = (
                f"installs {imitated[0]!r}, a name next to its own"
                if imitated
                else ("has a look-alike name and installs packages")
            )
            return [
                PackageFinding(
                    "squatting-install",
                    finding.path,
                    finding.line,
                    Severity.CRITICAL,
                    f"{name!r} {what} when installed: a typosquat passing as the real project",
                )
            ]
    return []


# A requirement's name, before any version, extra or marker (``colourama==0.4``).
REQUIREMENT_NAME = LazyPattern(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def installed_names(command: str) -> list[str]:
    """The project names a pip command installs: the words after ``install`` that are
    neither options nor paths nor URLs (``pip install -q colourama==0.4`` -> colourama)."""
    words = command.replace(",", " ").replace("'", " ").replace('"', " ").split()
    names: list[str] = []
    # After ``install``, ``poetry add`` (ADR 0119), ``conda create``; options' values not.
    for after in installers.names_only(words):
        if after.startswith(("-", ".", "/", "~", "[")) or "://" in after:
            continue
        match = REQUIREMENT_NAME.match(after)
        if match:
            names.append(match.group())
    return names


def lookalike_installs(findings: list[PackageFinding]) -> list[PackageFinding]:
    """A package whose code pip-installs a look-alike of a popular project denies,
    whatever its own name (ADR 0116): the look-alike is the payload, fetched past the
    vetting of dependencies (``pip install colourama`` on import)."""
    for finding in findings:
        if finding.rule != "install-time-pip":
            continue
        for installed in installed_names(finding.explanation.rpartition(": ")[2]):
            imitated = typosquat_of(installed)
            if imitated is not None:
                return [
                    PackageFinding(
                        "lookalike-install",
                        finding.path,
                        finding.line,
                        Severity.CRITICAL,
                        f"installs {installed!r}, a look-alike of {imitated!r}, when it runs: "
                        "the look-alike is fetched past the vetting of dependencies",
                    )
                ]
    return []


# Signs that a package pretends (a name it has no right to, no code of its own) and held
# behaviours that run on install or import: either alone holds, the two together deny.
PRETENDING = {
    "empty-package", "typosquat", "name-mismatch", "impostor-package", "stdlib-lookalike-import",
    "lookalike-import", "url-dependency", "command-shadowing", "lookalike-dependency",
}  # fmt: skip


ACTING = {
    "network-call", "process-call", "install-download", "install-time-pip", "credential-read",
    "hidden-exec", "hidden-process", "hidden-endpoint", "dropper", "exfiltration",
    # ADR 0032: held behaviours of the classes GuardDog names.
    "shady-endpoint", "memory-call", "destruction", "startup-module", "script-dropper",
    "introspection-gadget", "disguised-identifier", "coding-trick", "bidi-control",
    "import-hook",
}  # fmt: skip


def pretender_behaviour(findings: list[PackageFinding]) -> list[PackageFinding]:
    """A package that pretends and acts on install or import denies (issue 16: look-alikes
    and empty packages whose ``setup.py`` calls home or runs a command when installed)."""
    # A look-alike import in a developer's script outside the package (weighed less, as
    # :func:`moments.lighter` marks it) is not the package pretending (ADR 0129: Cython's
    # ``Tools/cython-epydoc.py`` imports ``epydoc``, a name one letter from ``pydoc``).
    signs = [f for f in findings if f.rule in PRETENDING and LIGHTER not in f.explanation]
    if not signs:
        return []
    pretends = sorted({f.rule for f in signs})
    for f in findings:
        if f.rule in ACTING and f.severity is Severity.HIGH and LIGHTER not in f.explanation:
            return [
                PackageFinding(
                    "pretender-acts",
                    f.path,
                    f.line,
                    Severity.CRITICAL,
                    f"{', '.join(pretends)} and {f.rule}: {f.explanation}",
                )
            ]
    return []


def impostor(
    filename: str, name: str, metadata: str, package: LocalModules
) -> list[PackageFinding]:
    packages = frozenset(t for t in package.tops if package.is_package(t))
    imitated = impostor_of(name, metadata, packages) if metadata else None
    if not imitated:
        return []
    return [
        PackageFinding(
            "impostor-package",
            filename,
            0,
            Severity.HIGH,
            f"{name!r} ships the import package of the project its metadata points to "
            f"({imitated!r}) under another name: installing it shadows that project",
        )
    ]
