"""Judge pickled members (model files, ``.pkl``) by disassembly: never loaded (issue 16).

Pure. :mod:`pickleops` walks the opcodes without building a single object, as
``pickletools.genops`` does (and faster, ADR 0065). A pickle can
call any importable callable through ``GLOBAL``/``STACK_GLOBAL`` + ``REDUCE``; the globals it
names are compared with a list of callables that run code, spawn processes, open the network
or write files. Plain containers, numpy arrays and torch tensors name only harmless globals.

What it does not do: follow the arguments passed to an allowed global, or look inside a zip
(torch ``.pt``) beyond the ``data.pkl`` members the archive reader already hands over.
"""

from __future__ import annotations

import functools

from airlock.imports.packages.pickleops import opcodes
from airlock.imports.packages.rules import PackageFinding, Severity

PICKLE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth.tar", ".bin", ".joblib", ".ckpt", ".npy")
MAX_OPS = 2_000_000
DANGEROUS_MODULES = {
    "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys", "socket", "shutil",
    "runpy", "importlib", "pty", "commands", "webbrowser", "requests", "urllib", "httplib",
    "http", "ctypes", "code", "codeop", "marshal", "pickle", "_pickle", "types", "asyncio",
    "multiprocessing", "platform", "pip", "setuptools", "base64", "zlib", "operator",
}  # fmt: skip
# Callables outside those modules that run code, a command or another loader when a pickle
# calls them (ADR 0120): published scanner bypasses (``pkgutil.resolve_name`` hands back
# ``os.system``; ``timeit``, the profilers and debuggers ``exec`` a string;
# ``numpy.testing``'s ``runstring``), and loaders that unpickle or fetch again. A name
# matches itself and what it holds (``torch.hub`` matches ``torch.hub.load``).
RUNS_CODE = (
    "pkgutil", "timeit", "cProfile", "profile", "pdb", "bdb", "trace", "doctest", "idlelib",
    "_posixsubprocess", "uuid._get_command_stdout", "venv", "ensurepip", "imp", "zipimport",
    "lib2to3", "numpy.testing", "numpy.f2py", "numpy.load", "numpy.lib.npyio.load",
    "pandas.read_pickle", "pandas.io.pickle", "torch.load", "torch.serialization.load",
    "torch.hub", "joblib.load", "joblib.numpy_pickle.load", "dill.load", "dill.loads",
    "cloudpickle.load", "cloudpickle.loads",
)  # fmt: skip
# Constructors of plain values: calling one builds the value and runs nothing else (pickle
# protocol 4+ names them through STACK_GLOBAL, e.g. Sphinx's environment.pickle: dict).
SAFE_BUILTINS = {
    "set", "frozenset", "slice", "complex", "bytearray", "range", "object",
    "dict", "list", "tuple", "str", "bytes", "int", "float", "bool",
}  # fmt: skip


def looks_pickled(name: str, data: bytes) -> bool:
    """Protocol 2+ pickles start with PROTO; older ones are judged by their name."""
    if name.endswith(".npy"):
        return False  # numpy's own header; object arrays hold a pickle after it (not parsed)
    return (len(data) > 2 and data[0] == 0x80 and data[1] <= 5) or name.endswith(
        (".pkl", ".pickle")
    )


def sniffed_pickle(data: bytes) -> bool:
    """Whether ``data``, whatever its name, has a protocol 2+ pickle's first and last
    opcodes (``PROTO n`` ... ``STOP``)."""
    return len(data) > 3 and data[0] == 0x80 and 2 <= data[1] <= 5 and data.rstrip()[-1:] == b"."


def scan_pickle(path: str, data: bytes) -> list[PackageFinding]:
    """Findings for one pickle: dangerous globals deny, an unreadable stream holds."""
    globals_seen: list[str] = []
    try:
        _read_globals(data, globals_seen)
    except (ValueError, EOFError, KeyError, UnicodeDecodeError, IndexError) as e:
        if not globals_seen:
            return [
                PackageFinding(
                    "unreadable-pickle",
                    path,
                    0,
                    Severity.HIGH,
                    f"pickle could not be disassembled ({type(e).__name__}); loading it runs code",
                )
            ]
    found = []
    if UNRESOLVED in globals_seen:
        found.append(
            PackageFinding(
                "unreadable-pickle",
                path,
                0,
                Severity.HIGH,
                "pickle imports a callable whose name it builds on the stack rather than "
                "spells; loading it runs code",
            )
        )
    for name in sorted(set(globals_seen) - {UNRESOLVED}):
        module, _, attr = name.rpartition(".")
        top = module.split(".")[0]
        dangerous = top in DANGEROUS_MODULES and not (top == "builtins" and attr in SAFE_BUILTINS)
        if dangerous or runs_code(name):
            found.append(
                PackageFinding(
                    "pickle-exec",
                    path,
                    0,
                    Severity.CRITICAL,
                    f"unpickling calls {name}: loading this file runs code",
                )
            )
    if not found and globals_seen:
        found.append(
            PackageFinding(
                "pickle-globals",
                path,
                0,
                Severity.MEDIUM,
                f"pickle imports {len(set(globals_seen))} callables, e.g. {globals_seen[0]}",
            )
        )
    return found


UNRESOLVED = "?.?"  # a STACK_GLOBAL whose module and name are not text the stream spelled
_TEXT_OPS = {
    "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE",
    "STRING", "BINSTRING", "SHORT_BINSTRING",  # decoded to str by the Unpickler (ASCII)
}  # fmt: skip
_GETS = {"GET", "BINGET", "LONG_BINGET"}
_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}


def _read_globals(data: bytes, seen: list[str]) -> None:  # noqa: PLR0912 -- one branch per role
    """Every global the stream would import, into ``seen``, with the stack modelled the way
    the Unpickler keeps it (texts, the memo, and MARKs as a stack of stacks), so that
    ``STACK_GLOBAL`` is named by the two items it really takes: a module name fetched from
    the memo (how every pickler of protocol 4+ writes a module's second class), or texts
    pushed earlier and uncovered by ``POP``, are not mistaken for the last two texts
    written. One whose items are not text is :data:`UNRESOLVED`.

    Raises:
        ValueError: the stream takes more from the stack than it put there.
    """
    roles = _roles()
    stack: list[object] = []
    marked: list[list[object]] = []  # the stacks a MARK set aside, as the Unpickler keeps them
    memo: dict[int, object] = {}
    count = 0
    for code, arg in opcodes(data):
        count += 1
        if count > MAX_OPS:
            return
        role, to_mark, fixed, pushed = roles[code]
        if role == _PUT:
            memo[len(memo) if code == _MEMOIZE else arg] = _top(stack)
            continue
        if role == _MARK:
            marked.append(stack)
            stack = []
            continue
        if to_mark:
            if not marked:
                raise ValueError("the pickle takes items down to a MARK it never set")
            stack = marked.pop()
        if fixed:
            if fixed > len(stack):
                raise ValueError("the pickle takes more from the stack than it put there")
            taken = stack[-fixed:]
            del stack[-fixed:]
        if role == _PLAIN:
            if pushed == 1:
                stack.append(None)
            elif pushed:
                stack.extend([None] * pushed)  # DUP
        elif role == _GET:
            stack.append(memo.get(arg))
        elif role == _TEXT:
            stack.append(arg if isinstance(arg, str) else None)
        elif role == _STACK_GLOBAL:
            module, attr = taken
            both = isinstance(module, str) and isinstance(attr, str)
            seen.append(f"{module}.{attr}" if both else UNRESOLVED)
            stack.append(None)
        else:  # GLOBAL, INST
            if isinstance(arg, str):
                seen.append(arg.replace(" ", "."))
            stack.extend([None] * pushed)


# What an opcode does to the modelled stack, beyond taking and pushing plain items.
_PLAIN, _PUT, _MARK, _GET, _TEXT, _STACK_GLOBAL, _NAMED = range(7)
_MEMOIZE = 0x94  # pickle.MEMOIZE: a PUT whose index is the memo's size


@functools.cache
def _roles() -> tuple[tuple[int, bool, int, int], ...]:
    """Per opcode byte: its role, whether it takes items down to a MARK, how many fixed
    items it takes (under the MARK's, if any) and how many it pushes (``pickletools``' stack
    notation)."""
    import pickletools  # noqa: PLC0415 -- few packages ship a pickle: imported for those

    table = [(_PLAIN, False, 0, 0)] * 256
    for op in pickletools.opcodes:
        before = op.stack_before
        to_mark = pickletools.markobject in before
        fixed = before.index(pickletools.markobject) if to_mark else len(before)
        name = op.name
        role = (
            _PUT if name == "MEMOIZE" or name in _PUTS
            else _MARK if name == "MARK"
            else _GET if name in _GETS
            else _TEXT if name in _TEXT_OPS
            else _STACK_GLOBAL if name == "STACK_GLOBAL"
            else _NAMED if name in ("GLOBAL", "INST")
            else _PLAIN
        )  # fmt: skip
        table[ord(op.code)] = (role, to_mark, fixed, len(op.stack_after))
    return tuple(table)


def _top(stack: list[object]) -> object:
    if not stack:
        raise ValueError("the pickle memoizes from an empty stack")
    return stack[-1]


def runs_code(name: str) -> bool:
    """Whether the dotted callable ``name`` is one of :data:`RUNS_CODE` or inside one."""
    return any(name == p or name.startswith(p + ".") for p in RUNS_CODE)
