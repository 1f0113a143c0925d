"""In-memory ApprovalStore, for tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from airlock.approvals.workflow import ApprovalCase, CaseStatus, Vote
from airlock.domain.names import RequestId
from airlock.errors import Conflict, NotFound


class MemoryApprovalStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cases: dict[RequestId, ApprovalCase] = {}

    def open_case(self, case: ApprovalCase) -> None:
        with self._lock:
            if case.request_id in self._cases:
                raise Conflict(f"request {case.request_id} already has an approval case")
            self._cases[case.request_id] = case

    def get_case(self, request_id: RequestId, *, lock: bool = False) -> ApprovalCase:
        """``lock`` is moot here: the memory store's write batches hold one lock."""
        del lock
        with self._lock:
            if request_id not in self._cases:
                raise NotFound(f"request {request_id} is not waiting for approval")
            return self._cases[request_id]

    def save_vote(self, case: ApprovalCase) -> None:
        with self._lock:
            stored = self._cases[case.request_id]
            if any(v.voter == case.votes[-1].voter for v in stored.votes):
                raise Conflict(f"{case.votes[-1].voter} has already voted")
            self._cases[case.request_id] = replace(
                stored, votes=(*stored.votes, case.votes[-1]), closed=case.closed
            )

    def close_case(self, request_id: RequestId, status: str) -> None:
        with self._lock:
            self._cases[request_id] = replace(self._cases[request_id], closed=CaseStatus(status))

    def votes_since(self, since: datetime) -> Sequence[Vote]:
        with self._lock:
            found = [v for c in self._cases.values() for v in c.votes if v.cast_at >= since]
            return sorted(found, key=lambda v: v.cast_at)
