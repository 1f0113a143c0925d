"""The refusal tally (issue 14): the first refusal of a signed-in principal is written at once,
repeats are counted into one summary per window, unauthenticated noise is counted per address,
and what any caller can make it write or hold is bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.approvals.refusals import Entry, Refusal, RefusalTally


def refused(who: str = "rita", action: str = "GET /releases/{request_id}", **kw: str) -> Refusal:
    return Refusal(
        who=who,
        address=kw.get("address", "10.0.0.1"),
        action=action,
        reason=kw.get("reason", "PermissionDenied"),
        message="rita (researcher) may not fetch released artifacts of sam",
        status=403,
        auth="token" if who else "none",
        subject="/releases/REQ-1",
    )


def test_the_first_refusal_is_written_at_once_and_repeats_become_one_summary() -> None:
    tally = RefusalTally(window_seconds=60)
    first = tally.note(refused(), 0.0)
    assert first == [Entry(refused(), 1, summary=False)]
    assert all(tally.note(refused(), t) == [] for t in range(1, 50))  # 49 repeats
    assert tally.due(59.0) == []
    assert tally.due(60.0) == [Entry(refused(), 49, summary=True)]
    assert tally.due(200.0) == [] and tally.open_keys == 0
    # A new window: written at once again.
    assert tally.note(refused(), 201.0) == [Entry(refused(), 1, summary=False)]


def test_a_lone_refusal_leaves_no_summary() -> None:
    tally = RefusalTally(window_seconds=60)
    tally.note(refused(), 0.0)
    assert tally.due(61.0) == [] and tally.drain() == []


def test_different_actions_reasons_or_people_are_separate_entries() -> None:
    tally = RefusalTally()
    written = [
        tally.note(r, 0.0)
        for r in (
            refused(),
            refused(action="POST /locks/lift"),
            refused(reason="BudgetExceeded"),
            refused(who="sam"),
        )
    ]
    assert [len(w) for w in written] == [1, 1, 1, 1]


def test_unauthenticated_refusals_are_counted_per_address_never_written_at_once() -> None:
    tally = RefusalTally(window_seconds=60)
    for path in ("GET /status", "GET /principals", "POST /exports") * 10:
        assert tally.note(refused(who="", action=path, reason="AuthenticationRequired"), 1.0) == []
    assert tally.note(refused(who="", address="10.0.0.2", reason="AuthenticationRequired"), 2) == []
    summaries = tally.due(62.0)
    assert sorted((e.first.address, e.count, e.summary) for e in summaries) == [
        ("10.0.0.1", 30, True),
        ("10.0.0.2", 1, True),
    ]


def test_entries_per_window_are_bounded_and_the_rest_is_one_overflow_entry() -> None:
    tally = RefusalTally(window_seconds=60, max_entries=5)
    written = [e for i in range(20) for e in tally.note(refused(who=f"p{i}"), 1.0)]
    assert len(written) == 5  # five people written at once; fifteen counted
    closing = tally.due(61.0)
    assert [e.overflow for e in closing] == [True]
    assert closing[0].count == 15


def test_memory_is_bounded_and_forgotten_counts_are_kept_in_the_overflow() -> None:
    tally = RefusalTally(window_seconds=60, max_keys=100, max_entries=1000)
    for i in range(10_000):
        tally.note(refused(who="", address=f"fd00::{i:x}", reason="AuthenticationRequired"), 1.0)
        assert tally.open_keys <= 100
    entries = tally.due(61.0)
    assert sum(e.count for e in entries) == 10_000
    assert len(entries) == 101 and sum(e.overflow for e in entries) == 1


def test_drain_writes_every_pending_count() -> None:
    tally = RefusalTally()
    tally.note(refused(), 0.0)
    tally.note(refused(), 1.0)
    tally.note(refused(who="", reason="AuthenticationRequired"), 1.0)
    assert sorted(e.count for e in tally.drain()) == [1, 1]
    assert tally.open_keys == 0


def test_long_fields_are_cut() -> None:
    long = Refusal("x" * 1000, "a", "b" * 1000, "c", "m" * 5000, 403)
    assert len(long.who) == 200 and len(long.action) == 200 and len(long.message) == 500


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "rita", "sam", "ann"]),
            st.sampled_from(["10.0.0.1", "10.0.0.2", "::1"]),
            st.sampled_from(["GET /a", "POST /b"]),
            st.floats(min_value=0, max_value=5, allow_nan=False),
        ),
        max_size=200,
    )
)
def test_every_refusal_is_counted_exactly_once(
    calls: list[tuple[str, str, str, float]],
) -> None:
    """Whatever arrives, the counts written add up to the refusals noted: none lost, none
    doubled; and no window writes more than max_entries plus the overflow."""
    tally = RefusalTally(window_seconds=10, max_keys=3, max_entries=2)
    now, written = 0.0, []
    for who, address, action, step in calls:
        now += step
        written += tally.note(refused(who=who, address=address, action=action), now)
        written += tally.due(now)
    written += tally.drain()
    assert sum(e.count for e in written) == len(calls)
