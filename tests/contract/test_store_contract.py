"""One contract, every Store: memory, SQLite file, PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from airlock.approvals.locks import Lock, LockScope
from airlock.domain.names import PrincipalName, ProjectName, RequestId, Sha256Hex
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.requests import (
    BoundaryRequest,
    Decision,
    Outcome,
    Reason,
    RequestKind,
    RequestStatus,
)
from airlock.domain.tokens import TokenHash, hash_token, new_token
from airlock.errors import Conflict, NotFound
from airlock.exports.chunking import ModelFingerprint
from airlock.store.interface import PackageFile, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def person(name: str, role: Role = Role.RESEARCHER) -> Principal:
    return Principal(PrincipalName(name), PrincipalKind.PERSON, role, T0)


def export_request(n: int, principal: str = "alice", project: str | None = None) -> BoundaryRequest:
    return BoundaryRequest(
        id=RequestId(f"req_{n:032x}"),
        kind=RequestKind.EXPORT,
        principal=PrincipalName(principal),
        project=None if project is None else ProjectName(project),
        purpose=f"metrics for run {n} — naïve unicode ok",
        digest=Sha256Hex(f"{n:064x}"),
        size_bytes=2**40 + n,
        created_at=T0 + timedelta(minutes=n),
    )


def token_hash() -> TokenHash:
    return hash_token(new_token())


def test_backend_is_named(store: Store) -> None:
    assert store.backend in {"memory", "sqlite", "postgresql"}
    store.check_ready()


def test_migrate_is_idempotent(store: Store) -> None:
    store.migrate()
    store.migrate()
    store.check_ready()


def test_principal_round_trip_and_token_lookup(store: Store) -> None:
    first, second = token_hash(), token_hash()
    store.add_principal(person("alice", Role.ADMIN), first)
    store.add_principal(person("bob"), token_hash())
    assert store.get_principal(PrincipalName("alice")) == person("alice", Role.ADMIN)
    assert [p.name for p in store.list_principals()] == ["alice", "bob"]
    store.add_token(PrincipalName("alice"), second)
    found_first = store.principal_for_token(first)
    found_second = store.principal_for_token(second)
    assert found_first is not None and found_first.name == "alice"
    assert found_second is not None and found_second.name == "alice"
    assert store.principal_for_token(token_hash()) is None


def test_duplicate_principal_conflicts(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    with pytest.raises(Conflict, match="alice"):
        store.add_principal(person("alice"), token_hash())


def test_unknown_principal_and_token_owner(store: Store) -> None:
    with pytest.raises(NotFound, match="carol"):
        store.get_principal(PrincipalName("carol"))
    with pytest.raises(NotFound):
        store.add_token(PrincipalName("carol"), token_hash())


def test_projects(store: Store) -> None:
    store.add_project(Project(ProjectName("monitor-ft"), "fine-tune the monitor", T0))
    assert store.get_project(ProjectName("monitor-ft")).description == "fine-tune the monitor"
    assert [p.name for p in store.list_projects()] == ["monitor-ft"]
    with pytest.raises(Conflict):
        store.add_project(Project(ProjectName("monitor-ft"), "", T0))
    with pytest.raises(NotFound):
        store.get_project(ProjectName("nope"))


def test_request_round_trip_keeps_big_sizes_and_timezones(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    store.add_project(Project(ProjectName("p1"), "", T0))
    request = export_request(7, project="p1")
    store.add_request(request)
    loaded = store.get_request(request.id)
    assert loaded == request
    assert loaded.created_at.tzinfo is not None
    assert loaded.size_bytes > 2**32


def test_request_needs_known_principal_and_project(store: Store) -> None:
    with pytest.raises(NotFound, match="alice"):
        store.add_request(export_request(1))
    store.add_principal(person("alice"), token_hash())
    with pytest.raises(NotFound, match="ghost"):
        store.add_request(export_request(1, project="ghost"))
    store.add_request(export_request(1))
    with pytest.raises(Conflict):
        store.add_request(export_request(1))


def test_list_requests_newest_first_with_filter_and_limit(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    for n in range(5):
        store.add_request(export_request(n))
    assert [r.id[-1] for r in store.list_requests()] == ["4", "3", "2", "1", "0"]
    assert len(store.list_requests(limit=2)) == 2
    assert store.list_requests(status=RequestStatus.HELD) == []


def test_request_digests_name_every_request_once(store: Store) -> None:
    assert store.request_digests() == set()
    store.add_principal(person("alice"), token_hash())
    for n in range(3):
        store.add_request(export_request(n))
    again = export_request(9)
    store.add_request(
        BoundaryRequest(
            again.id,
            again.kind,
            again.principal,
            None,
            "same bytes again",
            export_request(1).digest,
            1,
            again.created_at,
        )
    )
    store.record_decision(
        Decision(again.id, Outcome.DENY, (Reason("weights", "a tensor"),), T0, "policy", "v1")
    )
    assert store.request_digests() == {f"{n:064x}" for n in range(3)}


def test_decision_moves_status_and_is_kept_in_order(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    request = export_request(3)
    store.add_request(request)
    hold = Decision(
        request.id, Outcome.HOLD, (Reason("opaque-data", "high entropy"),), T0, "policy", "v1"
    )
    allow = Decision(request.id, Outcome.ALLOW, (), T0 + timedelta(hours=1), "bob", "v1")
    store.record_decision(hold)
    assert store.get_request(request.id).status is RequestStatus.HELD
    store.record_decision(allow)
    assert store.get_request(request.id).status is RequestStatus.RELEASED
    assert list(store.decisions_for(request.id)) == [hold, allow]
    counts = store.counts()
    assert counts.principals == 1
    assert counts.requests_by_status[RequestStatus.RELEASED] == 1
    assert counts.requests_by_status[RequestStatus.HELD] == 0


def test_request_added_with_its_first_decision(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    request = export_request(4)
    hold = Decision(request.id, Outcome.HOLD, (Reason("opaque-data", "x"),), T0, "policy", "v1")
    store.add_request(request, hold)
    assert store.get_request(request.id).status is RequestStatus.HELD
    assert list(store.decisions_for(request.id)) == [hold]
    other = export_request(5)
    with pytest.raises(ValueError, match="that request"):
        store.add_request(other, hold)
    with pytest.raises(NotFound):
        store.get_request(other.id)


def test_decision_for_unknown_request(store: Store) -> None:
    decision = Decision(RequestId("req_" + "0" * 32), Outcome.DENY, (Reason("x", "y"),), T0, "p")
    with pytest.raises(NotFound):
        store.record_decision(decision)


def test_concurrent_principal_creation_has_one_winner(store: Store) -> None:
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            store.add_principal(person("racer"), token_hash())
            result = "won"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]


def test_recent_outcomes_list_only_refusals_of_that_principal(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    store.add_principal(person("bob"), token_hash())
    for n, who in ((1, "alice"), (2, "alice"), (3, "bob")):
        store.add_request(export_request(n, principal=who))
    store.record_decision(Decision(RequestId(f"req_{1:032x}"), Outcome.ALLOW, (), T0, "policy"))
    store.record_decision(
        Decision(RequestId(f"req_{2:032x}"), Outcome.DENY, (Reason("x", "y"),), T0, "policy")
    )
    store.record_decision(
        Decision(RequestId(f"req_{3:032x}"), Outcome.HOLD, (Reason("x", "y"),), T0, "policy")
    )
    found = store.recent_outcomes(PrincipalName("alice"), T0 - timedelta(hours=1))
    assert [d.outcome for d in found] == [Outcome.DENY]
    assert store.recent_outcomes(PrincipalName("alice"), T0 + timedelta(seconds=1)) == []


def test_protected_models_stamp_changes_on_registration(store: Store) -> None:
    before = store.protected_models_stamp()
    store.add_protected_model(ModelFingerprint("m1", 10, frozenset({b"\x01" * 32})), T0)
    middle = store.protected_models_stamp()
    store.add_protected_model(ModelFingerprint("m2", 10, frozenset({b"\x02" * 32})), T0)
    assert len({before, middle, store.protected_models_stamp()}) == 3
    assert [m.name for m in store.protected_models()] == ["m1", "m2"]


def test_locks_history_and_the_ones_in_force(store: Store) -> None:
    hour = timedelta(hours=1)
    rita = (LockScope.PRINCIPAL, "rita")
    moon = (LockScope.PROJECT, "moon")
    live = Lock(LockScope.PRINCIPAL, "rita", "burst of holds", T0, T0 + 4 * hour)
    expired = Lock(LockScope.PRINCIPAL, "rita", "old", T0 - 5 * hour, T0 - hour)
    later = Lock(LockScope.PRINCIPAL, "rita", "not yet", T0 + 2 * hour, T0 + 3 * hour)
    project = Lock(LockScope.PROJECT, "moon", "weights", T0 - hour, T0 + hour)
    other = Lock(LockScope.PRINCIPAL, "sam", "someone else", T0, T0 + hour)
    for lock in (expired, live, later, project, other):
        store.add_lock(lock)
    assert list(store.active_locks([rita], T0)) == [live]
    assert list(store.active_locks([rita, moon], T0)) == [live, project]  # newest first
    assert list(store.active_locks([rita], T0 + 2 * hour)) == [later, live]
    assert list(store.active_locks([], T0)) == []
    # Lifting takes every lock not yet expired, the one dated later too; the expired one and
    # other subjects' stay as they were.
    assert store.lift_locks(LockScope.PRINCIPAL, "rita", "ada", T0 + timedelta(minutes=10)) == 2
    assert list(store.active_locks([rita, moon], T0 + timedelta(minutes=20))) == [project]
    assert list(store.active_locks([rita], T0 + 2 * hour)) == []
    assert list(store.active_locks([(LockScope.PRINCIPAL, "sam")], T0)) == [other]
    assert len(store.locks()) == 5  # lifting and expiry keep the history


def test_package_files_are_the_released_ones_unless_every_one_is_asked_for(store: Store) -> None:
    store.add_principal(person("alice"), token_hash())
    statuses = {"b-1.0.tar.gz": Outcome.ALLOW, "a-1.0.tar.gz": Outcome.HOLD}
    for n, (filename, outcome) in enumerate(statuses.items()):
        request = export_request(n)
        why = (Reason("process-call", "setup.py:3: runs npm"),) if outcome is Outcome.HOLD else ()
        store.add_request(request, Decision(request.id, outcome, why, T0, "vetting", "v1"))
        store.add_package_file(PackageFile(filename, "a", "1.0", request.digest, request.id))
    assert [f.filename for f in store.package_files("a")] == ["b-1.0.tar.gz"]
    every = store.package_files("a", released_only=False)
    assert [f.filename for f in every] == ["a-1.0.tar.gz", "b-1.0.tar.gz"]  # by file name
    assert store.package_files("other", released_only=False) == []
