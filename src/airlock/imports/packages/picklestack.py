"""A pickle's opcodes run on a modelled stack: which globals it names and which it calls,
never loading it (pure; issue 16, ADRs 0065 and 0124).

:mod:`pickleops` walks the opcodes; this follows texts, globals, tuples and bytes through
the stack and memo far enough to say, for each ``REDUCE``/``NEWOBJ``/``BUILD``/``OBJ``/
``INST``, which global is called and how, and reads the pickles a stream carries for
torch's ``_load_from_bytes``. :mod:`pickles` judges what this reports.
"""

from __future__ import annotations

import functools

from airlock.imports.packages.pickleops import opcodes

MAX_OPS = 2_000_000


MAX_STREAMS = 16  # pickles read one after another in one file (torch's legacy format has 4+)


def read_pickles(
    data: bytes, seen: list[str], calls: list[tuple[str, str]], depth: int = 0
) -> None:
    """:func:`_read_globals` over each pickle of ``data``: torch's format before 1.6 (and
    ``_use_new_zipfile_serialization=False``) writes a magic number, a version and the
    system's sizes as three pickles before the one ``torch.load`` builds the model from.
    A pickle after the first is read when the bytes after ``STOP`` start with ``PROTO``;
    what does not read there is data (joblib writes an array's bytes after its pickle).

    Raises:
        ValueError: the first pickle does not read (as :func:`_read_globals`).
    """
    ends: list[int] = []
    _read_globals(data, seen, calls, ends=ends, depth=depth)
    for _ in range(MAX_STREAMS - 1):
        start = ends[-1] if ends else len(data)
        if not (start + 1 < len(data) and data[start] == PROTO and data[start + 1] <= 5):
            return
        before = len(ends)
        try:
            _read_globals(data, seen, calls, start=start, ends=ends, depth=depth)
        except (ValueError, EOFError, KeyError, UnicodeDecodeError, IndexError):
            return
        if len(ends) == before:
            return


PROTO = 0x80


UNRESOLVED = "?.?"  # a STACK_GLOBAL whose module and name are not text the stream spelled
_TEXT_OPS = {
    "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE",
    "STRING", "BINSTRING", "SHORT_BINSTRING",  # decoded to str by the Unpickler (ASCII)
}  # fmt: skip
_GETS = {"GET", "BINGET", "LONG_BINGET"}
_BLOB_OPS = {"SHORT_BINBYTES", "BINBYTES", "BINBYTES8"}
_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}


def _read_globals(  # noqa: PLR0912, PLR0915 -- one branch per role
    data: bytes,
    seen: list[str],
    calls: list[tuple[str, str]] | None = None,
    *,
    start: int = 0,
    ends: list[int] | None = None,
    depth: int = 0,
) -> None:
    """Every global the stream would import, into ``seen``, with the stack modelled the way
    the Unpickler keeps it (texts, the memo, and MARKs as a stack of stacks), so that
    ``STACK_GLOBAL`` is named by the two items it really takes: a module name fetched from
    the memo (how every pickler of protocol 4+ writes a module's second class), or texts
    pushed earlier and uncovered by ``POP``, are not mistaken for the last two texts
    written. One whose items are not text is :data:`UNRESOLVED`.

    ``calls`` gets each call the stream makes of a global, as ``(how, name)`` (ADR 0124):
    ``call`` for ``REDUCE``, ``OBJ`` and ``INST`` (the callable runs with the arguments),
    ``new`` for ``NEWOBJ``/``NEWOBJ_EX`` (only the class's ``__new__`` runs) and
    ``build`` for ``BUILD`` on an object a global made (its ``__setstate__`` runs). A call
    of an object a call returned is named ``<global>()``.

    Raises:
        ValueError: the stream takes more from the stack than it put there.
    """
    roles = _roles()
    stack: list[object] = []
    marked: list[list[object]] = []  # the stacks a MARK set aside, as the Unpickler keeps them
    memo: dict[int, object] = {}
    count = 0
    taken: list[object] = []
    for code, arg in opcodes(data, start, ends):
        count += 1
        if count > MAX_OPS:
            return
        role, to_mark, fixed, pushed = roles[code]
        if role == _PUT:
            memo[len(memo) if code == _MEMOIZE else arg] = _top(stack)
            continue
        if role == _MARK:
            marked.append(stack)
            stack = []
            continue
        above: list[object] = []
        if to_mark:
            if not marked:
                raise ValueError("the pickle takes items down to a MARK it never set")
            above, stack = stack, marked.pop()
        if fixed:
            if fixed > len(stack):
                raise ValueError("the pickle takes more from the stack than it put there")
            taken = stack[-fixed:]
            del stack[-fixed:]
        if role == _PLAIN:
            if pushed == 1:
                stack.append(None)
            elif pushed:
                stack.extend([None] * pushed)  # DUP
        elif role == _GET:
            stack.append(memo.get(arg))
        elif role == _TEXT:
            stack.append(_Text(arg) if isinstance(arg, str) else None)
        elif role == _BLOB:
            stack.append(_Blob(arg))
        elif role == _STACK_GLOBAL:
            module, attr = taken
            both = type(module) is _Text and type(attr) is _Text
            seen.append(f"{module}.{attr}" if both else UNRESOLVED)
            stack.append(_Global(f"{module}.{attr}") if both else None)
        elif role == _TUPLE:
            stack.append(_Tuple(above if to_mark else taken if fixed else ()))
        elif role == _CALL:
            # REDUCE, NEWOBJ(_EX) and BUILD take the callable (or the object) first; OBJ
            # finds its class right above its MARK.
            target, *args = above or [None] if to_mark else taken
            how = _HOW[code]
            if how == "call" and _opened(target, args, seen, calls, depth):
                how = "new"  # a pickle in the pickle, read here: its own calls are judged
            made = _called(target, how, args, calls)
            stack.append(target if how == "build" else made)
        else:  # GLOBAL, INST
            name = arg.replace(" ", ".") if isinstance(arg, str) else None
            item: object = _Global(name) if name else None
            if name:
                seen.append(name)
            if code == _INST:
                item = _called(item, "call", above, calls)
            stack.extend([item] * pushed)


class _Text(str):
    """A text the stream pushed, as an item on the modelled stack."""

    __slots__ = ()


class _Global(str):
    """A global the stream imported."""

    __slots__ = ()


class _Made(str):
    """What a call of the global named returned."""

    __slots__ = ()


class _Tuple(tuple[object, ...]):
    """A tuple the stream built, its items kept (to see the globals a call is handed)."""

    __slots__ = ()


class _Blob:
    """Bytes the stream pushed (a view of the file), kept for a loader of a pickle in the
    pickle."""

    __slots__ = ("data",)

    def __init__(self, data: object) -> None:
        self.data = data


# Loaders a pickle calls on bytes it carries: torch pickles a storage as
# ``_load_from_bytes(torch.save(storage))`` when a tensor goes through plain ``pickle``
# (joblib, a pickled object holding a tensor). The bytes are read here as a pickle of their
# own, up to MAX_NESTED deep; the loader itself is then not held (fickling's ML_ALLOWLIST
# vouches for it on the same condition: the pickle in the pickle is scanned).
NESTED = {"torch.storage._load_from_bytes"}
MAX_NESTED = 2


def _opened(
    target: object,
    args: list[object],
    seen: list[str],
    calls: list[tuple[str, str]] | None,
    depth: int,
) -> bool:
    """Whether ``target`` is a :data:`NESTED` loader handed bytes that read as pickles (their
    globals and calls added to ``seen`` and ``calls``)."""
    if not isinstance(target, _Global) or target not in NESTED or calls is None:
        return False
    items = args[0] if len(args) == 1 and isinstance(args[0], _Tuple) else ()
    blob = items[0] if items else None
    if not isinstance(blob, _Blob) or depth >= MAX_NESTED:
        return False
    try:
        read_pickles(bytes(blob.data), seen, calls, depth + 1)  # type: ignore[call-overload]
    except (ValueError, EOFError, KeyError, UnicodeDecodeError, IndexError):
        return False
    return True


# Globals that make an object of the class they are handed first rather than call it
# (``object.__new__(cls)``: how protocols 0 and 1 rebuild a class's instance; ``__newobj__``
# is NEWOBJ spelt as a call): a BUILD on what they return runs that class's __setstate__.
HANDED_ON = dict.fromkeys(
    ("copyreg._reconstructor", "copy_reg._reconstructor", "copyreg.__newobj__",
     "copyreg.__newobj_ex__"),
    "new",
)  # fmt: skip


def _called(
    target: object, how: str, args: list[object], calls: list[tuple[str, str]] | None
) -> object:
    """Record the call of ``target`` (a global, or what a call returned) and of each global
    it is handed; the modelled result.

    A global handed to a call may be called by it (``functools.partial``, torch's
    ``_rebuild_from_type_v2(func, ...)``, numpy's ``__generator_ctor(name, ctor)``), so it
    is recorded as called too: the callee's list entry does not vouch for what it is given.
    """
    if not isinstance(target, (_Global, _Made)) or calls is None:
        return None
    name = f"{target}()" if isinstance(target, _Made) and how != "build" else str(target)
    calls.append((how, name))
    if how != "call":
        return _Made(name)
    # REDUCE's one argument tuple, or the items OBJ and INST take above their MARK.
    items = args[0] if len(args) == 1 and isinstance(args[0], _Tuple) else args
    handed = HANDED_ON.get(name)
    for n, item in enumerate(items):
        if isinstance(item, _Global):
            calls.append((handed if handed and n == 0 else "call", str(item)))
    if handed and items and isinstance(items[0], _Global):
        return _Made(items[0])  # an object of that class: its __setstate__ is the BUILD's
    return _Made(name)


# What an opcode does to the modelled stack, beyond taking and pushing plain items.
_PLAIN, _PUT, _MARK, _GET, _TEXT, _STACK_GLOBAL, _NAMED, _TUPLE, _CALL, _BLOB = range(10)
_MEMOIZE = 0x94  # pickle.MEMOIZE: a PUT whose index is the memo's size
_INST = ord("i")
_HOW = {ord("R"): "call", ord("o"): "call", 0x81: "new", 0x92: "new", ord("b"): "build"}


@functools.cache
def _roles() -> tuple[tuple[int, bool, int, int], ...]:
    """Per opcode byte: its role, whether it takes items down to a MARK, how many fixed
    items it takes (under the MARK's, if any) and how many it pushes (``pickletools``' stack
    notation)."""
    import pickletools  # noqa: PLC0415 -- few packages ship a pickle: imported for those

    table = [(_PLAIN, False, 0, 0)] * 256
    for op in pickletools.opcodes:
        before = op.stack_before
        to_mark = pickletools.markobject in before
        fixed = before.index(pickletools.markobject) if to_mark else len(before)
        name = op.name
        role = (
            _PUT if name == "MEMOIZE" or name in _PUTS
            else _MARK if name == "MARK"
            else _GET if name in _GETS
            else _TEXT if name in _TEXT_OPS
            else _BLOB if name in _BLOB_OPS
            else _STACK_GLOBAL if name == "STACK_GLOBAL"
            else _NAMED if name in ("GLOBAL", "INST")
            else _TUPLE if name.startswith("TUPLE") or name == "EMPTY_TUPLE"
            else _CALL if name in ("REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ", "BUILD")
            else _PLAIN
        )  # fmt: skip
        table[ord(op.code)] = (role, to_mark, fixed, len(op.stack_after))
    return tuple(table)


def _top(stack: list[object]) -> object:
    if not stack:
        raise ValueError("the pickle memoizes from an empty stack")
    return stack[-1]
