"""The export path's thread pool: blocking work off the event loop, for less than anyio's toll.

A plain ``def`` endpoint runs through anyio's thread offloading, which on every call looks
up the running async library, its default capacity limiter and task state. On the gateway's
hottest path (a small export costs about 4 ms of CPU, issue 5) that took several percent of
the worker's interpreter-lock time; ``loop.run_in_executor`` on a pool of the same size does
the same hop for a fraction of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import Request

# anyio's default limit for threads: every export waiting on the database holds one, and
# group commit needs many waiting at once to fill a batch.
THREADS = 40

T = TypeVar("T")


def new_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="airlock-blocking")


async def run_blocking(request: Request, call: Callable[[], T]) -> T:
    """``call()`` on the app's pool; its exceptions are raised here as they were there."""
    pool: ThreadPoolExecutor = request.app.state.blocking
    return await asyncio.get_running_loop().run_in_executor(pool, call)
