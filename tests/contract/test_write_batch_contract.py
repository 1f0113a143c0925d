"""Write batches (group commit) on every Store: units share one transaction, fail alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from airlock.domain.names import ProjectName
from airlock.domain.projects import Project
from airlock.errors import Conflict
from airlock.store.interface import Store
from tests.contract.test_ledger_store_contract import fake_seal, reference_root, root_from_store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def project(name: str) -> Project:
    return Project(ProjectName(name), "", T0)


def names(store: Store) -> list[str]:
    return [p.name for p in store.list_projects()]


def test_units_of_one_batch_are_all_kept(store: Store) -> None:
    with store.write_batch():
        for n in range(3):
            with store.unit():
                store.add_project(project(f"p{n}"))
                assert f"p{n}" in names(store)  # the batch sees its own writes
    assert names(store) == ["p0", "p1", "p2"]


def test_a_failing_unit_is_undone_and_its_neighbours_commit(store: Store) -> None:
    if store.backend == "memory":
        pytest.skip("the memory store does not undo a failed unit (documented)")
    store.add_project(project("taken"))

    def half_done() -> None:
        with store.unit():
            store.add_project(project("half-done"))
            store.add_project(project("taken"))

    with store.write_batch():
        with store.unit():
            store.add_project(project("before"))
        with pytest.raises(Conflict):
            half_done()
        with store.unit():
            store.add_project(project("after"))
    assert names(store) == ["after", "before", "taken"]


def test_a_batch_that_raises_keeps_nothing(store: Store) -> None:
    if store.backend == "memory":
        pytest.skip("the memory store has no transaction to roll back (documented)")

    def abandon() -> None:
        with store.write_batch():
            with store.unit():
                store.add_project(project("lost"))
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError, match="abandoned"):
        abandon()
    assert names(store) == []


def test_batches_do_not_nest_and_units_need_a_batch(store: Store) -> None:
    if store.backend == "memory":
        pytest.skip("the memory store has no transaction to nest")
    with pytest.raises(RuntimeError, match="nest"), store.write_batch(), store.write_batch():
        pass
    with pytest.raises(RuntimeError, match="batch"), store.unit():
        pass


def test_other_threads_do_not_join_a_batch(store: Store) -> None:
    seen: list[list[str]] = []
    with store.write_batch():
        with store.unit():
            store.add_project(project("inside"))
        if store.backend != "memory":  # memory has no isolation to show
            reader = threading.Thread(target=lambda: seen.append(names(store)))
            reader.start()
            reader.join(30)
            assert seen == [[]]  # uncommitted work is invisible outside the batch
    assert names(store) == ["inside"]


def test_ledger_appends_of_a_batch_form_the_same_tree_as_appends_one_by_one(store: Store) -> None:
    store.ledger.append([b"before"], T0, fake_seal)
    bodies = [f"entry {n}".encode() for n in range(11)]
    indices = []
    with store.write_batch():
        for n in range(0, 11, 2):
            with store.unit():
                indices.append(store.ledger.append(bodies[n : n + 2], T0, fake_seal))
    assert indices == [1, 3, 5, 7, 9, 11]
    assert store.ledger.size() == 12
    assert root_from_store(store.ledger, 12) == reference_root([b"before", *bodies])
    assert [e.body for e in store.ledger.entries(0, 12)] == [b"before", *bodies]
    assert [e.seal for e in store.ledger.entries(1, 3)] == [
        fake_seal(1, bodies[0]),
        fake_seal(2, bodies[1]),
    ]
    assert store.ledger.append([b"after"], T0, fake_seal) == 12
    assert root_from_store(store.ledger, 13) == reference_root([b"before", *bodies, b"after"])


def test_a_failing_unit_takes_its_ledger_entries_with_it(store: Store) -> None:
    if store.backend == "memory":
        pytest.skip("the memory store does not undo a failed unit (documented)")
    store.add_project(project("taken"))

    def fails_after_appending() -> int:
        with store.unit():
            index = store.ledger.append([b"lost"], T0, fake_seal)
            store.add_project(project("taken"))
        return index

    with store.write_batch():
        with store.unit():
            first = store.ledger.append([b"kept 1"], T0, fake_seal)
        with pytest.raises(Conflict):
            fails_after_appending()
        with store.unit():
            second = store.ledger.append([b"kept 2"], T0, fake_seal)
    # The failed unit's index goes to the next entry: the log has no hole.
    assert (first, second) == (0, 1)
    assert [e.body for e in store.ledger.entries(0, 2)] == [b"kept 1", b"kept 2"]
    assert store.ledger.size() == 2
    assert root_from_store(store.ledger, 2) == reference_root([b"kept 1", b"kept 2"])


def test_a_batch_that_raises_appends_nothing(store: Store) -> None:
    if store.backend == "memory":
        pytest.skip("the memory store has no transaction to roll back (documented)")

    def abandon() -> None:
        with store.write_batch():
            with store.unit():
                store.ledger.append([b"lost"], T0, fake_seal)
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError, match="abandoned"):
        abandon()
    assert store.ledger.size() == 0
    assert store.ledger.append([b"first"], T0, fake_seal) == 0
    assert root_from_store(store.ledger, 1) == reference_root([b"first"])


def test_the_ledger_is_not_read_while_a_batch_holds_appends_back(store: Store) -> None:
    if store.backend == "memory":
        pytest.skip("the memory store writes appends at once")
    with store.write_batch(), store.unit():
        store.ledger.append([b"held"], T0, fake_seal)
        with pytest.raises(RuntimeError, match="outside a write batch"):
            store.ledger.size()
    assert store.ledger.size() == 1
