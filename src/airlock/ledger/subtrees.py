"""Subtree proofs of the Merkle Tree Certificates draft (draft-ietf-plants-merkle-tree-certs).

A subtree ``[start, end)`` is valid when ``0 <= start < end`` and ``start`` is a multiple of
BIT_CEIL(end - start) (draft section 4.1); its hash is the RFC 9162 MTH of those leaves.
Subtree inclusion proves a leaf under a subtree hash; subtree consistency proves that a
subtree hash sits at its position in a larger tree (draft 4.4.3 and Appendix B.5). Airlock
uses these to let a verifier check a day's slice of the ledger without the whole tree.
"""

from __future__ import annotations

from collections.abc import Sequence

from airlock.errors import LedgerIntegrityError
from airlock.ledger.hashes import EMPTY_ROOT, HASH_SIZE, hash_children
from airlock.ledger.proofs import root_from_inclusion_proof


def check_subtree(start: int, end: int) -> None:
    """Raises: LedgerIntegrityError unless ``[start, end)`` is a valid subtree."""
    if start < 0 or start >= end:
        raise LedgerIntegrityError(f"[{start}, {end}) is not a subtree: need 0 <= start < end")
    ceiling = 1 << (end - start - 1).bit_length()
    if start & (ceiling - 1):
        raise LedgerIntegrityError(
            f"[{start}, {end}) is not a subtree: start must be a multiple of {ceiling}"
        )


def verify_subtree_inclusion(  # noqa: PLR0917 -- the draft's parameter order, kept
    index: int, start: int, end: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raises: LedgerIntegrityError unless the leaf at ``index`` lies under the subtree hash."""
    check_subtree(start, end)
    if not start <= index < end:
        raise LedgerIntegrityError(f"leaf {index} is outside subtree [{start}, {end})")
    if root_from_inclusion_proof(index - start, end - start, leaf_hash, proof) != root:
        raise LedgerIntegrityError(f"inclusion proof for leaf {index} does not match the subtree")


def verify_subtree_consistency(  # noqa: PLR0917 -- the draft's parameter order, kept
    start: int, end: int, size: int, proof: Sequence[bytes], subtree_hash: bytes, root: bytes
) -> None:
    """Raises: LedgerIntegrityError unless the subtree hash sits at [start, end) under root."""
    if start == end and 0 <= start <= size:
        # An empty subtree is part of every tree; its hash must be the empty-tree hash.
        if proof or subtree_hash != EMPTY_ROOT:
            raise LedgerIntegrityError("an empty subtree has the empty hash and no proof")
        return
    check_subtree(start, end)
    if end > size:
        raise LedgerIntegrityError(f"subtree [{start}, {end}) ends past tree size {size}")
    if start == 0 and end == size:
        # The subtree is the whole tree: nothing to prove beyond equality.
        if proof or subtree_hash != root:
            raise LedgerIntegrityError("a whole-tree subtree needs equal hashes and no proof")
        return
    for value in (subtree_hash, root, *proof):
        if len(value) != HASH_SIZE:
            raise LedgerIntegrityError("subtree consistency hashes must be 32 bytes")
    subtree, tree = _rebuild(start, end, size, proof, subtree_hash)
    if subtree != subtree_hash:
        raise LedgerIntegrityError("subtree consistency proof does not rebuild the subtree hash")
    if tree != root:
        raise LedgerIntegrityError("subtree consistency proof does not rebuild the tree root")


def _rebuild(
    start: int, end: int, size: int, proof: Sequence[bytes], subtree_hash: bytes
) -> tuple[bytes, bytes]:
    """Draft Appendix B.5: the (subtree hash, tree root) that the proof implies."""
    first, last, tree_last = start, end - 1, size - 1
    # Climb the levels that need no proof hash: all of them when the subtree is flush with
    # the tree's right edge, else only while its last leaf's ancestor is a right child.
    flush = last == tree_last  # decided once, before climbing (draft B.5)
    while first != last and (flush or last & 1):
        first, last, tree_last = first >> 1, last >> 1, tree_last >> 1
    if first == last:
        subtree, tree, rest = subtree_hash, subtree_hash, list(proof)
    elif proof:
        subtree, tree, rest = proof[0], proof[0], list(proof[1:])
    else:
        raise LedgerIntegrityError("subtree consistency proof is empty")
    for sibling in rest:
        if tree_last == 0:
            raise LedgerIntegrityError("subtree consistency proof is too long")
        if last & 1 or last == tree_last:
            if first < last:
                subtree = hash_children(sibling, subtree)
            tree = hash_children(sibling, tree)
            while last & 1 == 0:
                first, last, tree_last = first >> 1, last >> 1, tree_last >> 1
        else:
            tree = hash_children(tree, sibling)
        first, last, tree_last = first >> 1, last >> 1, tree_last >> 1
    if tree_last != 0:
        raise LedgerIntegrityError("subtree consistency proof is too short")
    return subtree, tree
