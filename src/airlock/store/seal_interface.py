"""Storage of row seals (docs/adr/0012-sealed-state.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from airlock.ledger.state_seal import RowSeal

Row = dict[str, object]


class SealStore(Protocol):
    """Reads sealed tables as seals see them, and keeps the seals, in the store's database."""

    def rows(self, table: str, where: Mapping[str, object] | None = None) -> list[Row]:
        """Rows of a sealed table (all, or those whose columns equal ``where``), with the
        counts of dependent rows the table's seal covers (see ``state_seal.SPECS``)."""
        ...

    def put(self, seals: Sequence[RowSeal]) -> None:
        """Store seals, replacing any earlier seal of the same rows."""
        ...

    def get(self, table: str, row_key: str) -> RowSeal | None: ...

    def all(self) -> list[RowSeal]: ...
