"""Members that ``setup.py`` or a module runs as code (``exec(open(p).read())``, ``runpy``, a
listing of a folder, a logging configuration, a shipped program started), judged at their
runner's moment (ADRs 0032, 0039, 0080, 0097, 0101)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from airlock.imports.packages.analysis import (
    scan_python,
)
from airlock.imports.packages.archive import Member
from airlock.imports.packages.logconfig import logs_sent
from airlock.imports.packages.rules import (
    PackageFinding,
    Severity,
)
from airlock.imports.packages.runfile import (
    IMPORTED,
    LOG_CONFIG,
    PROCESS,
    RunFile,
    anchored,
    constant_of,
    imported_names,
    module_member,
    programs_called,
    resolve,
    resolve_listed,
    run_files,
)
from airlock.imports.packages.shipped import program_called, program_started

if TYPE_CHECKING:
    pass

from airlock.imports.packages.moments import SIDE_CODE, lighter, runs_setup

MAX_RUNS = 16  # files run by exec/runpy judged per archive


MAX_RUN_BYTES = 2_000_000


def files_run(members: list[Member], scripts: set[str]) -> list[PackageFinding]:
    """Members whose text ``setup.py`` or a module runs as Python (``exec(open(p).read())``,
    ``runpy.run_path(p)``): judged as code of the runner's moment (install or import), and a
    member that is not a Python file run this way holds (issue 16, ADR 0032: a payload kept
    in ``data.txt`` that ``setup.py`` executes)."""
    names = frozenset(m.name for m in members)
    by_name = {m.name: m for m in members}
    found: list[PackageFinding] = []
    runs = 0
    for member in members:
        if member.data is None or not member.name.endswith((".py", ".pyw")):
            continue
        install = runs_setup(member.name)
        text = member.data.decode("utf-8", "replace")
        side = bool(SIDE_CODE.search(member.name)) or member.name in scripts
        for found_run in run_files(text, top_only=not install):
            run = _fill_imported(found_run, member.name, names, by_name)
            more: list[PackageFinding] = []
            if run.how == PROCESS:
                # A program shipped beside the code, started on import (ADR 0101; a module's
                # runs only, see runfile); a Python file is read by its own pass.
                program = resolve(run.target, member.name, names)
                if program is not None and not program.endswith((".py", ".pyw")):
                    more.append(
                        program_started(member.name, run.line, program, by_name[program].data)
                    )
                found += [lighter(f) for f in more] if side else more
                continue
            if run.listed and run.how == LOG_CONFIG:
                continue  # a listing of logging configurations is not followed
            if run.listed:
                more.append(listed_exec(member.name, run, install=install))
                targets = resolve_listed(run.target, member.name, names)
            else:
                target = resolve(run.target, member.name, names)
                targets = [] if target is None or target == member.name else [target]
            unjudged = [t for t in targets[max(MAX_RUNS - runs, 0) :] if _differs(run, t, install)]
            if unjudged:
                more.append(_past_runs(member.name, run, unjudged[0]))
            for target in targets[: max(MAX_RUNS - runs, 0)]:
                runs += 1
                config = by_name[target].data
                if run.how == LOG_CONFIG and config is not None:
                    # Not code: the handlers the file makes decide where records go (ADR 0080).
                    text_of_config = config.decode("utf-8", "replace")
                    more += logs_sent(member.name, text, run.line, text_of_config, install=install)
                elif run.how != LOG_CONFIG:
                    more += _run_of(member.name, run, by_name[target], install=install)
            found += [lighter(f) for f in more] if side else more
        # A function's start of a shipped program, when called (not for setup.py's).
        found += [] if install else _programs_called(member.name, text, names, by_name, side=side)
    return found


def _programs_called(
    runner: str, text: str, names: frozenset[str], by_name: dict[str, Member], *, side: bool
) -> list[PackageFinding]:
    """Programs the archive ships that a function of ``runner`` starts, denied when they
    download and run code (:func:`shipped.program_called`, probe 17)."""
    found: list[PackageFinding] = []
    for run in programs_called(text):
        program = resolve(run.target, runner, names)
        if program is None or program.endswith((".py", ".pyw")):
            continue
        finding = program_called(runner, run.line, program, by_name[program].data)
        if finding is not None:
            found.append(lighter(finding) if side else finding)
    return found


def _differs(run: RunFile, target: str, install: bool) -> bool:
    """Whether judging ``target`` as ``run`` runs it says more than its own pass: it is not
    a Python file, or a listing runs it on install (:func:`_run_of`); a logging
    configuration (:func:`logconfig.logs_sent`)."""
    python = target.endswith((".py", ".pyw"))
    return run.how == LOG_CONFIG or not python or (install and run.listed)


def _past_runs(runner: str, run: RunFile, target: str) -> PackageFinding:
    """``runner`` runs ``target`` (and maybe more) past the files judged per archive: held
    (ADR 0097: sixteen harmless files run first, and a payload kept in ``data.txt`` run
    seventeenth was allowed)."""
    return PackageFinding(
        "analysis-budget",
        runner,
        run.line,
        Severity.HIGH,
        f"runs {target!r} as code ({run.how}) past the {MAX_RUNS} files airlock judges per "
        "archive: it was not read",
    )


def _fill_imported(
    run: RunFile, runner: str, names: frozenset[str], by_name: dict[str, Member]
) -> RunFile:
    """``run`` with the names it imports from another module of the archive (``from
    .config import PLUGINS``) replaced by the constants that module binds (ADR 0041); a
    name that does not fold stays, and then the path names no member."""
    target = run.target
    for module, name in imported_names(target)[:4]:
        found = module_member(module, runner, names)
        data = by_name[found].data if found is not None else None
        if found is None or data is None:
            continue
        value = constant_of(data.decode("utf-8", "replace"), name)
        if value is None:
            continue
        value = anchored(value, found)
        target = target.replace(f"{IMPORTED}{module}:{name}{IMPORTED}", value)
    return run if target == run.target else replace(run, target=target)


CYTHON_SOURCES = (".pyx", ".pxi", ".pxd")


def _run_of(runner: str, run: RunFile, target: Member, *, install: bool) -> list[PackageFinding]:
    """What running the text of ``target`` from ``runner`` (:func:`files_run`) says."""
    more: list[PackageFinding] = []
    python = target.name.endswith((".py", ".pyw"))
    # A Cython source (``version.pxi`` holding ``__version__ = '1.2.0'``) is code under a
    # code's name, though not a module's: its text is judged as the runner's code.
    if not python and not target.name.endswith(CYTHON_SOURCES):
        more.append(
            PackageFinding(
                "file-exec",
                runner,
                run.line,
                Severity.HIGH,
                f"runs the text of {target.name!r}, not a Python file, as code ({run.how}) when "
                + ("installed" if install else "imported")
                + ": code kept under a data name",
            )
        )
    if target.data is not None and len(target.data) <= MAX_RUN_BYTES:
        # Its module level runs now; a Python file named by a fixed path weighs as a module
        # (its functions as any module's: a build helper's compiler probe is not a dropper),
        # a data file or a file a listing reaches as the runner's own code (ADR 0039).
        text = target.data.decode("utf-8", "replace")
        own = install and (not python or run.listed)
        scanned = scan_python(target.name, text, install_time=own)
        more += scanned if python else [_under_a_data_name(f, runner) for f in scanned]
    return more


# What code run from a data file does that holds as plain code and is denied from there.
HIDDEN_ACTS = frozenset({"process-call", "network-call"})


def _under_a_data_name(finding: PackageFinding, runner: str) -> PackageFinding:
    """A process started or a request sent on install or import by code kept in a data
    file that ``runner`` runs: nobody reading the modules sees it, as nobody reads a
    decoded string (ADR 0080: held, while the same code from ``bytes.fromhex`` was denied)."""
    if finding.rule not in HIDDEN_ACTS or finding.severity is not Severity.HIGH:
        return finding
    why = f"{finding.explanation}; in code kept under a data name that {runner} runs"
    return replace(finding, severity=Severity.CRITICAL, explanation=why)


def listed_exec(runner: str, run: RunFile, *, install: bool) -> PackageFinding:
    """Code run from every file a directory listing or a glob returns (ADR 0039): the
    files it reaches are judged by :func:`_run_of`; the call alone is noted (medium)."""
    return PackageFinding(
        "listed-exec",
        runner,
        run.line,
        Severity.MEDIUM,
        f"runs as code ({run.how}) every file matching {run.pattern!r} when "
        + ("installed" if install else "imported")
        + ": what runs is whatever the folder holds",
    )
