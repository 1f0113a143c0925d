"""Reading boundary requests: the list a role may see, one request with its decisions,
approval case and ledger entry, and its progress as a person reviewing it sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from airlock.approvals.permissions import Action, Reach, reach, require
from airlock.domain.names import RequestId, request_id
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, RequestStatus
from airlock.errors import AirlockError, NotFound, StoreError
from airlock.facade.core import FacadeCore
from airlock.facade.values import LOCAL_OPERATOR, Actor, RequestDetail

if TYPE_CHECKING:
    from airlock.approvals.progress import RequestProgress
    from airlock.approvals.workflow import ApprovalCase
    from airlock.egress import ExportResult


class RequestsMixin(FacadeCore):
    """Requests as their readers see them, for :class:`airlock.service.Airlock`."""

    def list_requests(
        self, actor: Actor, status: RequestStatus | None = None, limit: int = 100
    ) -> Sequence[BoundaryRequest]:
        """The requests the actor may read: all of them, or only their own.

        Raises: PermissionDenied if the actor may read none.
        """
        match reach(actor, Action.REQUEST_READ):
            case Reach.ANY:
                return self._store.list_requests(status, limit)
            case Reach.OWN:
                # Filtered after the store's newest-first limit, from a wider window.
                wider = self._store.list_requests(status, min(limit * 50, 100_000))
                return [r for r in wider if r.principal == actor.name][:limit]
            case _:
                require(actor, Action.REQUEST_READ)
                return []

    def request_detail(self, actor: Actor, raw_id: str) -> RequestDetail:
        """A request with its decisions, its approval case (votes in and needed) and the
        ledger entry that made its current state, for `request show` and receipts.

        Raises: InvalidInput (malformed id), NotFound, PermissionDenied (someone else's
        request for a role that reads only its own).
        """
        request, decisions = self.get_request(actor, raw_id)
        rid = request.id
        try:
            case: ApprovalCase | None = self._store.approvals.get_case(rid)
        except NotFound:
            case = None
        try:
            seal = self._store.seals.get("requests", rid)
        except StoreError:  # a store that keeps no seals (the memory store)
            seal = None
        return RequestDetail(
            request,
            tuple(decisions),
            case,
            None if seal is None else seal.ledger_index,
        )

    def request_progress(self, actor: Actor, raw_id: str) -> RequestProgress:
        """The request's progress and next step as ``actor`` sees it (issue 18): the same
        view model for `request show`, the API and the pages.

        Raises: InvalidInput, NotFound, PermissionDenied (as :meth:`request_detail`).
        """
        from airlock.approvals.progress import progress

        detail = self.request_detail(actor, raw_id)
        return progress(
            detail.request,
            detail.decisions,
            detail.case,
            self._store.list_principals(),
            origin=self._origin_details(detail.ledger_entry),
            viewer=None if actor.name == LOCAL_OPERATOR else actor.name,
            now=self._clock.now(),
        )

    def export_progress(self, actor: Actor, result: ExportResult) -> RequestProgress:
        """:meth:`request_progress` of an export just decided, from the result in hand when
        no case was opened (allowed or denied: no votes, nobody to ask): the gateway answers
        every export with it, and six reads per export cost a third of its throughput."""
        if result.decision.outcome is Outcome.HOLD:
            return self.request_progress(actor, result.request.id)
        from airlock.approvals.progress import progress

        require(actor, Action.REQUEST_READ, owner=result.request.principal)
        return progress(
            result.request,
            (result.decision,),
            None,
            (),
            origin=result.recorded,
            viewer=None if actor.name == LOCAL_OPERATOR else actor.name,
            now=self._clock.now(),
        )

    def _origin_details(self, index: int | None) -> dict[str, object] | None:
        """The details the request's deciding ledger entry recorded (file name, type,
        findings), when the entry behind its current state is that decision."""
        for _ in range(2):  # a closing vote's entry points at the first decision: one hop
            if index is None:
                return None
            try:
                record = self.ledger.record(index)
            except AirlockError:
                return None
            details = record.get("details")
            if not isinstance(details, dict):
                return None
            origin = details.get("origin")
            if not isinstance(origin, int) or origin >= index:
                return details
            index = origin
        return None

    def get_request(self, actor: Actor, raw_id: str) -> tuple[BoundaryRequest, Sequence[Decision]]:
        """Raises: InvalidInput (malformed id), NotFound, PermissionDenied (someone else's
        request for a role that reads only its own)."""
        rid = request_id(raw_id)
        found = self._store.get_request(rid)
        require(actor, Action.REQUEST_READ, owner=found.principal)
        return found, self._store.decisions_for(rid)

    def _request(self, rid: RequestId) -> BoundaryRequest:
        return self._store.get_request(rid)
