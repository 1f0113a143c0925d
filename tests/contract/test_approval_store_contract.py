"""Approval cases on every Store: the locked read a vote's unit makes (issue 22)."""

from __future__ import annotations

import threading

import pytest

from airlock.approvals.workflow import ApprovalCase, ApprovalRule, CaseStatus
from airlock.domain.principals import Role
from airlock.store.interface import Store
from tests.contract.test_store_contract import T0, export_request, person, token_hash


def held_case(store: Store) -> ApprovalCase:
    store.add_principal(person("alice"), token_hash())
    store.add_principal(person("ann", Role.APPROVER), token_hash())
    request = export_request(1)
    store.add_request(request)
    case = ApprovalCase(request.id, request.principal, request.digest, ApprovalRule(2), T0)
    store.approvals.open_case(case)
    return case


def test_a_locked_read_in_a_write_batch_is_the_case(store: Store) -> None:
    case = held_case(store)
    with store.write_batch(), store.unit():
        assert store.approvals.get_case(case.request_id, lock=True) == case
    assert store.approvals.get_case(case.request_id) == case


def test_a_locked_case_cannot_be_closed_until_the_batch_ends(store: Store) -> None:
    # Batches run one at a time anyway; the row lock keeps out a writer outside a batch.
    if store.backend == "memory":
        pytest.skip("the memory store's batches hold one lock; close_case does not take it")
    case = held_case(store)
    locked, finish, closed = threading.Event(), threading.Event(), threading.Event()

    def batch() -> None:
        with store.write_batch(), store.unit():
            store.approvals.get_case(case.request_id, lock=True)
            locked.set()
            finish.wait(10)

    def close() -> None:
        store.approvals.close_case(case.request_id, CaseStatus.REJECTED.value)
        closed.set()

    holder = threading.Thread(target=batch)
    holder.start()
    assert locked.wait(10)
    closer = threading.Thread(target=close)
    closer.start()
    try:
        assert not closed.wait(0.5), "the case was closed while a vote's unit held it"
    finally:
        finish.set()
        holder.join(10)
        closer.join(10)
    assert closed.is_set()
    assert store.approvals.get_case(case.request_id).closed is CaseStatus.REJECTED
