"""XOR keys built at run time (ADR 0098).

ADR 0088 and 0093 fold a repeating XOR key written in the code. An author who has read them
builds the key instead: from a digest of a word written in the code
(``hashlib.sha256(b'k').digest()``), or from the host (``socket.gethostname().encode()``),
so that only the machine it targets decodes the payload.

* A digest of data written in the code is folded to its bytes (:func:`digest`): the key is
  as written as its seed, and ADR 0088's folds then recover the plain text.
* A blob written in the code XORed, item by item, with anything that does not fold
  (:func:`unkeyed`, :func:`blob`) is decoded data: what it spells is hidden from a reader,
  so running it is ``obfuscated-exec`` whatever the key. A mask or a checksum XORs the
  caller's data, not a blob of the module's own.

Pure and bounded: only names, attributes and constants are read again (reading one has no
effect), a digest is taken of at most :data:`MAX_HASHED` bytes. What it does not do: a key
spread over statements (a loop that builds it), or a cipher other than XOR.
"""

from __future__ import annotations

import ast
import hashlib
from typing import TYPE_CHECKING

from airlock.imports.packages import childenv, flowtypes
from airlock.imports.packages.sinks import DECODED

if TYPE_CHECKING:
    from airlock.imports.packages.flow import Interpreter
    from airlock.imports.packages.flowtypes import Val, When

HASHES = frozenset({
    "hashlib.md5", "hashlib.sha1", "hashlib.sha224", "hashlib.sha256", "hashlib.sha384",
    "hashlib.sha512", "hashlib.blake2b", "hashlib.blake2s", "hashlib.sha3_224",
    "hashlib.sha3_256", "hashlib.sha3_384", "hashlib.sha3_512",
})  # fmt: skip
MAX_HASHED = 4096
# A blob shorter than this is a pad, a magic number or a mask, not a payload.
MIN_BLOB = 16
XORED = frozenset({DECODED, childenv.OF_CODE})  # a payload, beside any other (ADR 0131)


def digest(interp: Interpreter, node: ast.Call, env: dict[str, Val], when: When) -> Val | None:
    """``hashlib.sha256(b'k').digest()`` (or ``.hexdigest()``) of bytes or text written in
    the code: the digest, folded; None for any other call."""
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr in ("digest", "hexdigest")
        and not node.args
        and isinstance(func.value, ast.Call)
    ):
        return None
    made = func.value
    if (
        made.keywords
        or len(made.args) != 1
        or not isinstance(made.args[0], (ast.Constant, ast.Name))
        or not isinstance(made.func, (ast.Name, ast.Attribute))
    ):
        return None
    ref = interp.expr(made.func, env, when).ref
    if ref not in HASHES:
        return None
    data = interp.expr(made.args[0], env, when)
    raw = data.const.encode() if isinstance(data.const, str) else data.const
    if data.labels or not isinstance(raw, bytes) or len(raw) > MAX_HASHED:
        return None
    hashed = hashlib.new(ref.rpartition(".")[2], raw)
    return flowtypes.Val(const=hashed.digest() if func.attr == "digest" else hashed.hexdigest())


def blob(interp: Interpreter, node: ast.expr, env: dict[str, Val], when: When) -> bool:
    """Whether ``node`` is a name or a constant holding a blob written in the code: bytes,
    text or a list of small numbers of at least :data:`MIN_BLOB` items."""
    if not isinstance(node, (ast.Name, ast.Constant)):
        return False
    value = interp.expr(node, env, when)
    const = value.const
    if value.labels or not isinstance(const, (bytes, str, list)) or len(const) < MIN_BLOB:
        return False
    return not isinstance(const, list) or flowtypes.key_table(const)


def unkeyed(
    interp: Interpreter,
    node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp,
    env: dict[str, Val],
    when: When,
) -> frozenset[str]:
    """:data:`sinks.DECODED` for a comprehension that XORs a blob written in the code
    (``for i, b in enumerate(BLOB)``, ``for a, b in zip(BLOB, cycle(KEY))``) with a key
    that did not fold; else nothing. Asked after the folds failed."""
    if isinstance(node, ast.DictComp) or len(node.generators) != 1:
        return frozenset()
    it = node.generators[0].iter
    if not (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id in ("enumerate", "zip")
        and it.args
    ):
        return frozenset()
    xors = any(
        isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitXor) for n in ast.walk(node.elt)
    )
    seqs = it.args[:1] if it.func.id == "enumerate" else it.args[:2]
    if xors and any(blob(interp, s, env, when) for s in seqs):
        return XORED
    return frozenset()
