"""Secret data kept in another module's names, read here (issue 16; ADR 0195).

A stealer splits itself so no one module both reads and sends: ``_state.py`` binds
``BUF = []``, a function there (or another module, by ``_state.DATA = env``) puts
``dict(os.environ)`` into it on import, and ``_net.py`` sends ``BUF`` after
``from ._state import BUF``. ADR 0193 carried what a function put into its module's names
back to that module's names (:mod:`mutated`), and ADR 0185 set another module's name
(:func:`across.set_global`), but a name imported from another module of the archive was
read here as a reference only: it carried nothing.

:func:`carried`: in the cross-file pass, a name (``BUF``) or an attribute (``_state.CFG``)
that stands for a top-level name of another module of the archive carries the secret data
that module's name holds now (:data:`sinks.SECRET_DATA`): the environment, a credential.
Only labels move, never a folded value (ADR 0193). The other module's names are read when
they were already computed for a call followed there, or when its text names a source
(:data:`SOURCES`): a module of constants is not walked for this.

What it does not do: follow a name its module binds inside a function called later, or
an archive's module read as a file's own pass (no archive: names are references).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airlock.imports.packages import across
from airlock.imports.packages.local import absolute
from airlock.imports.packages.sinks import SECRET_DATA

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val
    from airlock.imports.packages.local import LocalModules

# What a module holding secret data of its own names: the environment, the home folder and
# the credential files in it, a keyring, a dotenv file (:data:`sinks.SECRET_SOURCES`).
SOURCES = re.compile(
    rb"environ|getenv|expanduser|home\(|\.ssh|\.aws|credentials|netrc|keyring|dotenv"
)


def carried(interp: Interpreter, found: Val) -> Val:
    """``found`` (a name's or an attribute's value) with the secret data the other module's
    top-level name it refers to holds; ``found`` itself when it refers to none."""
    if found.const is not None:
        return found
    named = _elsewhere(interp, found)
    if named is None:
        return found
    package, owner, attr = named
    if owner not in package.envs and not package.says(SOURCES, owner):
        return found  # a module naming no source holds no secret of its own
    held = across.module_env(interp, owner).get(attr)
    added = held.labels & SECRET_DATA if held is not None else frozenset()
    if not added - found.labels:
        return found
    return found._replace(labels=found.labels | added)


def given(interp: Interpreter, before: Val, added: frozenset[str]) -> None:
    """``STATE['k'] = secret`` or ``BUF.append(env)`` into a name imported from another
    module of the archive (``from ._state import STATE``): the object is that module's, so
    its name there holds ``added`` too, for the modules that read it (:func:`carried`)."""
    named = _elsewhere(interp, before)
    if named is None:
        return
    _, owner, attr = named
    env = across.module_env(interp, owner)
    held = env.get(attr)
    if held is not None and held.func is None and added - held.labels:
        env[attr] = held._replace(labels=held.labels | added)


def _elsewhere(interp: Interpreter, value: Val) -> tuple[LocalModules, str, str] | None:
    """The archive, and the other module of it and the top-level name there, that
    ``value``'s reference names (``._state.BUF``); None for a library's name, a function,
    or a name of this module."""
    package = interp.package
    ref = value.ref
    if package is None or not ref or value.func is not None:
        return None
    if not ref.startswith(".") and ref.partition(".")[0] not in package.tops:
        return None  # a library's name: the common case, answered first
    name = absolute(ref, interp.module, package.is_package(interp.module))
    owner, _, attr = name.rpartition(".")
    if owner == interp.module or owner not in package.sources:
        return None
    return package, owner, attr
