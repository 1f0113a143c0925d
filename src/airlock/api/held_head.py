"""One socket write for a response's head and its body (issue 20, docs/adr/0020).

uvicorn writes a response's status line and headers to the transport as soon as the
application sends ``http.response.start``, and the body with the next message: two
``write`` calls, two system calls and two TCP segments for every small answer (the gateway's
JSON responses), and the client woken twice. A write to a loopback socket was the largest
single item in a profile of the gateway's event loop.

:class:`HeldHeadTransport` wraps a connection's transport and, when told that a response
head comes next, holds that one write until the next write (the body, sent in the same step
of the event loop by Starlette's responses), which then carries both, or until the end of
the loop's current step, whichever comes first. So a head never waits for anything but the
code already running: a streamed response whose first chunk is not ready yet sends its
head alone, as before. Closing flushes what is held first; aborting drops it with the
connection. Nothing else is held or reordered.
"""

from __future__ import annotations

import asyncio
from typing import Any


class HeldHeadTransport(asyncio.Transport):
    """A transport that can hold one write for the rest of the loop's current step."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._hold_next = False
        self._held: bytes | None = None

    def hold_next_write(self) -> None:
        """The next write (a response head) waits for the one after it, or the end of this
        step of the loop."""
        self._hold_next = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._transport.write(held + bytes(data))
        elif self._hold_next:
            self._hold_next = False
            self._held = bytes(data)
            self._loop.call_soon(self._release)
        else:
            self._transport.write(data)

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def writelines(self, list_of_data: Any) -> None:
        self._release()
        self._transport.writelines(list_of_data)

    def write_eof(self) -> None:
        self._release()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        self._release()
        self._hold_next = False
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._hold_next = False
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()
