"""Constant folding for the data-flow pass: what a call or an operator returns when its
inputs are constants (string building, ``chr``/``join``/slices/``%``, ``bytes.fromhex``,
base64/zlib/rot13 decode chains).

Pure and bounded: values past ``MAX_FOLD`` characters or ``MAX_ITEMS`` items are dropped,
integer results stay under 64 bits, and format strings that would allocate huge widths are
not folded. Nothing is imported or run.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import operator
import re
import shlex
import string
import zlib
from collections.abc import Callable, Mapping

MAX_FOLD = 1_000_000  # characters of a folded constant; longer values are dropped
MAX_ITEMS = 100_000  # items of a folded list
# Items of one written-out literal or call's arguments folded or filled in: a table, a
# template's names and fields, ``*args`` (as :data:`handed.MAX_TABLE_READ`; ADR 0188:
# padding past a lower bound left a command unread).
MAX_WRITTEN = 4096
MAX_RANGE = 1024  # items of a folded ``range``: every item a comprehension over it evaluates
WIDE_FORMAT = re.compile(r"[%:{][^a-zA-Z}]*\d{4,}")  # '%99999d' would allocate while folding
DECODERS = {
    "base64.b64decode": base64.b64decode,
    "base64.standard_b64decode": base64.standard_b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.b32decode": base64.b32decode,
    "base64.b16decode": base64.b16decode,
    "base64.b85decode": base64.b85decode,
    "base64.a85decode": base64.a85decode,
    "base64.decodebytes": base64.decodebytes,
    "binascii.unhexlify": binascii.unhexlify,
    "binascii.a2b_base64": binascii.a2b_base64,
    "binascii.a2b_hex": binascii.a2b_hex,
    "binascii.a2b_qp": binascii.a2b_qp,
    "binascii.a2b_uu": binascii.a2b_uu,
    "base64.b32hexdecode": base64.b32hexdecode,
    "quopri.decodestring": binascii.a2b_qp,  # what quopri.decodestring calls
    "bytes.fromhex": bytes.fromhex,
}
SPLITS = frozenset({
    "str.split", "str.rsplit", "str.partition", "str.rpartition", "str.splitlines",
    "bytes.split", "bytes.rsplit", "bytes.partition", "bytes.rpartition",
})  # fmt: skip
DECOMPRESSORS = {"zlib.decompress", "bz2.decompress", "lzma.decompress", "gzip.decompress"}


def text_of(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, list):
        return " ".join(text_of(v) for v in value[:64])
    if isinstance(value, int):
        return decimal(value) or ""
    if isinstance(value, dict):
        return ""  # a table's text is only what is looked up in it (ADR 0161)
    return "" if value is None else str(value)


def decimal(value: int) -> str | None:
    """An int's decimal text; None past the interpreter's digit limit (a literal of 4,301
    digits made ``str`` raise, and ``airlock package vet`` end in an internal error)."""
    try:
        return str(value)
    except ValueError:
        return None


def _const(value: object) -> object:
    """A keyword argument's constant (the walk passes its values, the tests constants)."""
    return getattr(value, "const", value)


def small(value: object) -> bool:
    if isinstance(value, (str, bytes)):
        return len(value) <= MAX_FOLD
    if isinstance(value, list):
        return len(value) <= MAX_ITEMS
    return isinstance(value, (int, float, bool))


# One table for every fold (built once: a table of closures per call was most of folding an
# obfuscated ``setup.py``'s integer arithmetic, issue 16).
INT_OPS: dict[type[ast.operator], Callable[[int, int], int | None]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.LShift: lambda a, b: a << b if 0 <= b < 64 else None,
    ast.RShift: lambda a, b: a >> b if b >= 0 else None,
    ast.BitXor: operator.xor,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.Mod: lambda a, b: a % b if b else None,
    ast.FloorDiv: lambda a, b: a // b if b else None,
}


def intop(op: ast.operator, a: int, b: int) -> int | None:
    fn = INT_OPS.get(type(op))
    out = fn(a, b) if fn else None
    return out if out is None or abs(out) < 1 << 64 else None  # no bignum work while folding


BUILTIN_STR = {"copyright": "Copyright (c) 2001-2023 Python Software Foundation."}
# The ``string`` module's alphabets, as a substitution cipher's table is built from them
# (``str.maketrans(ascii_lowercase, ascii_lowercase[13:] + ...)``, probe 17).
STDLIB_STRINGS = {
    f"string.{name}": getattr(string, name)
    for name in (
        "ascii_lowercase", "ascii_uppercase", "ascii_letters", "digits", "hexdigits",
        "octdigits", "punctuation", "printable", "whitespace",
    )
}  # fmt: skip


# Codecs that spell text as escapes: ``bytes.decode`` folds with them (any other codec
# folds as UTF-8, as before). Nothing is looked up by a name the analysed text gives.
ESCAPE_CODECS = frozenset({"unicode_escape", "raw_unicode_escape"})


# Marks a folded ``str.maketrans`` (a list: the mark, then its arguments): the table is a
# dict, which a folded value cannot be.
TRANSLATION = "\0maketrans"


def _maketrans(ref: str, c: list[object]) -> object:
    """``str.maketrans(a, b[, drop])`` as :data:`TRANSLATION` and its arguments;
    ``bytes.maketrans(a, b)`` as the 256-byte table it returns."""
    if ref == "bytes.maketrans":
        a, b = c[0], c[1]
        return bytes.maketrans(a, b) if isinstance(a, bytes) and isinstance(b, bytes) else None
    if all(isinstance(x, str) for x in c) and len(str(c[0])) == len(str(c[1])):
        return [TRANSLATION, *c]
    return None


def _translated(bound: object, table: object) -> object:
    """``s.translate(str.maketrans(a, b))``, ``b.translate(bytes.maketrans(x, y))``: a
    substitution cipher undone (ADR 0063); None for any other table."""
    if isinstance(bound, str) and isinstance(table, list) and table[:1] == [TRANSLATION]:
        return bound.translate(str.maketrans(*table[1:]))
    if isinstance(bound, bytes) and isinstance(table, bytes) and len(table) == 256:
        return bound.translate(table)
    return None


# String methods and operators that build text as ``+`` and ``.lower()`` already fold
# (ADR 0080: a command spelt through one of them did not fold, and an unreadable command
# on import is only noted).
CASE_CHANGES = frozenset({"str.swapcase", "str.capitalize", "str.title", "str.casefold"})
AFFIX_CUTS = frozenset({"str.removeprefix", "str.removesuffix", "str.lstrip", "str.rstrip"})
CONCATS = frozenset({"operator.add", "operator.concat", "str.__add__"})
# Calls that pack a list of byte values: ``struct.pack('25B', *ints)``,
# ``array.array('B', ints).tobytes()`` (ADR 0080).
BYTE_PACKERS = frozenset({"struct.pack", "array.array"})
BYTE_FORMAT = re.compile(r"[@=<>!]?(\d*)[Bbc]")


def _packed(ref: str, c: list[object]) -> bytes | None:
    """The bytes a byte-only ``struct`` format or ``array`` type code packs, or None."""
    items = c[1] if len(c) == 2 and isinstance(c[1], list) else c[1:]
    if ref == "array.array" and c[0] not in ("B", "b"):
        return None
    match = BYTE_FORMAT.fullmatch(c[0]) if isinstance(c[0], str) else None
    if match is None or not all(type(x) is int and 0 <= x < 256 for x in items):
        return None
    count = int(match.group(1) or 1) if ref == "struct.pack" else len(items)
    return bytes(items) if count == len(items) else None  # type: ignore[arg-type]


# A folded dict's entries, keys and values, as a loop over them reads them (ADR 0158).
VIEWS = frozenset({"dict.items", "dict.keys", "dict.values"})
# ``codecs.decode(s, 'rot13')`` and ``codecs.encode`` (rot13 is its own inverse): decoded.
CODECS_CALLS = frozenset({"codecs.decode", "codecs.encode"})
# Every name :func:`fold_call` folds a call of (and ``X.__str__``); any other call folds
# to nothing. A test reads fold_call's comparisons to keep the two in step.
FOLDED = frozenset(
    {
        "chr", "ord", "len", "range", "int.to_bytes", "dict.get", "bytes", "bytearray", "str",
        "int", "repr", "list", "tuple", "reversed", "iter", "collections.deque", "str.maketrans",
        "bytes.maketrans",
        "str.translate", "bytes.translate", "ast.parse", *CODECS_CALLS, "str.join",
        "bytes.join", "str.replace", "bytes.replace", "bytes.decode", "bytearray.decode",
        "str.encode", "str.upper", "str.lower", "str.strip", "bytes.strip", "str.format",
        "str.format_map", *CASE_CHANGES, *AFFIX_CUTS, *CONCATS, *BYTE_PACKERS,
        "memoryview", "bytes.tobytes", "shlex.split", *VIEWS, "enumerate", "zip", "sorted",
        *DECODERS,
        *DECOMPRESSORS,
        *SPLITS,
    }
)  # fmt: skip


def _sequence(ref: str, bound: object, c: list[object]) -> list[object] | None:
    """What a loop over ``{...}.items()``, ``enumerate(L)``, ``zip(A, B)`` or ``sorted(L)``
    of folded constants is given, each pair a list as a folded tuple is; None otherwise."""
    if ref in VIEWS:
        if not (isinstance(bound, dict) and not c):
            return None
        view = getattr(bound, ref.split(".")[1])()
        return [list(x) if isinstance(x, tuple) else x for x in view]
    lists = [x for x in c if isinstance(x, list)]
    if not lists or not isinstance(c[0], list):
        return None
    if ref == "enumerate" and len(c) <= 2:
        start = c[1] if len(c) == 2 else 0
        return [[i, x] for i, x in enumerate(lists[0], start)] if type(start) is int else None
    if ref == "zip" and len(lists) == len(c):
        return [list(t) for t in zip(*lists, strict=False)]
    return sorted(lists[0]) if ref == "sorted" and len(c) == 1 else None


SPELT_MIN = 8  # items: a shorter list of numbers is a magic number or a separator
SPELLINGS = frozenset(
    {"bytes", "bytearray", "str.join", "bytes.join", "int.to_bytes", *BYTE_PACKERS}
)


def spelt(ref: str, bound: object, c: list[object]) -> bool:
    """Whether a call in :data:`SPELLINGS` builds text from numbers or one character at a
    time: ``bytes([105, 109, ...])``, ``''.join(map(chr, [...]))``, ``n.to_bytes(26)``.
    What it spells is read as a decoded string is (issue 16: ``exec(bytes([...]).decode())``
    was held while the same code through ``bytes.fromhex`` was denied)."""
    if ref == "int.to_bytes":
        return type(bound) is int and bound >= 1 << (8 * SPELT_MIN)
    if ref in BYTE_PACKERS:
        return len(c) - 1 >= SPELT_MIN or (len(c) == 2 and isinstance(c[1], list))
    items = c[0] if len(c) == 1 and isinstance(c[0], list) else None
    if items is None or len(items) < SPELT_MIN:
        return False
    if ref in ("bytes", "bytearray"):
        return all(type(x) is int for x in items)
    return all(isinstance(x, (str, bytes)) and len(x) == 1 for x in items)


def fold_call(  # noqa: PLR0911, PLR0912 -- one return per folded builtin
    ref: str, bound: object, c: list[object], kwargs: Mapping[str | None, object]
) -> object:
    """The constant a call returns when its inputs are constant, or None."""
    if ref not in FOLDED and not ref.endswith(".__str__"):
        return None  # most calls a walk meets are of none of them (issue 16: asked of each)
    try:
        if ref == "chr" and len(c) == 1 and isinstance(c[0], int):
            return chr(c[0])
        if ref == "ord" and len(c) == 1 and isinstance(c[0], str) and len(c[0]) == 1:
            return ord(c[0])
        if ref == "len" and len(c) == 1 and isinstance(c[0], (str, bytes, list)):
            return len(c[0])  # a repeating key's length: ``KEY[i % len(KEY)]`` (ADR 0088)
        ints = [x for x in c if isinstance(x, int) and not isinstance(x, bool)]
        if ref == "range" and 1 <= len(ints) == len(c) <= 3:
            # A small table's keys (``{i: i ^ k for i in range(256)}``, ADR 0067).
            span = range(*ints)
            return list(span) if len(span) <= MAX_RANGE else None
        if ref == "int.to_bytes" and type(bound) is int and c and type(c[0]) is int:
            # ``n.to_bytes(26, 'big')``: text written as one integer (ADR 0067).
            order = c[1] if len(c) > 1 else _const(kwargs.get("byteorder")) or "big"
            return bound.to_bytes(c[0], order) if 0 <= c[0] <= MAX_FOLD else None  # type: ignore[arg-type]
        if ref == "dict.get" and isinstance(bound, dict) and 1 <= len(c) <= 2:
            return bound.get(c[0], c[-1] if len(c) == 2 else None)  # ``S.get(c, c)`` of a table
        if ref in ("bytes", "bytearray") and len(c) == 1 and isinstance(c[0], list):
            return bytes(c[0])
        if ref in BYTE_PACKERS and c and isinstance(c[0], str):
            return _packed(ref, c)
        if ref in ("memoryview", "bytes.tobytes") and len(c) == (ref == "memoryview"):
            view = c[0] if c else bound  # ``memoryview(b).tobytes()`` is ``b`` (ADR 0080)
            return view if isinstance(view, bytes) else None
        if ref == "str" and not c and not kwargs:
            return ""  # ``str().join(map(chr, codes))`` (ADR 0080)
        if ref in ("str", "int", "repr") and len(c) == 1 and isinstance(c[0], (str, int)):
            # ``'os.system(' + repr(CMD) + ')'`` spells a literal into code (ADR 0171).
            return repr(c[0]) if ref == "repr" else str(c[0]) if ref == "str" else int(c[0])
        if ref == "str" and len(c) in (2, 3) and isinstance(c[0], bytes) and isinstance(c[1], str):
            return c[0].decode("utf-8", "replace")  # ``str(b, 'utf-8')`` is ``b.decode()``
        if ref == "int" and len(c) == 2 and isinstance(c[0], str) and type(c[1]) is int:
            return int(c[0], c[1]) if len(c[0]) <= 64 else None  # ``int('69', 16)``
        if (
            ref in ("list", "tuple", "reversed", "iter", "collections.deque")
            and len(c) == 1
            and isinstance(c[0], (list, str, bytes))
        ):
            items = list(c[0])
            return items[::-1] if ref == "reversed" else items
        if ref in VIEWS or ref in ("enumerate", "zip", "sorted"):
            return _sequence(ref, bound, c)
        if ref in ("str.maketrans", "bytes.maketrans") and 2 <= len(c) <= 3:
            return _maketrans(ref, c)
        if ref in ("str.translate", "bytes.translate") and c:
            return _translated(bound, c[0])
        if ref == "ast.parse" and c and isinstance(c[0], (str, bytes)):
            # The tree of a literal stands for its text: ``compile(ast.parse(s))`` is
            # ``compile(s)``, read as code (ADR 0063).
            return c[0]
        if ref == "map" and len(c) == 2 and isinstance(c[1], (list, str, bytes)):
            return None  # handled below through the callee name kept in the first argument
        if ref.endswith(".__str__") and not c:
            head = ref[: -len(".__str__")]
            return BUILTIN_STR.get(head, f"<built-in function {head}>")
        if ref in DECODERS and c and isinstance(c[0], (str, bytes)):
            return DECODERS[ref](c[0])  # type: ignore[operator]
        if ref in DECOMPRESSORS and c and isinstance(c[0], bytes):
            out = zlib.decompressobj(15 + 32).decompress(c[0], MAX_FOLD) if ref != "lzma" else b""
            return out if ref in ("zlib.decompress", "gzip.decompress") else None
        if ref in CODECS_CALLS and len(c) >= 2 and isinstance(c[1], str):
            # rot13 is its own inverse: ``codecs.encode(s, 'rot_13')`` decodes as well (ADR 0079).
            if c[1].lower().replace("_", "") in ("rot13", "rot-13"):
                return codecs.decode(str(c[0]), "rot13")
            if (
                ref == "codecs.decode"
                and c[1] in ("hex", "base64")
                and isinstance(c[0], (str, bytes))
            ):
                data = c[0].encode() if isinstance(c[0], str) else c[0]
                return codecs.decode(data, c[1])
        if ref in ("str.join", "bytes.join") and len(c) == 1 and isinstance(c[0], list):
            return bound.join(c[0])  # type: ignore[attr-defined]
        if ref in ("str.replace", "bytes.replace") and len(c) == 2:
            return bound.replace(c[0], c[1])  # type: ignore[attr-defined]
        codec = str(c[0]).lower().replace("-", "_") if c else ""
        if ref in ("bytes.decode", "bytearray.decode") and codec in ESCAPE_CODECS:
            # ``b'\\x69\\x6d...'.decode('unicode_escape')``: code spelt as escapes (ADR 0057).
            return bytes(bound).decode(codec) if isinstance(bound, (bytes, bytearray)) else None
        if ref in ("bytes.decode", "str.encode", "bytearray.decode") and bound is not None:
            # A string that does not fold is no ``'None'`` (ADR 0171: ``(x + s).encode()``).
            return (
                bound.decode("utf-8", "replace")
                if isinstance(bound, bytes)
                else str(bound).encode()
            )
        if ref == "shlex.split" and len(c) == 1 and isinstance(c[0], str):
            return shlex.split(c[0])  # ``run(shlex.split('bash -c "curl … | sh"'))`` (0161)
        if ref in SPLITS and isinstance(bound, (str, bytes)) and len(c) <= 2 and None not in c:
            # ``open(__file__).read().split('#--')[1]``: a file's own tail (ADR 0073).
            return list(getattr(bound, ref.split(".")[1])(*c))
        if ref in ("str.upper", "str.lower", "str.strip", "bytes.strip") and not c:
            return getattr(bound, ref.split(".")[1])()
        if ref in CASE_CHANGES and isinstance(bound, str) and not c:
            return getattr(bound, ref.split(".")[1])()  # ``'CURL ...'.swapcase()`` (ADR 0080)
        if ref in AFFIX_CUTS and isinstance(bound, str) and len(c) <= 1 and None not in c:
            return getattr(bound, ref.split(".")[1])(*c)  # ``'zzcurl'.removeprefix('zz')``
        if ref in CONCATS and len(c) == 2 and type(c[0]) is type(c[1]) is str:
            return str(c[0]) + str(c[1])  # ``operator.add('cu', 'rl')``, ``str.__add__``
        if ref == "str.format_map" and isinstance(bound, str) and c and isinstance(c[0], dict):
            return None if WIDE_FORMAT.search(bound) else bound.format_map(c[0])
        if ref == "str.format" and isinstance(bound, str) and all(x is not None for x in c):
            return None if WIDE_FORMAT.search(bound) else bound.format(*c)
    except (ValueError, TypeError, LookupError, ArithmeticError, AttributeError, zlib.error):
        return None  # binascii.Error and UnicodeError are ValueErrors
    return None
