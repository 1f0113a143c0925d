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
from dataclasses import dataclass, field

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
# Nodes with nothing below them that matters here (most of a large table of constants).
_LEAVES = frozenset({
    ast.Constant, *ast.expr_context.__subclasses__(), *ast.operator.__subclasses__(),
    *ast.boolop.__subclasses__(), *ast.cmpop.__subclasses__(), *ast.unaryop.__subclasses__(),
})  # fmt: skip


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
    seen = _Seen()
    todo: list[object] = list(tree.body)
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]  # not ``del go``
                seen.used.add(node.id)  # type: ignore[attr-defined]
        elif kind in _LEAVES or not isinstance(node, ast.AST):
            continue  # a constant, a context, an operator; a ``global`` statement's names
        elif kind is ast.Import or kind is ast.ImportFrom:
            seen.imported(node)  # type: ignore[arg-type]
        elif isinstance(node, _FUNCTIONS):
            todo += seen.defined(node)  # not its body: it runs when called
        else:
            if isinstance(node, ast.ClassDef):
                seen.defined(node)
            elif kind is ast.Call or kind is ast.Subscript:
                seen.called(node)  # type: ignore[arg-type]
            for field in node._fields:  # ``astwalk.children``, inline: most of the time
                value = getattr(node, field, None)
                if type(value) is list:
                    todo += value
                elif isinstance(value, ast.AST):
                    todo.append(value)
    return seen.level()


@dataclass(slots=True)
class _Seen:
    """What :func:`module_level`'s walk has met so far."""

    bound: dict[str, set[str]] = field(default_factory=dict)  # name -> modules it is from
    defined_names: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    heads: set[str] = field(default_factory=set)
    runs_file: bool = False
    by_name: bool = False
    calls: bool = False

    def imported(self, node: ast.Import | ast.ImportFrom) -> None:
        for name, module in _bound(node):
            self.bound.setdefault(name, set()).add(module)

    def called(self, node: ast.Call | ast.Subscript) -> None:
        """A call, or a subscript (``K[int]`` calls ``K.__class_getitem__``)."""
        if isinstance(node, ast.Subscript):
            self.heads.add(_dotted(node.value).split(".", 1)[0])
            return
        self.calls = True
        name = _dotted(node.func)
        self.heads.add(name.split(".", 1)[0])
        self.runs_file = self.runs_file or _RUNS_FILE_NAME.search(name) is not None
        self.by_name = self.by_name or _by_literal_name(name, node.args)

    def defined(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[ast.AST]:
        """A ``def`` or ``class`` statement; for a function, the parts of it that run when
        it is defined. Its decorators are called then, and so are a class's bases'
        ``__init_subclass__`` and its metaclass."""
        self.defined_names.add(node.name)
        made = [*node.decorator_list]
        if isinstance(node, ast.ClassDef):
            made += [*node.bases, *(k.value for k in node.keywords)]
        self.calls = self.calls or bool(made)
        self.heads.update(_dotted(d).split(".", 1)[0] for d in made)
        if isinstance(node, ast.ClassDef):
            return []
        return [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]

    def level(self) -> ModuleLevel:
        used = self.used.intersection(self.bound)
        return ModuleLevel(
            used_from=frozenset(m for name in used for m in self.bound[name]),
            calls_own=bool(self.heads & (self.defined_names | RUNS_TEXT)),
            runs_file=self.runs_file,
            imports_by_name=self.by_name,
            calls=self.calls,
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
