"""Judge pickled members (model files, ``.pkl``) by disassembly: never loaded (issue 16).

Pure. ``pickletools.genops`` walks the opcodes without building a single object. A pickle can
call any importable callable through ``GLOBAL``/``STACK_GLOBAL`` + ``REDUCE``; the globals it
names are compared with a list of callables that run code, spawn processes, open the network
or write files. Plain containers, numpy arrays and torch tensors name only harmless globals.

What it does not do: follow the arguments passed to an allowed global, or look inside a zip
(torch ``.pt``) beyond the ``data.pkl`` members the archive reader already hands over.
"""

from __future__ import annotations

import io

from airlock.imports.packages.rules import PackageFinding, Severity

PICKLE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth.tar", ".bin", ".joblib", ".ckpt", ".npy")
MAX_OPS = 2_000_000
DANGEROUS_MODULES = {
    "os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys", "socket", "shutil",
    "runpy", "importlib", "pty", "commands", "webbrowser", "requests", "urllib", "httplib",
    "http", "ctypes", "code", "codeop", "marshal", "pickle", "_pickle", "types", "asyncio",
    "multiprocessing", "platform", "pip", "setuptools", "base64", "zlib", "operator",
}  # fmt: skip
SAFE_BUILTINS = {"set", "frozenset", "slice", "complex", "bytearray", "range", "object"}


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
    import pickletools  # noqa: PLC0415 -- few packages ship a pickle: imported for those

    globals_seen: list[str] = []
    strings: list[str] = []
    try:
        for count, (op, arg, _) in enumerate(pickletools.genops(io.BytesIO(data)), start=1):
            if count > MAX_OPS:
                break
            if op.name in ("GLOBAL", "INST") and isinstance(arg, str):
                globals_seen.append(arg.replace(" ", "."))
            elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE") and isinstance(arg, str):
                strings.append(arg)
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                globals_seen.append(f"{strings[-2]}.{strings[-1]}")
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
    for name in sorted(set(globals_seen)):
        module, _, attr = name.rpartition(".")
        top = module.split(".")[0]
        if top in DANGEROUS_MODULES and not (top == "builtins" and attr in SAFE_BUILTINS):
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
