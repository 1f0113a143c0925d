"""RFC 9162 section 2.1 Merkle proofs over stored complete-subtree hashes.

Generation works from a :class:`NodeSource`, which knows only the hashes of complete,
aligned subtrees (level k, index i covers leaves ``[i*2**k, (i+1)*2**k)``). Every proof
element is the root of a range that is either such a subtree or a right-edge range that
splits into O(log n) of them, so a proof costs O(log n) lookups, fetched in one batch.
Verification implements the algorithms of sections 2.1.3.2 and 2.1.4.2 exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from airlock.errors import LedgerIntegrityError
from airlock.ledger.hashes import EMPTY_ROOT, HASH_SIZE, hash_children

NodeKey = tuple[int, int]
Plan = list[list[NodeKey]]


class NodeSource(Protocol):
    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]: ...


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def range_keys(lo: int, hi: int) -> list[NodeKey]:
    """Complete subtrees that make up ``[lo, hi)`` in the RFC 9162 tree, largest first."""
    keys: list[NodeKey] = []
    while lo < hi:
        size = hi - lo
        level = size.bit_length() - 1
        if size & (size - 1):  # not a power of two: take the largest power below
            level = _largest_power_of_two_below(size).bit_length() - 1
        if lo % (1 << level):
            raise LedgerIntegrityError(f"range [{lo}, {hi}) is not a subtree of the log")
        keys.append((level, lo >> level))
        lo += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root over complete subtrees given largest first (MTH splits off the largest)."""
    if not hashes:
        return EMPTY_ROOT
    current = hashes[-1]
    for left in reversed(hashes[:-1]):
        current = hash_children(left, current)
    return current


def inclusion_plan(index: int, size: int) -> Plan:
    """PATH(m, D[0:n]) of RFC 9162 2.1.3.1, as ranges to fetch, leaf end first."""
    if not 0 <= index < size:
        raise LedgerIntegrityError(f"leaf {index} is not in a tree of size {size}")
    plan: Plan = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            plan.append(range_keys(lo + k, hi))
            hi = lo + k
        else:
            plan.append(range_keys(lo, lo + k))
            lo += k
    plan.reverse()
    return plan


def consistency_plan(old_size: int, new_size: int) -> Plan:
    """PROOF(m, D[0:n]) of RFC 9162 2.1.4.1, as ranges to fetch."""
    if not 0 < old_size <= new_size:
        raise LedgerIntegrityError(
            f"consistency needs 0 < old size <= new size, got {old_size} and {new_size}"
        )
    plan: Plan = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = _largest_power_of_two_below(hi - lo)
        if m <= k:
            plan.append(range_keys(lo + k, hi))
            hi = lo + k
        else:
            plan.append(range_keys(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        plan.append(range_keys(lo, hi))
    plan.reverse()
    return plan


def materialise(plan: Plan, source: NodeSource) -> list[bytes]:
    """Fetch every node a plan needs in one batch and fold each element.

    Raises:
        LedgerIntegrityError: the store lacks a node it must have.
    """
    wanted = sorted({key for element in plan for key in element})
    found = source.nodes(wanted)
    missing = [k for k in wanted if k not in found]
    if missing:
        raise LedgerIntegrityError(
            f"ledger node {missing[0]} is missing: the store was altered; "
            "run `airlock ledger verify`"
        )
    return [fold([found[k] for k in element]) for element in plan]


def root_at(size: int, source: NodeSource) -> bytes:
    """MTH of the first ``size`` leaves."""
    return materialise([range_keys(0, size)], source)[0] if size else EMPTY_ROOT


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise LedgerIntegrityError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """RFC 9162 2.1.3.2 steps 1-6: the root implied by a leaf and its audit path.

    Raises:
        LedgerIntegrityError: index out of range, wrong hash sizes, or wrong proof length.
    """
    _check_hash(leaf_hash, "leaf hash")
    if not 0 <= index < size:
        raise LedgerIntegrityError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        _check_hash(p, "proof hash")
        if sn == 0:
            raise LedgerIntegrityError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise LedgerIntegrityError("inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raises: LedgerIntegrityError unless the proof places the leaf under ``root``."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf_hash, proof) != root:
        raise LedgerIntegrityError(f"inclusion proof for leaf {index} does not match the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: check that the tree of ``new_size`` extends the one of ``old_size``.

    Raises:
        LedgerIntegrityError: sizes out of order, malformed proof, or the roots disagree.
    """
    if old_size == 0:
        raise LedgerIntegrityError("consistency with an empty tree proves nothing (size 0)")
    if old_size > new_size:
        raise LedgerIntegrityError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == new_size:
        # Same tree: nothing to prove beyond equality (step 1).
        if proof:
            raise LedgerIntegrityError("equal sizes need an empty consistency proof")
        if old_root != new_root:
            raise LedgerIntegrityError("equal sizes but different roots: the log forked")
        return
    for value, what in (
        (old_root, "old root"),
        (new_root, "new root"),
        *((p, "proof hash") for p in proof),
    ):
        _check_hash(value, what)
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: a power of two, the old root leads
        path.insert(0, old_root)
    if not path:
        raise LedgerIntegrityError("consistency proof is empty")
    fr, sr = _chain_consistency(old_size, new_size, path)
    if fr != old_root:
        raise LedgerIntegrityError("consistency proof does not reproduce the old root")
    if sr != new_root:
        raise LedgerIntegrityError("consistency proof does not reproduce the new root")


def _chain_consistency(old_size: int, new_size: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Steps 3-7 of RFC 9162 2.1.4.2: the (old, new) roots the path implies."""
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise LedgerIntegrityError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise LedgerIntegrityError("consistency proof is too short")
    return fr, sr
