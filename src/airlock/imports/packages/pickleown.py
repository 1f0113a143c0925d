"""Which of a package's own callables a pickle may call as data constructors (ADR 0135).

Pure. ADR 0124 drops a pickle's call of a *class* of the package's own modules (a CapWords
last name) and keeps its own *functions* held: ``pkg._helpers.run_cmd`` is a gadget the
pickle hands its arguments. A C extension type pickles through ``__reduce__`` as a call of a
reconstructor of its own compiled module handed the type (bitarray 3.12.3's test pickle:
``bitarray._bitarray._bitarray_reconstructor(bitarray.frozenbitarray, b'...', 'little',
1, 1)``), and its types are lower-case (``bitarray``, ``frozenbitarray``). Here an own name
is vouched for when the archive shows what it is:

* a class: the module it names (or the module that re-exports it) defines it with
  ``class``, or subclasses it there (``class frozenbitarray(bitarray)``: a base is a type);
* a reconstructor (``_reconstruct``, ``_reconstructor``, ``_rebuild``, ``_unpickle``...)
  of the package's own *native* module: one shipped compiled (``.so``, ``.pyd``) or as C,
  C++ or Cython source (an sdist), and not as Python (``.py``, ``.pyc``) under that name.
  The pickle only reaches code the package already runs natively when it is imported.

What it does not do: read the native code (a reconstructor that runs a command is native
code the package runs anyway; the native checks judge it), vouch for an own function of a
Python module under any name (its body is readable, but the pickle picks its arguments),
a native function not named as a reconstructor, or a name the package rebinds (bound twice
at a module's top level, or set as an attribute or by ``setattr`` with its name written
anywhere in the package). It follows a re-export at most :data:`MAX_HOPS` modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from airlock.imports.packages.local import IDENTIFIER, LocalModules, absolute

# How extension types name the function their ``__reduce__`` returns (CPython's own
# ``copyreg._reconstructor``, numpy's ``_reconstruct``, torch's ``_rebuild_*``, Cython's
# ``__pyx_unpickle_*``, bitarray's ``_bitarray_reconstructor``).
RECONSTRUCTOR = re.compile(r"(?:^|_)(?:reconstruct(?:or)?|rebuild|unpickle)(?:_|$)", re.I)
# A compiled module (``_x.cpython-311-x86_64-linux-gnu.so``, ``_x.pyd``) or its source.
NATIVE = (".so", ".pyd", ".c", ".cc", ".cpp", ".cxx", ".pyx")
MAX_HOPS = 3


def native_modules(paths: Iterable[str], *, sdist: bool) -> frozenset[str]:
    """Dotted names of the modules an archive ships as native code or its source, less
    those it also ships as Python (``.py``, ``.pyc``, a package folder)."""
    native: set[str] = set()
    python: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if sdist:
            parts = parts[1:]
            if len(parts) > 1 and parts[0] in ("src", "lib"):
                parts = parts[1:]
        if not parts:
            continue
        stem = parts[-1].split(".", 1)[0]
        dotted = [*parts[:-1], stem]
        if not all(IDENTIFIER.match(p) for p in dotted):
            continue
        if parts[-1].endswith(NATIVE):
            native.add(".".join(dotted))
        elif parts[-1].endswith((".py", ".pyc")):
            python.add(".".join(dotted))
            python.add(".".join(parts[:-1]))  # ``pkg/_x/__init__.py`` is module ``pkg._x``
    return frozenset(native - python)


def vouched(  # noqa: PLR0911 -- one answer per thing the name turns out to be
    how: str, name: str, package: LocalModules, natives: frozenset[str]
) -> bool:
    """Whether the package's own ``name``, called (``how``), is a class or a native
    reconstructor as the module docstring says."""
    if how != "call" or name.endswith("()") or name.split(".", 1)[0] not in package.tops:
        return False
    module, _, attr = name.rpartition(".")
    if _rebound_anywhere(package, attr):
        return False
    for _ in range(MAX_HOPS):
        if module in natives:
            return bool(RECONSTRUCTOR.search(attr))
        names = package.top_names(module)
        if names is None or _bindings(package, module, attr) > 1:
            return False
        if attr in names.defined:
            return isinstance(names.defined[attr], ast.ClassDef)
        if _subclassed(package, module, attr):
            return True
        ref = names.imported.get(attr)
        if ref is None:
            return False
        module, _, attr = absolute(ref, module, package.is_package(module)).rpartition(".")
    return False


def _subclassed(package: LocalModules, module: str, attr: str) -> bool:
    """Whether a class at the module's top level names ``attr`` as a base."""
    tree = package.parsed(module)
    return tree is not None and any(
        isinstance(base, ast.Name) and base.id == attr
        for statement in tree.body
        if isinstance(statement, ast.ClassDef)
        for base in statement.bases
    )


def _bindings(package: LocalModules, module: str, attr: str) -> int:
    """How many statements of the module's top level bind ``attr``: a class first made and
    then rebound (``class thing: ...`` then ``thing = os.system``) is no longer a class."""
    tree = package.parsed(module)
    if tree is None:
        return 0
    count = 0
    for statement in tree.body:
        if isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            count += statement.name == attr
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            count += sum((a.asname or a.name).split(".")[0] == attr for a in statement.names)
        else:
            # Assignments, loops, ``with ... as``, ``try`` bodies: any name stored there.
            count += any(
                isinstance(n, ast.Name) and n.id == attr and isinstance(n.ctx, ast.Store)
                for n in ast.walk(statement)
            )
    return count


def _rebound_anywhere(package: LocalModules, attr: str) -> bool:
    """Whether any module of the package may set an attribute named ``attr`` (``pkg.thing =
    os.system``, ``setattr(pkg, 'thing', f)``): then the name need not be what it was.
    A name set through ``globals()``, ``__dict__`` or a computed ``setattr`` is not seen."""
    name = re.escape(attr.encode())
    stored = re.compile(rb"\." + name + rb"\s*=(?!=)|setattr\([^,()]*,\s*['\"]" + name + rb"['\"]")
    for _path, data in package.sources.values():
        if attr.encode() in data and stored.search(data):
            return True
    return False
