"""Lineage graph: blast radius of a source or dataset, edge rules, cycles refused."""

from __future__ import annotations

import pytest

from airlock.errors import InvalidInput
from airlock.imports.datasets.lineage import Lineage, Node, NodeKind

SRC = Node(NodeKind.SOURCE, "hf:sst2")
OTHER_SRC = Node(NodeKind.SOURCE, "vendor-drop-7")
RAW = Node(NodeKind.DATASET, "sst2-raw")
CLEANED = Node(NodeKind.DATASET, "sst2-clean")
MIXED = Node(NodeKind.DATASET, "monitor-mix")
VENDOR = Node(NodeKind.DATASET, "vendor")
MONITOR = Node(NodeKind.MODEL, "monitor-v1")
MONITOR2 = Node(NodeKind.MODEL, "monitor-v2")
DISTILLED = Node(NodeKind.DATASET, "distilled")
STUDENT = Node(NodeKind.MODEL, "student")


def graph() -> Lineage:
    return Lineage.from_edges(
        [
            (SRC, RAW),
            (RAW, CLEANED),
            (CLEANED, MIXED),
            (OTHER_SRC, VENDOR),
            (VENDOR, MIXED),
            (MIXED, MONITOR),
            (MONITOR, MONITOR2),
            (MONITOR, DISTILLED),
            (DISTILLED, STUDENT),
            (VENDOR, Node(NodeKind.MODEL, "unrelated")),
        ]
    )


def test_blast_radius_of_a_source_reaches_every_descendant() -> None:
    radius = graph().blast_radius(SRC)
    assert radius.datasets == (DISTILLED, MIXED, CLEANED, RAW)
    assert radius.models == (MONITOR, MONITOR2, STUDENT)


def test_blast_radius_of_a_dataset_excludes_its_ancestors_and_siblings() -> None:
    radius = graph().blast_radius(CLEANED)
    assert RAW not in radius.datasets and VENDOR not in radius.datasets
    assert radius.datasets == (DISTILLED, MIXED)
    assert Node(NodeKind.MODEL, "unrelated") not in radius.models


def test_unknown_or_leaf_nodes_have_empty_radius() -> None:
    assert graph().blast_radius(Node(NodeKind.SOURCE, "nobody")).datasets == ()
    assert graph().blast_radius(STUDENT).models == ()


def test_edges_are_checked() -> None:
    with pytest.raises(InvalidInput, match="not allowed"):
        Lineage.from_edges([(MONITOR, SRC)])
    with pytest.raises(InvalidInput, match="not allowed"):
        Lineage.from_edges([(SRC, MONITOR)])
    with pytest.raises(InvalidInput, match="itself"):
        Lineage.from_edges([(RAW, RAW)])
    with pytest.raises(InvalidInput, match="cycle"):
        graph().with_edge(MONITOR2, RAW)
    with pytest.raises(InvalidInput):
        Node(NodeKind.DATASET, "")


def test_with_edge_returns_a_new_value() -> None:
    before = graph()
    after = before.with_edge(CLEANED, Node(NodeKind.MODEL, "probe"))
    assert Node(NodeKind.MODEL, "probe") in after.blast_radius(SRC).models
    assert Node(NodeKind.MODEL, "probe") not in before.blast_radius(SRC).models
    assert after != before and graph() == before
