"""``capability``: a part of the facade built on first use, once, even under threads.

:class:`airlock.service.Airlock` builds egress, data ingress, the ledger and the rest only
when a command or route first needs them, so their heavy imports are paid by the commands
that use them (issue 13). :func:`functools.cached_property` would do, except that since
Python 3.12 it does not lock: two gateway threads reaching ``_egress`` together would each
build one, with two group-commit queues. This descriptor builds under the owner's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar, overload

T = TypeVar("T")


class HasBuildLock(Protocol):
    """An owner of capabilities: one re-entrant lock (a capability may use another)."""

    @property
    def _build_lock(self) -> threading.RLock: ...


class capability(Generic[T]):  # noqa: N801 -- used as a decorator, like cached_property
    """Like :func:`functools.cached_property`, but the build runs under ``_build_lock``.

    The built value is stored in the instance ``__dict__`` under the property's name, so
    every later read is a plain attribute read without the descriptor or the lock.
    """

    def __init__(self, build: Callable[[Any], T]) -> None:
        self._build = build
        self._name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> capability[T]: ...
    @overload
    def __get__(self, instance: HasBuildLock, owner: type) -> T: ...
    def __get__(self, instance: HasBuildLock | None, owner: type) -> capability[T] | T:
        if instance is None:
            return self
        values = instance.__dict__
        with instance._build_lock:
            if self._name not in values:
                values[self._name] = self._build(instance)
        value: T = values[self._name]
        return value
