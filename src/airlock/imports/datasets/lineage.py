"""Lineage: which datasets and models descend from an outside source or dataset.

When a source turns out to be poisoned, :func:`Lineage.blast_radius` answers "what must be
re-vetted or retrained": every dataset derived from it, directly or through other datasets,
and every model trained on any of those. The graph is an immutable in-memory value; the
store persists the edges and rebuilds it with :meth:`Lineage.from_edges`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from airlock.errors import InvalidInput


class NodeKind(StrEnum):
    """What a lineage node stands for."""

    SOURCE = "source"  # an outside origin: a URL, a vendor drop, a publisher
    DATASET = "dataset"
    MODEL = "model"


# Edges that make sense: data flows from sources into datasets, datasets into datasets and
# models, and models into datasets (generated data) and models (fine-tunes, distillation).
_ALLOWED = {
    (NodeKind.SOURCE, NodeKind.DATASET),
    (NodeKind.DATASET, NodeKind.DATASET),
    (NodeKind.DATASET, NodeKind.MODEL),
    (NodeKind.MODEL, NodeKind.DATASET),
    (NodeKind.MODEL, NodeKind.MODEL),
}


@dataclass(frozen=True, slots=True, order=True)
class Node:
    """A source, dataset or model, named by its id in the store."""

    kind: NodeKind
    id: str

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidInput(f"a {self.kind.value} node needs an id")

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """Everything downstream of ``origin`` (not including it), sorted by id."""

    origin: Node
    datasets: tuple[Node, ...]
    models: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Lineage:
    """An acyclic graph of ``parent -> child`` edges; build it with :meth:`from_edges`."""

    edges: frozenset[tuple[Node, Node]] = frozenset()
    _children: dict[Node, tuple[Node, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        children: defaultdict[Node, list[Node]] = defaultdict(list)
        for parent, child in sorted(self.edges):
            if (parent.kind, child.kind) not in _ALLOWED:
                raise InvalidInput(f"lineage edge {parent} -> {child} is not allowed")
            if parent == child:
                raise InvalidInput(f"{parent} cannot derive from itself")
            children[parent].append(child)
        self._children.clear()
        self._children.update({node: tuple(kids) for node, kids in children.items()})
        self._check_acyclic()

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[Node, Node]]) -> Lineage:
        """A lineage of the given ``(parent, child)`` edges.

        Raises:
            InvalidInput: an edge joins kinds that cannot flow (for example model -> source)
                or the edges form a cycle.
        """
        return cls(frozenset(edges))

    def with_edge(self, parent: Node, child: Node) -> Lineage:
        """A new lineage with one more edge (same checks as :meth:`from_edges`)."""
        return Lineage(self.edges | {(parent, child)})

    @property
    def nodes(self) -> frozenset[Node]:
        """Every node on some edge."""
        return frozenset(n for edge in self.edges for n in edge)

    def descendants(self, origin: Node) -> frozenset[Node]:
        """Every node reachable from ``origin``, not including it."""
        seen: set[Node] = set()
        queue = deque(self._children.get(origin, ()))
        while queue:
            node = queue.popleft()
            if node not in seen:
                seen.add(node)
                queue.extend(self._children.get(node, ()))
        return frozenset(seen)

    def blast_radius(self, origin: Node) -> BlastRadius:
        """Every dataset and model downstream of ``origin``.

        An origin the graph does not know has an empty radius (nothing recorded descends
        from it); callers that expect the node should check :attr:`nodes` first.
        """
        below = self.descendants(origin)
        return BlastRadius(
            origin,
            tuple(sorted(n for n in below if n.kind is NodeKind.DATASET)),
            tuple(sorted(n for n in below if n.kind is NodeKind.MODEL)),
        )

    def _check_acyclic(self) -> None:
        # Kahn's algorithm: a cycle leaves nodes whose in-degree never reaches zero.
        indegree: dict[Node, int] = dict.fromkeys(self.nodes, 0)
        for _, child in self.edges:
            indegree[child] += 1
        ready = deque(n for n, d in indegree.items() if d == 0)
        visited = 0
        while ready:
            node = ready.popleft()
            visited += 1
            for child in self._children.get(node, ()):
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        if visited != len(indegree):
            raise InvalidInput("lineage edges form a cycle; a dataset cannot descend from itself")
