"""Calls spelt in a data file's serialisation syntax (ADR 0063).

Pure: reads bytes, runs nothing.

YAML's Python tags (``!!python/object/apply:os.system ['id']``, PyYAML's unsafe and full
loaders, ruamel's unsafe one) and jsonpickle's ``{"py/function": "os.system"}`` name a
callable the loader calls while reading the file: a module that loads such a file runs it,
as unpickling a pickle does. A file naming a callable of :data:`pickles.DANGEROUS_MODULES`
this way holds (someone must still load it unsafely, so it does not deny).

What it does not do: find the module that loads the file, or read a tag built at run time.
"""

from __future__ import annotations

import re

from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.pickleallow import SAFE_BUILTINS
from airlock.imports.packages.pickles import DANGEROUS_MODULES
from airlock.imports.packages.rules import PackageFinding, Severity

MARKERS = (b"python/", b"py/function", b"py/type", b"py/reduce")
SPELT_CALL = LazyPattern(
    rb"!!?python/(?:object/apply|object/new|object|name|module):\s*(?P<yaml>[\w.]+)|"
    rb"\"py/(?:function|type)\"\s*:\s*\"(?P<json>[\w.]+)\""
)
MAX_READ = 4_000_000  # bytes of one file searched
# Files no loader reads: a distribution's metadata (importlib.metadata reads it as mail
# headers; its long description is the README) and the prose at an sdist's root, which is
# not installed. A tag quoted there documents a YAML library (ADR 0129: ruamel.yaml's
# changelog quotes ``!!python/name:posix.system``); the tag weighs less, as in ``docs/``.
# An sdist's root folder is NAME-VERSION: no package folder (an identifier) is named so.
DOCUMENTS = LazyPattern(
    r"[^/]+\.dist-info/METADATA|(?:[^/]+/)*[^/]+\.egg-info/PKG-INFO|[^/]+-\d[^/]*/"
    r"(?:PKG-INFO|(?:README|CHANGES|CHANGELOG|HISTORY|NEWS)(?:\.(?:md|rst|txt))?)",
    re.IGNORECASE,
)


def documentation(path: str) -> bool:
    """Whether ``path`` is a distribution's metadata or an sdist's root prose
    (:data:`DOCUMENTS`): no module loads it as YAML or jsonpickle."""
    return DOCUMENTS.fullmatch(path) is not None


def serialized_calls(path: str, data: bytes) -> list[PackageFinding]:
    """A finding for each dangerous callable a YAML or jsonpickle text names."""
    head = data[:MAX_READ]
    if not any(marker in head for marker in MARKERS):
        return []
    found: list[PackageFinding] = []
    for match in SPELT_CALL.finditer(head):
        target = (match.group("yaml") or match.group("json") or b"").decode("ascii", "replace")
        top, _, attr = target.partition(".")
        if top not in DANGEROUS_MODULES or (top == "builtins" and attr in SAFE_BUILTINS):
            continue
        found.append(
            PackageFinding(
                "serialized-call",
                path,
                head.count(b"\n", 0, match.start()) + 1,
                Severity.HIGH,
                f"data file names {target} in a loader's object syntax: loading it runs that",
            )
        )
        if len(found) >= 4:
            break
    return found
