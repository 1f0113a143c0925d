"""Write batches (group commit) on every Store: units share one transaction, fail alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from airlock.domain.names import ProjectName
from airlock.domain.projects import Project
from airlock.errors import Conflict
from airlock.store.interface import Store

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
