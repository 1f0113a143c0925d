"""Judge pickled members (model files, ``.pkl``) by disassembly: never loaded (issue 16).

Pure. :mod:`pickleops` walks the opcodes without building a single object, as
``pickletools.genops`` does (and faster, ADR 0065). A pickle can
call any importable callable through ``GLOBAL``/``STACK_GLOBAL`` + ``REDUCE``; the globals it
names are compared with a list of callables that run code, spawn processes, open the network
or write files. Plain containers, numpy arrays and torch tensors name only harmless globals.

Behind that denylist, each call the stream makes (``REDUCE``, ``NEWOBJ``, ``BUILD``...) is
judged by :mod:`pickleallow`'s allowlist of data constructors, and one nobody vouches for
holds (ADR 0124); a global handed to a call is judged as called, and the pickle
``torch.storage._load_from_bytes`` carries is read as one of its own.

What it does not do: follow values other than globals, texts, tuples and bytes through the
stack, or look inside a zip (torch ``.pt``) beyond the ``data.pkl`` members the archive
reader and :mod:`modelzips` hand over.
"""

from __future__ import annotations

from airlock.imports.packages.pickleallow import SAFE_BUILTINS, unlisted
from airlock.imports.packages.picklestack import UNRESOLVED, read_pickles
from airlock.imports.packages.rules import PackageFinding, PickleCallFinding, Severity

PICKLE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth.tar", ".bin", ".joblib", ".ckpt", ".npy")
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
    """Findings for one pickle (or a file of pickles one after another): dangerous globals
    deny, a call no allowlist vouches for holds (ADR 0124), an unreadable stream holds."""
    globals_seen: list[str] = []
    calls: list[tuple[str, str]] = []
    try:
        read_pickles(data, globals_seen, calls)
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
        # Protocols 0-2 name builtins ``__builtin__`` (``__builtin__.object`` is how a
        # class's instance is rebuilt at protocols 0 and 1).
        plain = top in ("builtins", "__builtin__") and attr in SAFE_BUILTINS
        dangerous = top in DANGEROUS_MODULES and not plain
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
    held = unlisted(calls)
    if held and not any(f.rule == "pickle-exec" for f in found):
        found.append(call_finding(path, held))
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


# How the explanation of a ``pickle-call`` finding names each call.
CALL_WORDS = {"call": "called", "build": "restored", "new": "made"}
MAX_NAMED = 6  # calls the explanation names; :attr:`rules.PickleCallFinding.calls` holds them all


def call_finding(
    path: str, held: list[tuple[str, str]], severity: Severity = Severity.HIGH, extra: str = ""
) -> PickleCallFinding:
    """A ``pickle-call`` finding naming each call in ``held`` (``(how, name)``)."""
    named = ", ".join(f"`{name}` ({CALL_WORDS[how]})" for how, name in held[:MAX_NAMED])
    more = f" and {len(held) - MAX_NAMED} more" if len(held) > MAX_NAMED else ""
    return PickleCallFinding(
        "pickle-call",
        path,
        0,
        severity,
        f"unpickling runs {named}{more}{extra}: no allowlist of data constructors names "
        "them (ADR 0124), and loading this file runs each with arguments the file chose "
        "(a restored object's __setstate__ runs on its state). Approve only if each is a "
        "library's constructor of data you trust; weights as safetensors, or a state dict "
        "that torch.load(weights_only=True) reads, need none",
        tuple(held),
    )


def runs_code(name: str) -> bool:
    """Whether the dotted callable ``name`` is one of :data:`RUNS_CODE` or inside one."""
    return any(name == p or name.startswith(p + ".") for p in RUNS_CODE)
