"""In-memory BudgetStore, for tests: the definition of usage, summed on every call.

The SQL store keeps running totals instead (docs/adr/0006); the contract tests hold both
to the same answers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from airlock.budgets.limits import Budget, BudgetCheck, BudgetScope, effective
from airlock.budgets.refusals import Candidate, RefusedContent, Sketch, group_candidates
from airlock.store.budget_interface import BudgetKey


@dataclass(frozen=True, slots=True)
class _Usage:
    key: BudgetKey
    request_id: str
    size: int
    at: datetime


class MemoryBudgetStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: dict[BudgetKey, Budget] = {}
        self._usage: list[_Usage] = []
        self._refused: list[RefusedContent] = []

    def set_budget(self, budget: Budget) -> None:
        with self._lock:
            self._budgets[budget.key] = budget

    def budgets(self) -> Sequence[Budget]:
        """The budgets set, defaults included; not the copies that subjects inherit."""
        with self._lock:
            return [self._budgets[k] for k in sorted(self._budgets)]

    def reserve(
        self,
        keys: Sequence[BudgetKey],
        request_id: str,
        size: int,
        now: datetime,
        sizes: Mapping[BudgetScope, int] | None = None,
        *,
        hold_until: datetime | None = None,
    ) -> list[BudgetCheck]:
        at = now if hold_until is None else max(now, hold_until)
        with self._lock:
            # A key without a budget of its own takes its scope's default ('*'), counted
            # under its own key: the definition the SQL store's inherited rows keep.
            chosen = [b for k in sorted(set(keys)) if (b := effective(self._budgets, k))]
            checks = [
                BudgetCheck(
                    b, self._used(b, now), size if sizes is None else sizes.get(b.scope, size)
                )
                for b in chosen
            ]
            if all(c.fits for c in checks):
                self._usage += [
                    _Usage(c.budget.key, request_id, c.requested_bytes, at) for c in checks
                ]
            return checks

    def settle(self, request_id: str, sizes: Mapping[BudgetScope, int]) -> None:
        with self._lock:
            self._usage = [
                replace(u, size=min(u.size, sizes[u.key[0]]))
                if u.request_id == request_id and u.key[0] in sizes
                else u
                for u in self._usage
            ]

    def release(self, request_id: str) -> int:
        with self._lock:
            before = len(self._usage)
            self._usage = [u for u in self._usage if u.request_id != request_id]
            return before - len(self._usage)

    def used(self, key: BudgetKey, now: datetime) -> int:
        with self._lock:
            budget = effective(self._budgets, key)
            return 0 if budget is None else self._used(budget, now)

    def _used(self, budget: Budget, now: datetime) -> int:
        since = now - budget.window
        return sum(u.size for u in self._usage if u.key == budget.key and u.at > since)

    def remember_refusal(self, refused: RefusedContent) -> None:
        with self._lock:
            self._refused.append(refused)

    def refusals_like(self, digest: str, sketch: Sketch, since: datetime) -> list[Candidate]:
        with self._lock:
            rows: list[tuple[RefusedContent, bytes | None]] = []
            for refused in self._refused:
                if refused.refused_at <= since:
                    continue
                if refused.digest == digest:
                    rows.append((refused, None))
                rows += [(refused, d) for d in sketch.digests & refused.sketch.digests]
            return group_candidates(rows, digest)
