"""What a module's top level does on import, read from its tree (issue 16, ADR 0176). Pure.

The cross-file pass starts from an ordinary module when its top level uses a name it
imports from its archive, or calls something that may (ADR 0170). Reading that from the
text meant blanking strings and comments and finding functions' bodies in every module that
imports from its archive: a fifth of the batch's time went there, although the module's own
pass has already parsed it. On the tree the question is exact and cheap: only the module
level is walked, not the functions' bodies, which run when called.

What is kept (:class:`ModuleLevel`) depends on the module's bytes alone, so it is the same
answer whoever parses the module, and it can be kept by digest for an identical module in
another archive (a wheel and its sdist).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from airlock.imports.packages.astwalk import children

# A program or a script started by path (``subprocess.call([sys.executable, a.P])``,
# ``runpy.run_path(P)``, ``exec(open(P).read())``): shared with the text test of
# ``setup.py`` and ``__init__.py`` (:data:`crossfile.RUNS_FILE`).
RUNS_FILE_CALLS = (
    r"(?:subprocess\.\w+|os\.(?:system|popen|exec\w*|spawn\w*|startfile|posix_spawn\w*)"
    r"|runpy\.run_\w+|pty\.spawn|exec)"
)
_RUNS_FILE_NAME = re.compile(r"(?:^|\.)" + RUNS_FILE_CALLS + r"\Z")
# Builtins that run the text they are given, and modules whose calls register a function the
# interpreter calls later (``implicit.CALLBACKS``; not ``sys``, called by most modules).
RUNS_TEXT = frozenset({"exec", "eval", "atexit", "codecs"})
_LITERAL_MODULE = re.compile(r"[\w.]+")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True, slots=True)
class ModuleLevel:
    """What runs when a module is imported, outside its functions' bodies.

    ``used_from``: modules (as written: ``.zz``, ``evpkg.zz``, ``.``) from which a
    module-level import binds a name the module level uses, called or not (``g = go; g(P)``,
    ``getattr(zz, 'go')(P)``, a base class, a decorator).
    ``calls_own``: it calls a function or class it defines, whose body may call an imported
    name (``K()``, ``@deco``, ``class J(K)``, ``K[int]``), or ``exec``, ``eval``, ``atexit``
    or ``codecs``.
    ``runs_file``: it starts a program or a script by path. ``imports_by_name``: it calls
    ``__import__`` or ``import_module`` with a literal name. ``calls``: it calls anything."""

    used_from: frozenset[str]
    calls_own: bool
    runs_file: bool
    imports_by_name: bool
    calls: bool


def module_level(tree: ast.Module) -> ModuleLevel:
    """:class:`ModuleLevel` of ``tree``. Module level is everything outside a function's
    body: ``if``, ``try`` and ``with`` blocks, class bodies, a function's decorators, default
    values and annotations, and lambdas' bodies (a lambda may be called on import)."""
    bound: dict[str, set[str]] = {}  # name -> the modules an import binds it from
    defined: set[str] = set()
    used: set[str] = set()
    heads: set[str] = set()
    runs_file = by_name = calls = False
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name):
            used.add(node.id)
            continue
        if isinstance(node, ast.Subscript):  # ``K[int]``: ``K.__class_getitem__``
            heads.add(_dotted(node.value).split(".", 1)[0])
        elif isinstance(node, ast.Call):
            calls = True
            name = _dotted(node.func)
            heads.add(name.split(".", 1)[0])
            runs_file = runs_file or _RUNS_FILE_NAME.search(name) is not None
            by_name = by_name or _by_literal_name(name, node.args)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for name, module in _bound(node):
                bound.setdefault(name, set()).add(module)
            continue
        elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            defined.add(node.name)
            # A decorator is called when the function or class is defined, and so are a
            # class's bases' ``__init_subclass__`` and its metaclass.
            made = [*node.decorator_list]
            if isinstance(node, ast.ClassDef):
                made += [*node.bases, *(k.value for k in node.keywords)]
            calls = calls or bool(made)
            heads.update(_dotted(d).split(".", 1)[0] for d in made)
            if isinstance(node, _FUNCTIONS):
                todo += node.decorator_list
                todo.append(node.args)
                todo += [node.returns] if node.returns is not None else []
                continue
        todo += children(node)
    heads.discard("")
    return ModuleLevel(
        used_from=frozenset(m for name in used.intersection(bound) for m in bound[name]),
        calls_own=bool(heads & (defined | RUNS_TEXT)),
        runs_file=runs_file,
        imports_by_name=by_name,
        calls=calls,
    )


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` for a name or an attribute chain, ``a.b`` for ``a.b(x).c`` (the chain up to
    the first call); empty for anything else."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.clear()  # ``a.b(x).c(...)``: what is called first is ``a.b``
            node = node.func
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return ""


def _by_literal_name(name: str, args: list[ast.expr]) -> bool:
    """``__import__('evpkg.zz')``, ``importlib.import_module('.zz', __name__)``."""
    if not name.endswith(("__import__", "import_module")) or not args:
        return False
    first = args[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, (str, bytes)):
        return False
    text = first.value.decode("latin-1") if isinstance(first.value, bytes) else first.value
    return _LITERAL_MODULE.fullmatch(text) is not None


def _bound(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """The names an import statement binds, each with the module it names (none for
    ``*``)."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".", 1)[0], a.name) for a in node.names]
    module = "." * node.level + (node.module or "")
    return [(a.asname or a.name, module) for a in node.names if a.name != "*"]
