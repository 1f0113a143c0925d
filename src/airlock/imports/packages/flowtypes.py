"""The flow pass's vocabulary: the values it computes, the moments code runs, the events it
records and the bounds its parts share (issue 16; ADR 0112).

Pure data and small predicates, with no walk of its own: :mod:`flow` and every part beside it
import these, so that no part needs :mod:`flow` itself.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from airlock.imports.packages.sinks import HANDED, KEY_BYTE, SECRET

MAX_CALL_DEPTH = 3
# Expressions evaluated per module. Past it the module holds: work is bounded, and what was
# not read is not passed (issue 16). Generated modules of a million nodes reach it.
MAX_STEPS = 400_000


class OverBudget(Exception):  # a signal inside the walk, never raised out of trace()
    """The module's step budget ran out."""


class When(Enum):
    INSTALL = "at install time"
    IMPORT = "on import"
    LATER = "when called"


# Values whose names say they are wallet keys (issue 16: keys sent from inside functions).
SECRET_NAMES = re.compile(
    r"mnemonic|private_?key|priv_?key|seed_?phrase|wallet_?key|keystore", re.I
)
SECRET_NAME = frozenset({SECRET})
# Parameters named as what a client is given to sign in with (aiocpa's ``token``, ADR 0086).
CREDENTIAL_NAMES = re.compile(r"token|api_?key|secret|passw(?:or)?d", re.I)


class Val(NamedTuple):  # immutable; a NamedTuple builds 2.5x faster than a frozen dataclass
    const: object = None  # folded str, bytes, int or list; None when unknown
    ref: str = ""  # dotted name of what this refers to ("os.system", "base64", "exec")
    labels: frozenset[str] = frozenset()
    func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | None = None
    handle: str = ""  # an open file written to: its path as far as it folds ("" otherwise)
    path_var: str = ""  # an open file: the variable holding its path, when it is one
    shape: str = ""  # text of a value that does not fold: ``$APPDATA\\Startup`` (issue 16)
    # A command list that does not fold: its known items' text, ``?`` for the rest (ADR 0153).
    words: str = ""
    # A string that does not fold, when its start does: the text of its known parts (0154).
    head: str = ""
    # A string whose start does not fold either: its known parts, read only as code (0156).
    code: str = ""
    # The strings a value that does not fold may be: either branch of ``A if t else B``, each
    # entry of a folded dict looked up by a key that does not fold (ADR 0161); also command
    # lists of written strings and folded tables bound in either branch (ADR 0164).
    alts: tuple[object, ...] = ()
    # A list that does not fold: each item's text or head, ``parttext.GAP`` for an unknown
    # one, so that a join of it keeps its known text (ADR 0162).
    items: tuple[str, ...] = ()


UNKNOWN = Val()


def keyed(value: Val) -> Val:
    """``value`` hashable, for a key of what a call was given: a folded list or table, or
    alternatives that hold one (ADR 0164), as their text. Whole: a function or a name
    handed on is part of what the call does (ADR 0184)."""
    if not (value.const is None or isinstance(value.const, (str, bytes, int, float))):
        value = value._replace(const=repr(value.const))
    if not all(isinstance(alt, (str, bytes)) for alt in value.alts):
        value = value._replace(alts=(repr(value.alts),))
    return value


HANDED_CREDENTIAL = Val(labels=frozenset({HANDED}))


@dataclass(frozen=True, slots=True)
class Event:
    """One sink the flow pass saw reached: its kind, the call, the line and what flowed in."""

    kind: str  # exec | process | network | write | opaque-load | decode
    callee: str
    line: int
    when: When
    text: str  # folded arguments, for the scorer's patterns
    labels: frozenset[str]
    direct: bool = True  # False: inside a function that an eager call evaluated
    resumed: bool = False  # walked past the walk's bounds: at most held (ADR 0096)


@dataclass(slots=True)
class Trace:
    """What a file does: sink events and the strings recovered by folding."""

    events: list[Event] = field(default_factory=list)
    recovered: list[tuple[int, str, frozenset[str]]] = field(default_factory=list)
    class_bases: dict[str, str] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)  # literal paths downloaded data went to
    # The same for paths that do not fold: the text of the expression (``os.path.join(d,
    # 'x.py')``), matched against the text of what is run.
    skeletons: set[str] = field(default_factory=set)
    # Paths written with known text, and the text: running one runs it (ADR 0161).
    written: dict[str, str] = field(default_factory=dict)
    installed_read: bool = False  # ``setup.py``'s written files brought in (ADR 0157)
    budget_spent: bool = False  # MAX_STEPS ran out: the rest of the module was not read
    across_spent: bool = False  # the cross-file walk's budget ran out (ADR 0096)
    # What a size or count bound kept the walk from reading (a module larger than the
    # archive's parse budget called on import, a 17th re-export): held (ADR 0097).
    unread: str = ""
    # Import hooks evaluated at registration: (line, what, builtin replaced, first event,
    # end) over ``events`` (:mod:`importhooks`).
    hooks: list[tuple[int, str, str, int, int]] = field(default_factory=list)

    def past(self, what: str) -> None:
        """Note ``what`` was not read past a bound (the first such is kept): held."""
        self.unread = self.unread or what


@functools.lru_cache(maxsize=65_536)
def secret_name(name: str) -> bool:
    """A variable named like a wallet key (cached: every name lookup asks)."""
    return SECRET_NAMES.search(name) is not None


@functools.lru_cache(maxsize=4096)
def credential_name(name: str) -> bool:
    return CREDENTIAL_NAMES.search(name) is not None


def xor_keyed(left: Val, right: Val) -> bool:
    """One side of a ``^`` is a number written in the code (or one byte of a key written
    in it, :data:`KEY_BYTE`), the other data that is not."""
    return any(
        ((type(key.const) is int and not key.labels) or KEY_BYTE in key.labels)
        and data.const is None
        for key, data in ((left, right), (right, left))
    )


def key_table(const: object) -> bool:
    """Bytes, or a list of small numbers, written in the code: what a repeating XOR key is."""
    if isinstance(const, bytes):
        return bool(const)
    return (
        isinstance(const, list)
        and bool(const)
        and all(type(c) is int and 0 <= c < 256 for c in const)
    )


def canonical(ref: str) -> str:
    for prefix in ("builtins.", "__builtins__.", "__builtin__."):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    if ".os." in ref and ref.startswith(REEXPORTED_OS):
        return ref[ref.index(".os.") + 1 :]  # ``shutil.os.system`` is ``os.system`` (ADR 0080)
    return ref


# Standard modules that import ``os`` under its own name: ``subprocess.os`` is ``os``.
REEXPORTED_OS = tuple(
    f"{m}.os." for m in ("subprocess", "shutil", "tempfile", "glob", "site", "sysconfig",
                         "platform", "logging", "pathlib", "posixpath", "ntpath", "zipfile")
)  # fmt: skip

# Bases of one module's classes looked up in a row (ADR 0097: at 8, a sender's class nine
# bases up was allowed): against cycles. Past it a method called on install or import holds.
MAX_BASES = 64


# Classes of other modules followed per file. Each costs steps of the cross-file budget,
# which holds when spent; past this bound a class made on install or import holds (ADR 0097:
# at 32, 34 harmless classes made first hid the sender's).
MAX_HOMES = 256
MAX_FOREIGN_STEPS = 20_000  # top level of a module a call is followed into
