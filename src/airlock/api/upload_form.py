"""Read a multipart upload as it streams, its one file going straight into the outbox.

FastAPI's ``UploadFile`` spools a file part to the system's temporary folder (often a
RAM-backed tmpfs) and the outbox then copies it: an accepted upload cost twice its size,
and the spool lived outside every airlock bound (issue 22). Here the file part is written,
counted and hashed as the body arrives, under a private name in the outbox (a
:class:`~airlock.store.outbox.Staging`); text fields are kept in memory within their
bounds. Memory stays within one buffered megabyte plus a socket read.

Not a general form parser: one file part, named text fields with a bound each; any other
field is ignored after a bound on its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from airlock.api.blocking import run_blocking
from airlock.errors import InvalidInput
from airlock.store.outbox import Outbox, Staged, Staging

WRITE_PIECE = 1024 * 1024  # file bytes buffered before one write on the blocking pool
MAX_OTHER_FIELD_CHARS = 64 * 1024
MAX_FIELDS = 16


@dataclass(frozen=True, slots=True)
class UploadForm:
    staged: Staged  # the caller commits or drops it
    filename: str
    fields: Mapping[str, str]


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _Collector:
    """python-multipart's callbacks: text fields into memory, file bytes into ``pending``."""

    def __init__(self, text_fields: Mapping[str, int]) -> None:
        self.text_fields = text_fields
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.pending = bytearray()
        self.parts = 0
        self.ended = False  # the closing boundary was read
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_piece,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _end(self) -> None:
        self.ended = True

    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_FIELDS:
            raise InvalidInput(f"the form has more than {MAX_FIELDS} parts")
        self._part = _Part()
        self._disposition = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_piece(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        if len(self._header_value) > MAX_OTHER_FIELD_CHARS:
            raise InvalidInput("a form part's header is too long")

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        self._part.name = _text(options.get(b"name", b""))
        if b"filename" in options:
            if self.filename is not None:
                raise InvalidInput("send one file per upload")
            self._part.filename = self.filename = _text(options[b"filename"])

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.filename is not None:
            self.pending += data[start:end]
            return
        self._part.data += data[start:end]
        bound = self.text_fields.get(self._part.name, MAX_OTHER_FIELD_CHARS)
        if len(self._part.data) > 4 * bound:  # UTF-8: at most four bytes a character
            raise InvalidInput(f"form field {self._part.name!r} is longer than {bound} characters")

    def _part_end(self) -> None:
        part = self._part
        if part.filename is not None or part.name not in self.text_fields:
            return
        value = _text(bytes(part.data))
        if len(value) > self.text_fields[part.name]:
            raise InvalidInput(
                f"form field {part.name!r} is longer than {self.text_fields[part.name]} characters"
            )
        self.fields[part.name] = value


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput("form fields must be UTF-8 text") from e


async def read_upload_form(
    request: Request, outbox: Outbox, *, max_file_bytes: int, text_fields: Mapping[str, int]
) -> UploadForm:
    """The form of ``request``, its file staged in ``outbox``.

    Raises: InvalidInput (not multipart, malformed, no file, a field too long, a file over
    ``max_file_bytes``), StoreError. On any failure, or a client that goes away, nothing
    is left in the outbox.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput("send the upload as multipart/form-data with a file part")
    collector = _Collector(text_fields)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    # Begun once a megabyte of file is buffered: a small file (most exports) is staged in
    # one hop to the blocking pool at the end, not three.
    staging: list[Staging] = []
    try:
        async for chunk in request.stream():
            _feed(parser, chunk)
            if len(collector.pending) >= WRITE_PIECE:
                if not staging:
                    staging.append(
                        await run_blocking(request, lambda: outbox.begin(max_file_bytes))
                    )
                await _write(request, staging[0], collector)
        parser.finalize()
        filename = _complete(collector)
        rest, collector.pending = bytes(collector.pending), bytearray()
        staged = await run_blocking(request, lambda: _finish(outbox, staging, rest, max_file_bytes))
    except BaseException:
        for started in staging:
            started.abort()
        raise
    return UploadForm(staged, filename, dict(collector.fields))


def _complete(collector: _Collector) -> str:
    if not collector.ended:
        raise InvalidInput("the multipart body ended before its closing boundary")
    if collector.filename is None:
        raise InvalidInput("the form has no file part: send the artifact as 'file'")
    return collector.filename


def _finish(outbox: Outbox, staging: list[Staging], rest: bytes, max_bytes: int) -> Staged:
    if not staging:
        staging.append(outbox.begin(max_bytes))
    staging[0].write(rest)
    return staging[0].finish()


def multipart_form(
    file_description: str, fields: Mapping[str, tuple[str, int, bool]]
) -> dict[str, object]:
    """The OpenAPI request body of a route that reads its form with :func:`read_upload_form`
    (FastAPI cannot describe it from parameters it no longer has): the file part ``file``
    and text ``fields`` as name -> (description, maximum length, required)."""
    properties: dict[str, object] = {
        "file": {"type": "string", "format": "binary", "description": file_description}
    }
    for name, (description, longest, _required) in fields.items():
        properties[name] = {"type": "string", "maxLength": longest, "description": description}
    required = ["file", *[n for n, (_d, _m, needed) in fields.items() if needed]]
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def _feed(parser: MultipartParser, chunk: bytes) -> None:
    try:
        parser.write(chunk)
    except MultipartParseError as e:
        raise InvalidInput(f"the multipart body is malformed: {e}") from e


async def _write(request: Request, staging: Staging, collector: _Collector) -> None:
    piece, collector.pending = bytes(collector.pending), bytearray()
    if piece:
        await run_blocking(request, lambda: staging.write(piece))
