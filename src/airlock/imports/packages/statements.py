"""The flow pass's statements: assignments, definitions, classes, imports and blocks (issue 16;
ADR 0112). Bound as :class:`flow.Interpreter`'s methods; ``self`` is the interpreter.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import (
    accrued,
    across,
    applied,
    classbody,
    classdata,
    comprehend,
    eitherway,
    flowtypes,
    maintcmds,
    namepicks,
    pipruns,
    plainattr,
    printed,
    protocol,
    reach,
    rebound,
    replaced,
    rowloop,
    signin,
    sinkcall,
    tables,
    writes,
    writtenrun,
)
from airlock.imports.packages.astwalk import children
from airlock.imports.packages.flowtypes import UNKNOWN, Val, When, canonical
from airlock.imports.packages.fold import STDLIB_STRINGS
from airlock.imports.packages.foreign import SITE
from airlock.imports.packages.handed import (
    builds_dict,
    class_attributes,
    keep_attribute,
    unpacked,
)
from airlock.imports.packages.implicit import (
    CALLBACKS,
    ENUM_BASES,
    ENUM_HOOKS,
    MODULE_HOOKS,
    PLAIN_ANNOTATIONS,
    PROPERTIES,
)
from airlock.imports.packages.pathshape import hub_folder
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import (
    HIDDEN,
    SECRET,
    SECRET_DATA,
    install_command,
    kind_of,
    source_labels,
)

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter


# An AST dispatcher: one branch per statement kind reads better than a table here.
def stmt(self: Interpreter, node: ast.stmt, env: dict[str, Val], when: When) -> None:  # noqa: PLR0912, PLR0915
    if isinstance(node, ast.Assign):
        itemwise = rowloop.elementwise(self, node, env, when)  # ``a, b = x, CURL`` (ADR 0171)
        value = self.expr(node.value, env, when)
        for target in node.targets:
            if when is not When.LATER and isinstance(target, (ast.Attribute, ast.Subscript)):
                replaced.patched(self, target, value, env, when)
                if self.classes:  # ``k.x = v``: its ``__setattr__`` (ADR 0071)
                    protocol.assigned(self, target, value, env, when)
            self.bind(target, value, env)
            if value.handle and isinstance(target, ast.Attribute):
                printed.swapped(self, target, value, env)  # ``sys.stdout = f`` (ADR 0191)
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Call):
                writes.temp_file(self, target, node.value, env, when)
        if value.const is None:
            env.update(itemwise)
        if isinstance(node.value, (ast.Attribute, ast.Call)):
            plainattr.remember(self, node, env)  # ``w = f.write`` (ADR 0126)
        if (
            isinstance(node.value, (ast.Tuple, ast.List, ast.Dict))
            or isinstance(node.targets[0], ast.Subscript)
            or builds_dict(node.value)
        ):
            unpacked(self, node, env, when)  # ``r, = (exec,)``, dispatch tables
            if isinstance(node.value, (ast.List, ast.Tuple)):
                for target in node.targets:  # ``L = [lambda: ...]`` (ADR 0071)
                    if isinstance(target, ast.Name):
                        tables.listed(self, target.id, node.value, env)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        if isinstance(node, ast.AnnAssign) and node.simple:
            self.annotation(node.annotation, env, when)  # ``x: f() = 1`` runs f
        if node.value is not None:
            value = self.expr(node.value, env, when)
            if isinstance(node, ast.AugAssign):
                old = self.expr(node.target, env, when)
                value = self.binop(node.op, old, value)
            self.bind(node.target, value, env)
    elif isinstance(node, ast.Import):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            env[name] = Val(ref=alias.name if alias.asname else name)
        if self.package is not None and when is not When.LATER:
            writtenrun.imported(self, node)  # its top level's written files (ADR 0157)
    elif isinstance(node, ast.ImportFrom):
        # A relative import keeps its dots (``.util.run``): it names this package's own
        # module, never a library of the same name; :func:`across.follow` resolves it.
        prefix = "." * node.level
        base = f"{prefix}{node.module}." if node.module else prefix
        for alias in node.names:
            if alias.name == "*":
                if node.level == 0 and node.module and len(self.library_stars) < 8:
                    self.library_stars.append(node.module)
                elif self.package is not None:  # read only when a name from it is called
                    self.stars.append(base.rstrip(".") or prefix)
                continue
            if node.module == "__future__" and alias.name == "annotations":
                self.lazy_annotations = True
            ref = f"{base}{alias.name}"
            env[alias.asname or alias.name] = Val(
                STDLIB_STRINGS.get(ref), ref, shape=hub_folder(ref)
            )
        if self.package is not None and when is not When.LATER:
            writtenrun.imported(self, node)  # its top level's written files (ADR 0157)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        made_here = Val(func=applied.closed(self, node, env))  # its closure's own (ADR 0185)
        env[node.name] = made_here
        self.definition_time(node.args, node.returns, env, when)
        decorate_all(self, node.decorator_list, made_here, env, when)
        later: When = when if self.install_time and when is When.INSTALL else When.LATER
        later = later if when is When.INSTALL else When.LATER
        if later is When.INSTALL and not self.helper and self.tree is not None:
            # A setup.py function called only under ``if command == 'coverage':`` (ADR 0140).
            later = When.LATER if maintcmds.only_for_maintainer(node, self.tree) else later
        if node.name in MODULE_HOOKS and env is self.globals and when is When.IMPORT:
            # A module's ``__getattr__`` runs whenever an importer asks for a name the
            # module lacks (``from pkg import anything``), with nobody calling it: it is
            # read as running on import (ADR 0067).
            later = When.IMPORT
        self.pending.append((node, later))
    elif isinstance(node, ast.ClassDef):
        bases = [self.expr(b, env, when).ref for b in node.bases]
        self.trace.class_bases[node.name] = ",".join(bases)
        self.classes[node.name] = node
        hook = self.install_time and any(install_command(b) for b in bases)
        # The body's own functions are names its later statements use (``H = {'a':
        # staticmethod(a)}``; ADR 0073).
        defined = {
            item.name: Val(func=item)
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        # One scope for the whole body, as Python runs it: ``import os`` then ``os.system(c)``
        # in a class body; names it declares ``global`` are the module's (ADR 0123).
        scope, declared = classbody.scope(node, env, defined)
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.pending.append((item, When.INSTALL if hook else When.LATER))
            else:
                self.stmt(item, scope, when)
                classbody.publish(scope, declared, env)
                rebound.class_table(self, node.name, item)  # ``C.H['a']`` (ADR 0073)
                self.named(item, env, when)
                protocol.remember(self, node.name, item, env)  # ``x = D()`` (ADR 0071)
        class_attributes(self, node, env)  # ``class K: run = exec`` (ADR 0048)
        classdata.remember(self, node, env)  # ``class K: cmds = ['id']`` (ADR 0071)
        classdata.carried(self, node, scope)  # ``class K: data = dict(os.environ)`` (0193)
        # Its metaclass and its bases' ``__init_subclass__`` run once the body has (ADR
        # 0171: ``cls.c`` is the body's constant).
        self.class_hooks(node, bases, env, when)
        env[node.name] = Val(ref=node.name)
        decorate_all(self, node.decorator_list, env[node.name], env, when)
    elif isinstance(node, ast.If):
        protocol.truth(self, self.expr(node.test, env, when), env, when)
        # setup.py's own ``__main__`` block runs on install: pip runs it as __main__.
        setup = self.install_time and not self.helper
        inner = When.LATER if _is_main_guard(node.test) and not setup else when
        if setup and when is When.INSTALL and self.tree is not None:
            # ``if sys.argv[-1] == 'publish':`` needs a command no install runs (ADR 0140).
            inner = When.LATER if maintcmds.maintainer_only(node.test, self.tree) else inner
        # ``if f == '.env':`` in a walk: inside, ``f`` names a credential file (ADR 0110).
        picks = {name: env.get(name) for name in namepicks.secret_names(node.test)}
        marked = {
            name: (held or UNKNOWN)._replace(labels=(held or UNKNOWN).labels | {SECRET})
            for name, held in picks.items()
        }
        env.update(marked)
        # A name bound in a branch may hold either branch's string after it (ADR 0162).
        in_body = frozenset(eitherway.bound([node.body], self.bound_names))
        in_else = frozenset(eitherway.bound([node.orelse], self.bound_names))
        start = {name: env.get(name) for name in in_body | in_else}
        self.block(node.body, env, inner)
        for name, value in marked.items():
            if env.get(name) is not value:
                continue  # rebound in the block: its new value stands
            before = picks[name]
            if before is None:
                del env[name]  # the test's proof ends with its block
            else:
                env[name] = before
        body_ends = {name: env.get(name) if name in in_body else start[name] for name in start}
        self.block(node.orelse, env, when)
        for name, end in body_ends.items():
            other = env.get(name) if name in in_else else start[name]
            kept = env.get(name)
            if kept is not None:
                env[name] = eitherway.either(kept, [end, other])
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        seq = self.expr(node.iter, env, when)
        made = self.special(seq, ("__iter__", "__aiter__"), [], env, when)
        if made is not None and (isinstance(made.const, list) or made.items):
            seq = made  # ``def __iter__(self): return iter([CMD])`` (ADR 0171)
        nexted = protocol.iterated(self, seq, env, when)
        at_top = comprehend.module_level(self, node.iter, env)
        written = comprehend.written_out(node.iter, seq, node.target, at_top=at_top)
        if written is not None and when is not When.LATER:
            # ``for c in ['id']: os.system(c)`` runs what the list spells (ADR 0063).
            for spelled in written:
                self.bind(node.target, Val(const=spelled, labels=seq.labels), env)
                self.block(node.body, env, when)
            self.block(node.orelse, env, when)
            return
        if seq.const is None and when is not When.LATER:
            # ``for a, b in [(x, 'ls'), (CURL, ' | sh')]``: each written row (ADR 0171).
            found = rowloop.rows(self, node.iter, node.target, at_top=at_top)
            if found is not None:
                assert isinstance(node.target, ast.Tuple | ast.List)
                for row in found:
                    for slot, cell in zip(node.target.elts, row, strict=True):
                        self.bind(slot, self.expr(cell, env, when), env)
                    self.block(node.body, env, when)
                self.block(node.orelse, env, when)
                return
        if self.tables and tables.looped(self, node, env, when):
            return  # ``for f in H.values(): f()`` (ADR 0071)
        if seq.ref.startswith(rebound.EACH) and when is not When.LATER:
            for module in rebound.each(seq):  # ``for m in map(__import__, n)`` (ADR 0073)
                self.bind(node.target, module, env)
                self.block(node.body, env, when)
            return
        if isinstance(node.body[0], ast.Assign) and tables.filled(self, node, seq, env):
            return  # ``for i in range(256): T[i] = i ^ K`` (ADR 0071)
        # ``for k in os.environ``: each name, and what it picks, is every variable (0098).
        # ``for d in site.getsitepackages()``: each is an import folder, as ``[0]`` is (0167).
        folder = seq.shape if seq.shape == SITE else ""
        each = Val(labels=seq.labels | sinkcall.whole_environ(seq), shape=folder)
        # ``for c in Cmds()``: what the class's ``__next__`` returns (ADR 0171).
        self.bind(node.target, each if nexted is None else nexted, env)
        if when is not When.LATER:
            comprehend.each_may_be(node.iter, seq, node.target, env, at_top=at_top)  # ADR 0159
        if isinstance(node.iter, (ast.List, ast.Tuple)):
            reach.looped(self, node.target, node.iter, env, when)  # ``for f in [os.system]``
        plan = accrued.planned(node, seq, env)  # ``for c in CODES: s += chr(c)`` (ADR 0164)
        if plan is None and accrued.past_bound(node, seq):
            self.trace.past(f"a loop of more than {accrued.MAX_BODY} accumulations")
        self.block(node.body, env, when)
        self.block(node.orelse, env, when)
        if plan is not None:
            accrued.folded(self, node, seq, plan, env)
    elif isinstance(node, ast.While):
        protocol.truth(self, self.expr(node.test, env, when), env, when)
        self.block(node.body, env, when)
        self.block(node.orelse, env, when)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for withitem in node.items:
            value = self.expr(withitem.context_expr, env, when)
            entered = self.special(value, ("__enter__", "__aenter__"), [], env, when)
            self.special(value, ("__exit__", "__aexit__"), [UNKNOWN] * 3, env, when)
            if withitem.optional_vars is not None:
                self.bind(withitem.optional_vars, entered or value, env)
        self.block(node.body, env, when)
    elif isinstance(node, ast.Match):
        # Every case is walked, as both arms of an ``if`` are (its patterns bind nothing
        # the pass follows); without this, code under ``case _:`` was never read.
        subject = self.expr(node.subject, env, when)
        names = eitherway.bound((case.body for case in node.cases), self.bound_names)
        case_ends = []
        for case in node.cases:
            if isinstance(case.pattern, ast.MatchAs) and case.pattern.name:
                env[case.pattern.name] = subject  # ``case c:`` binds it (ADR 0073)
            if case.guard is not None:
                self.expr(case.guard, env, when)
            self.block(case.body, env, when)
            case_ends.append({name: env.get(name) for name in names})
        for name in names:  # any case's value may follow (ADR 0162)
            kept = env.get(name)
            if kept is not None:
                env[name] = eitherway.either(kept, [ends[name] for ends in case_ends])
    elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        self.block(node.body, env, when)  # type: ignore[attr-defined]
        handlers: list[ast.ExceptHandler] = node.handlers  # type: ignore[attr-defined]
        # What the body and each handler bind: any may be what follows (ADR 0162).
        names = eitherway.bound([node.body, *(h.body for h in handlers)], self.bound_names)  # type: ignore[attr-defined]
        path_ends = [{name: env.get(name) for name in names}] if handlers else []
        thrown = rebound.raised(self, node, env)  # type: ignore[arg-type]
        for handler in handlers:
            rebound.caught(self, handler, thrown, env)  # ``e.args[0]`` (ADR 0073)
            self.block(handler.body, env, when)
            path_ends.append({name: env.get(name) for name in names})
        for name in names if handlers else ():
            kept = env.get(name)
            if kept is not None:
                env[name] = eitherway.either(kept, [ends[name] for ends in path_ends])
        self.block(node.orelse, env, when)  # type: ignore[attr-defined]
        self.block(node.finalbody, env, when)  # type: ignore[attr-defined]
    elif isinstance(node, (ast.Expr, ast.Return)) and node.value is not None:
        self.expr(node.value, env, when)
    else:
        for child in children(node):
            if isinstance(child, ast.expr):
                self.expr(child, env, when)
            elif isinstance(child, ast.stmt):
                self.stmt(child, env, when)


def definition_time(
    self: Interpreter,
    args: ast.arguments,
    returns: ast.expr | None,
    env: dict[str, Val],
    when: When,
) -> None:
    """What a ``def`` or ``lambda`` evaluates when it is defined, not called: its default
    values and (unless ``from __future__ import annotations``) its annotations.
    ``def f(x=os.system(c))`` runs the command on import."""
    for default in [*args.defaults, *args.kw_defaults]:
        if default is not None and not isinstance(default, ast.Constant):
            self.expr(default, env, when)
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if arg is not None and arg.annotation is not None:
            self.annotation(arg.annotation, env, when)
    if returns is not None:
        self.annotation(returns, env, when)


def annotation(self: Interpreter, node: ast.expr, env: dict[str, Val], when: When) -> None:
    """Evaluate an annotation that runs now; a name or a string (most) can run nothing."""
    if not self.lazy_annotations and not isinstance(node, PLAIN_ANNOTATIONS):
        self.expr(node, env, when)


def special(  # noqa: PLR0917 -- bound as a method: self is not passed
    self: Interpreter,
    value: Val,
    names: tuple[str, ...],
    args: list[Val],
    env: dict[str, Val],
    when: When,
) -> Val | None:
    """Run the special method the language calls on an instance of a local class made
    on install or import (``with K():`` its ``__enter__``/``__exit__``, ``K() + 1`` its
    ``__add__``, ``str(K())`` its ``__str__``): the first of ``names`` it defines."""
    if when is When.LATER or not value.ref.endswith("()"):
        return None
    owner = value.ref[:-2]
    if owner not in self.classes:
        return None
    for name in names:
        if self.lookup(owner, name) is not None:
            return self.method(owner, name, [value, *args], env, when) or UNKNOWN
    return None


def keyed(self: Interpreter, base: Val, key: Val, env: dict[str, Val], when: When) -> Val | None:
    """``__builtins__['exec']`` (outside ``__main__`` the builtins are a dict) and
    ``K()[k]`` (its ``__getitem__`` runs); None for any other subscript."""
    if base.ref in BUILTIN_TABLES and isinstance(key.const, str):
        return Val(ref=canonical(key.const), labels=frozenset({HIDDEN}))
    if base.ref in self.classes and when is not When.LATER:  # ``K[int]``
        return self.method(base.ref, "__class_getitem__", [base, key], env, when)
    return self.special(base, ("__getitem__", "__missing__"), [key], env, when)


def named(self: Interpreter, item: ast.stmt, env: dict[str, Val], when: When) -> None:
    """``class A: x = D()``: making class A calls ``D.__set_name__`` (a descriptor of a
    local class), with nobody calling it."""
    value = item.value if isinstance(item, (ast.Assign, ast.AnnAssign)) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        made = Val(ref=f"{value.func.id}()")
        self.special(made, ("__set_name__",), [UNKNOWN, UNKNOWN], env, when)


def on_class(
    self: Interpreter, ref: str, args: list[Val], env: dict[str, Val], when: When
) -> Val | None:
    """``K.go(a)`` of local class ``K``: its method with these arguments, ``K`` first
    for a ``classmethod``; None when ``K`` defines no such method (ADR 0057)."""
    owner, _, name = ref.partition(".")
    found = self.lookup(owner, name) if name.isidentifier() else None
    if found is None:
        return None
    bound = any(dotted(d) == "classmethod" for d in found.decorator_list)
    return self.method(owner, name, [Val(ref=owner), *args] if bound else args, env, when)


def getter(
    self: Interpreter, instance: Val, attr: str, env: dict[str, Val], when: When
) -> Val | None:
    """``K().p`` where ``p`` is a property (or cached one) of local class ``K``: its
    getter runs on access."""
    owner = instance.ref[:-2]
    if owner not in self.classes:
        return None
    found = self.lookup(owner, attr)
    if found is None or not any(
        dotted(d).rsplit(".", 1)[-1] in PROPERTIES for d in found.decorator_list
    ):
        return None
    return self.method(owner, attr, [instance], env, when) or UNKNOWN


def library_name(self: Interpreter, name: str) -> Val:
    """A bare name a ``from lib import *`` may have brought: a sink or a source of one
    of those libraries (``from os import *; system(c)``), else unknown."""
    for module in self.library_stars:
        ref = f"{module}.{name}"
        if kind_of(ref) or source_labels(ref):
            return Val(ref=ref, labels=source_labels(ref))
    return UNKNOWN


def decorate_all(
    self: Interpreter, decorators: list[ast.expr], target: Val, env: dict[str, Val], when: When
) -> None:
    """Evaluate a definition's decorators top down, then apply them bottom up, as Python
    does. Once one returns data instead of the definition, the next is a call on that data
    (ADR 0117: ``@exec @bytes.decode @base64.b64decode @lambda _: '...'`` over a class ran
    the decoded code on import, naming no call)."""
    made = [self.expr(decorator, env, when) for decorator in decorators]
    value = target
    for node, decorator in reversed(list(zip(decorators, made, strict=True))):
        if value is target:
            value = self.decorate(decorator, target, env, when) or target
        elif when is not When.LATER:
            value = _called_on(self, node, env, when, decorator=decorator, value=value) or target


def decorate(
    self: Interpreter, decorator: Val, target: Val, env: dict[str, Val], when: When
) -> Val | None:
    """A decorator runs when the definition does: a local one is evaluated with the
    function or class it decorates, and ``@atexit.register`` (or any registrar of
    :data:`CALLBACKS`) runs the function now (issue 16: code reached only through a
    decorator or an exit hook, naming no sink at module level). What a local one returns
    when that is data (:func:`decorate_all`), else None."""
    if rebound.decorated(self, decorator, target):  # ``@f.register(int)`` (ADR 0073)
        return None
    if when is When.LATER:
        return None
    if decorator.func is not None:
        result = self.apply(decorator.func, [target], env, when)
        return result if result is not None and _data(result) else None
    if decorator.ref in self.classes:  # ``@K``: ``K(f)`` runs K's ``__init__`` (ADR 0067)
        made = Val(ref=f"{decorator.ref}()")
        self.method(decorator.ref, "__init__", [made, target], env, when)
    elif decorator.ref in CALLBACKS:
        self.run_hook(target, env, when)
    return None


# Names no source can spell: where a decorator and the data it is given are bound.
DECORATOR = "\0decorator"
DECORATED = "\0decorated"


def _called_on(
    self: Interpreter,
    node: ast.expr,
    env: dict[str, Val],
    when: When,
    *,
    decorator: Val,
    value: Val,
) -> Val | None:
    """``@base64.b64decode`` over data: the call ``b64decode(data)`` itself, at the
    decorator's line. What it returns when that is data, else None."""
    scratch = {**env, DECORATOR: decorator, DECORATED: value}
    call = ast.Call(ast.Name(DECORATOR, ast.Load()), [ast.Name(DECORATED, ast.Load())], [])
    result = self.call(ast.copy_location(call, node), scratch, when)
    return result if _data(result) else None


def _data(value: Val) -> bool:
    """A value that is data (folded text or what was decoded), not a definition."""
    return value.func is None and (value.const is not None or bool(value.labels))


def class_hooks(
    self: Interpreter, node: ast.ClassDef, bases: list[str], env: dict[str, Val], when: When
) -> None:
    """Defining a class runs its metaclass (``__new__``, ``__init__``, ``__prepare__``)
    and the ``__init_subclass__`` of its bases, when this module defines them."""
    if when is When.LATER:
        return
    hooks: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for keyword in node.keywords:
        if keyword.arg == "metaclass":
            meta = self.classes.get(self.expr(keyword.value, env, when).ref)
            hooks += self.methods(meta, ("__new__", "__init__", "__prepare__"))
    if self.enum(node.name):
        # Each member of an Enum is made when the class is: its ``__new__`` and
        # ``__init__`` run then, and ``_generate_next_value_`` for ``auto()`` (ADR 0067).
        hooks += self.methods(node, ENUM_HOOKS)
    seen: set[str] = set()
    todo = [b for b in bases if b in self.classes]
    while todo and len(seen) < flowtypes.MAX_BASES:  # the base chain within this module, bounded
        base = self.classes[todo.pop()]
        if base.name in seen:
            continue
        seen.add(base.name)
        hooks += self.methods(base, ("__init_subclass__",))
        parents = self.trace.class_bases.get(base.name, "").split(",")
        todo += [b for b in parents if b in self.classes]
    for hook in hooks:
        given = [UNKNOWN] * len(hook.args.args)
        if hook.name == "__init_subclass__" and given:
            given[0] = Val(ref=node.name)  # ``cls`` is the class defined (ADR 0171)
        self.apply(hook, given, env, when)


def enum(self: Interpreter, cls: str) -> bool:
    """Whether local class ``cls`` derives from one of :mod:`enum`'s classes (its local
    bases followed, bounded)."""
    seen: set[str] = set()
    todo = [cls]
    while todo and len(seen) < flowtypes.MAX_BASES:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for base in self.trace.class_bases.get(name, "").split(","):
            if base.startswith("enum.") or base in ENUM_BASES:
                return True
            if base in self.classes:
                todo.append(base)
    return False


def bind(self: Interpreter, target: ast.expr, value: Val, env: dict[str, Val]) -> None:
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)):
        if value.ref and reach.streams(target, value, env):
            return  # ``reader, writer`` of ``asyncio.open_connection`` (ADR 0051)
        if value.ref.startswith(rebound.EACH):  # ``a, b = map(__import__, n)`` (ADR 0073)
            for i, element in enumerate(target.elts):
                self.bind(element, rebound.module_at(value, i) or UNKNOWN, env)
            return
        items = value.const if isinstance(value.const, list) else None
        for i, element in enumerate(target.elts):
            const = items[i] if items is not None and i < len(items) else None
            self.bind(element, Val(const=const, labels=value.labels), env)
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        old = env.get(target.value.id, UNKNOWN)
        labels = value.labels
        if signin.auth_header(target.slice):  # ``headers['Authorization'] = 'Bearer ' + tok``
            labels = signin.signed(labels, value.shape)
        env[target.value.id] = Val(ref=old.ref, labels=old.labels | labels)
    elif isinstance(target, ast.Subscript):
        rebound.item_bound(self, target, value, env)  # ``globals()['run'] = f`` (ADR 0073)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        if target.attr == "__code__" and value.func is not None:
            env[target.value.id] = value  # ``g.__code__ = f.__code__``: g runs f (ADR 0073)
            return
        held = env.get(target.value.id, UNKNOWN)
        owner = held.ref
        pipruns.keep_argv(self, owner, target.attr, value)  # ``sys.argv = [...]`` (ADR 0119)
        _attribute(self, owner, target.attr, value)
        carried = value.labels & SECRET_DATA
        if not owner and held.func is None and carried - held.labels:
            # ``cfg.env = dict(os.environ)`` on an object of no known class: the object now
            # carries it, as ``cfg['env'] = ...`` makes it (ADR 0193).
            env[target.value.id] = held._replace(labels=held.labels | carried)


def _attribute(self: Interpreter, owner: str, name: str, value: Val) -> None:
    """``self.name = value`` on an instance of a local class, or ``K.name = value`` on the
    class and so on its instances (ADR 0185)."""
    if owner.endswith("()") and owner[:-2] in self.classes:
        keep_attribute(self, owner, name, value)
    elif owner in self.classes:
        keep_attribute(self, owner, name, value)
        keep_attribute(self, f"{owner}()", name, value)
    else:
        across.set_global(self, owner, name, value)  # ``zz.X = f`` of a module of the archive


def _is_main_guard(test: ast.expr) -> bool:
    tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    return any(
        isinstance(t, ast.Compare)
        and isinstance(t.left, ast.Name)
        and t.left.id == "__name__"
        and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in t.comparators)
        for t in tests
    )


BUILTIN_TABLES = ("__builtins__", "builtins")
