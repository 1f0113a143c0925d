"""HeldHeadTransport: a response's head leaves with its body in one write when the body
follows in the same step of the event loop, alone at the end of the step otherwise; closing
sends what is held first, aborting drops it; nothing is reordered."""

from __future__ import annotations

import asyncio
from typing import Any

from airlock.api.held_head import HeldHeadTransport


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.events: list[str] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))
        self.events.append("write")

    def close(self) -> None:
        self.closing = True
        self.events.append("close")

    def abort(self) -> None:
        self.closing = True
        self.events.append("abort")

    def is_closing(self) -> bool:
        return self.closing


def _run(steps: Any) -> Recording:
    async def run() -> Recording:
        inner = Recording()
        await steps(HeldHeadTransport(inner, asyncio.get_running_loop()), inner)
        await asyncio.sleep(0)
        return inner

    return asyncio.run(run())


def test_a_head_and_its_body_in_the_same_step_leave_in_one_write() -> None:
    async def steps(t: HeldHeadTransport, inner: Recording) -> None:
        t.hold_next_write()
        t.write(b"HEAD|")
        assert inner.writes == []
        t.write(b"body")
        t.write(b"more")  # only the one write is held

    assert _run(steps).writes == [b"HEAD|body", b"more"]


def test_a_head_whose_body_is_not_ready_leaves_alone_at_the_end_of_the_step() -> None:
    async def steps(t: HeldHeadTransport, inner: Recording) -> None:
        t.hold_next_write()
        t.write(b"HEAD|")
        await asyncio.sleep(0)  # the application waits for its first chunk
        assert inner.writes == [b"HEAD|"]
        t.write(b"chunk")

    assert _run(steps).writes == [b"HEAD|", b"chunk"]


def test_without_a_hold_every_write_leaves_at_once() -> None:
    async def steps(t: HeldHeadTransport, inner: Recording) -> None:
        t.write(b"a")
        assert inner.writes == [b"a"]

    assert _run(steps).writes == [b"a"]


def test_closing_sends_the_held_head_first_and_aborting_drops_it() -> None:
    async def closing(t: HeldHeadTransport, inner: Recording) -> None:
        t.hold_next_write()
        t.write(b"HEAD|")
        t.close()

    closed = _run(closing)
    assert closed.events == ["write", "close"] and closed.writes == [b"HEAD|"]

    async def aborting(t: HeldHeadTransport, inner: Recording) -> None:
        t.hold_next_write()
        t.write(b"HEAD|")
        t.abort()

    aborted = _run(aborting)
    assert aborted.events == ["abort"] and aborted.writes == []
