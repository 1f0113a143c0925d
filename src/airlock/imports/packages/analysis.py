"""One Python file's findings: string constants, data-flow chains and hidden layout.

Pure. ``scan_python`` parses once, then runs the constant rules (:mod:`rules`), the
data-flow pass (:mod:`flow`) scored as chains (:mod:`chains`) and a layout check for code
pushed off-screen by whitespace. ``install_time`` marks ``setup.py``: its module level runs
during ``pip install``.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace

from airlock.imports.packages.astwalk import walk
from airlock.imports.packages.chains import score
from airlock.imports.packages.controllers import controller_backdoors
from airlock.imports.packages.disguise import (
    cookie_codec,
    cookie_finding,
    disguise_findings,
    disguised_names,
    folded,
    rewritten,
)
from airlock.imports.packages.dynimports import written_imports
from airlock.imports.packages.eagerimport import eager_lines
from airlock.imports.packages.flow import trace, trace_across
from airlock.imports.packages.flowtypes import Trace
from airlock.imports.packages.grammar import parse_module, runs_on_no_python3
from airlock.imports.packages.imposture import popular_lookalike, stdlib_lookalike
from airlock.imports.packages.lazyre import AtLineStart, LazyPattern
from airlock.imports.packages.local import LocalModules
from airlock.imports.packages.prefilter import HitLines, may_act
from airlock.imports.packages.pthacts import acting_line
from airlock.imports.packages.pthhooks import known_hook
from airlock.imports.packages.python2 import parse_python2, python2_finding
from airlock.imports.packages.recipients import (
    names_transfer,
    parsed_recipients,
    written_recipients,
)
from airlock.imports.packages.rules import DROP_SITE, PackageFinding, Severity, scan_constants
from airlock.imports.packages.runfile import run_files
from airlock.imports.packages.tradecraft import tradecraft_findings

# Code far to the right of a line's visible part: a classic way to hide a payload (issue 16).
OFF_SCREEN = LazyPattern(rb"\S[ \t]{150,}(?P<code>[^\s#\"'][^\n]{4,})")
# A long run that mixes spaces and tabs (no 64 spaces or 16 tabs in a row): three switches.
MIXED_BLANKS = LazyPattern(rb" \t+ +\t| *\t +\t+ ")
OFF_SCREEN_CODE = LazyPattern(
    rb"^;?\s*(import |from \S+ import|exec|eval|__import__|os\.|subprocess)"
)
# Dependencies that only stealers need in a package that claims to be something else.
STEALER_DEPS = LazyPattern(
    r"browser[_-]cookie3|discord[_-]?webhook|dhooks|robloxpy|pycryptodome.*win32crypt|"
    r"pyautogui.*discord",
    re.IGNORECASE,
)


# ``^`` before it: a match never ends with a newline (:class:`lazyre.AtLineStart`).
IMPORTS = AtLineStart(r"(\s*)(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))")
# A string constant that is itself obfuscated Python, written out or run later.
EMBEDDED_CODE = re.compile(r"from builtins import \*|\\x65\\x78\\x65\\x63|\\x5f\\x5f\\x69")
# Its alternatives as plain text: the regex (no literal prefix) scans every position, a
# substring test skips ahead in C, so the search runs only when one of them occurs.
EMBEDDED_LITERALS = ("from builtins import *", "\\x65\\x78\\x65\\x63", "\\x5f\\x5f\\x69")
ESCAPES = re.compile(r"\\x[0-9a-fA-F]{2}")
# Not ``\b``-bounded: in an API address the token follows ``bot`` with no boundary
# (``api.telegram.org/bot123:AA...``), where it was missed (ADR 0086).
TELEGRAM_TOKEN = re.compile(r"(?<!\d)\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])")
# Remote-control kits: a collector of screens, keys, cookies or clipboard plus a chat channel.
COLLECTORS = {"mss", "pynput", "pyautogui", "browser_cookie3", "win32crypt", "clipboard"}
COLLECTORS |= {"pyperclip", "PIL.ImageGrab", "cv2", "pyAesCrypt", "secure_delete", "keyboard"}
STEALERS = {"browser_cookie3", "win32crypt", "browser_cookie"}  # read browsers' saved secrets
CHANNELS = {"telebot", "telegram", "discord_webhook", "dhooks", "discord", "discordwebhook"}


BOM = "\ufeff"


def scan_python(
    path: str,
    source: str,
    *,
    install_time: bool = False,
    helper: bool = False,
    rewrite: bool = True,
    script: bool = False,
    keep: dict[str, ast.Module] | None = None,
    tree: ast.Module | None = None,
) -> list[PackageFinding]:
    """Findings for one Python file; a file that does not parse is itself a finding.

    ``install_time``: the file is ``setup.py``. ``helper``: ``setup.py`` imports the file.
    ``script``: nothing installs, imports or runs the file; its module level runs when a
    person does (a developer's script in an sdist).
    ``rewrite``: a coding cookie that rewrites the text (:mod:`disguise`) has its decoded
    text scanned as well (once).
    ``tree``: ``ast.parse(source)`` when the caller has it (``setup.py``, parsed once for
    :func:`setup_imports` too); it stands for the text as it is, never for a folded one.
    """
    # Python reads a UTF-8 byte-order mark before the code as nothing; ast.parse of the
    # decoded text fails on it (ADR 0057: a BOM made a module unparseable, so allowed).
    source = source.removeprefix(BOM)
    text = source
    found = scan_constants(path, source) + _embedded(path, source)
    found += tradecraft_findings(path, source)
    codec = cookie_codec(source[:2000].encode("utf-8", "replace")) if rewrite else None
    if codec is not None and codec != "utf_8":
        cookie = cookie_finding(path, codec)
        found += [cookie] if cookie is not None else []
        decoded = rewritten(source.encode("utf-8", "replace"), codec)
        if decoded is not None and decoded != source:
            found += scan_python(
                path,
                decoded,
                install_time=install_time,
                helper=helper,
                rewrite=False,
                script=script,
            )
    names = disguised_names(source)
    if names:
        source = folded(source, names)  # what Python reads: every rule below sees the sink
        sink = may_act(" ".join(f"{n}(" for n in names.values()), paths=False)
        found += disguise_findings(path, source, names, names_sink=sink)
    elif not source.isascii():
        found += disguise_findings(path, source, {}, names_sink=False)
    found += off_screen(path, source.encode("utf-8", "replace"))
    if install_time and STEALER_DEPS.search(source):
        found.append(
            PackageFinding(
                "stealer-dependency",
                path,
                0,
                Severity.HIGH,
                "setup.py depends on cookie, webhook or game-account stealing libraries",
            )
        )
    # Asked of the whole text here and of each function's lines by the flow pass: one scan.
    hits = None if install_time or helper else HitLines(source)
    if hits is not None and not hits:
        # Names no sink and no way to reach one: nothing for the flow pass. A wallet's funds
        # sent to the author are read all the same (a transfer is no sink; ADR 0120).
        return found + parsed_recipients(path, source)
    try:
        tree = tree if tree is not None and source is text else parse_module(source, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        python2 = parse_python2(source, e) if isinstance(e, SyntaxError) else None
        if python2 is None:
            return [*found, unparseable(path, e)]
        # Python 2 text, proved by repairing it (ADR 0140): its repaired text is vetted.
        source, tree = python2
        found.append(python2_finding(path))
        hits = None if install_time or helper else HitLines(source)
    if keep is not None and source is text:  # not folded: the tree of the member's own text
        keep[path] = tree
    # What this text runs from other files, answered now from this tree: the archive pass
    # asks of every module, and parsing is most of vetting (run_files keeps the answer).
    run_files(source, top_only=not install_time, tree=tree)
    if names_transfer(source):  # a wallet's funds sent to the author (ADR 0120)
        found += written_recipients(path, tree)
    try:
        traced = trace(
            tree, install_time=install_time, helper=helper, source=source, script=script, hits=hits
        )
        found += score(path, traced)
        # A handler running what chat accounts it names send it (ADR 0120).
        found += controller_backdoors(path, source, tree)
    except RecursionError:
        found.append(unparseable(path, RecursionError()))
    return found


def unparseable(path: str, error: BaseException) -> PackageFinding:
    """A module airlock cannot read holds: a newer Python may run what this one's grammar
    does not read (ADR 0095), and code nested too deep for the walk runs all the same.
    Python 2 text weighs less: no Python 3 runs it."""
    if runs_on_no_python3(error):
        why = f"Python 2 code ({error}); no Python 3 runs it, so it was not vetted"
        return PackageFinding("unparseable-source", path, 0, Severity.MEDIUM, why)
    if isinstance(error, RecursionError):
        why = "nested too deep for airlock to read; cannot vet what it runs"
    elif isinstance(error, SyntaxError):
        at = f" at line {error.lineno}" if error.lineno else ""
        why = (
            f"Python {sys.version_info.major}.{sys.version_info.minor} cannot parse it "
            f"({error.msg}{at}); a newer Python may run it, and airlock cannot vet it"
        )
    else:
        why = f"could not parse as Python ({type(error).__name__}); cannot vet it"
    return PackageFinding("unparseable-source", path, 0, Severity.HIGH, why)


def off_screen(path: str, data: bytes) -> list[PackageFinding]:
    """Code placed after a long run of blanks on one line."""
    found: list[PackageFinding] = []
    mixed = b"\t " in data and MIXED_BLANKS.search(data)
    if b" " * 64 not in data and b"\t" * 16 not in data and not mixed:
        return found  # no long run of blanks
    for match in OFF_SCREEN.finditer(data):
        code = match.group("code")
        if OFF_SCREEN_CODE.search(code):
            line = data.count(b"\n", 0, match.start()) + 1
            found.append(
                PackageFinding(
                    "off-screen-code",
                    path,
                    line,
                    Severity.CRITICAL,
                    "code hidden far to the right of a line by whitespace",
                )
            )
            break
    return found


def _embedded(path: str, source: str) -> list[PackageFinding]:
    """Obfuscated code kept in a string, bot tokens, and remote-control import sets."""
    found = []
    code = (
        EMBEDDED_CODE.search(source)
        if any(literal in source for literal in EMBEDDED_LITERALS)
        else None
    )
    if code and len(ESCAPES.findall(source, code.start(), code.start() + 20_000)) >= 20:
        found.append(
            PackageFinding(
                "embedded-payload",
                path,
                source.count("\n", 0, code.start()) + 1,
                Severity.CRITICAL,
                "obfuscated Python (escaped names with exec/__import__) kept in the source",
            )
        )
    if ":AA" in source and TELEGRAM_TOKEN.search(source):
        found.append(
            PackageFinding("bot-token", path, 0, Severity.HIGH, "embeds a Telegram bot token")
        )
    imported = set()
    indented: list[PackageFinding] = []
    for match in IMPORTS.finditer(source):
        name = match.group(2) or match.group(3)
        imported.add(name)
        top = name.split(".", 1)[0]
        at = functools.partial(_line_of, source, match)
        if match.group(1).rpartition("\n")[2]:
            # Indented: optional (inside try, an if or a function) unless it runs on every
            # import all the same (:mod:`eagerimport`, ADR 0162).
            indented += _lookalike(path, top, at)
            continue
        found += _lookalike(path, top, at)
    if indented:
        found += _eager(source, indented)
    for top, line in written_imports(source):  # ``__import__('sockets')`` (ADR 0123)
        found += _lookalike(path, top, functools.partial(int, line))
    collectors = imported & COLLECTORS
    if imported & STEALERS and DROP_SITE.search(source):
        found.append(
            PackageFinding(
                "stealer-kit",
                path,
                0,
                Severity.CRITICAL,
                "imports a browser-credential reader and names a webhook or paste site to send to",
            )
        )
    if imported & CHANNELS and len(collectors) >= 2:
        found.append(
            PackageFinding(
                "remote-control-kit",
                path,
                0,
                Severity.CRITICAL,
                f"imports a chat channel with {', '.join(sorted(collectors))}: a remote-access kit",
            )
        )
    return found


def _eager(source: str, indented: list[PackageFinding]) -> list[PackageFinding]:
    """The indented look-alike imports that run on every import (:mod:`eagerimport`); the
    module is parsed for it only when it has one (most have none)."""
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    eager = eager_lines(tree)
    return [f for f in indented if f.line in eager]


def _lookalike(path: str, top: str, line: Callable[[], int]) -> list[PackageFinding]:
    """A module-level import of ``top`` when it imitates a standard-library module or a
    popular project; ``line`` is counted only for a finding."""
    imitated = stdlib_lookalike(top)
    if imitated:
        return [
            PackageFinding(
                "stdlib-lookalike-import",
                path,
                line(),
                Severity.HIGH,
                f"imports {top!r} when loaded: not the standard library's {imitated!r} but a "
                "look-alike only the package index can supply",
            )
        ]
    if (imitated := popular_lookalike(top)) is not None:
        # The same trick with a popular project's name (issue 16): ``import reqeusts``.
        return [
            PackageFinding(
                "lookalike-import",
                path,
                line(),
                Severity.HIGH,
                f"imports {top!r} when loaded: not the popular {imitated!r} but a look-alike "
                "only the package index can supply",
            )
        ]
    return []


def _line_of(source: str, match: re.Match[str]) -> int:
    """The line of an :data:`IMPORTS` match's module name; counted only for a finding (one
    count from the start of the text per import line made big modules quadratic, issue 16)."""
    return source.count("\n", 0, match.start(2) if match.group(2) else match.start(3)) + 1


def setup_imports(source: str, tree: ast.Module | None = None) -> set[str]:
    """Top-level names ``setup.py`` imports (its local helpers are among them), by statement,
    by ``__import__`` or in code it execs. ``tree``: :func:`parsed` ``source``, when the
    caller has it (none: it is parsed here; a text that does not parse imports nothing)."""
    tree = tree if tree is not None else parsed(source)
    return set() if tree is None else _imported_names(tree, source) - {""}


def parsed(source: str) -> ast.Module | None:
    """``ast.parse(source)``, or None when it does not parse."""
    try:
        return parse_module(source.removeprefix(BOM))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def scan_across(
    path: str,
    source: str,
    package: LocalModules,
    module: str,
    *,
    install_time: bool,
    tree: ast.Module | None = None,
) -> list[PackageFinding]:
    """Chains that start in ``path`` on install or import and continue in a function of
    another module of the same archive (issue 16: ``from .util import run; run()``).

    The findings name the module where each sink is; the file's own pass (:func:`scan_python`)
    reports what it does alone, so duplicates are left for the caller to merge. ``tree``:
    ``ast.parse(source)`` when the file's own pass kept it (it is not parsed again)."""
    if tree is None:
        try:
            tree = parse_module(source.removeprefix(BOM), path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []  # the file's own pass reports it
    try:
        own, foreign = trace_across(tree, install_time=install_time, package=package, module=module)
        found = score(path, own)
        for target, events in foreign.items():
            found += score(target, events)
    except RecursionError:
        return []
    return found


def pth_lines(text: str) -> list[str]:
    """The lines ``site`` reads from a ``.pth`` file: split at ``\\n``, ``\\r\\n`` and ``\\r``
    only (a text file's lines), after a UTF-8 byte-order mark (Python 3.13 decodes them as
    ``utf-8-sig``). ``str.splitlines`` also splits at form feeds and other separators that
    ``site`` keeps inside a line, where Python reads them as blanks (ADR 0057:
    ``import os;\\x0cos.system(c)`` was two harmless lines)."""
    return text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def scan_pth(
    path: str,
    text: str,
    shipped: frozenset[str],
    package: LocalModules | None = None,
    present: frozenset[str] | None = None,
) -> list[PackageFinding]:
    """Lines of a ``.pth`` file that start with ``import`` run at every interpreter start.

    Each such line is read by the data-flow pass as code that runs on import, so a chain in
    it keeps its weight. A line that only imports the standard library and modules this
    archive ships (whose own code is vetted in the same report) and calls no sink is
    reported (medium: setuptools' distutils shim, virtualenv's hook), and so is a known
    tool's start-up hook whose module is none of ``present`` (the names any member of the
    archive could give an import, :func:`pthhooks.present_names`; ADR 0143); any other line
    holds.
    """
    found: list[PackageFinding] = []
    for number, line in enumerate(pth_lines(text), start=1):
        if not line.lstrip().startswith(("import ", "import\t")):
            continue
        try:
            tree = ast.parse(line.strip())
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        traced: Trace | None = None
        foreign: dict[str, Trace] = {}
        if tree is not None and package is not None:
            # ``import pkg; pkg.run()``: the function is followed into the archive's module.
            traced, foreign = trace_across(tree, install_time=False, package=package, module="")
        elif tree is not None:
            traced = trace(tree, install_time=False)
        chains = [replace(f, line=number) for f in score(path, traced)] if traced else []
        acting = acting_line(path, number, traced)  # ADR 0167
        chains += [acting] if acting is not None else []
        for target, followed in foreign.items():
            chains += score(target, followed)
        found += chains
        named = _imported_names(tree, line.strip()) if tree is not None else {""}
        known = set(sys.stdlib_module_names) | shipped
        # exec of code in plain sight is interpreted by the pass; its imports count too.
        run = [e for t in (traced, *foreign.values()) if t for e in t.events]
        sinks = [e for e in run if e.kind != "exec" or e.labels] if traced else [None]
        # A known tool's documented start-up line (coverage's) runs that tool's code only.
        hook = not sinks and tree is not None and known_hook(tree, present)
        plain = not sinks and named <= known
        if not any(f.severity >= Severity.HIGH for f in chains):
            found.append(
                PackageFinding(
                    "pth-exec",
                    path,
                    number,
                    Severity.MEDIUM if plain or hook else Severity.HIGH,
                    ".pth line runs code at every Python start-up"
                    + (" (imports only its own package and the standard library)" if plain else "")
                    + (" (a known tool's own start-up hook)" if hook else ""),
                )
            )
    return found


# The names of the calls :func:`_imported_names` reads. Where the text is ASCII (no other
# characters NFKC-fold into an identifier) and names none of them, only import statements
# count, and those sit in statement lists: the walk skips every expression (an obfuscated
# ``setup.py`` is mostly expressions; walking them all was most of vetting one, issue 16).
IMPORTING_CALLS = ("__import__", "import_module", "exec")


def _imported_names(tree: ast.Module, source: str | None = None) -> set[str]:
    """Top-level modules a snippet imports, by statement or by ``__import__('name')``.

    ``source``: the text ``tree`` was parsed from, when known (a faster walk, same names)."""
    plain = (
        source is not None and source.isascii() and not any(c in source for c in IMPORTING_CALLS)
    )
    names: set[str] = set()
    for node in _statements(tree) if plain else walk(tree):
        literal = _exec_literal(node)
        if literal is not None:
            try:
                names |= _imported_names(ast.parse(literal), literal)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                names.add("")  # unreadable code run at start-up: not plain
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if name in ("__import__", "import_module"):
                names.add(str(node.args[0].value).split(".")[0])
    return names


STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement of ``tree`` (with the ``except`` handlers and ``match`` cases that hold
    some), in no set order; no expression is visited."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        for name in STATEMENT_LISTS:
            inner = getattr(node, name, None)
            if isinstance(inner, list):  # a lambda's or an ``x if c else y``'s body is no list
                todo.extend(inner)


def _exec_literal(node: ast.AST) -> str | None:
    """The code of ``exec('...')`` with a literal string, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id != "exec" or not node.args or not isinstance(node.args[0], ast.Constant):
        return None
    value = node.args[0].value
    return value if isinstance(value, str) and len(value) < 100_000 else None
