"""Calls nobody writes: what runs a function with no call of it in the source (issue 16).

Two kinds, as data for :class:`flow.Interpreter`, which evaluates the function at the
place each names:

* functions handed to something that calls them later: a thread's target, an exit, trace,
  audit or signal hook (:data:`CALLBACKS`), a key listener's callback (:data:`KEY_HOOKS`),
  a hook set by assignment (``sys.excepthook = f``, :data:`HOOK_ATTRS`);
* special methods the language calls on an object of a local class: an operator's
  (:data:`OPERATORS`), a builtin's (``str(k)``, :data:`IMPLICIT`), a property's getter,
  an Enum's member makers, a module's ``__getattr__`` (PEP 562), and what a swapped
  ``__class__`` runs on every attribute read.

Apart from :mod:`flow` because these are tables of the language and its library, read by
the walk and by :mod:`handed` and :mod:`protocol`; nothing here walks or decides. What it
does not list: sinks (:mod:`sinks`), import hooks (:mod:`importhooks`).
"""

from __future__ import annotations

import ast

# Calls that run a function they are given: ``Thread(target=f).start()`` on import runs f.
THREADS = {"threading.Thread", "threading.Timer", "multiprocessing.Process"}
# Registrars of a function that then runs with nobody calling it: the argument it takes.
CALLBACKS = {
    "atexit.register": 0, "sys.settrace": 0, "sys.setprofile": 0, "threading.settrace": 0,
    "threading.setprofile": 0, "sys.addaudithook": 0, "signal.signal": 1,
    # ADR 0039: a finaliser, a codec search function (asked for every unknown encoding).
    "weakref.finalize": 1, "codecs.register": 0,
    # ADR 0057: called at the next garbage collection; called now under the debugger.
    "gc.callbacks.append": 0, "pdb.runcall": 0,
}  # fmt: skip
# Registrars of a function called with each key pressed (a keylogger's source).
KEY_HOOKS = {
    "pynput.keyboard.Listener", "pynput.keyboard.GlobalHotKeys", "keyboard.on_press",
    "keyboard.on_release", "keyboard.hook", "keyboard.on_press_key", "keyboard.on_release_key",
    "keyboard.hook_key",
}  # fmt: skip
# Hooks set by assignment: the interpreter calls them on an uncaught exception, an
# unraisable one, a value shown at the prompt or ``breakpoint()`` (ADR 0039).
HOOK_ATTRS = {
    "sys.excepthook", "sys.unraisablehook", "sys.displayhook", "sys.breakpointhook",
    "threading.excepthook",
}  # fmt: skip
# Wrappers whose value, called, calls what they were given with the same arguments.
# ``functools.wraps(w)`` is named ``functools.wraps()``: it is one of them (ADR 0181).
WRAPS = "functools.wraps"
# ``functools.update_wrapper(wrapper, wrapped)`` hands back its first argument (ADR 0183).
UPDATE_WRAPPER = "functools.update_wrapper"
TRANSPARENT = frozenset({
    "staticmethod", "classmethod", "functools.singledispatch", "functools.cache",
    "functools.lru_cache", "functools.cached_property", "property", f"{WRAPS}()",
})  # fmt: skip
# Binary operators by the name of their special method (``__add__``, ``__radd__``).
OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul",
    ast.Div: "truediv", ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow",
    ast.LShift: "lshift", ast.RShift: "rshift", ast.BitOr: "or", ast.BitXor: "xor",
    ast.BitAnd: "and",
}  # fmt: skip
# Builtins that call a special method of their first argument.
IMPLICIT: dict[str, tuple[str, ...]] = {
    "str": ("__str__", "__repr__"), "repr": ("__repr__",), "format": ("__format__", "__str__"),
    "len": ("__len__",), "bool": ("__bool__", "__len__"), "iter": ("__iter__",),
    "next": ("__next__",), "hash": ("__hash__",), "abs": ("__abs__",), "int": ("__int__",),
    "float": ("__float__",), "bytes": ("__bytes__",), "list": ("__iter__",),
    "tuple": ("__iter__",), "sorted": ("__iter__",), "print": ("__str__", "__repr__"),
    "reversed": ("__reversed__", "__len__"), "set": ("__iter__",), "dict": ("__iter__",),
}  # fmt: skip
PROPERTIES = ("property", "cached_property")
# Module-level functions the language calls on the module (PEP 562) with no call written.
MODULE_HOOKS = frozenset({"__getattr__"})
# What reading or writing an attribute of an object calls, once its class is swapped.
SWAPPED_HOOKS = ("__getattr__", "__getattribute__", "__setattr__", "__dir__")
# What making an Enum's members calls, and the names its classes are imported under.
ENUM_HOOKS = ("__new__", "__init__", "_generate_next_value_")
ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
# Annotations that name a type or are text: evaluating them can run nothing.
PLAIN_ANNOTATIONS = (ast.Name, ast.Attribute, ast.Constant)


def hands_on_call(called: str, classes: dict[str, ast.ClassDef]) -> bool:
    """A call that registers a hook, starts a thread or makes a local class's instance."""
    return (
        called in CALLBACKS
        or called in THREADS
        or called in classes
        or (called == "os.register_at_fork")
    )
