"""A string that stops folding keeps the text of its known parts (issue 16; ADR 0154).

``exec(PAYLOAD + sys.argv[0][:0])`` runs PAYLOAD whatever is added, and ADR 0153 reads the
known parts of such code when it is built in the call. Built one line earlier
(``code = PAYLOAD + x; exec(code)``, ``cmd = 'curl … | sh ' + x; os.system(cmd)``) the
value went unknown at the ``+`` and the run was a plain dynamic exec or process call:
allowed. Here such a string keeps, as its head (``Val.head``), the text of the parts that
fold, joined as ``+`` joins them, the unknown ones left out as :meth:`partial` leaves them
out of code built in the call. The exec sinks read the head as the code they run, a process
sink as its command's text, a request as its address when the head holds the whole host.

Only a string whose start folds keeps a head, as a command built in the call is read only
when its program is written (:func:`sinkcall.written_head`): ``x + ' | sh'`` names no
program, and a path built from an unknown folder is a shape (:mod:`pathshape`), never a
head. A head is not read as a path (``'/tmp/' + name`` is no file written to ``/tmp/``).

ADR 0161 keeps a head for ``join``, ``%`` and ``.format`` of items written in the call,
through ``strip``/``replace``/``encode``, and for bytes; it adds tables, platform switches
(``Val.alts``) and command lists written with an unknown item. ADR 0156 keeps the known
parts of code whose start does not fold (``x + PAYLOAD``) in ``Val.code``, read by exec
sinks only.

ADR 0162 keeps alternatives through ``+`` (:func:`alts_added`) and a head through a slice
from the start (:func:`sliced`); a list grown and then joined keeps its items
(:mod:`listtext`), a template filled by name its text (:mod:`namedfill`).

What it does not keep: a command whose start does not fold, text past
:data:`fold.MAX_FOLD`. ``+`` and f-strings ask that the first part be written; a join or a
template, that the text before the first unknown item be (so ``'  ' + cmd`` keeps no head
where ``'  {}'.format(cmd)`` does).
"""

from __future__ import annotations

import ast
import re
from typing import TypeGuard

from airlock.imports.packages import paddedrun, sinkcall
from airlock.imports.packages.flowtypes import UNKNOWN, Val
from airlock.imports.packages.fold import MAX_FOLD, MAX_WRITTEN, small
from airlock.imports.packages.prefilter import may_act

# An address whose host is complete: a path, query, fragment or port follows it.
WHOLE_HOST = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s:@]+(?::[^/?#\s@]*)?[/?#]", re.I)
# Where an item that does not fold stands in a filled template while its start is judged.
GAP = "\x00"


def added(left: Val, right: Val) -> str:
    """The head of ``left + right`` when the sum does not fold: ``left`` a string (or bytes,
    ``PAYLOAD.encode() + x``) with a written start (or a head already), ``right`` a string
    or unknown; empty otherwise."""
    head = _written(left.const) if left.const is not None else left.head
    if not head.strip():
        return ""
    if isinstance(right.const, (str, bytes)):
        tail = _written(right.const)
    elif right.const is None:
        tail = right.head
    else:
        return ""
    return (head + tail)[:MAX_FOLD]


def code_added(left: Val, right: Val) -> str:
    """The code text of ``left + right`` when its start does not fold (``x + PAYLOAD``,
    ADR 0156): the known parts, read only as code an exec runs (an unknown start names no
    program, so no command is read from them); empty when nothing is known."""
    if left.const is not None or left.head:
        return ""
    if isinstance(right.const, str):
        tail = right.const
    elif right.const is None:
        tail = right.head or right.code
    else:
        return ""
    text = left.code + tail
    return text[:MAX_FOLD] if text.strip() else ""


def formatted(parts: list[Val]) -> str:
    """The head of an f-string that does not fold: its known parts, when the first is."""
    texts = [p.const if isinstance(p.const, str) else p.head for p in parts]
    return "".join(texts)[:MAX_FOLD] if texts and texts[0].strip() else ""


def sink_text(kind: str, value: Val) -> str:
    """A sink's argument read by its head: a process's command, and a request's address
    when the head holds its whole host (``'https://evil.example/c?d=' + data``). Other
    sinks' arguments are not: a head is no path (``'/tmp/' + name``), and a host cut short
    (``'http://10.0.0.' + n``) is no host."""
    if kind == "process":
        return value.head or paddedrun.tail(value)  # ``x + CURL`` (ADR 0171)
    return value.head if kind == "network" and WHOLE_HOST.match(value.head) else ""


def item_text(value: Val) -> str:
    """An item's text in a join or a template: its folded text, its head, or a gap."""
    if isinstance(value.const, str):
        return value.const
    if type(value.const) is int:
        return str(value.const)
    return value.head if value.const is None and value.head else GAP


def known_start(text: str) -> str:
    """``text`` with its gaps left out, when what comes before the first gap is written."""
    if not text.partition(GAP)[0].strip():
        return ""
    return text.replace(GAP, "")[:MAX_FOLD]


def item(node: ast.expr, env: dict[str, Val]) -> Val:
    """An item of a join's list or a ``%`` tuple read again without running anything: a
    literal or a name's value; unknown for any other expression."""
    if isinstance(node, ast.Constant):
        return Val(const=node.value)
    return env.get(node.id, UNKNOWN) if isinstance(node, ast.Name) else UNKNOWN


def joined(glue: str, items: list[Val]) -> str:
    """The head of ``glue.join([...])`` that does not fold (``''.join([PAYLOAD, x])``):
    the items' known text joined by ``glue``, when the first item's is written."""
    return known_start(glue.join(item_text(v) for v in items)) if items else ""


def filled(template: str, items: list[Val], *, percent: bool) -> str:
    """The head of ``template.format(...)`` or ``template % (...)`` that does not fold
    (``'%s %s' % (CMD, x)``, ``'{}{}'.format(PAYLOAD, x)``): the template filled with the
    items' known text, when what comes before the first unknown item is written. Only a
    template taking its items by position with ``{}`` or ``%s``."""
    text = filled_text(template, items, percent=percent)
    return known_start(text) if text is not None else ""


def padded(text: str | None) -> str:
    """The known parts of a filled template or a join whose start does not fold (``'{}{}'
    .format(x, CMD)``, ``''.join([x, CMD])``; ADR 0171): read as :attr:`Val.code` is, as a
    sum's are (ADR 0156); empty when its start is written (that is its head) or nothing
    is known."""
    if text is None or known_start(text):
        return ""
    rest = text.replace(GAP, "")
    return rest[:MAX_FOLD] if rest.strip() else ""


def filled_text(template: str, items: list[Val], *, percent: bool) -> str | None:
    """``template`` filled with the items' known text and gaps, as :func:`filled` reads it."""
    if percent and "%r" in template:
        return None
    return sinkcall.fill(template, [item_text(v) for v in items], percent=percent)


def _written(const: object) -> str:
    """A folded string's text; bytes read as text (exec and a shell take either)."""
    if isinstance(const, bytes):
        return const.decode("utf-8", "replace")
    return const if isinstance(const, str) else ""


# Methods whose result keeps a string's text: ``(PAYLOAD + x).strip()``, ``.encode()``.
KEEPS_TEXT = frozenset({"strip", "lstrip", "rstrip", "encode", "decode", "replace"})


def method(name: str, head: str, given: list[object]) -> str:
    """The head of ``s.name(...)`` for ``s`` of head ``head`` (:data:`KEEPS_TEXT`): the
    same text, replaced when ``replace`` is given two strings; empty otherwise."""
    if name != "replace":
        return head
    if len(given) == 2 and all(isinstance(g, str) for g in given):
        return head.replace(str(given[0]), str(given[1]))[:MAX_FOLD]
    return ""


def replaced(template: str, given: list[object]) -> str:
    """The head of ``TEMPLATE.replace(old, x)`` with ``x`` unknown (``'curl …/ARG | sh'
    .replace('ARG', x)``): the template with ``old`` taken out, when its start is written."""
    if len(given) < 2 or not isinstance(given[0], str) or not given[0] or given[1] is not None:
        return ""
    return known_start(template.replace(given[0], GAP))


MAX_TABLE = 64  # items of a folded list or table kept as one alternative (:func:`alternatives`)


def table(keys: list[Val | None], values: list[Val]) -> dict[object, object] | None:
    """A dict literal of written strings, numbers and lists (``CMDS = {'linux': CMD}``),
    folded so that ``CMDS['linux']`` is its entry; None when a key or a value does not fold,
    for ``**`` or past :data:`fold.MAX_WRITTEN` entries (ADR 0188: past :data:`MAX_TABLE`,
    70 harmless entries written before ``'cmd': CMD`` left it unread). Its own text is none
    (:func:`fold.text_of`): only what is looked up in it is read."""
    if not 0 < len(keys) <= MAX_WRITTEN:
        return None
    out: dict[object, object] = {}
    for key, value in zip(keys, values, strict=True):
        if key is None or not isinstance(key.const, (str, int)) or not small(value.const):
            return None
        out[key.const] = value.const
    return out


def looked_up(ref: str, callee: Val, given: list[object]) -> str | None:
    """The head of a method call on a string with a head (:func:`method`) or of a
    template's ``replace`` with an unknown text (:func:`replaced`); None for any other call."""
    if callee.head and callee.const is None and ref.startswith("str."):
        return method(ref.removeprefix("str."), callee.head, given)
    if ref == "str.replace" and isinstance(callee.const, str):
        return replaced(callee.const, given)
    return None


MAX_ALTS = 8  # strings a value is read as, each as if it were the one (:func:`alternatives`)


def alternatives(values: list[object], limit: int = MAX_ALTS) -> tuple[object, ...]:
    """The written strings among ``values`` (two branches, a table's entries), each once:
    what a run or an exec is read as when given the value (:func:`runs_each`). A command
    list of written strings and a folded table are kept too (ADR 0164): a list or a dict
    bound in either branch of an ``if`` is run, or looked up (:func:`entries`), as the
    one written there."""
    out: dict[tuple[str, str], object] = {}
    for value in values:
        if isinstance(value, (str, bytes)):
            text = _written(value)
            if text.strip():
                out.setdefault(("text", text), text)
        elif _listed(value) or _tabled(value):
            out.setdefault(("made", repr(value)), value)
        if len(out) >= limit:
            break
    return tuple(out.values())


# Text of one list or table kept as an alternative: each is compared by its ``repr``.
MAX_ALT_TEXT = 65_536


def _listed(value: object) -> TypeGuard[list[str]]:
    """A short list of written strings: a command as ``subprocess`` takes it."""
    return (
        isinstance(value, list)
        and 0 < len(value) <= MAX_TABLE
        and all(isinstance(v, str) for v in value)
        and sum(len(v) for v in value) <= MAX_ALT_TEXT
    )


def _tabled(value: object) -> bool:
    """A folded table (:func:`table`) of at most :data:`MAX_ALT_TEXT` characters."""
    if not isinstance(value, dict) or not 0 < len(value) <= MAX_TABLE:
        return False
    size = sum(len(v) if isinstance(v, (str, bytes, list)) else 1 for v in value.values())
    return size <= MAX_ALT_TEXT


def entries(alts: tuple[object, ...], key: object) -> tuple[object, ...]:
    """``value[key]`` of a list or a table that may be one of several (``cfg = {'c': CMD}``
    in one branch, ``{'c': 'ver'}`` in the other, ADR 0164), ``key`` written: each one's
    item there, as alternatives; none when no alternative has it."""
    found: list[object] = []
    for alt in alts:
        in_table = isinstance(alt, dict) and isinstance(key, (str, int)) and key in alt
        in_list = isinstance(alt, list) and type(key) is int and -len(alt) <= key < len(alt)
        if in_table or in_list:
            found.append(alt[key])  # type: ignore[index]
    return alternatives(found) if found else ()


def picked(ref: str, callee: Val, args: list[Val]) -> tuple[object, ...]:
    """The alternatives of a call given a value that may be one of several (ADR 0164):
    ``cfg.get('c')`` of tables, each one's entry; ``' '.join(cmd)`` of command lists, each
    one joined; none for any other call."""
    if ref == "dict.get" and callee.alts and 1 <= len(args) <= 2:
        return entries(callee.alts, args[0].const)
    if ref == "str.join" and isinstance(callee.const, str) and len(args) == 1 and args[0].alts:
        glue = callee.const
        return alternatives([glue.join(a) for a in args[0].alts if _listed(a)])
    return ()


# Strings a value picked from many is read as (a long loop's name, an entry looked up by
# a key that does not fold): each is one more read of each run or exec of it. At eight,
# eight commands that name a sink (``whoami``, ``uname -a``) put first pushed a payload out.
MAX_PICKED = 32


def likeliest(values: list[object]) -> tuple[object, ...]:
    """The alternatives among ``values``, the strings that name a sink first
    (:func:`prefilter.may_act`), :data:`MAX_PICKED` at most: harmless padding before a
    payload does not push it out (ADR 0159)."""
    texts = [v for v in values if isinstance(v, (str, bytes))]
    acting = [t for t in texts if may_act(t if isinstance(t, str) else t.decode("latin-1"))]
    return alternatives([*acting, *values], MAX_PICKED)


def keyed(table: object, key: object) -> tuple[object, ...]:
    """The alternatives of a folded dict or list looked up by a key that does not fold: its
    entries; none for any other table or key (an XOR table's numbers stay unknown)."""
    if key is not None:
        return ()
    if isinstance(table, dict):
        return likeliest(list(table.values()))
    return likeliest(table) if isinstance(table, list) else ()


def branches(body: Val, orelse: Val) -> tuple[object, ...]:
    """The alternatives of ``body if test else orelse``: each branch's string or head."""
    return alternatives([v.head if v.const is None else v.const for v in (body, orelse)])


def alts_added(left: Val, right: Val) -> tuple[object, ...]:
    """The alternatives of ``left + right`` when one side is one of several strings
    (``(CMD if posix else WIN) + x``, ADR 0162): each sum's text as :func:`added` keeps it."""
    if left.alts and left.const is None:
        sums = [added(Val(const=alt), right) for alt in left.alts]
    elif right.alts and right.const is None and isinstance(left.const, (str, bytes)):
        sums = [added(left, Val(const=alt)) for alt in right.alts]
    else:
        return ()
    return alternatives(list(sums))


def sliced(value: Val, bounds: tuple[object, object, object]) -> Val | None:
    """``s[:n]``, ``s[0:]`` of a string that does not fold but keeps known text (a head,
    code, alternatives), ADR 0162: a slice from the start keeps the start, so the text up
    to ``n`` (all of it with no end) is kept; None for any other slice. ``bounds``: the
    slice's start, end and step, each an int, None when not written, or ``...`` when
    written and not folded."""
    lower, upper, step = bounds
    if value.const is not None or lower not in (None, 0) or step not in (None, 1):
        return None
    if upper is not None and not (type(upper) is int and upper >= 0):
        return None
    if not (value.head or value.code or value.alts):
        return None
    end = upper if isinstance(upper, int) else None
    return Val(
        labels=value.labels,
        head=value.head[:end],
        code=value.code if end is None else "",
        alts=tuple(a[:end] for a in value.alts if isinstance(a, str)),
    )
