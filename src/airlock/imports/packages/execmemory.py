"""Code put in memory and run there on Linux and macOS (issue 16; ADR 0113). Pure.

Windows shellcode loaders name themselves (``VirtualAlloc``, ``RtlMoveMemory``,
``CreateThread``: :data:`sinks.MEMORY_CALLS`). The POSIX loader names nothing of the kind:
``mmap.mmap(-1, n, prot=PROT_READ | PROT_WRITE | PROT_EXEC)`` (or ``mprotect`` adding the
exec bit to a buffer), bytes written in, and a ctypes prototype called on the address
(``CFUNCTYPE(None)(addressof(...))()``, ``cast(buf, CFUNCTYPE(None))()``). Both were
allowed on import. The shape of each call is read here; :func:`chains._memory` judges them
together, as it does the Windows calls.

cffi makes the same function of an address by a C type: ``ffi.cast('void(*)(void)',
ffi.from_buffer(m))()`` (ADR 0119). A cast to a function pointer weighs, as a ctypes
prototype does, only beside memory made executable: bindings cast library pointers so.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages.runfile import dotted

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Val

EXEC_BIT = 4  # PROT_EXEC on Linux, macOS and the BSDs
EXEC_FLAGS = frozenset({"PROT_EXEC", "PAGE_EXECUTE_READWRITE", "PAGE_EXECUTE_READ"})
PROTOTYPES = ("CFUNCTYPE", "PYFUNCTYPE", "WINFUNCTYPE", "FUNCTYPE")
# The event names the judgment reads (the leaf of an event's callee).
EXEC_MAPS = frozenset({"mmap", "mprotect"})  # leaves: ``mmap.mmap`` and libc's
STARTS = frozenset({"prototype-on-address", "cast-to-prototype"})
# A C library's functions, as the flow pass names them (``ctypes.CDLL(None).mmap``,
# ``ffi.dlopen(None).mmap``: :func:`sinkcall.library`).
LIBRARIES = ("ctypes.windll.", "ctypes.cdll.", "ctypes.CDLL.")
MMAP_PROT_AT = 3  # ``mmap.mmap(fileno, length, flags, prot)`` on POSIX
MPROTECT_PROT_AT = 2  # ``mprotect(addr, len, prot)``


def _exec_flag(node: ast.expr | None, value: Val | None) -> bool:
    """``PROT_EXEC`` named in the expression, or a folded protection with the exec bit."""
    if node is None:
        return False
    if value is not None and type(value.const) is int and value.const & EXEC_BIT:
        return True
    return any(
        (isinstance(n, ast.Attribute) and n.attr in EXEC_FLAGS)
        or (isinstance(n, ast.Name) and n.id in EXEC_FLAGS)
        for n in ast.walk(node)
    )


def _prototype(node: ast.expr) -> bool:
    """``CFUNCTYPE(None, c_int)`` (or another ctypes prototype), however imported."""
    return isinstance(node, ast.Call) and dotted(node.func).rpartition(".")[2] in PROTOTYPES


def _positional(node: ast.Call, args: list[Val], at: int) -> tuple[ast.expr | None, Val | None]:
    if len(node.args) > at and not any(isinstance(a, ast.Starred) for a in node.args[: at + 1]):
        return node.args[at], args[at] if len(args) > at else None
    return None, None


def callee(ref: str, node: ast.Call, args: list[Val], kwargs: dict[str | None, Val]) -> str:
    """The memory event's callee when this call makes memory executable or makes a function
    of an address; "" otherwise (an ``mmap`` of a file, a callback made of a function)."""
    leaf = ref.rpartition(".")[2]
    if ref == "mmap.mmap":
        prot = next((k.value for k in node.keywords if k.arg == "prot"), None)
        if prot is not None:
            executable = _exec_flag(prot, kwargs.get("prot"))
        else:
            executable = _exec_flag(*_positional(node, args, MMAP_PROT_AT))
        return "mmap.mmap" if executable else ""
    if leaf == "mprotect" or (leaf == "mmap" and ref.startswith(LIBRARIES)):
        # libc's own ``mmap(addr, len, prot, ...)`` through ctypes or cffi too (ADR 0119).
        return ref if _exec_flag(*_positional(node, args, MPROTECT_PROT_AT)) else ""
    if _prototype(node.func) and len(node.args) == 1:
        first = node.args[0]
        value = args[0] if args else None
        # A callback (a function, a lambda, an imported name) or ``(name, dll)``; a name
        # holding what no import or definition gave is taken as an address.
        made_of_function = (
            isinstance(first, (ast.Lambda, ast.Tuple))
            or (value is not None and (value.func is not None or bool(value.ref)))
            or (value is None and isinstance(first, (ast.Name, ast.Attribute)))
        )
        return "" if made_of_function else "ctypes.prototype-on-address"
    return _cast(ref, node, args) if leaf == "cast" and len(node.args) == 2 else ""


def _cast(ref: str, node: ast.Call, args: list[Val]) -> str:
    """``ctypes.cast(x, CFUNCTYPE(None))``, ``ffi.cast('void(*)(void)', x)`` (ADR 0119)."""
    if ref.startswith("ctypes."):
        return "ctypes.cast-to-prototype" if _prototype(node.args[1]) else ""
    if ref.startswith("cffi."):
        return "cffi.cast-to-prototype" if _function_pointer(args[0] if args else None) else ""
    return ""


def _function_pointer(value: Val | None) -> bool:
    """A cffi C type naming a function pointer (``'void(*)(void)'``, ``'int (*)(int)'``)."""
    const = value.const if value is not None else None
    return isinstance(const, str) and "(*" in const.replace(" ", "")
