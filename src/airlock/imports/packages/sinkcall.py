"""What one sink call says beyond its kind: flags of the call, labels of what it returns.

Pure helpers of :meth:`flow.Interpreter.sink`, each reading the parts of one call already
evaluated: the source an ``exec`` runs (a bytes literal read as UTF-8), code spelt one
``chr`` at a time (ADR 0080), a process started hidden or detached, a clipboard read, a
file read whose path is a credential's, what comes back decoded though nobody decoded it
(a picture's hidden payload, bytecode read on import, a ``marshal`` literal), the name
a native library's functions are looked up under, the code ``python -c`` is handed and a
path that names a picture or a sound (ADR 0086).

Apart from :mod:`flow` because none of it walks: each is a small rule about one call, kept
beside the tables it reads. What it does not do: decide whether the call is a sink
(:func:`sinks.kind_of`) or what its event weighs (:mod:`chains`).
"""

from __future__ import annotations

import ast
import itertools
import re
from typing import TYPE_CHECKING

from airlock.imports.packages import envurl, flowtypes, pathshape, querycode
from airlock.imports.packages.fold import SPELT_MIN
from airlock.imports.packages.sinks import (
    DECODED,
    ENV,
    ENV_ALL,
    FILE,
    HOSTINFO,
    MEDIA_FILE,
    SECRET,
    SILENT,
    SILENT_BITS,
    SILENT_FLAGS,
    kind_of,
    secret_path,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

STEGANOGRAPHY = ("stegano.", "steganography.", "stegpy.", "lsb_steg.")
UNNAMED_LIBRARY = "?"
# Calls that read the file their first argument names (a browser's stores are SQLite).
FILE_READERS = {"open", "io.open", "sqlite3.connect"}
# Calls that return the bytes or text of a file shipped in a package, by the package's name
# (ADR 0098: ``exec(marshal.loads(pkgutil.get_data(__name__, 'c.bin')))``; the
# ``files(...).read_bytes()`` form already reads as a path's read).
PACKAGED_READS = frozenset({
    "pkgutil.get_data", "importlib.resources.read_binary", "importlib.resources.read_text",
    "importlib_resources.read_binary", "importlib_resources.read_text",
})  # fmt: skip


# Calls that take an argument list and start it without a shell unless asked.
LIST_RUNNERS = frozenset({
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen",
})  # fmt: skip
# A program name that is the Python interpreter (``python3.12``, ``C:\\Python\\pythonw.exe``).
PYTHON_PROGRAM = re.compile(r"(?:.*[/\\])?python[\d.]*w?(?:\.exe)?", re.IGNORECASE)


# A mark on a process event: the interpreter is started on literal ``-c`` code that only
# asks it a question (:func:`querycode.asks_only`) and that the flow pass read finding
# nothing (ADR 0152). The scorer then does not take the interpreter's ``-c`` flag for a
# download-and-run word.
INERT_CODE = "inert-code"


def inert_child(ref: str, node: ast.Call, code: str) -> bool:
    """Whether ``node`` starts the interpreter on ``code`` from a list with no shell, no
    other executable and no ``**options`` that may ask for either, and ``code`` only asks
    the interpreter a question."""
    if ref not in LIST_RUNNERS:
        return False
    for keyword in node.keywords:
        if keyword.arg is None or keyword.arg == "executable":
            return False
        shell = keyword.value
        if keyword.arg == "shell" and not (
            isinstance(shell, ast.Constant) and shell.value is False
        ):
            return False
    return querycode.asks_only(code)


def interpreter_code(node: ast.Call) -> str | None:
    """The source a started interpreter runs from ``-c``, when the command is a list written
    in the call: ``Popen([sys.executable, '-c', CODE])`` runs CODE as surely as ``exec(CODE)``
    does (ADR 0086: LiteLLM's ``.pth`` started its payload so). None when the program is not
    the interpreter or the code is not a literal (a command that does not fold is read as
    text, by :mod:`chains`)."""
    if not node.args or not isinstance(node.args[0], ast.List | ast.Tuple):
        return None
    items = node.args[0].elts
    if len(items) < 3 or not _interpreter(items[0]):
        return None
    for flag, code in itertools.pairwise(items[1:]):
        if isinstance(flag, ast.Constant) and flag.value == "-c":
            literal = code.value if isinstance(code, ast.Constant) else None
            return literal if isinstance(literal, str) else None
    return None


def _interpreter(program: ast.expr) -> bool:
    if isinstance(program, ast.Attribute):
        return _sys_executable(program)
    text = program.value if isinstance(program, ast.Constant) else None
    return isinstance(text, str) and PYTHON_PROGRAM.fullmatch(text) is not None


def _sys_executable(node: ast.Attribute) -> bool:
    owner = node.value
    return node.attr == "executable" and isinstance(owner, ast.Name) and owner.id == "sys"


def names_media(path: ast.expr) -> bool:
    """Whether a path expression ends in a picture's or a sound's name written in it
    (``os.path.join(here, 'docs.png')``, ``here / 'ring.wav'``), folded or not."""
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and MEDIA_FILE.search(n.value)
        for n in ast.walk(path)
    )


def exec_source(code: object) -> str | None:
    """The text ``exec`` runs for a folded argument: a string, or a bytes literal read as
    the UTF-8 source it spells (``exec(b'...')``); None for anything else."""
    if isinstance(code, bytes):
        return code.decode("utf-8", "replace")
    return code if isinstance(code, str) else None


def unreadable(ref: str, labels: frozenset[str], when: When) -> frozenset[str]:
    """Decoded, for what a call returns that nobody can read where it is kept: a payload
    read out of a picture's pixels (issue 16), bytecode read from a file on import (running
    it is obfuscated exec, ADR 0063; the load itself weighs as before)."""
    if ref.startswith(STEGANOGRAPHY):
        return frozenset({DECODED})
    if (
        ref in ("marshal.load", "marshal.loads")
        and FILE in labels
        and when is not flowtypes.When.LATER
    ):
        return frozenset({DECODED})
    return frozenset()


def written_in(kind: str, node: ast.Call, args: list[Val]) -> frozenset[str]:
    """Decoded, for an opaque load (``marshal.loads``) of bytes written in the code: a
    literal, or bytes the code builds from literals (``b'\\xe3' + body``, ADR 0113)."""
    first = node.args[0] if node.args else None
    literal = isinstance(first, ast.Constant) and isinstance(first.value, bytes)
    built = bool(args) and isinstance(args[0].const, bytes) and not args[0].labels
    return frozenset({DECODED}) if kind == "opaque-load" and (literal or built) else frozenset()


def library(name: str) -> str:
    """``ctypes.WinDLL('kernel32')``: its functions are named like ``ctypes.windll.x``."""
    return "ctypes.windll." + name.lower().rsplit("\\", 1)[-1].removesuffix(".dll")


def silent(kwargs: dict[str | None, Val], env: dict[str, Val]) -> bool:
    """A process started with no window or detached (``creationflags``, ``startupinfo``)."""
    for name in ("creationflags", "startupinfo"):
        value = kwargs.get(name)
        if value is None:
            continue
        if isinstance(value.const, int) and value.const & SILENT_BITS:
            return True
        if any(flag in value.ref or flag in value.shape for flag in SILENT_FLAGS):
            return True
        if SILENT in value.labels:
            return True
    return False


def names_url(value: object) -> bool:
    """Whether a folded argument is a URL written in the code (ADR 0083)."""
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def called_name(node: ast.Call, ref: str) -> str:
    """The method a call names (its receiver may not resolve), else the callee's name."""
    return node.func.attr if isinstance(node.func, ast.Attribute) else ref


def lists_secrets(folder: Val) -> bool:
    """Whether a folder listed (:data:`FOLDER_LISTINGS`) is a credential folder
    (``os.walk('~/.electrum/wallets')``): what the listing finds is read as a credential,
    as a glob pattern that names one is (probe 17)."""
    text = folder.const if isinstance(folder.const, str) else folder.shape
    return bool(text) and secret_path(text)


def walks_secrets(node: ast.Call, method: Val, consts: list[object]) -> bool:
    """Whether a path's own listing (``iterdir``, ``glob``, ``rglob``, ``walk``) is of a
    credential folder (the method keeps its folder as its shape) and picks more than
    public keys (probe 17)."""
    walks = isinstance(node.func, ast.Attribute) and node.func.attr in WALK_METHODS
    secret = bool(method.shape) and secret_path(method.shape)
    return walks and secret and not public_keys(node, consts)


WALK_METHODS = frozenset({"iterdir", "glob", "rglob", "walk"})


def public_keys(node: ast.Call, consts: list[object]) -> bool:
    """Whether a listing picks public keys only (``glob('*.pub')``, probe 17): an SSH
    client's or a cloud SDK's upload of one is what they are for."""
    picks = called_name(node, "") in ("glob", "rglob", "iglob")
    return picks and any(isinstance(c, str) and c.rstrip("*").endswith(".pub") for c in consts)


# Calls that list the folder their first argument names.
FOLDER_LISTINGS = frozenset({"os.walk", "os.fwalk", "os.listdir", "os.scandir"})


def all_written(given: list[Val]) -> bool:
    """Whether a call is given something and every value it is given folds to text (ADR
    0106: an upload whose destination and file are both the module's own). A flag or a
    number written beside them (``put('/models', 's3://b/m', recursive=True)``) is the
    module's too (ADR 0110)."""
    return bool(given) and all(isinstance(v.const, (str, int, float)) for v in given)


def chr_spelt(node: ast.expr) -> bool:
    """Whether ``node`` is a sum of at least :data:`fold.SPELT_MIN` ``chr(...)`` calls."""
    todo, calls, seen = [node], 0, 0
    while todo and seen < MAX_CHR_TERMS:
        part = todo.pop()
        seen += 1
        if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
            todo += [part.left, part.right]
        elif isinstance(part, ast.Call) and isinstance(part.func, ast.Name):
            calls += part.func.id == "chr"
    return calls >= SPELT_MIN


MAX_CHR_TERMS = 4096  # terms of a sum looked at for ``chr`` calls


def process_environ(node: ast.Call, ref: str, args: list[Val]) -> frozenset[str]:
    """:data:`sinks.ENV` for ``psutil.Process(pid).environ()`` (a process's environment, this
    one's or another's: ADR 0085), also on a process object whose maker did not resolve; with
    :data:`sinks.ENV_ALL`, as for a call handed the whole ``os.environ`` (``dict(os.environ)``,
    ``str(os.environ)``, ``json.dumps(os.environ)``; ADR 0093)."""
    named = called_name(node, ref) == "environ"
    if named and (not ref or ref.startswith("psutil.")):
        return frozenset({ENV, ENV_ALL})
    if any(a.ref in WHOLE_ENVIRON for a in args):
        return frozenset({ENV, ENV_ALL})
    return frozenset()


WHOLE_ENVIRON = frozenset({"os.environ", "os.environb"})
WHOLE = frozenset({ENV, ENV_ALL})


def whole_environ(value: Val) -> frozenset[str]:
    """:data:`sinks.ENV_ALL` for the mapping ``os.environ`` itself where it is spelt into text
    (``f'{os.environ}'``, ``'%s' % (os.environ,)``) or iterated (``{k: os.environ[k] for k in
    os.environ}``): every variable at once, as ``str(os.environ)`` is (ADR 0098)."""
    return WHOLE if value.ref in WHOLE_ENVIRON else frozenset()


def formatted_environ(
    interp: Interpreter, node: ast.BinOp, text: Val, given: Val, env: dict[str, Val]
) -> frozenset[str]:
    """:func:`whole_environ` of what ``'...%s' % X`` formats (``text`` is the left operand's
    value, ``given`` the right's): ``X``, or a tuple's items. Only a text's formatting is
    looked at (``i % n`` costs nothing more), and only a tuple's names and ``.environ``
    attributes are read again (reading one has no effect)."""
    if not (isinstance(node.op, ast.Mod) and isinstance(text.const, str)):
        return frozenset()
    if not isinstance(node.right, ast.Tuple):
        return whole_environ(given)
    for item in node.right.elts[:MAX_FORMATTED]:
        spelt = isinstance(item, ast.Name) or (
            isinstance(item, ast.Attribute) and item.attr in ("environ", "environb")
        )
        if spelt and whole_environ(interp.expr(item, env, flowtypes.When.LATER)):
            return WHOLE
    return frozenset()


MAX_FORMATTED = 16  # items of a ``%`` tuple looked at for the environment


def joined(node: ast.expr) -> str | None:
    """The separator of ``'.'.join([a, 'x', 'evil'])`` (a list or tuple written at the call,
    joined by a string written in the code): a name looked up is spelt in parts so
    (ADR 0098); None for any other expression."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        return None
    return node.func.value.value


def joined_list(node: ast.expr) -> ast.BinOp | None:
    """The list a command is joined from when it is built by ``+`` (``' '.join(['bash',
    '-c', CMD] + args)``, ``shlex.join(...)``): its words are read in parts (ADR 0153)."""
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return None
    built = node.args[0]
    if not (isinstance(built, ast.BinOp) and isinstance(built.op, ast.Add)):
        return None
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "join"):
        return None
    owner = func.value
    by_space = isinstance(owner, ast.Constant) and owner.value == " "
    by_shlex = isinstance(owner, ast.Name) and owner.id == "shlex"
    return built if by_space or by_shlex else None


def written_head(node: ast.expr, env: dict[str, Val]) -> bool:
    """Whether a command built from parts (``'curl … ' + x``, ``LIST + args``, an f-string,
    a joined list) starts with words that fold: its program is known (ADR 0153). A command
    whose program does not fold (versioneer's ``[command] + args``) is left unread, as a
    list whose first item does not fold is."""
    start = _command_start(node)
    if isinstance(start, bool):
        return start
    node = start
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.Attribute):  # ``sys.executable + ' -c …'``
        return _sys_executable(node)
    held = env.get(node.id) if isinstance(node, ast.Name) else None
    if held is not None and held.const is None:
        return bool(held.head)  # ``cmd + ' ' + x``, cmd built from a written start (0154)
    return held is not None and bool(held.const) and isinstance(held.const, (str, list))


def _command_start(node: ast.expr) -> ast.expr | bool:
    """The part a command built from parts starts with, or whether its program is known
    when its shape says so (a written template's own first word, an empty list)."""
    for _ in range(64):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            node = node.left
        elif (listed := joined_list(node)) is not None:
            node = listed
        elif isinstance(node, (ast.List, ast.Tuple, ast.JoinedStr)):
            parts = node.values if isinstance(node, ast.JoinedStr) else node.elts
            if not parts:
                return False
            node = parts[0]
        elif isinstance(node, ast.FormattedValue):  # ``f'{sys.executable} {p}'`` (ADR 0191)
            node = node.value
        elif (spelt := formatted(node)) is not None:  # ``'{} {}'.format(sys.executable, p)``
            head = _template_head(spelt[0])
            if head is None or (head == FIELD and not spelt[1]):
                return False
            if head != FIELD:
                return True  # the template's own words start the command
            node = spelt[1][0]
        else:
            break
    return node


FIELD = "{}"  # a template that starts with its first value


def _template_head(template: ast.expr) -> str | None:
    """How a written template starts: :data:`FIELD` when with its first value (``'{} …'``,
    ``'{0} …'``, ``'%s …'``), its first word when with its own text; None when it is not
    written, or starts with another field (``'{1} {0}'``)."""
    if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
        return None
    text = template.value.lstrip()
    if text.startswith(("{}", "{0}", "%s")):
        return FIELD
    if not text or text.startswith(("{", "%")):
        return None
    return text.split()[0]


def spelt(node: ast.expr) -> bool:
    """Whether a name is spelt in parts by a join or a template (:func:`joined`,
    :func:`formatted`)."""
    return joined(node) is not None or formatted(node) is not None or joined_list(node) is not None


def formatted(node: ast.expr) -> tuple[ast.expr, list[ast.expr]] | None:
    """The template and the values of ``'{}.x.evil'.format(a)`` and ``'%s.x.evil' % a``
    (a template written in the code or held in a name, its values by position): a name
    looked up is spelt so as often as by ``+`` or an f-string (probe 17); None for any
    other expression."""
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, (ast.Constant, ast.Name))
    ):
        right = node.right
        return node.left, list(right.elts) if isinstance(right, ast.Tuple) else [right]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, (ast.Constant, ast.Name))
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    ):
        return node.func.value, list(node.args)
    return None


def fill(template: str, parts: list[str], *, percent: bool) -> str | None:
    """``template`` with ``parts`` put in by position, or None when it does not take them
    so (named fields, other conversions, a count that differs)."""
    try:
        if percent:
            return template % tuple(parts) if PERCENT_ONLY.fullmatch(template) else None
        return None if FIELD_SPEC.search(template) else template.format(*parts)
    except (ValueError, TypeError, LookupError):
        return None


def spelt_shape(
    template: str,
    args: list[Val],
    kwargs: dict[str | None, Val],
    labels: frozenset[str],
    *,
    percent: bool = False,
) -> str:
    """The text of a template filled with values that do not all fold, when they carry
    host data (the environment, a secret, the host's facts): each value's text or shape,
    ``{}`` for one unknown, as an f-string's is (probe 17). Empty otherwise."""
    if not labels & CARRIED or len(args) > MAX_FORMATTED:
        return ""
    parts = [pathshape.shape_of(a) for a in args]
    if percent:
        return fill(template, parts, percent=True) or ""
    named = {k: pathshape.shape_of(v) for k, v in kwargs.items() if k is not None}
    if FIELD_SPEC.search(template):
        return ""
    try:
        return template.format(*parts, **named)
    except (ValueError, TypeError, LookupError, AttributeError):
        return ""


CARRIED = frozenset({ENV, ENV_ALL, SECRET, HOSTINFO, envurl.LED})  # what a spelt template keeps


# A ``format`` field with a spec, a conversion, an index or an attribute: only plain fields
# (``{}``, ``{0}``, ``{name}``) are filled, so no width read from the analysed code
# (``'{:>{}}'.format(x, 10**9)``) makes the filling allocate.
FIELD_SPEC = re.compile(r"\{[^{}]*[:!\[.]")
# A ``%`` template whose conversions are all ``%s`` (or ``%r``), as a name spelt by it is.
PERCENT_ONLY = re.compile(r"(?:[^%]|%%|%[sr])*", re.DOTALL)


def wrapped_socket(node: ast.Call, ref: str) -> str:
    """``socket.socket`` for ``ssl.wrap_socket(s)`` and ``context.wrap_socket(s)``: what is
    sent through the TLS socket is sent (ADR 0085); and for a socket's ``makefile()``: what
    is written to the file is sent (ADR 0193); else empty."""
    wraps = called_name(node, ref) == "wrap_socket" and (not ref or ref.startswith("ssl."))
    return "socket.socket" if wraps or ref == "socket.socket.makefile" else ""


def padded_sink(owner: str, name: Val) -> str:
    """``getattr(os, 'sys' + x + 'tem')``: the sink an attribute name that does not fold
    names by its known text (its head, or its known parts when its start is padded), when
    that text is a whole name of a sink of ``owner``; empty otherwise (ADR 0171). The
    unknown parts are read as empty, as a padded variable's name is (ADR 0169)."""
    if name.const is not None:
        return ""
    text = name.head or name.code
    if not text.isidentifier():
        return ""
    ref = flowtypes.canonical(f"{owner}.{text}")
    return ref if kind_of(ref) else ""
