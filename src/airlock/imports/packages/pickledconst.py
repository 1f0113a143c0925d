"""A pickle written into the source and loaded: read as the pickle member it could have been
(issue 16; ADR 0126). Pure.

A ``.pkl`` member whose opcodes call ``os.system`` is denied whether or not anything loads
it (``pickles.scan_pickle``, ``pickle-exec``). The same bytes kept as a constant of a module
(``B = b'\\x80\\x04...'``, or base64 of them, zlib-compressed, which the flow pass folds) and
handed to ``pickle.loads`` were only an opaque load: critical on install or import, whatever
they held, but medium inside a function, so a gadget loaded when called was allowed. Here
the folded argument of an opaque load is read with the same reader: when it calls what a
pickle member would be denied for, the load carries :data:`PICKLED_CODE`, and
:mod:`chains` judges it as that member, whenever it runs.

The bytes may also be wrapped in a stream first (``pickle.load(io.BytesIO(B))``,
``pickle.Unpickler(io.BytesIO(B)).load()``, ``joblib.load(io.BytesIO(B))``): the stream
made of such bytes carries the mark, and a loader handed it (:func:`unpickles`) is an
opaque load of it, which none of them was before.

What it does not do: read a pickle built at run time, one whose bytes do not fold (read
from a file the path of which does not fold, or past :func:`fold.small`'s bound), or hold
for the calls ADR 0124 holds in a member (a restored class no allowlist names): a load of
such a constant when called stays medium, as before.
"""

from __future__ import annotations

from airlock.imports.packages.pickles import scan_pickle, sniffed_pickle

PICKLED_CODE = "pickled-code"  # an opaque load of a constant pickle that calls a gadget


# What wraps bytes in a stream that a loader reads as a file.
STREAMS = frozenset({"io.BytesIO", "_io.BytesIO"})
# The libraries whose ``load``/``loads``/``Unpickler`` unpickle what they are handed.
UNPICKLERS = frozenset({"pickle", "_pickle", "dill", "cloudpickle", "joblib", "torch"})
LOADS = frozenset({"load", "loads", "Unpickler"})


def unpickles(ref: str, *labels: frozenset[str]) -> str:
    """``opaque-load`` for an unpickler's load (``pickle.load``, ``pickle.Unpickler``,
    ``joblib.load``, an ``Unpickler``'s ``load``) when one of the label sets (the
    arguments', the callee's) carries :data:`PICKLED_CODE`; else empty. Asked of every
    call the flow pass records, so the sets are not joined first."""
    if not any(PICKLED_CODE in each for each in labels):
        return ""
    return "opaque-load" if _loader(ref) else ""


def _loader(ref: str) -> bool:
    if not ref.endswith(("load", "loads", "Unpickler")):
        return False  # asked of every call the flow pass records: the cheap test first
    head, _, leaf = ref.rpartition(".")
    return leaf in LOADS and head.split(".")[0] in UNPICKLERS


def runs_code(kind: str, ref: str, consts: list[object]) -> frozenset[str]:
    """:data:`PICKLED_CODE` for an opaque load, or a stream made, whose first argument folds
    to a pickle that ``pickles.scan_pickle`` denies; else nothing."""
    if kind != "opaque-load" and ref not in STREAMS and not _loader(ref):
        return frozenset()
    if not consts or not isinstance(consts[0], bytes):
        return frozenset()
    data = consts[0]
    if not sniffed_pickle(data):
        return frozenset()
    found = scan_pickle("<constant>", data)
    return frozenset({PICKLED_CODE}) if any(f.rule == "pickle-exec" for f in found) else frozenset()
