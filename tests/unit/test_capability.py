"""airlock.capability: a facade part is built once, on first use, even by racing threads."""

from __future__ import annotations

import threading
import time

from airlock.capability import capability


class Owner:
    def __init__(self, threads: int) -> None:
        self._build_lock = threading.RLock()
        self.builds = 0
        self.inner_builds = 0
        self._all_arrived = threading.Barrier(threads)

    @capability
    def inner(self) -> object:
        self.inner_builds += 1
        return object()

    @capability
    def part(self) -> tuple[object, object]:
        """A part built from another part (the lock is re-entrant)."""
        self.builds += 1
        time.sleep(0.02)  # releases the GIL: without the lock, every racer would build
        return (object(), self.inner)

    def race(self) -> tuple[object, object]:
        self._all_arrived.wait()  # every thread asks at the same moment
        return self.part


def test_not_built_until_used_then_built_once() -> None:
    owner = Owner(1)
    assert owner.builds == 0
    first = owner.part
    assert owner.part is first
    assert (owner.builds, owner.inner_builds) == (1, 1)
    assert owner.part[1] is owner.inner


def test_racing_threads_share_one_build() -> None:
    threads = 8
    owner = Owner(threads)
    seen: list[tuple[object, object]] = []
    workers = [threading.Thread(target=lambda: seen.append(owner.race())) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(seen) == threads
    assert all(value is seen[0] for value in seen)
    assert (owner.builds, owner.inner_builds) == (1, 1)


def test_the_class_attribute_is_the_descriptor_with_its_docstring() -> None:
    assert isinstance(Owner.part, capability)
    assert Owner.part.__doc__ == "A part built from another part (the lock is re-entrant)."
