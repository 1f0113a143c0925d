"""The streaming form reader: fields in any order, bounds, and nothing left on failure."""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import ClientDisconnect, Request

from airlock.api import upload_form
from airlock.api.upload_form import UploadForm, read_upload_form
from airlock.errors import InvalidInput
from airlock.store.outbox import FileOutbox

POOL = ThreadPoolExecutor(max_workers=2)
FIELDS = {"purpose": 20, "project": 8}


def _read(
    outbox: FileOutbox, body: bytes, *, piece: int = 7, disconnect: bool = False
) -> UploadForm:
    pieces = [body[i : i + piece] for i in range(0, len(body), piece)] or [b""]

    async def receive() -> dict[str, Any]:
        if pieces:
            chunk = pieces.pop(0)
            if disconnect and not pieces:
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": chunk, "more_body": bool(pieces)}
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/exports",
        "headers": [(b"content-type", b"multipart/form-data; boundary=B")],
        "app": SimpleNamespace(state=SimpleNamespace(blocking=POOL)),
    }
    request = Request(scope, receive)
    return asyncio.run(read_upload_form(request, outbox, max_file_bytes=64, text_fields=FIELDS))


def _part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--B\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def test_a_file_before_its_fields_is_read_whole(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    body = _part("file", b"x,y\n1,2\n", "a.csv") + _part("purpose", "naïve".encode()) + b"--B--\r\n"
    form = _read(outbox, body)
    assert form.filename == "a.csv"
    assert form.fields == {"purpose": "naïve"}
    assert form.staged.path.read_bytes() == b"x,y\n1,2\n"
    assert form.staged.size == 8


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_part("file", b"a" * 65, "a.bin") + b"--B--\r\n", "exceeds 64 bytes"),
        (_part("purpose", b"p" * 21) + _part("file", b"a", "a") + b"--B--\r\n", "longer than 20"),
        (_part("file", b"a", "a") + _part("file", b"b", "b") + b"--B--\r\n", "one file"),
        (_part("file", b"a", "a"), "closing boundary"),
        (_part("purpose", b"p") + b"--B--\r\n", "no file part"),
        (_part("purpose", b"\xff") + b"--B--\r\n", "UTF-8"),
    ],
)
def test_bad_forms_are_refused_and_leave_nothing(tmp_path: Path, body: bytes, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        _read(FileOutbox(tmp_path), body)
    assert list(tmp_path.iterdir()) == []


def test_a_client_that_goes_away_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_form, "WRITE_PIECE", 16)  # staged before the client leaves
    body = _part("file", b"a" * 60, "a.bin") + b"--B--\r\n"
    with pytest.raises(ClientDisconnect):
        _read(FileOutbox(tmp_path), body, disconnect=True)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300), piece=st.integers(1, 64))
def test_any_body_is_a_form_or_invalid_input(
    tmp_path_factory: Any, body: bytes, piece: int
) -> None:
    folder = tmp_path_factory.mktemp("outbox")
    outbox = FileOutbox(folder)
    try:
        form = _read(outbox, body, piece=piece)
    except InvalidInput:
        assert list(folder.iterdir()) == []
    else:
        assert form.staged.path.exists()


VALID = _part("purpose", b"paper") + _part("file", b"x,y\n1,2\n", "a.csv") + b"--B--\r\n"


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.binary(max_size=3)), max_size=4),
    piece=st.integers(1, 32),
)
def test_a_mutated_form_is_a_form_or_invalid_input(
    tmp_path_factory: Any, edits: list[tuple[int, bytes]], piece: int
) -> None:
    body = bytearray(VALID)
    for at, replacement in edits:
        body[at : at + len(replacement) or at + 1] = replacement
    folder = tmp_path_factory.mktemp("outbox")
    try:
        form = _read(FileOutbox(folder), bytes(body), piece=piece)
    except InvalidInput:
        assert list(folder.iterdir()) == []
    else:
        stored = form.staged.path.read_bytes()
        assert hashlib.sha256(stored).hexdigest() == form.staged.digest
        assert len(stored) == form.staged.size <= 64
