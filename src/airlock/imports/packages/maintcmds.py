"""A ``setup.py`` branch taken only for a maintainer's own command (issue 16; ADR 0140).

``command = sys.argv[-1]; if command == "publish": os.system("twine upload dist/*")``
(configargparse 1.9.0) runs only when a person types ``python setup.py publish``. pip and
the build backends run ``setup.py`` with the commands they need (``egg_info``, ``dist_info``,
``bdist_wheel``, ``install``, ``develop``, ``editable_wheel``, ``sdist`` ...) and with options
(``--dist-dir``), paths and, under pip's old path, ``-c`` as ``argv[0]``. A word that is
none of those can never be in ``sys.argv`` on install or build, so a branch that needs it is
read as code that runs when called, not at install time. Published malware gates on the
opposite test (``'install' in sys.argv``), which stays install time.

What counts, and only in ``setup.py`` itself, never a module it imports:

- ``sys.argv[i] == 'w'`` (either side), ``sys.argv[i] in ('w', 'v')``, ``'w' in sys.argv``
  or ``'w' in sys.argv[1:]``, and a name bound once in the module to ``sys.argv[i]``;
- ``A and B`` when one of its terms counts, ``A or B`` when each does;
- only words made of letters, digits, ``_`` and ``-`` that start with a letter and are not in
  :data:`RUN_ON_INSTALL` (``'bdist_wheel'`` and ``'egg_info'`` stay install time).

Deliberately not: ``!=``, ``not in`` and ``else:`` branches (they run on install), a word
that does not fold to a literal, ``startswith`` and substring tests, a module that writes
``sys.argv`` or ``sys`` anywhere, reaches its names by ``globals()``/``vars()``/``exec``, or
imports anything before the test but the standard library and setuptools (an imported module
could have put the word into ``sys.argv``); nor a module that could run setup.py again with
the word: outside the maintainer's branches (and the functions only they call) it starts no
process (``subprocess``, ``os.system``, ``os.exec*``, distutils' ``spawn``), re-runs no script
in-process (``run_setup``), imports nothing but the standard library and setuptools, and
writes none of the words but in tests of ``sys.argv``.
"""

from __future__ import annotations

import ast
import re
import sys

# What pip, setuptools' PEP 517 backend, ``build`` and easy_install put in ``sys.argv`` as
# bare words: the commands they run and the one bare option value old pip passed
# (``egg_info --egg-base pip-egg-info``). Options start with ``-`` and paths hold ``/`` or
# ``.``; neither is a word here. Commands that only a person runs (``upload``, ``register``,
# ``test``, ``upload_docs``) are not listed.
RUN_ON_INSTALL = frozenset(
    {
        "bdist",
        "bdist_dumb",
        "bdist_egg",
        "bdist_wheel",
        "build",
        "build_clib",
        "build_ext",
        "build_py",
        "build_scripts",
        "build_src",
        "check",
        "clean",
        "config",
        "config_cc",
        "config_fc",
        "develop",
        "dist_info",
        "easy_install",
        "editable_wheel",
        "egg_info",
        "install",
        "install_data",
        "install_egg_info",
        "install_headers",
        "install_lib",
        "install_scripts",
        "pip-egg-info",
        "sdist",
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# Ways to bind or read a module's names by string, which the proof of a name bound once
# cannot see.
_DYNAMIC = frozenset(
    {"globals", "vars", "locals", "exec", "eval", "compile", "setattr", "getattr", "__import__"}
)
# Attributes that run or load another module, or reach a module's names or ``sys.argv`` by
# another road (``sys.modules['sys'].argv``).
_DYNAMIC_ATTRS = frozenset(
    {"__dict__", "modules", "import_module", "run_path", "run_module", "exec_module"}
    | {"load_module", "load_source", "__builtins__"}
)
# Standard modules that can reach any object (``sys.argv`` by pickle's ``find_class``) or
# memory (ctypes, gc): a module importing one is not proved to leave ``sys.argv`` alone.
_UNSAFE_MODULES = frozenset({"pickle", "_pickle", "cPickle", "marshal", "ctypes", "gc", "shelve"})
# Ways to start a process or run a script again in-process (its ``sys.argv`` set anew).
_STARTS = re.compile(
    r"(?:exec[lv]|spawn|posix_spawn|system\Z|popen|Popen|startfile|fork|run_setup"
    r"|getoutput|getstatusoutput|check_call|check_output|call\Z|run\Z)"
)
_PROCESS_MODULES = frozenset(
    {"subprocess", "pty", "multiprocessing", "runpy", "asyncio", "concurrent", "sandbox"}
    | {"spawn", "commands", "popen2", "_posixsubprocess", "_winapi"}
)
_TRUSTED_IMPORTS = frozenset({"setuptools", "distutils", "pkg_resources", "__future__"})


def maintainer_only(test: ast.expr, module: ast.Module) -> bool:
    """True when the branch under ``test`` runs only for a command no install or build runs."""
    if not _only(test, _candidates(module)):
        return False  # the shape alone rules it out: no walk of the whole module
    argv_names = _argv_names(module, test.lineno)
    if argv_names is None or not _only(test, argv_names):
        return False
    return not _runs_again(module, argv_names)


def _runs_again(module: ast.Module, names: frozenset[str]) -> bool:
    """Whether code outside the maintainer's branches could run a script again with the
    word in its ``sys.argv``: a process started (``subprocess``, ``os.system``, ``os.exec*``,
    distutils' ``spawn``), a script re-run in-process (``run_setup``), an import of anything
    but the standard library and setuptools, or the word itself written down."""
    gates = [n for n in ast.walk(module) if isinstance(n, ast.If) and _only(n.test, names)]
    words = {
        c.value
        for gate in gates
        for c in ast.walk(gate.test)
        if isinstance(c, ast.Constant) and isinstance(c.value, str)
    }
    skipped = {id(n) for gate in gates for part in (gate.test, *gate.body) for n in ast.walk(part)}
    skipped |= _functions_only_under(module, skipped)
    skipped |= _compared_words(module, names)  # ``if command not in ['test', 'coverage']``
    for node in ast.walk(module):
        if id(node) in skipped:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not _import_safe(node):
            return True
        named = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
        if isinstance(node, (ast.Name, ast.Attribute)) and _STARTS.match(named):
            return True
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and words & set(node.value.replace("'", " ").replace('"', " ").split())
        ):
            return True
    return False


def _compared_words(module: ast.Module, names: frozenset[str]) -> set[int]:
    """Ids of the words in tests of ``sys.argv`` (``command not in ['test', 'coverage']``):
    reading ``sys.argv`` puts nothing in it."""
    out: set[int] = set()
    for node in ast.walk(module):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        if any(_item(side, names) or _whole(side) for side in sides):
            for side in sides:
                items = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                out |= {id(i) for i in items if isinstance(i, ast.Constant)}
    return out


def _functions_only_under(module: ast.Module, gated: set[int]) -> set[int]:
    """Ids of the nodes of module-level functions named only inside ``gated`` nodes."""
    out: set[int] = set()
    for func in module.body:
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside = {id(n) for n in ast.walk(func)}
            if _named_only_under(func, inside, module, gated):
                out |= inside
    return out


def _named_only_under(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    inside: set[int],
    module: ast.Module,
    gated: set[int],
) -> bool:
    """Whether undecorated ``func`` (whose nodes' ids are ``inside``) is named somewhere
    outside itself, and only inside ``gated`` nodes."""
    if func.decorator_list:
        return False
    uses = [
        n
        for n in ast.walk(module)
        if id(n) not in inside
        and (
            (isinstance(n, ast.Name) and n.id == func.name)
            or (isinstance(n, ast.Attribute) and n.attr == func.name)
        )
    ]
    return bool(uses) and all(id(n) in gated for n in uses)


def _import_safe(node: ast.Import | ast.ImportFrom) -> bool:
    """The standard library (no module that starts processes or re-runs scripts) or
    setuptools, distutils and pkg_resources."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return False
        paths = [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
    else:
        paths = [a.name for a in node.names]
    for path in paths:
        parts = path.split(".")
        if parts[0] not in sys.stdlib_module_names and parts[0] not in _TRUSTED_IMPORTS:
            return False
        if set(parts) & _PROCESS_MODULES or any(_STARTS.match(p) for p in parts[1:]):
            return False
    return True


def _candidates(module: ast.Module) -> frozenset[str]:
    """Names a module-level ``name = sys.argv[i]`` binds (bound elsewhere or not)."""
    return frozenset(
        stmt.targets[0].id
        for stmt in module.body
        if isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and _argv_item(stmt.value)
    )


def _only(test: ast.expr, names: frozenset[str]) -> bool:
    if isinstance(test, ast.BoolOp):
        found = [_only(v, names) for v in test.values]
        return any(found) if isinstance(test.op, ast.And) else all(found)
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, ast.Eq):
        return (_item(left, names) and _word(right)) or (_item(right, names) and _word(left))
    if isinstance(op, ast.In):
        if _item(left, names) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            return bool(right.elts) and all(_word(e) for e in right.elts)
        return _word(left) and _whole(right)
    return False


def _word(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _WORD.match(node.value) is not None
        and node.value not in RUN_ON_INSTALL
    )


def _is_argv(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "argv"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def _item(node: ast.expr, names: frozenset[str]) -> bool:
    """``sys.argv[i]`` with a literal ``i``, or a name bound only to one."""
    if isinstance(node, ast.Name):
        return node.id in names
    return _argv_item(node)


def _argv_item(node: ast.expr) -> bool:
    if not (isinstance(node, ast.Subscript) and _is_argv(node.value)):
        return False
    index = node.slice
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
        index = index.operand
    return isinstance(index, ast.Constant) and type(index.value) is int


def _whole(node: ast.expr) -> bool:
    """``sys.argv`` or a slice of it: a list, so ``in`` tests membership of whole words."""
    if _is_argv(node):
        return True
    return (
        isinstance(node, ast.Subscript)
        and _is_argv(node.value)
        and isinstance(node.slice, ast.Slice)
    )


def _argv_names(module: ast.Module, before: int) -> frozenset[str] | None:
    """Names bound once, at module level, to ``sys.argv[i]``; None when the module could
    change ``sys.argv`` or its names out of sight (then no test counts)."""
    bound: dict[str, int] = {}
    later = _not_run_before(module, before)
    for node in ast.walk(module):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not _import_allowed(
            node, before, later
        ):
            return None
        names = _binds(node)
        if names is None:
            return None
        for name in names:
            bound[name] = bound.get(name, 0) + 1
    plain_sys = any(
        alias.name == "sys" and alias.asname is None
        for node in ast.walk(module)
        if isinstance(node, ast.Import)
        for alias in node.names
    )
    if not plain_sys or bound.get("sys", 0) != 1 or not _argv_read_only(module):
        return None
    return frozenset(name for name in _candidates(module) if bound.get(name, 0) == 1)


def _binds(node: ast.AST) -> list[str] | None:
    """The names ``node`` binds; None when it could bind or change one out of sight."""
    names: list[str] | None = []
    if isinstance(node, ast.Name):
        names = None if node.id in _DYNAMIC else [] if _load(node) else [node.id]
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        names = [*node.names, *node.names]  # another scope binds it too: never once
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names = [node.name]
    elif isinstance(node, ast.arg):
        names = [node.arg]
    elif isinstance(node, ast.ExceptHandler) and node.name:
        names = [node.name]
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    elif isinstance(node, ast.Attribute):
        changes = node.attr in _DYNAMIC_ATTRS | _DYNAMIC  # ``builtins.exec(...)``
        changes = changes or (node.attr == "argv" and not _load(node))
        names = None if changes else []
    elif type(node).__name__ in ("MatchAs", "MatchStar", "MatchMapping"):
        names = None  # rare in a setup.py; its captures are not counted here
    return names


def _load(node: ast.Name | ast.Attribute) -> bool:
    return isinstance(node.ctx, ast.Load)


def _not_run_before(module: ast.Module, before: int) -> set[int]:
    """Ids of imports inside module-level functions that nothing run before line ``before``
    names (directly or through another such function): they cannot have run yet."""
    functions = {
        stmt.name: stmt
        for stmt in module.body
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    named: set[str] = set()
    for stmt in module.body:
        if stmt.lineno >= before:
            break
        parts: list[ast.AST] = [stmt]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parts = [*stmt.decorator_list, stmt.args]
        named.update(
            n.id
            for p in parts
            for n in ast.walk(p)
            if isinstance(n, ast.Name) and n.lineno < before
        )
    grown = True
    while grown:
        grown = False
        for name in list(named):
            func = functions.pop(name, None)
            if func is not None:
                named.update(n.id for n in ast.walk(func) if isinstance(n, ast.Name))
                grown = True
    return {
        id(n)
        for func in functions.values()
        for n in ast.walk(func)
        if isinstance(n, (ast.Import, ast.ImportFrom))
    }


def _import_allowed(node: ast.Import | ast.ImportFrom, before: int, later: set[int]) -> bool:
    """An import that runs after the test, or of the standard library or setuptools, and
    never of a module that can reach ``sys.argv`` by another road."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return False
        tops = [(node.module or "").split(".")[0]]
    else:
        tops = [alias.name.split(".")[0] for alias in node.names]
    if any(t in _UNSAFE_MODULES for t in tops):
        return False
    if node.lineno >= before or id(node) in later:
        return True
    return all(t in sys.stdlib_module_names or t in _TRUSTED_IMPORTS for t in tops)


def _argv_read_only(module: ast.Module) -> bool:
    """Every ``sys.argv`` is read where it stands: subscripted, tested with ``in``, or given
    to ``len``; a call on it (``.append``) or a hand-off could change it."""
    allowed: set[int] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            allowed.add(id(node.value))
        elif isinstance(node, ast.Compare):
            allowed.update(id(c) for c in node.comparators)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "len"
            and len(node.args) == 1
        ):
            allowed.add(id(node.args[0]))
    return all(id(node) in allowed for node in ast.walk(module) if _is_argv_node(node))


def _is_argv_node(node: ast.AST) -> bool:
    return isinstance(node, ast.expr) and _is_argv(node)


def only_for_maintainer(func: ast.FunctionDef | ast.AsyncFunctionDef, module: ast.Module) -> bool:
    """True when ``setup.py``'s undecorated module-level ``func`` is named nowhere but inside
    branches that :func:`maintainer_only` proves no install takes (configargparse's
    ``launch_http_server``, called only under ``command == "coverage"``)."""
    if func.decorator_list or func not in module.body:
        return False
    names = _candidates(module)
    tests = [n for n in ast.walk(module) if isinstance(n, ast.If) and _only(n.test, names)]
    if not tests:
        return False  # no branch of the shape: no walk per test
    gated: set[int] = set()
    for branch in tests:
        if maintainer_only(branch.test, module):
            gated.update(id(n) for stmt in branch.body for n in ast.walk(stmt))
    return _named_only_under(func, {id(n) for n in ast.walk(func)}, module, gated)
