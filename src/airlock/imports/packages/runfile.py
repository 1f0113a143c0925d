"""Code run from another file of the same archive (issue 16, ADR 0032).

``exec(open(p).read())``, ``exec(compile(open(p).read(), p, "exec"))``, ``runpy.run_path(p)``,
``execfile(p)`` and ``exec(Path(p).read_text())`` run the text of ``p`` as Python in the
context of the file that says so: ``setup.py`` at install, a module at import. This module
finds such calls whose path folds to a constant (string literals, ``+``, ``os.path.join``,
``os.path.dirname(__file__)``, ``Path(__file__).parent / ...``, ``with_name``) and names the
archive member they run. A path taken from a directory listing or a glob (``for f in
glob.glob('conf/*.cfg'): exec(open(f).read())``, ``os.listdir``, ``os.walk``,
``Path.glob``/``rglob``/``iterdir``) folds to a pattern instead (:attr:`RunFile.listed`,
ADR 0039): every member it matches may run. A module's level also names the program it
starts by a path from its own folder (``Popen([os.path.join(HERE, 'svc.exe')])``, ADR 0101;
:attr:`RunFile.how` :data:`PROCESS`). Pure: it parses, it never opens or runs anything.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import posixpath
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from airlock.imports.packages.astwalk import children, walk
from airlock.imports.packages.grammar import parse_module

# Cheap text test before parsing: every shape this module reads names one of these. ``exec``
# as a whole name (``exec(``, ``builtins.exec``), not inside ``executable`` or ``execute``:
# the substring made one popular module in ten parse a second time for nothing (issue 16).
# A name Python reads as ``exec`` has no letter, digit or ``_`` on either side in the text
# (a digit before it is a syntax error: ``1exec``). The loaders are ADR 0034's.
WORDS = ("exec", "run_path", "spec_from_file_location", "load_source", "FileLoader", "fileConfig")
LOADER_WORDS = (
    "execfile", "run_path", "spec_from_file_location", "load_source", "FileLoader", "fileConfig",
)  # fmt: skip
# ``exec`` as a whole name, written to start with its literal so the regex engine skips ahead
# in C (the lookbehind then checks the character before it): the same matches as
# ``(?<!\w)exec(?!\w)``; with LOADER_WORDS as substring tests, the same answer as one
# alternation of all six, which tried every position of the text (issue 16: a tenth of the
# regex time of vetting popular wheels).
EXEC_NAME = re.compile(r"exec(?<!\wexec)(?!\w)")
# Loaders of a module from a file path (issue 16, ADR 0034): the path is the second argument
# and the file runs as a module once the spec or loader is executed, which is what they are
# built for (``spec.loader.exec_module(m)``, ``loader.load_module()``).
LOADERS = {
    "importlib.util.spec_from_file_location", "util.spec_from_file_location",
    "spec_from_file_location", "imp.load_source", "load_source",
    "importlib.machinery.SourceFileLoader", "machinery.SourceFileLoader", "SourceFileLoader",
    "importlib.machinery.SourcelessFileLoader", "machinery.SourcelessFileLoader",
    "SourcelessFileLoader",
}  # fmt: skip
# ``logging.config.fileConfig(p)`` makes the handlers ``p`` names: not code, but a file of
# the archive that decides where log records go (:mod:`logconfig`, ADR 0080).
CONFIG_READERS = {"logging.config.fileConfig", "config.fileConfig", "fileConfig"}
LOG_CONFIG = "logging.config.fileConfig"
READS = {"read", "read_text", "read_bytes"}
# A package's resource files, read or named by package and resource name (ADR 0039).
RESOURCE_READS = {
    "pkgutil.get_data", "get_data", "importlib.resources.read_text", "resources.read_text",
    "importlib.resources.read_binary", "resources.read_binary", "importlib_resources.read_text",
    "importlib_resources.read_binary",
}  # fmt: skip
RESOURCE_FILES = {"importlib.resources.files", "resources.files", "importlib_resources.files"}
OPENERS = {"open", "io.open", "codecs.open"}
PATHS = {"Path", "pathlib.Path", "PurePath", "pathlib.PurePath"}
HERE = "\0here"  # the folder of the file being read (``os.path.dirname(__file__)``)
THIS_FILE = f"{HERE}/\0file"  # the file being read (``__file__``)
# Marks a path folded from a directory listing or a glob (ADR 0039): what follows it is a
# glob pattern (read as :func:`_glob` reads it), not one file's name.
LISTED = "\1"
# Calls whose value lists paths: (argument holding the folder or pattern, what one item is).
GLOBS = {"glob.glob", "glob.iglob", "glob"}
LISTINGS = {"os.listdir", "listdir"}
WALKS = {"os.walk", "walk"}
WALK = "\2"  # ends the pattern of an ``os.walk``: its items are (folder, folders, files)
UNFOLDED = "\3"  # a listed folder whose path does not fold: no member matches it
# A name imported from another module (``from .config import PLUGINS``) stands in a path as
# ``\4.config:PLUGINS\4``: :func:`fill_imported` puts in the constant that module binds
# (ADR 0041: a listing whose folder is kept in a settings module).
IMPORTED = "\4"
IMPORTED_NAME = re.compile("\x04" + r"([\w.]*):(\w+)" + "\x04")


@dataclass(frozen=True, slots=True)
class RunFile:
    """A file that a module runs as code by its path (``exec(open(p).read())``, ``runpy``)."""

    target: str  # the path as folded, relative to the running file's folder or the root
    line: int
    how: str  # "exec", "runpy.run_path", "execfile", "importlib loader"

    @property
    def listed(self) -> bool:
        """The path comes from a directory listing or a glob: ``target`` is a pattern."""
        return LISTED in self.target

    @property
    def pattern(self) -> str:
        return self.target.replace(LISTED, "")


def dotted(node: ast.expr) -> str:
    """``a.b.c`` for a name or attribute chain; empty for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


# Calls that start a program (ADR 0101): a program the archive ships, named by a path built
# from the module's own folder (``os.path.join(os.path.dirname(__file__), 'svc.exe')``), is
# run by import with nothing of it read.
PROCESS_STARTS = frozenset({
    "subprocess.Popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
    "subprocess.check_output", "subprocess.getoutput", "subprocess.getstatusoutput",
    "os.system", "os.popen", "os.startfile", "os.execv", "os.execvp", "os.execl", "os.execlp",
    "os.spawnv", "os.spawnl", "os.posix_spawn",
})  # fmt: skip
PROCESS = "process"  # :attr:`RunFile.how` of a program started by its path
PROCESS_WORDS = ("subprocess", "system", "popen", "startfile", "execv", "execl", "spawn")

# Every call name this module reads, as written after ``import x`` (ADR 0063: a name
# imported under another, ``from importlib.resources import files``, is read as this).
KNOWN_REFS = frozenset(
    {*LOADERS, *RESOURCE_READS, *RESOURCE_FILES, *OPENERS, *PATHS, *GLOBS, *LISTINGS, *WALKS}
    | {"os.path.join", "posixpath.join", "ntpath.join", "os.path.dirname", "os.path.abspath"}
    | {"os.path.realpath", "os.path.normpath", "os.fspath", "runpy.run_path", "builtins.exec"}
    | {"builtins.compile", *CONFIG_READERS, *PROCESS_STARTS}
)


class _Folder:
    """Folds path expressions of one file to strings (``HERE`` marks the file's folder)."""

    def __init__(self) -> None:
        self.env: dict[str, ast.expr] = {}
        self.scopes: dict[str, dict[str, ast.expr]] = {}  # the ``with`` names around a binding
        self.depth = 0
        self.aliases: dict[str, str] = {}  # ``import pkgutil as p``: p -> pkgutil

    def imported(self, node: ast.Import | ast.ImportFrom) -> None:
        """Names an import binds: a name from another module of the archive stands for the
        constant it may bind (:data:`IMPORTED`); a library's name is an alias (:meth:`ref`)."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases.setdefault(alias.asname, alias.name)
            return
        if node.module == "__future__":
            return
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            named = ast.Constant(f"{IMPORTED}{module}:{alias.name}{IMPORTED}")
            self.env.setdefault(alias.asname or alias.name, named)
            if not node.level:
                self.aliases.setdefault(alias.asname or alias.name, f"{module}.{alias.name}")

    def ref(self, node: ast.expr) -> str:
        """:func:`dotted`, with a name imported under another read as the one this module
        knows (``p.get_data`` of ``import pkgutil as p``); any other name as written."""
        raw = dotted(node)
        head, dot, rest = raw.partition(".")
        full = self.aliases.get(head)
        resolved = f"{full}{dot}{rest}" if full else raw
        return resolved if resolved in KNOWN_REFS else raw

    def path(self, node: ast.expr) -> str | None:  # noqa: PLR0911 -- one case a shape
        if self.depth > 20:
            return None
        self.depth += 1
        try:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Name):
                if node.id == "__file__":
                    return THIS_FILE
                bound = self.env.get(node.id)
                return self.path(bound) if bound is not None else None
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
                left, right = self.path(node.left), self.path(node.right)
                if left is None or right is None:
                    return None
                return f"{left}/{right}" if isinstance(node.op, ast.Div) else left + right
            if isinstance(node, ast.JoinedStr):
                parts = []
                for value in node.values:
                    inner = value.value if isinstance(value, ast.FormattedValue) else value
                    part = self.path(inner)
                    if part is None:
                        return None
                    parts.append(part)
                return "".join(parts)
            if isinstance(node, ast.Attribute):
                return self._attribute(node)
            if isinstance(node, ast.Call):
                return self._call(node)
            return None
        finally:
            self.depth -= 1

    def _attribute(self, node: ast.Attribute) -> str | None:
        """``p.parent``; ``config.PLUGINS`` of ``from . import config`` (:data:`IMPORTED`)."""
        base = self.path(node.value)
        if base is None:
            return None
        if node.attr == "parent":
            return posixpath.dirname(base)
        named = IMPORTED_NAME.fullmatch(base)
        if named is None:
            return None
        module, name = named.groups()
        module = module + name if module.endswith(".") else f"{module}.{name}"
        return f"{IMPORTED}{module}:{node.attr}{IMPORTED}"

    def package(self, node: ast.expr) -> str | None:
        """The folder of the package a resource call names: this file's for ``__name__``,
        ``__package__`` or ``__spec__.parent``, ``a/b`` for the literal ``'a.b'``."""
        if isinstance(node, ast.Name) and node.id in ("__name__", "__package__"):
            return HERE
        if dotted(node) == "__spec__.parent":
            return HERE
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value.replace(".", "/")
        return None

    def listed(self, target: ast.expr, items: ast.expr) -> None:
        """``for target in items``: when ``items`` lists a folder or a glob, ``target``
        folds to a pattern (:data:`LISTED`); ``os.walk`` binds its folder and file names."""
        pattern = self.items(items)
        if pattern is None:
            return
        if isinstance(target, ast.Name):
            self.env[target.id] = ast.Constant(pattern)
        elif isinstance(target, ast.Tuple) and len(target.elts) == 3 and pattern.endswith(WALK):
            root, _, files = target.elts  # for root, dirs, files in os.walk(d)
            if isinstance(root, ast.Name):
                self.env[root.id] = ast.Constant(pattern.removesuffix(WALK) + "/**")
            if isinstance(files, ast.Name):
                self.env[files.id] = ast.Call(ast.Name("os.listdir"), [ast.Constant("")], [])

    def items(self, node: ast.expr) -> str | None:  # noqa: PLR0911 -- one case a listing
        """The pattern one item of ``node`` folds to, when ``node`` lists paths."""
        if self.depth > 20:
            return None
        if isinstance(node, ast.Name) and node.id in self.env:
            self.depth += 1
            try:
                return self.items(self.env[node.id])
            finally:
                self.depth -= 1
        if not isinstance(node, ast.Call):
            return None
        ref = self.ref(node.func)
        if ref in ("sorted", "list", "reversed", "tuple", "set") and len(node.args) == 1:
            return self.items(node.args[0])
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        arg = self.path(node.args[0]) if node.args else None
        # A folder or pattern that does not fold still lists paths: it reaches no member.
        arg = UNFOLDED if arg is None else arg
        if ref in GLOBS:
            return f"{LISTED}{arg}"
        if ref in LISTINGS:  # a name in the folder, joined to it by the caller
            return f"{LISTED}{'*' if UNFOLDED not in arg else UNFOLDED}"
        if ref in WALKS:
            return f"{LISTED}{arg}{WALK}"  # its three names are bound by :meth:`listed`
        if method in ("glob", "rglob", "iterdir") and isinstance(node.func, ast.Attribute):
            base = self.path(node.func.value)
            base = UNFOLDED if base is None else base
            inner = "*" if method == "iterdir" else f"**/{arg}" if method == "rglob" else arg
            return f"{LISTED}{base}/{inner}"
        return None

    def _call(self, node: ast.Call) -> str | None:  # noqa: PLR0911 -- one case a call
        ref = self.ref(node.func)
        args = [self.path(a) for a in node.args]
        if ref in ("os.path.join", "posixpath.join", "ntpath.join", "path.join") or ref in PATHS:
            if args and all(a is not None for a in args):
                return "/".join(a for a in args if a is not None)
            return None
        if ref in ("os.path.dirname", "path.dirname") and len(args) == 1 and args[0] is not None:
            return posixpath.dirname(args[0])
        if ref in ("os.path.abspath", "os.path.realpath", "os.path.normpath", "str", "os.fspath"):
            return args[0] if len(args) == 1 else None
        if ref in RESOURCE_FILES and len(node.args) == 1:
            return self.package(node.args[0])  # importlib.resources.files(__package__)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if method in ("resolve", "absolute") and isinstance(node.func, ast.Attribute):
            return self.path(node.func.value)  # Path(...).resolve()
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("with_name", "joinpath"):
            base = self.path(node.func.value)
            if base is None or not args or any(a is None for a in args):
                return None
            folder = posixpath.dirname(base) if node.func.attr == "with_name" else base
            return "/".join([folder, *(a for a in args if a is not None)])
        return None

    def read_of(  # noqa: PLR0911 -- one case a shape
        self, node: ast.expr, opened: dict[str, ast.expr]
    ) -> str | None:
        """The path whose text ``node`` reads (``open(p).read()``, ``Path(p).read_text()``,
        ``f.read()`` of ``with open(p) as f``, a name bound to one of these), or None."""
        if self.depth > 20:
            return None
        if isinstance(node, ast.Name) and node.id in self.env:
            self.depth += 1
            try:
                return self.read_of(self.env[node.id], opened)
            finally:
                self.depth -= 1
        if isinstance(node, ast.Call) and self.ref(node.func) in RESOURCE_READS:
            # pkgutil.get_data(__name__, 'data/x.txt'): a file beside the package (ADR 0039)
            if len(node.args) != 2:
                return None
            folder, name = self.package(node.args[0]), self.path(node.args[1])
            return None if folder is None or name is None else f"{folder}/{name}"
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return None
        if node.func.attr in ("decode", "strip") and isinstance(node.func.value, ast.Call):
            return self.read_of(node.func.value, opened)
        if node.func.attr not in READS:
            return None
        source = node.func.value
        if isinstance(source, ast.Name) and source.id in opened:
            source = opened[source.id]
        if isinstance(source, ast.Call):
            ref = self.ref(source.func)
            if ref in PATHS:
                return self.path(source)  # Path('a', 'b'): every part
            if ref in OPENERS and source.args:
                return self.path(source.args[0])
        return self.path(source) if node.func.attr != "read" else None


# Answers by (SHA-256 of the text, top_only), at most MAX_REMEMBERED, oldest out: the
# member pass parses a module and answers from its tree, so the pass over the archive that
# asks of every module (vet's _files_run) need not parse it again (issue 16: parsing is
# most of vetting). Only answers are kept, never trees (27 times the text's size).
MAX_REMEMBERED = 16_384
RememberedKey = tuple[bytes, int]  # (digest, top_only or CALLED)
_REMEMBERED: OrderedDict[RememberedKey, tuple[RunFile, ...]] = OrderedDict()


# Keys new to this process's answers since :func:`added` last asked; kept only once a
# helper process asks (it sends them back after each package: a copy of all 16,384 answers
# before and after each was ~1 ms of its every package, ADR 0186).
_ADDED: list[RememberedKey] | None = None


def added() -> dict[RememberedKey, tuple[RunFile, ...]]:
    """The answers this process kept since the last call (the first call starts the
    count, and answers nothing), those still kept."""
    global _ADDED
    keys, _ADDED = _ADDED or [], []
    return {key: _REMEMBERED[key] for key in keys if key in _REMEMBERED}


def remember(answers: Iterable[tuple[RememberedKey, tuple[RunFile, ...]]]) -> None:
    """Keep answers another process of this vetting computed (:mod:`spread`)."""
    for key, found in answers:
        _keep(key, found)


def _keep(key: RememberedKey, found: tuple[RunFile, ...]) -> None:
    """Keep one answer, the oldest out past :data:`MAX_REMEMBERED`."""
    if _ADDED is not None and key not in _REMEMBERED:
        _ADDED.append(key)
    _REMEMBERED[key] = found
    if len(_REMEMBERED) > MAX_REMEMBERED:
        _REMEMBERED.popitem(last=False)


def run_files(
    source: str, *, top_only: bool = False, tree: ast.Module | None = None
) -> list[RunFile]:
    """Calls in ``source`` that run the text of a file whose path folds to a constant.

    ``top_only``: only statements of the module level (an imported module; ``setup.py``
    runs everything it reaches, a module only its module level on import). ``tree``:
    ``ast.parse(source)`` when the caller has it (it is not parsed again)."""
    marked = any(word in source for word in WORDS) and _marked(source)
    if not marked and not (top_only and _starts_own(source)):
        return []
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest()
    key = (digest, top_only)
    known = _REMEMBERED.get(key)
    if known is None:
        own = top_only and _starts_own(source)
        if tree is None and own:
            tree = _parsed(source)
        if tree is not None and own and (digest, CALLED) not in _REMEMBERED:
            # One parse for both readings of a module that may start its own programs: on
            # import, and when called (:func:`programs_called`, asked later of the module).
            _keep((digest, CALLED), tuple(_programs_called(source, tree)))
        parses = tree is not None or not own
        known = tuple(_run_files(source, tree, top_only=top_only)) if parses else ()
        _keep(key, known)
    else:
        with contextlib.suppress(KeyError):  # another thread's call may have just evicted it
            _REMEMBERED.move_to_end(key)
    return list(known)


def programs_called(source: str, tree: ast.Module | None = None) -> list[RunFile]:
    """Programs a function of ``source`` starts by a path from the module's own folder
    (:data:`PROCESS`, as :func:`run_files` finds them on import; probe 17): they run when
    the function is called. Only asked of modules whose text may start one."""
    if not _starts_own(source):
        return []
    key = (hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest(), CALLED)
    known = _REMEMBERED.get(key)
    if known is None:
        known = tuple(_programs_called(source, tree))
        _keep(key, known)
    return list(known)


def _parsed(source: str) -> ast.Module | None:
    try:
        return parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _programs_called(source: str, tree: ast.Module | None) -> list[RunFile]:
    tree = tree if tree is not None else _parsed(source)
    if tree is None:
        return []
    folder = _Folder()
    nodes = walk(tree)
    for node in nodes:  # names of every scope: a function's own folder variable
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                folder.env.setdefault(target.id, node.value)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            folder.imported(node)
    top = {id(node) for node in _top(tree)}
    found: list[RunFile] = []
    for node in nodes:
        if not isinstance(node, ast.Call) or id(node) in top or not node.args:
            continue
        if folder.ref(node.func) in PROCESS_STARTS:
            program = _own_program(node.args[0], folder)
            if program is not None:
                found.append(RunFile(program, node.lineno, PROCESS))
    return found[:MAX_CALLED]


CALLED = 2  # the memo's key for :func:`programs_called` (``top_only`` is a bool)
MAX_CALLED = 64  # programs started when called, read per module


def _marked(source: str) -> bool:
    """Whether ``source`` names a loader or ``exec`` as a whole name."""
    return any(word in source for word in LOADER_WORDS) or EXEC_NAME.search(source) is not None


def _starts_own(source: str) -> bool:
    """Whether ``source`` may start a program by a path from its own folder (ADR 0101)."""
    return "__file__" in source and any(word in source for word in PROCESS_WORDS)


def _run_files(source: str, tree: ast.Module | None, *, top_only: bool) -> list[RunFile]:
    if tree is None:
        try:
            tree = parse_module(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
    folder = _Folder()
    nodes: list[ast.AST] = walk(tree) if not top_only else _top(tree)
    loops: list[ast.For | ast.AsyncFor | ast.comprehension] = []
    for node in nodes:  # names first: a name bound in a block is used after it
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                folder.env[target.id] = node.value
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            folder.imported(node)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            loops.append(node)
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            loops += node.generators
    for loop in loops:  # after the names: ``names = os.listdir(d); for n in names``
        folder.listed(loop.target, loop.iter)
    found: list[RunFile] = []
    try:
        _visit(tree, {}, folder, found, top_only=top_only)
    except RecursionError:
        return found
    return found


def _visit(
    node: ast.AST,
    opened: dict[str, ast.expr],
    folder: _Folder,
    found: list[RunFile],
    *,
    top_only: bool,
) -> None:
    """Runs in ``node``; ``opened``: the names ``with open(p) as f`` binds around it (the
    innermost ``with`` wins: ``f`` is reused for a version file and then for the README)."""
    if top_only and isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    ):
        return
    if isinstance(node, (ast.With, ast.AsyncWith)):
        inner = dict(opened)
        for item in node.items:
            _visit(item.context_expr, opened, folder, found, top_only=top_only)
            if isinstance(item.optional_vars, ast.Name):
                inner[item.optional_vars.id] = item.context_expr
        for statement in node.body:
            _visit(statement, inner, folder, found, top_only=top_only)
        return
    if isinstance(node, ast.Assign) and opened:
        for target in node.targets:
            if isinstance(target, ast.Name):
                folder.scopes[target.id] = opened
    if isinstance(node, ast.Call):
        hit = _run_call(node, folder, opened, programs=top_only)
        if hit is not None:
            found.append(hit)
    for child in children(node):
        _visit(child, opened, folder, found, top_only=top_only)


def _top(tree: ast.Module) -> list[ast.AST]:
    """Nodes of the module level: statements outside any function or class body."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(children(node)))
    return out


def _run_call(  # noqa: PLR0911 -- one case a run
    node: ast.Call, folder: _Folder, opened: dict[str, ast.expr], *, programs: bool
) -> RunFile | None:
    """The file ``node`` runs, if any; with ``programs``, also a program it starts by a path
    from the file's own folder (asked on import only: a build runs the scripts it ships)."""
    ref = folder.ref(node.func)
    if programs and ref in PROCESS_STARTS and node.args:
        program = _own_program(node.args[0], folder)
        return RunFile(program, node.lineno, PROCESS) if program is not None else None
    if ref in LOADERS and len(node.args) >= 2:
        path = folder.path(node.args[1])
        return RunFile(path, node.lineno, "importlib loader") if path is not None else None
    if ref in CONFIG_READERS and node.args:
        path = folder.path(node.args[0])
        return RunFile(path, node.lineno, LOG_CONFIG) if path is not None else None
    if ref in ("runpy.run_path", "run_path", "execfile") and node.args:
        path = folder.path(node.args[0])
        how = "execfile" if ref == "execfile" else "runpy.run_path"
        return RunFile(path, node.lineno, how) if path is not None else None
    if ref not in ("exec", "builtins.exec") or not node.args:
        return None
    code = node.args[0]
    if isinstance(code, ast.Name) and code.id in folder.env:
        opened = folder.scopes.get(code.id, opened)  # with open(p) as f: code = f.read()
        code = folder.env[code.id]  # code = compile(...); exec(code)
    if isinstance(code, ast.Call) and folder.ref(code.func) in ("compile", "builtins.compile"):
        if not code.args:
            return None
        code = code.args[0]
    path = folder.read_of(code, opened)
    return RunFile(path, node.lineno, "exec") if path is not None else None


def _own_program(command: ast.expr, folder: _Folder) -> str | None:
    """The path of the first word of ``command`` (a list's items, or a command line such as
    ``'node ' + path``) that is built from the file's own folder; None when none is."""
    items = command.elts if isinstance(command, (ast.List, ast.Tuple)) else [command]
    for item in items[:8]:
        text = folder.path(item)
        if text is None or HERE not in text:
            continue
        for word in text.split():
            if HERE in word:
                return word
    return None


def resolve_listed(target: str, runner: str, members: frozenset[str]) -> list[str]:
    """The archive members a listed path (:attr:`RunFile.listed`, folded in file
    ``runner``) may name: the pattern tried as :func:`resolve` tries a path (:func:`_tries`;
    an absolute pattern names none). Sorted; none when the pattern does not fold."""
    pattern = target.replace(LISTED, "")
    if UNFOLDED in pattern or WALK in pattern:
        return []
    found: set[str] = set()
    for path in _tries(pattern, runner):
        wanted = _glob(path)
        found |= {m for m in members if wanted.fullmatch(m)}
    return sorted(found - {runner})


def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as ``glob.glob`` reads it: ``*`` and ``?`` stay within one folder, ``**``
    (``rglob``, ``os.walk``) spans any number of folders, ``[...]`` is a set."""
    out = []
    for part in re.split(r"(\*\*/?|\*|\?|\[[^\]/]*\])", pattern):
        if part.startswith("**"):
            out.append("(?:[^/]*/)*" if part.endswith("/") else ".*")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        elif part.startswith("[") and len(part) > 2:
            body = part[1:-1].replace("\\", "\\\\").replace("^", "\\^")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def resolve(target: str, runner: str, members: frozenset[str]) -> str | None:
    """The archive member ``target`` (folded in file ``runner``) names, or None.

    A relative path is tried from the runner's folder (where ``setup.py`` runs) and from the
    archive's root folder; ``HERE`` is the runner's folder."""
    for name in _tries(target, runner):
        if name in members:
            return name
    return None


def _tries(target: str, runner: str) -> list[str]:
    """The member names a path folded in ``runner`` may mean, for :func:`resolve` and
    :func:`resolve_listed` alike: from the runner's folder, from the archive's top and from
    its root folder. An absolute path (``/tmp/x.py``, ``/tmp/*.py``) is outside the archive:
    it names no member (a member ``tmp/x.py`` is not ``/tmp/x.py``)."""
    folder = posixpath.dirname(runner)
    if HERE in target:
        tries = [anchored(target, runner)]
    elif target.startswith("/"):
        return []
    else:
        tries = [posixpath.join(folder, target), target]
        root = runner.split("/", 1)[0] if "/" in runner else ""
        if root:
            tries.append(posixpath.join(root, target))
    return [posixpath.normpath(path).lstrip("/") for path in tries]


def anchored(path: str, file: str) -> str:
    """``path`` folded in ``file`` with :data:`THIS_FILE` and :data:`HERE` put in as ``file``
    and its folder."""
    return path.replace(THIS_FILE, file).replace(HERE, posixpath.dirname(file))


def imported_names(target: str) -> list[tuple[str, str]]:
    """The (module, name) pairs imported names stand for in a folded path."""
    return [(m.group(1), m.group(2)) for m in IMPORTED_NAME.finditer(target)]


def module_member(module: str, runner: str, members: frozenset[str]) -> str | None:
    """The archive member of ``module`` as ``runner`` imports it: ``.config`` beside it,
    ``..config`` a folder up, ``pkg.config`` under any folder above the runner."""
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        folder = posixpath.dirname(runner)
        for _ in range(level - 1):
            folder = posixpath.dirname(folder)
        bases = [folder]
        rest = module[level:]
    else:
        parts = runner.split("/")[:-1]
        bases = ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]
        rest = module
    tail = rest.replace(".", "/")
    for base in bases:
        stem = posixpath.join(base, tail) if tail else base
        for name in (f"{stem}.py", f"{stem}/__init__.py"):
            if name in members:
                return name
    return None


def constant_of(source: str, name: str) -> str | None:
    """The path module-level ``name = ...`` of ``source`` folds to (names bound above it and
    ``__file__`` as :class:`_Folder` folds them), or None. Parsed only when the text binds
    the name."""
    if re.search(rf"^{re.escape(name)}\s*[:=]", source, re.MULTILINE) is None:
        return None
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    folder = _Folder()
    value: ast.expr | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target: ast.expr = stmt.targets[0]
            bound: ast.expr | None = stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, bound = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and bound is not None:
            folder.env[target.id] = bound
            if target.id == name:
                value = bound
    if value is None:
        return None
    try:
        folded = folder.path(value)
    except RecursionError:
        return None
    return None if folded is None or IMPORTED in folded else folded
