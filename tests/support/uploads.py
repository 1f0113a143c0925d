"""A raw HTTP/1.1 uploader over a socket, for tests that count what a server lets in.

httpx hides how much of a body went out before the answer came; these tests need that
number (issue 22), and a body generated lazily so that a gigabyte is never in memory.
"""

from __future__ import annotations

import socket
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PIECE = 64 * 1024
GIVE_UP_BYTES = 64 * 1024 * 1024  # a server still reading by then is not refusing early


@dataclass
class Upload:
    status: int | None  # None: no answer before the connection ended
    sent: int  # body bytes the client got into its socket before the answer or close
    answer: bytes
    closed: bool = False  # the server closed the connection (rather than wait for more)


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` (0 if it does not exist), counting also the files
    this process holds open there after removing them or creating them unnamed (a spooled
    temporary file is one: it takes disk yet appears in no listing)."""
    sizes: dict[tuple[int, int], int] = {}
    if folder.exists():
        for path in folder.rglob("*"):
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file():
                sizes[(info.st_dev, info.st_ino)] = info.st_size
    for descriptor in Path("/proc/self/fd").iterdir():
        try:
            if not str(descriptor.readlink()).startswith(str(folder) + "/"):
                continue
            info = descriptor.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            sizes[(info.st_dev, info.st_ino)] = info.st_size
    return sum(sizes.values())


def stream_upload(
    port: int,
    path: str,
    *,
    size: int,
    chunked: bool = False,
    token: str | None = None,
    filename: str = "big.bin",
    fields: dict[str, str] | None = None,
    give_up: int = GIVE_UP_BYTES,
) -> Upload:
    """POST a multipart form whose one file holds ``size`` zero bytes, generated as it goes
    out, with its Content-Length declared (or chunked); stop as soon as the server answers
    or closes, or once ``give_up`` bytes went out unanswered."""
    boundary = "airlock-test-boundary"
    text = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in (fields or {}).items()
    )
    opening = (
        text.encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
    )
    closing = f"\r\n--{boundary}--\r\n".encode()
    total = len(opening) + size + len(closing)
    head = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: multipart/form-data; boundary={boundary}",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}",
    ]
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PIECE)
    answered = threading.Event()
    received = bytearray()
    closed = []

    def read() -> None:
        try:
            while chunk := connection.recv(65536):
                received.extend(chunk)
                if b"\r\n\r\n" in received:
                    answered.set()
            closed.append(True)
        except TimeoutError:
            pass
        except OSError:  # reset
            closed.append(True)
        answered.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sent = 0
    try:
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in _pieces(opening, size, closing):
            if answered.is_set() or sent >= give_up:
                break
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            sent += len(chunk)
        else:
            if chunked:
                connection.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # reset by a server that answered and closed: what the tests want
    answered.wait(10)
    reader.join(3)  # a server that answered and closes does so at once
    server_closed = bool(closed)  # before our own close() ends the reader too
    connection.close()
    reader.join(10)
    status = int(received[9:12]) if received.startswith(b"HTTP/1.1 ") else None
    return Upload(status, sent, bytes(received), server_closed)


def _pieces(opening: bytes, size: int, closing: bytes) -> Iterator[bytes]:
    yield opening
    zeros = b"\0" * PIECE
    left = size
    while left > 0:
        yield zeros[: min(left, PIECE)]
        left -= PIECE
    yield closing
