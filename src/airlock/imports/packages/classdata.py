"""What a class body holds that runs or is read later: constants and field factories
(ADR 0071).

A patient adversary who has read ADR 0067 keeps a command list out of module names
(``class C: cmds = ['id']``, then ``for c in C.cmds: os.system(c)``) or hands the payload to
a dataclass as a field's factory (``x: int = field(default_factory=f)``), which the
generated ``__init__`` calls each time an instance is made, with no call of ``f`` written.

:func:`remember` keeps, per local class, the folded constants its body binds (read back as
``C.cmds`` and ``self.cmds`` through :attr:`flow.Interpreter.constants`) and the factories its
fields name; :func:`make` runs the factories when the class is called on install or import.
:func:`carried` keeps what an attribute bound to a call carries (the environment, a key
file's text), as the constants are read back (ADR 0193).

What it deliberately does not do: read a class attribute rebound after the class is made
(``C.cmds = [...]`` later), or a factory inherited from a class of another module.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes
from airlock.imports.packages.runfile import dotted
from airlock.imports.packages.sinks import SECRET_DATA, kind_of

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

# Field makers whose keyword names a function called when an instance is made: the
# standard library's dataclasses, attrs (both spellings) and pydantic.
FIELD_MAKERS = frozenset({
    "dataclasses.field", "attr.ib", "attr.attrib", "attr.field", "attrs.field",
    "pydantic.Field", "pydantic.fields.Field",
})  # fmt: skip
FACTORY_KEYWORDS = frozenset({"default_factory", "factory"})
# ``attr.ib(default=attr.Factory(f))``: the factory given as a default.
FACTORY_WRAPPERS = frozenset({"attr.Factory", "attrs.Factory"})
MAX_FACTORIES = 16  # per class
MAX_CONSTANTS = 1024  # class attributes kept per file


def remember(interp: Interpreter, node: ast.ClassDef, env: dict[str, Val]) -> None:
    """Keep the constants and field factories of ``node``'s body (see the module
    docstring). Values are read again with nothing run (``flowtypes.When.LATER``): the body itself
    was walked by the caller."""
    factories: list[Val] = []
    for item in node.body:
        if not isinstance(item, (ast.Assign, ast.AnnAssign)) or item.value is None:
            continue
        value = item.value
        if isinstance(value, ast.Call):
            factories += _factories(interp, value, env, flowtypes.When.LATER)
            continue
        if not isinstance(value, (ast.Constant, ast.List, ast.Tuple, ast.BinOp, ast.Name)):
            continue
        found = interp.expr(value, env, flowtypes.When.LATER)
        if not isinstance(found.const, (str, bytes, list)) or found.func is not None:
            continue  # numbers and flags (most class constants) cannot spell a payload
        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
        for target in targets:
            if isinstance(target, ast.Name) and len(interp.constants) < MAX_CONSTANTS:
                interp.constants[node.name, target.id] = found
    if factories:
        # What may run first: a sink, then a function or a class of the archive, then the
        # rest (``list``, ``dict``). A sink past the bound holds (ADR 0187: 16 fields of
        # ``default_factory=list`` first hid a 17th whose factory ran ``os.system``).
        ranked = sorted(factories, key=lambda factory: _rank(interp, factory))
        if len(ranked) > MAX_FACTORIES and kind_of(ranked[MAX_FACTORIES].ref):
            interp.trace.past(f"field factories of {node.name}, past {MAX_FACTORIES}")
        interp.factories[node.name] = ranked[:MAX_FACTORIES]


def carried(interp: Interpreter, node: ast.ClassDef, scope: dict[str, Val]) -> None:
    """Keep what a class attribute bound to a call's value carries (``data =
    dict(os.environ)``), read back as ``C.data``, ``cls.data`` and ``self.data`` as the
    constants are: only folded text was kept, so a method sending ``self.data`` on import
    sent nothing the walk knew (ADR 0193). ``scope``: the names the body's walk bound."""
    for item in node.body:
        targets = item.targets if isinstance(item, ast.Assign) else []
        if isinstance(item, ast.AnnAssign) and item.value is not None:
            targets = [item.target]
        for target in targets:
            if not isinstance(target, ast.Name) or (node.name, target.id) in interp.constants:
                continue
            found = scope.get(target.id)
            carried = found.labels & SECRET_DATA if found is not None else frozenset()
            if found is None or not carried or len(interp.constants) >= MAX_CONSTANTS:
                continue
            interp.constants[node.name, target.id] = flowtypes.Val(
                const=found.const, labels=carried
            )


def _rank(interp: Interpreter, factory: Val) -> int:
    if kind_of(factory.ref):
        return 0
    return 1 if factory.func is not None or factory.ref in interp.classes else 2


def _factories(interp: Interpreter, call: ast.Call, env: dict[str, Val], when: When) -> list[Val]:
    maker = interp.expr(call.func, env, when).ref or dotted(call.func)
    if maker not in FIELD_MAKERS:
        return []
    found: list[Val] = []
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg == "default" and isinstance(value, ast.Call) and value.args:
            if interp.expr(value.func, env, when).ref in FACTORY_WRAPPERS:
                found.append(interp.expr(value.args[0], env, when))
        elif keyword.arg in FACTORY_KEYWORDS:
            found.append(interp.expr(value, env, when))
    return found


def make(interp: Interpreter, cls: str, env: dict[str, Val], when: When) -> None:
    """An instance of local class ``cls`` is made now: the factories of its fields (and of
    its local bases') run, as the generated ``__init__`` calls them."""
    seen: set[str] = set()
    while cls in interp.classes and cls not in seen and len(seen) < 8:
        seen.add(cls)
        for factory in interp.factories.get(cls, ()):
            interp.run_hook(factory, env, when)
        cls = interp.trace.class_bases.get(cls, "").split(",")[0]
