"""HTTP/1.1 parsing in C (httptools, i.e. llhttp) with a bound on the request head.

uvicorn's pure-Python parser (h11) cost about a tenth of a small export's CPU (issue 5), so
the gateway parses with httptools. Unlike h11, llhttp sets no limit on the request line and
headers, and httptools buffers a header until its line ends: a client could make a worker
hold an endless header in memory. Here every byte that arrives while a request's head is
still incomplete is counted, and past ``MAX_HEAD_BYTES`` the client gets 431 and the
connection is closed. Memory stays within the limit plus one socket read.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024
_REFUSAL = b"request line and headers exceed 16384 bytes"


class BoundedHeadHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing request heads over ``MAX_HEAD_BYTES``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES:
            self._refuse_head()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True  # what arrives next on a kept-alive connection is the next head

    def _refuse_head(self) -> None:
        if self.transport.is_closing():
            return
        self.logger.warning("Request head over %d bytes refused.", MAX_HEAD_BYTES)
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(_REFUSAL)).encode("ascii") + b"\r\n"
            b"connection: close\r\n\r\n" + _REFUSAL
        )
        self.transport.close()
