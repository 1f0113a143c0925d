"""Meaning-preserving rewrites of Python source, the ones a patient attacker tries first.

Each mutation takes one module's source text and returns the rewritten text, or None when it
does not apply (nothing to rewrite, or the source does not parse as Python 3). Everything is
done on the ``ast`` and printed back with ``ast.unparse``: nothing is run (``marshal_exec``
compiles a module to ship its bytecode, and never runs it). The
``unparse`` control is the round trip alone, so that a drop caused by lost formatting
(comments, whitespace) is told apart from a drop caused by the rewrite.

The rewrites keep the program's meaning for the code malware is made of (flat scripts,
``setup.py`` with a command class, a payload in ``__init__.py``); they are not a general
obfuscator and do not promise equivalence for every Python program (a renamed module-level
name imported by another module, for one).
"""

from __future__ import annotations

import ast
import base64
import builtins
import copy
import marshal
import zlib
from collections.abc import Callable, Iterable

Mutation = Callable[[str], str | None]

MIN_STRING = 4  # shorter strings are punctuation and keys; an attacker hides URLs and commands
MAX_STRING = 4000


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _out(tree: ast.Module) -> str | None:
    ast.fix_missing_locations(tree)
    try:
        return ast.unparse(tree) + "\n"
    except (RecursionError, ValueError):
        return None


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _stmts(text: str) -> list[ast.stmt]:
    return ast.parse(text).body


def _future_split(body: list[ast.stmt]) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """The docstring and ``from __future__`` imports, which must stay first, and the rest."""
    head = 0
    for i, stmt in enumerate(body):
        docstring = i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if not (docstring or future):
            break
        head = i + 1
    return body[:head], body[head:]


def _headed(tree: ast.Module, head: str) -> str | None:
    """``tree`` printed with the statements of ``head`` (an import, a helper) put before
    its code, after its docstring and ``__future__`` imports."""
    first, rest = _future_split(tree.body)
    tree.body = first + _stmts(head) + rest
    return _out(tree)


def unparse(source: str) -> str | None:
    tree = _parse(source)
    return None if tree is None else _out(tree)


# --- renaming ---------------------------------------------------------------------------

_KEEP = set(dir(builtins)) | {"self", "cls"}


def _bound_names(tree: ast.Module) -> set[str]:
    """Names this module binds itself (assignments, defs outside classes, parameters, loop
    and ``with``/``except`` targets), minus dunders, builtins and names also used as keyword
    arguments or attributes (renaming those would change what a call or lookup finds)."""
    bound: set[str] = set()
    in_class: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            in_class.update(id(s) for s in node.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.ClassDef) or (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and id(node) not in in_class
        ):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    avoid: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg:
            avoid.add(node.arg)
        elif isinstance(node, ast.Attribute):
            avoid.add(node.attr)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            avoid.update(node.names)
        elif isinstance(node, ast.alias):
            avoid.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ClassDef):
            # Class-body assignments are attributes: leave them as they are.
            avoid.update(_class_level(node.body))
    in_all = {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    return {
        n for n in bound - avoid - _KEEP - in_all if not (n.startswith("__") and n.endswith("__"))
    }


def _class_level(body: list[ast.stmt]) -> set[str]:
    """Names a class body binds at its own level (not inside its methods)."""
    names: set[str] = set()
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return names


def rename(source: str) -> str | None:
    """Every name the module binds itself becomes ``_0x1a``-style noise."""
    tree = _parse(source)
    if tree is None:
        return None
    names = sorted(_bound_names(tree))
    if not names:
        return None
    new = {n: f"_0x{i:x}{'a' * (i % 3)}" for i, n in enumerate(names)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in new:
            node.id = new[node.id]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            node.name = new.get(node.name, node.name)
        elif isinstance(node, ast.arg):
            node.arg = new.get(node.arg, node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            node.name = new.get(node.name, node.name)
    return _out(tree)


# --- strings ----------------------------------------------------------------------------


def _no_touch(tree: ast.Module) -> set[int]:
    """Constants that must stay literal: docstrings, f-string parts, match patterns,
    annotations (``from __future__ import annotations`` keeps them as text)."""
    keep: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            keep.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr | ast.MatchValue | ast.MatchSingleton):
            keep.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            keep.update(id(n) for n in ast.walk(node.annotation))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            keep.update(id(n) for n in ast.walk(node.returns))
    return keep


def _strings(build: Callable[[str], str]) -> Mutation:
    def mutate(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        keep = _no_touch(tree)
        changed = False

        class Split(ast.NodeTransformer):
            def visit_Constant(self, node: ast.Constant) -> ast.AST:
                nonlocal changed
                if (
                    id(node) in keep
                    or not isinstance(node.value, str)
                    or not MIN_STRING <= len(node.value) <= MAX_STRING
                ):
                    return node
                changed = True
                return ast.copy_location(_expr(build(node.value)), node)

        tree = Split().visit(tree)
        return _out(tree) if changed else None

    return mutate


def _concat(text: str) -> str:
    cut = max(1, len(text) // 2)
    return f"({text[:cut]!r} + {text[cut:]!r})"


def _join(text: str) -> str:
    return "''.join([" + ", ".join(repr(c) for c in text) + "])"


def _hex(text: str) -> str:
    return f"bytes.fromhex({text.encode('utf-8', 'surrogatepass').hex()!r}).decode()"


def _b64(text: str) -> str:
    data = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
    return f"__import__('base64').b64decode({data!r}).decode()"


def _suffixed(text: str) -> str:
    return f"({text!r} + _sys.argv[0][:0])"


_str_suffixed = _strings(_suffixed)


def str_grown(source: str) -> str | None:
    """Each string with an empty value a reader cannot fold added to its end (ADR 0154):
    a URL, a command or a path means the same and folds to nothing."""
    grown = _str_suffixed(source)
    tree = None if grown is None else _parse(grown)
    return None if tree is None else _headed(tree, "import sys as _sys\n")


str_concat = _strings(_concat)
str_join = _strings(_join)
str_hex = _strings(_hex)
str_b64 = _strings(_b64)


def _reverse(text: str) -> str:
    return f"{text[::-1]!r}[::-1]"


def _byte_list(text: str) -> str:
    return f"bytes({list(text.encode('utf-8', 'surrogatepass'))!r}).decode()"


def _rot13(text: str) -> str:
    # rot13 moves ASCII letters only; everything else passes through unchanged.
    import codecs  # noqa: PLC0415 -- one rewrite's codec, not the module's

    return f"_codecs.decode({codecs.encode(text, 'rot13')!r}, 'rot13')"


XOR_KEY = 0x5A
_XOR_HELPER = "def _unmask(data, key):\n    return bytes([b ^ key for b in data]).decode()\n"


def _xor(text: str) -> str:
    masked = bytes(b ^ XOR_KEY for b in text.encode("utf-8", "surrogatepass"))
    return f"_unmask({masked!r}, {XOR_KEY})"


def _with_head(mutate: Mutation, head: str) -> Mutation:
    """``mutate`` with statements (an import, a helper) put before the module's code."""

    def wrapped(source: str) -> str | None:
        new = mutate(source)
        tree = None if new is None else _parse(new)
        return None if tree is None else _headed(tree, head)

    return wrapped


str_reverse = _strings(_reverse)
str_bytes = _strings(_byte_list)
str_rot13 = _with_head(_strings(_rot13), "import codecs as _codecs\n")
str_xor = _with_head(_strings(_xor), _XOR_HELPER)


# --- moving module code into a function, a class body or a subclass hook ---------------


def _globals_of(body: list[ast.stmt]) -> list[str]:
    """Names the module body binds at its own level, so a moved body still binds globals."""
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(ast.Module(body=[stmt], type_ignores=[])):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.alias) and node.name != "*":
                names.add(node.asname or node.name.split(".")[0])
    # Names bound inside nested defs/classes are theirs; the walk above over-collects those,
    # which only widens the ``global`` list (harmless for a module body).
    return sorted(names)


def _moved(wrap: Callable[[list[ast.stmt]], list[ast.stmt]]) -> Mutation:
    def mutate(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        head, rest = _future_split(tree.body)
        if not rest or any(
            isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
            for s in rest
            for n in ast.walk(s)
        ):
            return None  # ``import *`` is allowed at module level only
        tree.body = head + wrap(rest)
        return _out(tree)

    return mutate


def _with_globals(body: list[ast.stmt]) -> list[ast.stmt]:
    names = _globals_of(body)
    return ([ast.Global(names=names)] if names else []) + body


def _decorated(body: list[ast.stmt]) -> list[ast.stmt]:
    out = _stmts("def _run_at_import(f):\n    f()\n    return f\n")
    func = _stmts("@_run_at_import\ndef _module_body():\n    pass\n")[0]
    assert isinstance(func, ast.FunctionDef)
    func.body = _with_globals(body)
    return [*out, func]


def _subclass_hook(body: list[ast.stmt]) -> list[ast.stmt]:
    base = _stmts(
        "class _Registry:\n    def __init_subclass__(_cls_, **_kw_):\n        pass\n"
        "class _Plugin(_Registry):\n    pass\n"
    )
    hook = base[0].body[0]  # type: ignore[attr-defined]
    assert isinstance(hook, ast.FunctionDef)
    hook.body = _with_globals(body)
    return base


def _class_body(body: list[ast.stmt]) -> list[ast.stmt]:
    klass = _stmts("class _Module:\n    pass\n")[0]
    assert isinstance(klass, ast.ClassDef)
    klass.body = _with_globals(body)
    return [klass]


move_decorator = _moved(_decorated)
move_subclass = _moved(_subclass_hook)
move_class_body = _moved(_class_body)


# --- imports ----------------------------------------------------------------------------


def _imports(call: Callable[[str], str]) -> Mutation:
    def mutate(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        changed = False

        class Swap(ast.NodeTransformer):
            def visit_Import(self, node: ast.Import) -> list[ast.stmt]:
                nonlocal changed
                changed = True
                out: list[ast.stmt] = []
                for alias in node.names:
                    if alias.asname:
                        text = f"{alias.asname} = {call(alias.name)}"
                        if call is _dunder:  # __import__('a.b') is a; walk down to a.b
                            text += "".join(f".{p}" for p in alias.name.split(".")[1:])
                    else:
                        top = alias.name.split(".")[0]
                        text = f"{top} = {call(alias.name)}"
                        if call is not _dunder and "." in alias.name:
                            text = f"{call(alias.name)}\n{top} = {call(top)}"
                    out += [ast.copy_location(s, node) for s in _stmts(text)]
                return out

            def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST | list[ast.stmt]:
                nonlocal changed
                if node.level or node.module in (None, "__future__"):
                    return node
                if any(a.name == "*" for a in node.names):
                    return node
                changed = True
                module = node.module or ""
                out: list[ast.stmt] = []
                for alias in node.names:
                    bound = alias.asname or alias.name
                    if call is _dunder:  # the fromlist imports a submodule of that name too
                        text = f"{bound} = __import__({module!r}, fromlist=[{alias.name!r}])"
                        text += f".{alias.name}\n"
                    else:
                        text = (
                            f"try:\n    {bound} = getattr({call(module)}, {alias.name!r})\n"
                            f"except AttributeError:\n    {bound} = "
                            f"{call(module + '.' + alias.name)}\n"
                        )
                    out += [ast.copy_location(s, node) for s in _stmts(text)]
                return out

        tree = Swap().visit(tree)
        return _out(tree) if changed else None

    return mutate


def _importlib(name: str) -> str:
    return f"__import__('importlib').import_module({name!r})"


def _dunder(name: str) -> str:
    return f"__import__({name!r})"


import_importlib = _imports(_importlib)
import_dunder = _imports(_dunder)


# --- getattr ----------------------------------------------------------------------------


def _module_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
    return names


def _getattr(only_modules: bool) -> Mutation:
    def mutate(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        modules = _module_names(tree)
        changed = False

        class Alias(ast.NodeTransformer):
            def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
                nonlocal changed
                self.generic_visit(node)
                if not isinstance(node.ctx, ast.Load):
                    return node
                if only_modules and not (
                    isinstance(node.value, ast.Name) and node.value.id in modules
                ):
                    return node
                changed = True
                call = ast.Call(
                    func=ast.Name("getattr", ast.Load()),
                    args=[node.value, ast.Constant(node.attr)],
                    keywords=[],
                )
                return ast.copy_location(call, node)

        tree = Alias().visit(tree)
        return _out(tree) if changed else None

    return mutate


getattr_module = _getattr(only_modules=True)
getattr_all = _getattr(only_modules=False)


# --- try/except -------------------------------------------------------------------------


def _guard(body: list[ast.stmt]) -> list[ast.stmt]:
    wrapped = _stmts("try:\n    pass\nexcept Exception:\n    pass\n")[0]
    assert isinstance(wrapped, ast.Try)
    wrapped.body = body
    return [wrapped]


def try_except(source: str) -> str | None:
    """Each module-level statement, and each function's body, in ``try/except: pass``."""
    tree = _parse(source)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.body = _guard(node.body)
    head, rest = _future_split(tree.body)
    if not rest:
        return None
    tree.body = head + [
        s
        for stmt in rest
        for s in (
            [stmt]
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
            else _guard([stmt])
        )
    ]
    return _out(tree)


# --- subprocess -> os.system / os.popen ------------------------------------------------

_SPAWNS = {"Popen", "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}


def _spawn(replacement: str) -> Mutation:
    def mutate(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        from_subprocess = {
            a.asname or a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module == "subprocess"
            for a in n.names
            if a.name in _SPAWNS
        }
        changed = False

        class Swap(ast.NodeTransformer):
            def visit_Call(self, node: ast.Call) -> ast.AST:
                nonlocal changed
                self.generic_visit(node)
                func = node.func
                spawn = (
                    isinstance(func, ast.Attribute)
                    and func.attr in _SPAWNS
                    and isinstance(func.value, ast.Name)
                    and func.value.id in ("subprocess", "sp")
                ) or (isinstance(func, ast.Name) and func.id in from_subprocess)
                if not spawn or not node.args:
                    return node
                command = node.args[0]
                if isinstance(command, ast.List | ast.Tuple):
                    command = ast.Call(
                        ast.Attribute(ast.Constant(" "), "join", ast.Load()), [command], []
                    )
                changed = True
                call = _expr(f"_os.{replacement}(_)")
                assert isinstance(call, ast.Call)
                call.args = [command]
                return ast.copy_location(call, node)

        tree = Swap().visit(tree)
        if not changed:
            return None
        return _headed(tree, "import os as _os\n")  # a plain import, not hidden

    return mutate


spawn_system = _spawn("system")
spawn_popen = _spawn("popen")


# --- dead benign code ---------------------------------------------------------------------

_BENIGN_HEAD = '''
import logging as _logging
_log = _logging.getLogger(__name__)
DEFAULTS = {"timeout": 30, "retries": 3, "verbose": False}


def _fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


class _Config:
    """Settings read from keyword arguments."""

    def __init__(self, **kwargs):
        self.values = dict(DEFAULTS)
        self.values.update(kwargs)

    def get(self, key, default=None):
        return self.values.get(key, default)
'''

_BENIGN_TAIL = """
def _format_size(size):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


_log.debug("loaded %s", _format_size(_fibonacci(12)))
"""


def dead_code(source: str) -> str | None:
    """Benign functions and a class around the module, and a harmless statement between
    each two of its top-level statements."""
    tree = _parse(source)
    if tree is None:
        return None
    head, rest = _future_split(tree.body)
    if not rest:
        return None
    filler = _stmts("_counter = sum(range(10))\n")[0]
    body: list[ast.stmt] = []
    for stmt in rest:
        body += [stmt, copy.deepcopy(filler)]
    tree.body = head + _stmts(_BENIGN_HEAD) + body + _stmts(_BENIGN_TAIL)
    return _out(tree)


# --- the whole module as data that is run: packed text, marshalled bytecode -----------------


def _as_data(source: str, loader: Callable[[str], str]) -> str | None:
    """The module's code (after its docstring and ``__future__`` imports) replaced by one
    ``exec`` of that code kept as data."""
    tree = _parse(source)
    if tree is None:
        return None
    head, rest = _future_split(tree.body)
    if not rest:
        return None
    body = _out(ast.Module(body=rest, type_ignores=[]))
    if body is None:
        return None
    futures = "".join(
        f"from __future__ import {', '.join(a.name for a in s.names)}\n"
        for s in head
        if isinstance(s, ast.ImportFrom)
    )
    tree.body = head + _stmts(loader(futures + body))
    return _out(tree)


def _zlib_b64(code: str) -> str:
    packed = base64.b64encode(zlib.compress(code.encode("utf-8", "surrogatepass"), 9)).decode()
    return (
        "import base64 as _b64, zlib as _zlib\n"
        f"exec(_zlib.decompress(_b64.b64decode({packed!r})).decode())\n"
    )


def _marshalled(code: str) -> str:
    # Compiled, never run: the bytes are what an attacker ships instead of the source.
    blob = marshal.dumps(compile(code, "<module>", "exec", dont_inherit=True))
    return f"import marshal as _marshal\nexec(_marshal.loads({blob!r}))\n"


def _grown(code: str) -> str:
    # ``sys.argv[0][:0]`` is empty at run time but folds to nothing for a reader (ADR 0154).
    return f"import sys as _sys\n_code = {code!r} + _sys.argv[0][:0]\nexec(_code)\n"


def exec_grown(source: str) -> str | None:
    """The module's code in a string grown by an empty value a reader cannot fold, kept in
    a variable and run by ``exec`` (ADR 0154)."""
    return _as_data(source, _grown)


def exec_packed(source: str) -> str | None:
    """The module's code zlib-compressed and base64-encoded in a string run by ``exec``."""
    return _as_data(source, _zlib_b64)


def marshal_exec(source: str) -> str | None:
    """The module's code shipped as ``marshal.dumps`` of its compiled bytecode, run by
    ``exec(marshal.loads(...))``."""
    try:
        return _as_data(source, _marshalled)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# --- calls through an alias: a lambda or functools.partial -----------------------------


def _imported(nodes: Iterable[ast.AST]) -> set[str]:
    """Names bound by the imports among ``nodes`` (``tree.body``: the module's own level,
    which a module-level lambda sees; ``ast.walk(tree)``: every one)."""
    return {
        a.asname or a.name.split(".")[0]
        for n in nodes
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
        if a.name != "*"
    }


def _module_call(node: ast.Call, modules: set[str]) -> bool:
    """A call of an imported name or of an attribute reached from one."""
    func = node.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id in modules


def call_lambda(source: str) -> str | None:
    """Each call of a module-level import's function (``os.system(c)``) made through a
    module-level lambda alias (``_call0 = lambda *a, **k: os.system(*a, **k)``)."""
    tree = _parse(source)
    if tree is None:
        return None
    modules = _imported(tree.body)
    aliases: dict[str, str] = {}

    class Alias(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if not _module_call(node, modules):
                return node
            target = ast.unparse(node.func)
            name = aliases.setdefault(target, f"_call{len(aliases)}")
            node.func = ast.Name(name, ast.Load())
            return node

    tree = Alias().visit(tree)
    if not aliases:
        return None
    return _headed(
        tree, "".join(f"{n} = lambda *a, **k: {t}(*a, **k)\n" for t, n in aliases.items())
    )


def call_partial(source: str) -> str | None:
    """Each call of an imported module's function made through ``functools.partial``:
    ``_functools.partial(os.system)(c)``."""
    tree = _parse(source)
    if tree is None:
        return None
    modules = _imported(ast.walk(tree))
    changed = False

    class Wrap(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            nonlocal changed
            self.generic_visit(node)
            if not _module_call(node, modules):
                return node
            changed = True
            wrapper = _expr("_functools.partial(_)")
            assert isinstance(wrapper, ast.Call)
            wrapper.args = [node.func]
            node.func = wrapper
            return node

    tree = Wrap().visit(tree)
    if not changed:
        return None
    return _headed(tree, "import functools as _functools\n")


MUTATIONS: dict[str, Mutation] = {
    "unparse": unparse,
    "rename": rename,
    "str_concat": str_concat,
    "str_join": str_join,
    "str_hex": str_hex,
    "str_b64": str_b64,
    "str_reverse": str_reverse,
    "str_bytes": str_bytes,
    "str_rot13": str_rot13,
    "str_xor": str_xor,
    "str_grown": str_grown,
    "move_decorator": move_decorator,
    "move_subclass": move_subclass,
    "move_class_body": move_class_body,
    "import_importlib": import_importlib,
    "import_dunder": import_dunder,
    "getattr_module": getattr_module,
    "getattr_all": getattr_all,
    "try_except": try_except,
    "spawn_system": spawn_system,
    "spawn_popen": spawn_popen,
    "dead_code": dead_code,
    "exec_packed": exec_packed,
    "exec_grown": exec_grown,
    "marshal_exec": marshal_exec,
    "call_lambda": call_lambda,
    "call_partial": call_partial,
}


def stacked(source: str) -> str | None:
    """The rewrites one after another, as a patient attacker combines them: names, imports,
    attributes, spawns, strings, guards, a decorator-run body and dead code around it."""
    changed = False
    for mutate in (
        rename,
        import_dunder,
        getattr_all,
        spawn_system,
        str_b64,
        try_except,
        move_decorator,
        dead_code,
    ):
        new = mutate(source)
        if new is not None:
            source, changed = new, True
    return source if changed else None


MUTATIONS["stacked"] = stacked
