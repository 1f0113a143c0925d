"""Lineage over the store: record what was trained on what, and answer blast-radius queries.

The graph itself is pure (:mod:`airlock.imports.datasets.lineage`); this adapter loads its
edges from the store, checks new ones against it before writing, and puts every change and
every taint query in the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.errors import InvalidInput, NotFound
from airlock.imports.datasets.lineage import BlastRadius, Lineage, Node, NodeKind
from airlock.ledger.records import LedgerRecord
from airlock.store.dataset_interface import LineageEdge, dataset_id
from airlock.store.interface import Store


class LineageLog:
    """Lineage edges in the store, each change and taint query in the ledger."""

    def __init__(self, store: Store, ledger: AuditLog, clock: Clock) -> None:
        self._store = store
        self._ledger = ledger
        self._clock = clock

    def add_lineage(
        self,
        actor: str,
        model: str,
        trained_on: Sequence[str],
        auth: Mapping[str, str] | None = None,
    ) -> int:
        """Record that ``model`` was trained on the datasets ``trained_on``; returns new edges.

        Raises:
            InvalidInput: a bad model name or dataset id, or an edge that would form a cycle.
            NotFound: a dataset that was never imported.
        """
        if not model.strip() or len(model) > 128:
            raise InvalidInput("--model needs a name of 1-128 characters")
        if not trained_on:
            raise InvalidInput("name at least one dataset with --trained-on")
        datasets = [self._store.datasets.get_dataset(dataset_id(d)).id for d in trained_on]
        edges = [LineageEdge("dataset", d, "model", model) for d in datasets]
        self._lineage(extra=edges)  # refuses a cycle before anything is written
        now = self._clock.now()
        self._ledger.append(
            LedgerRecord(
                kind="lineage.add",
                actor=actor,
                at=now,
                subject=f"model:{model}",
                details={"trained_on": sorted(datasets), **(auth or {})},
            )
        )
        return self._store.datasets.add_lineage_edges(edges, actor, now)

    def taint(self, actor: str, origin: Node, auth: Mapping[str, str] | None = None) -> BlastRadius:
        """Everything downstream of a source, dataset or model found compromised.

        The taint itself is a ledger entry, so the audit trail shows when it was known.

        Raises:
            NotFound: lineage has never recorded ``origin``.
        """
        lineage = self._lineage()
        if origin not in lineage.nodes:
            raise NotFound(f"lineage has no {origin}; see `airlock data list` for sources and ids")
        radius = lineage.blast_radius(origin)
        self._ledger.append(
            LedgerRecord(
                kind="lineage.taint",
                actor=actor,
                at=self._clock.now(),
                subject=str(origin),
                details={
                    "datasets": [n.id for n in radius.datasets],
                    "models": [n.id for n in radius.models],
                    **(auth or {}),
                },
            )
        )
        return radius

    def resolve_node(self, text: str) -> Node:
        """A dataset id names that dataset; anything else names a source or model (source
        first, as taint usually starts from an outside origin).

        Raises:
            NotFound: no dataset, source or model of that name is in the lineage.
        """
        if text.startswith("ds_"):
            return Node(NodeKind.DATASET, self._store.datasets.get_dataset(dataset_id(text)).id)
        nodes = self._lineage().nodes
        for kind in (NodeKind.SOURCE, NodeKind.MODEL):
            if Node(kind, text) in nodes:
                return Node(kind, text)
        raise NotFound(f"lineage knows no source, dataset or model called {text[:80]!r}")

    def _lineage(self, extra: Sequence[LineageEdge] = ()) -> Lineage:
        edges = [*self._store.datasets.lineage_edges(), *extra]
        return Lineage.from_edges(
            (Node(NodeKind(e.parent_kind), e.parent_id), Node(NodeKind(e.child_kind), e.child_id))
            for e in edges
        )
