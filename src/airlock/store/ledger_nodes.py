"""Which complete-subtree hashes an append creates (pure; shared by every LedgerStore)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from airlock.store.ledger_interface import NodeKey

HashPair = Callable[[bytes, bytes], bytes]


def frontier_keys(size: int) -> list[NodeKey]:
    """Keys of the maximal complete subtrees covering leaves ``[0, size)``, largest first.

    These are the only stored nodes an append can need as left siblings (RFC 9162 2.1.1:
    the tree is built from the largest power-of-two split down).
    """
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]


def nodes_for_append(
    size: int,
    frontier: Mapping[NodeKey, bytes],
    leaf_hashes: Iterable[bytes],
    hash_children: HashPair,
) -> dict[NodeKey, bytes]:
    """New nodes (leaves included) created by appending ``leaf_hashes`` to a tree of ``size``.

    Raises:
        KeyError: ``frontier`` lacks a node of :func:`frontier_keys` -- the store is damaged.
    """
    known = dict(frontier)
    created: dict[NodeKey, bytes] = {}
    for index, digest in enumerate(leaf_hashes, start=size):
        level, position, current = 0, index, digest
        created[(0, index)] = known[(0, index)] = current
        while position & 1:
            current = hash_children(known[(level, position - 1)], current)
            level, position = level + 1, position >> 1
            created[(level, position)] = known[(level, position)] = current
    return created
