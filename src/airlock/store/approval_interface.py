"""Persistence of approval cases and votes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from airlock.approvals.workflow import ApprovalCase, Vote
from airlock.domain.names import RequestId


class ApprovalStore(Protocol):
    def open_case(self, case: ApprovalCase) -> None:
        """Raises Conflict if the request already has a case."""
        ...

    def get_case(self, request_id: RequestId) -> ApprovalCase:
        """Raises NotFound."""
        ...

    def save_vote(self, case: ApprovalCase) -> None:
        """Persist the case's newest vote and its closed state, atomically.

        Raises Conflict when that voter's vote is already stored (a concurrent double vote).
        """
        ...

    def close_case(self, request_id: RequestId, status: str) -> None: ...

    def votes_since(self, since: datetime) -> Sequence[Vote]: ...
