"""Another installed package's files, found by its module (ADR 0085).

``open(requests.__file__, 'a').write(code)``, ``inspect.getfile(json)``,
``importlib.util.find_spec('urllib3').origin``: a package that finds another module's file
by the module, and writes there, changes code that every program importing that module runs
(tampering that survives the package's removal). Such a path is not written in the code, so
it has no text; here it gets the shape of the folder Python imports installed packages from
(``site-packages/<module>``), and the writes :mod:`chains` already judges for that folder
(persistence on install or import) apply. Reading the same file (a plugin reading a module's
version, a tool listing its data files) is no write and stays what it was.

Pure helpers over the interpreter's values; :mod:`flow` calls them. What they do not do:
judge the package's own modules (their files are its own to write), or follow a module
reached through ``sys.modules`` or a name that does not fold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.imports.packages.fold import text_of

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Val
    from airlock.imports.packages.local import LocalModules

SITE = "site-packages"
# A module's attributes that name its file or its folder.
FILE_ATTRS = frozenset({"__file__", "__path__", "__spec__"})
# A module's spec's attributes that name its file or its folder.
SPEC_ATTRS = frozenset({"origin", "submodule_search_locations", "__file__", "__path__"})
# Calls that return the file of the module they are given, or of the module they name.
LOCATORS = frozenset({
    "inspect.getfile", "inspect.getsourcefile", "inspect.getabsfile",
    "importlib.util.find_spec", "importlib.machinery.PathFinder.find_spec",
    "pkgutil.get_loader", "importlib.find_loader",
})  # fmt: skip
# Names that are this module itself, not another one.
SELF_REFS = frozenset({"", "globals", "__main__", "sys", "builtins"})


def module_file(base: Val, attr: str, package: LocalModules | None, module: str) -> str:
    """``site-packages/<module>`` for ``<module>.__file__`` (or ``__path__``, ``__spec__``)
    of a module that is not the package's own; else empty."""
    if attr not in FILE_ATTRS or "()" in base.ref or base.shape:
        return ""
    return _foreign(base.ref, package, module)


def located(ref: str, args: list[Val], package: LocalModules | None, module: str) -> str:
    """``site-packages/<module>`` for a locator (:data:`LOCATORS`) of another module, given
    as the module or by its name; else empty."""
    if ref not in LOCATORS or not args:
        return ""
    given = args[0]
    name = text_of(given.const) if isinstance(given.const, str) else given.ref
    return _foreign(name, package, module)


def spec_part(base: Val, attr: str) -> str:
    """A located module's ``.origin`` (and its like) keeps the located shape."""
    return base.shape if attr in SPEC_ATTRS and base.shape.startswith(SITE + "/") else ""


def _foreign(name: str, package: LocalModules | None, module: str) -> str:
    top = name.partition(".")[0]
    if top in SELF_REFS or not top.isidentifier() or top == module.partition(".")[0]:
        return ""
    if package is not None and top in package.tops:
        return ""
    return f"{SITE}/{name}"[:200]
