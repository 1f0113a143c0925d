"""Code run in place of another's: builtins, library functions and import hooks (issue 16).

A module that, on install or import, puts its own function over a builtin
(``builtins.open = f``, ``setattr(builtins, 'open', f)``), over a library's function or
class attribute (``getpass.getpass = steal``, ``requests.Session.send = send``; ADR 0067),
over an object's class (``sys.modules[__name__].__class__ = M``), or into the import system
(a finder on ``sys.meta_path``), has that function run by every later caller, in any
package, with nobody calling it by name. :class:`flow.Interpreter` hands each such
assignment or registration here; the replacing function is evaluated then, as a hook given
what its callers pass (:mod:`intercept`), and a builtin's or import hook's events are marked
as the hook's (:mod:`importhooks` judges them). A whole module replaced in ``sys.modules``
is :mod:`shadowed`'s.

Apart from :mod:`flow` because it is one question with its own rules (which owner counts as
a library's, ADR 0063's amendment; what a helper given the module keeps, ADR 0071), asked at
a few places of the walk. Pure and bounded like :mod:`flow`. What it deliberately does not
do: follow a replacement made through a function's parameter (read as unknown, as
everywhere in the pass), or this archive's own modules and classes replaced.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airlock.imports.packages import flowtypes, intercept, shadowed
from airlock.imports.packages.implicit import HOOK_ATTRS, SWAPPED_HOOKS
from airlock.imports.packages.importhooks import BUILTIN_MODULES, FINDER_METHODS, PATCHED_BUILTINS
from airlock.imports.packages.sinks import SECRET

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Event, Val, When


def patched(
    interp: Interpreter,
    target: ast.Attribute | ast.Subscript,
    value: Val,
    env: dict[str, Val],
    when: When,
) -> None:
    """``builtins.open = f`` or ``__builtins__['__import__'] = f`` on install or import:
    ``f`` now runs in place of the builtin (issue 16: monkey-patched builtins).
    A library's function replaced by a local one runs too (:func:`replaces`)."""
    if isinstance(target, ast.Attribute) and target.attr == "__class__":
        swapped(interp, value, env, when)  # ``sys.modules[__name__].__class__ = M``
        return
    if not isinstance(target.value, ast.Name):
        # ``requests.Session.send = send``: a class of a library; ``vars(m)['f'] = g``
        # and ``m.__dict__['f'] = g`` (ADR 0067)
        if isinstance(target, ast.Subscript) and shadowed.replaced(
            interp, target, value, env, when
        ):
            pass  # ``sys.modules['requests'] = fake`` (ADR 0071)
        elif value.func or "()." in value.ref:
            owner = interp.expr(target.value, env, when).ref
            if isinstance(target, ast.Subscript):
                owner = owner.removesuffix(".__dict__") if owner.endswith("__dict__") else ""
            if replaces(interp, owner, value, target.value, env):
                replaced = f"{owner}.{target_name(target)}"
                interp.run_hook(value, env, when, intercept.mark(replaced))
        return  # ``builtins`` or ``__builtins__`` (or a name bound to them)
    owner = interp.expr(target.value, env, when).ref
    if isinstance(target, ast.Attribute) and f"{owner}.{target.attr}" in HOOK_ATTRS:
        interp.run_hook(value, env, when)  # ``sys.excepthook = report``
        return
    if isinstance(target, ast.Attribute) and owner not in BUILTIN_MODULES:
        replaced_attribute(interp, owner, target, value, env, when)
        return
    if owner not in BUILTIN_MODULES:
        return
    if isinstance(target, ast.Attribute):
        name: object = target.attr
    else:
        name = interp.expr(target.slice, env, when).const
    if not isinstance(name, str) or name not in PATCHED_BUILTINS:
        return
    import_hook(interp, value, target.lineno, f"builtin {name} replaced", str(name), env, when)


def set_attribute(
    interp: Interpreter, node: ast.Call, args: list[Val], env: dict[str, Val], when: When
) -> None:
    """``setattr(builtins, 'open', f)`` (an import hook) or ``setattr(getpass,
    'getpass', f)`` (a library's function replaced; ADR 0067)."""
    name = args[1].const
    if args[0].ref in BUILTIN_MODULES and str(name) in PATCHED_BUILTINS:
        what = f"builtin {name} replaced"
        import_hook(interp, args[2], node.lineno, what, str(name), env, when)
    elif name is not None and replaces(interp, args[0].ref, args[2], node.args[0], env):
        interp.run_hook(args[2], env, when, intercept.mark(f"{args[0].ref}.{name}"))
    elif name is not None:  # ``def patch(mod, name, fn): setattr(mod, name, fn)``
        replaced_by_helper(interp, args[0].ref, args[2], f"{args[0].ref}.{name}", env, when)


def replaced_attribute(  # noqa: PLR0917 -- the parts of one assignment
    interp: Interpreter,
    owner: str,
    target: ast.Attribute,
    value: Val,
    env: dict[str, Val],
    when: When,
) -> None:
    """``owner.attr = value`` of a library's module or class (not the builtins)."""
    replaced = f"{owner}.{target.attr}"
    if replaces(interp, owner, value, target.value, env):
        # ``getpass.getpass = steal`` (ADR 0067): it is given other packages' data.
        interp.run_hook(value, env, when, intercept.mark(replaced))
    else:  # ``def patch(klass, f): klass.send = f``
        replaced_by_helper(interp, owner, value, replaced, env, when)


def replaced_by_helper(  # noqa: PLR0917 -- the parts of one replacement
    interp: Interpreter, owner: str, value: Val, replaced: str, env: dict[str, Val], when: When
) -> None:
    """A library's function replaced by a helper function that is given the module or
    class (``patch(getpass, 'getpass', steal)``): the replacement is read only for what
    it does with what it is given, sending it over the network (ADR 0071). What it does
    on its own is left out: numpy.distutils' ``replace_method(klass, name, func)`` puts
    a ``spawn`` that starts the compiler it is given over distutils' (ADR 0067)."""
    if interp.depth == 0 or not replaces(interp, owner, value, None, env):
        return
    starts = {id(t): len(t.events) for t in [interp.trace, *interp.foreign.values()]}
    hooks, pending = len(interp.trace.hooks), len(interp.unmatched)
    interp.run_hook(value, env, when, intercept.mark(replaced))
    if len(interp.trace.hooks) != hooks:
        return  # an import hook's events are kept by index: left as they are
    # Runs kept for :func:`writes.late_drops` point at events about to move: dropped.
    del interp.unmatched[pending:]
    for found in [interp.trace, *interp.foreign.values()]:  # a module first followed now: all
        start = starts.get(id(found), 0)
        found.events[start:] = [e for e in found.events[start:] if sends_given(e)]


def global_name(interp: Interpreter, node: ast.expr, env: dict[str, Val]) -> bool:
    """Whether ``node`` (``getpass``, ``requests.Session``, ``vars(os)``) starts with a
    name that still holds what the module bound to it."""
    for _ in range(8):
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call) and node.args:
            node = node.args[0]
        else:
            break
    top = interp.globals or {}
    return isinstance(node, ast.Name) and node.id in top and env.get(node.id) is top[node.id]


def swapped(interp: Interpreter, value: Val, env: dict[str, Val], when: When) -> None:
    """``obj.__class__ = M`` of local class ``M`` (a module made lazy): every attribute
    read or written on the object now runs M's access methods (ADR 0067)."""
    if value.ref in interp.classes:
        made = flowtypes.Val(ref=f"{value.ref}()")
        for name in SWAPPED_HOOKS:
            interp.method(value.ref, name, [made, flowtypes.UNKNOWN, flowtypes.UNKNOWN], env, when)


def replaces(
    interp: Interpreter, owner: str, value: Val, base: ast.expr | None, env: dict[str, Val]
) -> bool:
    """Whether ``owner.attr = value`` puts a function of this module in place of a
    library's (``getpass.getpass = steal``, ``requests.Session.send = send``): every
    caller of the library's function, in any module, now runs this one, with nobody
    calling it by name. Not the builtins (:func:`patched` judges those as import hooks),
    this archive's own modules and classes, or an instance's attribute; and only when
    ``base`` (what is written to) is a module-level name, not a function's parameter:
    numpy.distutils' ``replace_method(klass, name, func)`` puts its own ``spawn`` over
    distutils' through one, and a parameter's value is read as unknown everywhere else
    in this pass (ADR 0063's amendment). ``base`` None: wherever it is written
    (:func:`replaced_by_helper`)."""
    return (
        (base is None or interp.depth == 0 or global_name(interp, base, env))
        and (value.func is not None or "()." in value.ref)
        and bool(owner)
        and not owner.startswith(".")
        and not owner.endswith("()")
        and owner not in BUILTIN_MODULES
        and owner not in interp.classes
        and owner != "globals"
        and (interp.package is None or owner.split(".", 1)[0] not in interp.package.tops)
    )


def import_hook(  # noqa: PLR0917 -- the parts of one registration
    interp: Interpreter,
    hook: Val,
    line: int,
    what: str,
    replaced: str,
    env: dict[str, Val],
    when: When,
) -> None:
    """Evaluate a finder, loader, path hook or replacing builtin now: every later import
    runs it (:mod:`importhooks`); the events it makes are marked as the hook's."""
    funcs: list[ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef] = []
    if hook.func is not None:
        funcs.append(hook.func)
    name = hook.ref.removesuffix("()")
    seen: set[str] = set()
    while name in interp.classes and name not in seen and len(seen) < 8:  # local bases
        seen.add(name)
        funcs += interp.methods(interp.classes[name], FINDER_METHODS)
        name = interp.trace.class_bases.get(name, "").split(",")[0]
    traces = [interp.trace, *interp.foreign.values()]
    starts = [len(t.events) for t in traces]
    for func in funcs:
        interp.apply(func, [flowtypes.UNKNOWN] * len(func.args.args), env, when)
    for found, start in zip(traces, starts, strict=True):
        if len(found.events) > start:
            found.hooks.append((line, what, replaced, start, len(found.events)))
    for found in interp.foreign.values():  # traces the hook's calls opened
        if found.events and all(found is not t for t in traces):
            found.hooks.append((line, what, replaced, 0, len(found.events)))


def sends_given(event: Event) -> bool:
    """A network event carrying a secret: what a replacement sends of what it is given."""
    return event.kind == "network" and SECRET in event.labels


def target_name(target: ast.Attribute | ast.Subscript) -> str:
    """``f`` of ``m.f`` or of ``vars(m)['f']`` (a literal key; else "")."""
    if isinstance(target, ast.Attribute):
        return target.attr
    key = target.slice
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
