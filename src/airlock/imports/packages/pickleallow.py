"""The calls a pickle makes that no allowlist of data constructors vouches for (ADR 0124,
issue 16).

Pure. A denylist of code-running callables (:data:`pickles.DANGEROUS_MODULES`,
:data:`pickles.RUNS_CODE`) misses every gadget nobody listed: scanner-bypass studies
(arXiv 2508.19774 lists 133 of them; picklescan's and modelscan's lists grow with each
report). Model pickles call few globals, and the same ones: torch's tensor rebuilders, numpy's
``_reconstruct`` and ``dtype``, ``collections.OrderedDict``, a library's classes. So a call
is judged by what it is:

* ``new`` (``NEWOBJ``): only the class's ``__new__`` runs (a function is refused by the
  Unpickler before it runs): never held here.
* ``build`` (``BUILD``: the object's ``__setstate__`` runs): vouched for when the class is
  listed, or belongs to a library of ``data/pickle_globals.txt``.
* ``call`` (``REDUCE``, ``INST``, ``OBJ``, or a global handed to ``copyreg._reconstructor``
  and the like): the callable runs with arguments the file chose. Vouched for when listed,
  when it is a class (a CapWords last name) of a listed library outside the modules that
  run processes or code, or a Cython ``__pyx_unpickle_*`` restorer.

What it does not do: know the package's own modules (:mod:`picklecalls` drops calls of
those), or check that a name the list vouches for is what the module really holds.
"""

from __future__ import annotations

import functools
import pkgutil
import re

SAFE_BUILTINS = {
    "set", "frozenset", "slice", "complex", "bytearray", "range", "object",
    "dict", "list", "tuple", "str", "bytes", "int", "float", "bool",
}  # fmt: skip
# Modules of a listed library whose classes start processes, compile or fetch code (torch's
# elastic ``SubprocessHandler`` runs ``Popen`` in ``__init__``), or open files
# (``pandas.io``'s ``HDFStore(path, mode='w')`` truncates one): their classes are not
# vouched for by the library's name.
RISKY_MODULE = re.compile(
    r"(?:^|\.)_?(?:subprocess\w*|\w*multiprocessing|process|processes|popen\w*|distributed|"
    r"cpp_extension|_?inductor|_?dynamo|jit|hub|"
    r"testing|bottleneck|collect_env|f2py|distutils|\w*compile\w*|shell|exec\w*|spawn\w*|"
    r"system|eval\w*|computation|io|gfile|file_io|utils\.data\.datapipes)(?:\.|$)"
)

# Classes whose construction does I/O by their name's word (``pandas.HDFStore(path, 'w')``
# under its short alias, ``SummaryWriter(log_dir)``, ``GFile(path, 'w')``): a listed
# library's class so named is not vouched for when a pickle calls it.
RISKY_CLASS = re.compile(
    r"Writer|Store|File|Popen|Process|Thread|Server|Client|Session|Connection|Socket|Shell|"
    r"Executor|Pool|Downloader|Command|Runner|Launcher"
)


@functools.cache
def lists() -> tuple[frozenset[str], frozenset[str]]:
    """The globals and the libraries ``data/pickle_globals.txt`` vouches for, read through
    the package's loader (as ``typosquat`` reads ``popular.txt``)."""
    text = pkgutil.get_data("airlock.imports.packages.data", "pickle_globals.txt")
    if text is None:  # no list would vouch for nothing and hold every model: fail loudly
        raise ImportError("airlock.imports.packages.data: cannot read pickle_globals.txt")
    names: set[str] = set()
    libraries: set[str] = set()
    for raw in text.decode("utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("library "):
            libraries.add(line.removeprefix("library ").strip())
        elif line:
            names.add(line)
    return frozenset(names), frozenset(libraries)


def vouched(how: str, name: str) -> bool:
    """Whether a call of ``name`` made as ``how`` (``call``, ``new``, ``build``) only builds
    data, by the shipped lists."""
    if how == "new":
        return True
    names, libraries = lists()
    if name in names:
        return True
    module, _, attr = name.rpartition(".")
    if module in ("builtins", "__builtin__") and attr in SAFE_BUILTINS:
        return True
    if attr.startswith("__pyx_unpickle_"):
        return True  # Cython's generated restorer: ``Class.__new__`` and the state, no call
    if module.split(".")[0] not in libraries or RISKY_MODULE.search(module):
        return False
    return how == "build" or (attr[:1].isupper() and not RISKY_CLASS.search(attr))


def unlisted(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each ``(how, name)`` of ``calls`` no list vouches for, once, in the stream's order."""
    out: list[tuple[str, str]] = []
    for call in dict.fromkeys(calls):
        if not vouched(*call):
            out.append(call)
    return out
