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

    def get_case(self, request_id: RequestId, *, lock: bool = False) -> ApprovalCase:
        """The case with its votes, oldest first. Raises NotFound.

        ``lock=True`` (inside a write batch) also locks the case row until the batch ends, so
        no other transaction can vote on or close the case between this read and the
        batch's writes (issue 22). SQLite has no row locks: its write batches already run
        one at a time.
        """
        ...

    def save_vote(self, case: ApprovalCase) -> None:
        """Persist the case's newest vote and its closed state, atomically.

        Raises Conflict when that voter's vote is already stored (a concurrent double vote).
        """
        ...

    def close_case(self, request_id: RequestId, status: str) -> None: ...

    def votes_since(self, since: datetime) -> Sequence[Vote]: ...
