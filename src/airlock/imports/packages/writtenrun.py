"""A file written with known text and then run is read as that text run (issue 16; ADR 0161).

The classic drop-and-run: ``open('/tmp/x.py', 'w').write(PAYLOAD)`` and then
``runpy.run_path('/tmp/x.py')``, ``subprocess.Popen([sys.executable, '/tmp/x.py'])`` or
``os.system('sh /tmp/x.sh')``. A written file was judged as a write of its path, and the run
as a run of a file the code names: ``runpy`` a dynamic exec (noted), the interpreter on a
path a build step (low), a shell on a script held as a process on import. The payload's
text was never read as what runs. Only downloaded or decoded data written to a path made
that path a dropped file (:mod:`writes`).

Here a module remembers the text it writes to a path that folds (:data:`MAX_KEPT` paths, at
most :data:`fold.MAX_FOLD` characters each, a string or the known head of one), and a run
that runs such a path reads the text as it runs: ``runpy.run_path`` and an interpreter given
a ``.py`` path walk it as exec'd code is; a program run by its path, or a file given to a
shell, is a script judged as a command of that text. A compiler or a copy given the path
only reads it (:func:`_runs`).

A file another module of the archive writes at its top level is written when that module
is imported: on install or import, an import of it brings the files it writes, and a run
after the import reads them as it reads this module's own (:func:`imported`, ADR 0157;
``helper.py`` writes ``/tmp/x.py`` and ``setup.py`` runs ``python /tmp/x.py``).

A function of another module followed on install or import writes its files for the
caller (``helper.drop()``, ``util.save(p, PAYLOAD)``; :func:`across.abroad`, ADR 0158), and
``setup.py``'s install commands write theirs at install (:func:`installed`).

What it does not do: follow a path that does not fold (a temporary file's name folds to a
stand-in, :mod:`tempname`, ADR 0162), a file written by a function that runs later, or a
write walked after the run.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from airlock.imports.packages import across, flowtypes, tempname
from airlock.imports.packages.fold import MAX_FOLD
from airlock.imports.packages.local import absolute
from airlock.imports.packages.pathshape import arg_text
from airlock.imports.packages.prefilter import may_act
from airlock.imports.packages.sinks import NETWORK_TOOL
from airlock.imports.packages.tempname import INLINE

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter

# What runs a file given to it: an interpreter, a shell (``python -u x.py``, ``sh x.sh``).
_PYTHONS = r"python[\d.]*w?|pypy3?|sys\.executable"  # a Python interpreter, as a command says
RUNNERS = re.compile(
    rf"(?:.*/)?(?:{_PYTHONS}|sh|bash|zsh|dash|ksh|source|\.|cmd|cmd\.exe|powershell|pwsh)",
    re.IGNORECASE,
)
MAX_KEPT = 16  # paths whose written text a module remembers
MIN_PATH = 4  # characters: a shorter path names nothing a command could be matched on
# A Python script the package does not ship, kept in a temporary folder or under a hidden
# folder or name of an absolute or home path (``/tmp/.x.py``, ``~/.cache/.u.py``; ADR 0191).
STAGED_SCRIPT = re.compile(
    r"(?:^|\s)(?:(?:/private)?/tmp|/var/tmp|/dev/shm)/\S*\.pyw?(?:\s|$)|"
    r"(?:^|\s)(?:~|\$HOME)?/\S*?/\.[^/\s]+(?:/\S*)?\.pyw?(?:\s|$)"
)


def keep(interp: Interpreter, path: str, text: str) -> None:
    """``text`` was written to ``path``: what running the path will run. Past
    :data:`MAX_KEPT` paths (ADR 0189: sixteen harmless files written first, and the payload
    written seventeenth was never read as run), a text that may act takes the place of one
    that does not; when every kept text may act, it holds. Data past it drops silently."""
    if len(path) < MIN_PATH or "?" in path or not text.strip():
        return
    written = interp.trace.written
    if path in written or len(written) < MAX_KEPT:
        written[path] = text[:MAX_FOLD]
        return
    if not _may_run(text[:MAX_FOLD]):
        return
    idle = next((p for p, kept in written.items() if not _may_run(kept)), None)
    if idle is None:
        interp.trace.past(f"a file written past the {MAX_KEPT} whose text airlock keeps")
        return
    del written[idle]
    written[path] = text[:MAX_FOLD]


@functools.lru_cache(maxsize=2 * MAX_KEPT)  # the kept texts and the new one, no more held
def _may_run(text: str) -> bool:
    """Whether a written text, run, may act: Python that names a sink, or a command that
    starts a network tool (``curl … | sh``)."""
    return may_act(text) or NETWORK_TOOL.search(text) is not None


def imported(interp: Interpreter, node: ast.Import | ast.ImportFrom) -> None:
    """An import, on install or import, of modules of the archive: the files their top
    level writes with known text are written now, as Python runs that top level then."""
    if interp.package is None:
        return
    for module in _local_modules(interp, node):
        _bring(interp, module, over=True)


def installed(interp: Interpreter) -> None:
    """The files ``setup.py``'s top level writes with known text: on disk when the package
    is imported, so a run on import reads them as written here (ADR 0157). Brought once
    per walk, under what this module wrote since: its writes came after the install."""
    package = interp.package
    if package is None or SETUP not in package.sources or interp.module == SETUP:
        return
    if not interp.trace.installed_read:
        interp.trace.installed_read = True
        _bring(interp, SETUP, over=False)


def _bring(interp: Interpreter, module: str, *, over: bool) -> None:
    """The files ``module``'s top level writes, computed once per archive, written now;
    ``over`` a file this walk wrote already, or not."""
    package = interp.package
    assert package is not None
    if module not in package.written:
        package.written[module] = _writes_on_import(interp, module)
    for path, text in package.written[module][0].items():
        if over or path not in interp.trace.written:
            keep(interp, path, text)


SETUP = "setup"  # ``setup.py``'s module name in an sdist (:func:`local.module_names`)
MAX_COMMANDS = 64  # functions setup.py defines, looked at for an install command's
MAX_BOUND = 256  # names a writer module binds to text, kept for its importers


def _writes_on_import(interp: Interpreter, module: str) -> tuple[dict[str, str], dict[str, str]]:
    """The files ``module``'s top level writes with known text, the functions it calls
    there followed, and the text its top level binds to names (the path an importer names
    as ``helper.P``); walked once per archive, its events dropped (its own pass reports
    them), within :data:`flowtypes.MAX_FOREIGN_STEPS` and what is left of the archive's
    :data:`local.MAX_WRITER_STEPS`."""
    package = interp.package
    assert package is not None
    budget = min(flowtypes.MAX_FOREIGN_STEPS, package.writer_steps_left)
    wrote = budget > 0 and package.saves(module)
    tree = package.parsed(module) if wrote else None
    if tree is None:
        return {}, {}  # no write call, no written file
    setup = module == SETUP
    quiet = type(interp)(setup, max_steps=budget, module=module)
    env: dict[str, flowtypes.Val] = {}
    quiet.globals, quiet.tree = env, tree
    when = flowtypes.When.INSTALL if setup else flowtypes.When.IMPORT
    with contextlib.suppress(flowtypes.OverBudget):  # what it wrote before that is kept
        quiet.block(tree.body, env, when)
        # ``setup.py``'s install commands run at install too (``cmdclass={'install': I}``
        # whose ``run`` writes the file; ADR 0158); nothing else it defines is called.
        for func in _commands(interp, quiet.pending) if setup else ():
            quiet.block(func.body, dict(env), flowtypes.When.INSTALL)
    package.writer_steps_left -= budget - max(quiet.steps, 0)
    if not quiet.trace.written:
        return {}, {}
    # A path as a write names it: its text, or the shape of one that does not fold
    # (``os.path.join('/tmp', 'x.py')``).
    bound = [(name, v.const if isinstance(v.const, str) else v.shape) for name, v in env.items()]
    # An open file's path (``f.name``) and the text a class's body binds (``Cfg.P``).
    bound += [(f"{name}.name", v.handle) for name, v in env.items() if v.handle]
    bound += [
        (f"{c}.{n}", v.const) for (c, n), v in quiet.constants.items() if isinstance(v.const, str)
    ]
    bound = [(name, text) for name, text in bound if text]
    return dict(quiet.trace.written), dict(bound[:MAX_BOUND])


def _commands(
    interp: Interpreter,
    pending: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, flowtypes.When]],
) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """``setup.py``'s install commands, those that name a write first, at most
    :data:`MAX_COMMANDS`; one that writes past it holds (ADR 0189: 64 harmless commands
    first, and the one that wrote the payload was never walked)."""
    install = [func for func, runs in pending if runs is flowtypes.When.INSTALL]
    writing = [func for func in install if _names_write(func)]
    ranked = writing + [func for func in install if not _names_write(func)]
    if len(writing) > MAX_COMMANDS:
        interp.trace.past(f"an install command past the {MAX_COMMANDS} airlock walks")
    return ranked[:MAX_COMMANDS]


def _names_write(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr.startswith("write") for node in ast.walk(func)
    )


def _local_modules(interp: Interpreter, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The archive's modules an import statement loads: ``import a.b`` runs ``a`` and
    ``a.b``; ``from . import x`` runs the package and its module ``x`` when there is one."""
    package = interp.package
    assert package is not None
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
        dotted = [".".join(n.split(".")[: i + 1]) for n in names for i in range(n.count(".") + 1)]
    else:
        ref = "." * node.level + (node.module or "")
        base = absolute(ref, interp.module, package.is_package(interp.module)) if ref else ""
        dotted = [base] if base else []
        dotted += [f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*"]
    # Only a module that writes brings a file (:func:`_writes_on_import`); past the bound,
    # one that does holds (ADR 0189: sixteen harmless modules imported first).
    writers = [m for m in dict.fromkeys(dotted) if package.saves(m)]
    if len(writers) > MAX_KEPT:
        interp.trace.past(f"a module of the archive imported past the {MAX_KEPT} that write")
    return writers[:MAX_KEPT]


def ran(  # noqa: PLR0917 -- the parts of one run
    interp: Interpreter,
    kind: str,
    node: ast.Call,
    text: str,
    labels: frozenset[str],
    when: flowtypes.When,
    env: dict[str, flowtypes.Val],
) -> bool:
    """A run (``kind`` exec, process or module-load, ``text`` its folded text) of a path
    written here with known text: that text is read as run. Whether one was."""
    if kind not in ("exec", "process", "module-load"):
        return False
    if when is flowtypes.When.IMPORT:
        installed(interp)
    if not interp.trace.written:
        return False
    named = _named(interp, node, env) if kind == "exec" else set()
    words = text.split() if kind == "process" else []
    if kind == "process" and not any(path in text for path in interp.trace.written):
        # ``[sys.executable, helper.P]``: a name another module binds does not fold into
        # the command's text; its words are read one by one (ADR 0157).
        words = _words(interp, node, env)
        text = " ".join(words)
    for path, written in list(interp.trace.written.items()):
        if path in named:
            _nested(interp, written, node, when)  # ``exec(open(p).read())``
            return True
        if path not in text or (kind == "process" and not _runs(words, path)):
            continue
        if kind != "process" or path.endswith((".py", ".pyw")) or _python_runs(words, path):
            # ``spec_from_file_location(n, p)``, a loader of ``p``: its text, as Python (0191)
            _nested(interp, written, node, when)
        else:  # a script a shell runs
            event = flowtypes.Event("process", "script", node.lineno, when, written[:4096], labels)
            interp.trace.events.append(event)
        return True
    return False


def copied(
    interp: Interpreter, node: ast.Call, args: list[flowtypes.Val], env: dict[str, flowtypes.Val]
) -> None:
    """``shutil.copy(p, q)`` (a move, a rename, a link) of a file written here with known
    text: ``q`` holds the text too, so a run of ``q`` reads it (ADR 0196: the payload
    written to a temporary name and copied beside the package was run unread). A ``q``
    held in a name that does not fold is given a stand-in (:func:`tempname.unfolded`)."""
    text = interp.trace.written.get(arg_text(args[0])) if len(args) >= 2 else None
    if text is None:
        return
    dest, target = arg_text(args[1]), node.args[1] if len(node.args) >= 2 else None
    if not dest and isinstance(target, ast.Name):
        dest = tempname.unfolded(target, target.id, args[1], env)
    keep(interp, dest, text)


def staged(kind: str, text: str) -> bool:
    """Whether a run (``kind`` exec or process) not matched to a written file runs a Python
    script from a temporary or hidden place (:data:`STAGED_SCRIPT`)."""
    return kind in ("exec", "process") and STAGED_SCRIPT.search(text) is not None


def _nested(interp: Interpreter, code: str, node: ast.Call, when: flowtypes.When) -> None:
    """``code`` walked as run by ``node``: what it does is reported at the run's line (the
    written file's own lines are in no member)."""
    start = len(interp.trace.events)
    interp.nested(code, {}, when)
    events = interp.trace.events
    events[start:] = [replace(e, line=node.lineno) for e in events[start:]]


def _runs(words: list[str], path: str) -> bool:
    """Whether a command's words run ``path``: it is the program, or what an interpreter or
    a shell is given (past its flags). A compiler or a copy given the path only reads it."""
    for i, word in enumerate(words):
        if word.strip("'\"") != path:
            continue
        before = _programs(words[:i])
        if i == 0 or (before and RUNNERS.fullmatch(before[-1])):
            return True
    return False


PYTHON = re.compile(rf"(?:.*/)?(?:{_PYTHONS})", re.IGNORECASE)


def _python_runs(words: list[str], path: str) -> bool:
    """Whether a path that names no suffix (a stand-in, :func:`tempname.unfolded`) is given
    to a Python interpreter: what was written there is run as Python."""
    if not path.startswith(tempname.TEMP):
        return False
    for i, word in enumerate(words):
        before = _programs(words[:i]) if word.strip("'\"") == path else []
        if before and PYTHON.fullmatch(before[-1]):
            return True
    return False


# Flags whose value is the next word (``python -W ignore x.py``, ``bash -o errexit x.sh``).
VALUED_FLAGS = frozenset({"-W", "-X", "--check-hash-based-pycs", "-o"})


def _programs(words: list[str]) -> list[str]:
    """The words that are neither a flag nor a flag's value (ADR 0189: ``-W ignore`` before
    the path made ``ignore`` the program that was given it)."""
    out: list[str] = []
    valued = False
    for word in words:
        if not valued and not word.startswith("-"):
            out.append(word)
        valued = not valued and word in VALUED_FLAGS
    return out


MAX_NAMED = 64  # nodes of an exec's argument looked at for a path written here


def _named(interp: Interpreter, node: ast.Call, env: dict[str, flowtypes.Val]) -> set[str]:
    """The strings an exec's argument names, written, held in a name or bound by another
    module of the archive: the path of ``exec(open(p).read())``, ``exec(compile(Path(p)
    .read_text(), p, 'exec'))``, ``runpy.run_path(helper.P)``."""
    found: set[str] = set()
    for i, part in enumerate(ast.walk(node.args[0]) if node.args else ()):
        if i >= MAX_NAMED:
            break
        word = _word(interp, part, env)
        if word is not None:
            found.add(word)
    return found


MAX_WORDS = 4096  # items of a command's list read one by one (more hold, ADR 0189)


def _words(interp: Interpreter, node: ast.Call, env: dict[str, flowtypes.Val]) -> list[str]:
    """A process call's command read item by item (``?`` for one that does not fold):
    ``[sys.executable, helper.P]`` is ``sys.executable /tmp/x.py``."""
    command = node.args[0] if node.args else None
    if not isinstance(command, (ast.List, ast.Tuple)):
        word = _word(interp, command, env) if command is not None else None
        return word.split() if word else []
    if len(command.elts) > MAX_WORDS:
        interp.trace.past(f"a command's items past the {MAX_WORDS} airlock reads")
    return [_word(interp, item, env) or "?" for item in command.elts[:MAX_WORDS]]


def _word(interp: Interpreter, part: ast.AST, env: dict[str, flowtypes.Val]) -> str | None:
    """The text ``part`` stands for: a string written, held in a name, bound by another
    module of the archive (``helper.P``), or a dotted name (``sys.executable``)."""
    word: object = None
    if isinstance(part, ast.Constant):
        word = part.value
    elif isinstance(part, ast.Name):
        held = env.get(part.id, _NONE)
        word = held.const if held.const is not None else _bound(interp, held.ref)
    elif isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
        left, right = _word(interp, part.left, env), _word(interp, part.right, env)
        word = None if left is None or right is None else left + right
    elif isinstance(part, ast.JoinedStr):
        parts = [
            _word(interp, v.value if isinstance(v, ast.FormattedValue) else v, env)
            for v in part.values
        ]
        word = None if None in parts else "".join(p or "" for p in parts)
    elif isinstance(part, ast.Attribute):
        ref = _dotted(part, env)
        word = (_bound(interp, ref) or ref) if ref else None
    elif isinstance(part, ast.Call) and any(p.startswith(INLINE) for p in interp.trace.written):
        inline = tempname.inline(part)  # the path written by this same expression (ADR 0196)
        word = inline if inline in interp.trace.written else None
    return word if isinstance(word, str) else None


MAX_DOTS = 4  # attributes read through: ``helper.f.name``, ``helper.Cfg.P``


def _dotted(part: ast.Attribute, env: dict[str, flowtypes.Val]) -> str:
    """``a.b.c`` as the dotted name it stands for, its first name read from ``env``
    (``sys.executable``, ``helper.f.name``); "" for anything else."""
    attrs: list[str] = []
    node: ast.expr = part
    while isinstance(node, ast.Attribute) and len(attrs) < MAX_DOTS:
        attrs.append(node.attr)
        node = node.value
    ref = env.get(node.id, _NONE).ref if isinstance(node, ast.Name) else ""
    return ".".join([ref, *reversed(attrs)]) if ref else ""


def _bound(interp: Interpreter, ref: str) -> str | None:
    """The text another module of the archive binds to ``ref`` (``helper.P``, ``.a.P``):
    what its top level's written-files walk bound, else a constant it binds."""
    package = interp.package
    if package is None or "." not in ref:
        return None
    name = absolute(ref, interp.module, package.is_package(interp.module))
    owner, _, attr = name.rpartition(".")
    while owner and owner not in package.sources:  # ``helper.f.name``: module ``helper``
        owner, _, inner = owner.rpartition(".")
        attr = f"{inner}.{attr}"
    found = package.written.get(owner, ({}, {}))[1].get(attr)
    if found is None and "." not in attr:
        bound = across.constant_of(interp, ref)
        found = bound.const if bound is not None and isinstance(bound.const, str) else None
    return found


_NONE = flowtypes.Val()
