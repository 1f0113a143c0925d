"""Uploads that cannot hurt the gateway before or after a decision (issue 22), over real HTTP."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from airlock.budgets.limits import DEFAULT_SUBJECT, ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.service import Actor
from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner, Gateway, serve_home
from tests.support.uploads import folder_bytes, stream_upload

GIB = 1024**3
MIB = 1024**2


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process's temporary folder (where a framework would spool a body), made ours."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _gateway(cli: CliRunner, uploads: str = "") -> Iterator[Gateway]:
    if uploads:
        with (cli.home / "config.toml").open("a", encoding="utf-8") as config:
            config.write(f"\n[uploads]\n{uploads}\n")
    yield from serve_home(cli)


@pytest.fixture
def desk(initialised_cli: CliRunner, spool: Path) -> Iterator[Gateway]:
    _ = spool
    yield from _gateway(initialised_cli)


def _port(gateway: Gateway) -> int:
    return int(gateway.url.rsplit(":", 1)[1])


def _researcher(gateway: Gateway, name: str = "rita") -> str:
    with gateway.client(gateway.admin_token) as admin:
        answer = admin.post("/principals", json={"name": name, "role": "researcher"})
    token: str = answer.json()["token"]
    return token


def _budget(gateway: Gateway, limit: int) -> None:
    gateway.airlock.set_budget(
        Actor.local_operator(),
        Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, limit, timedelta(days=1)),
    )


def _disk(gateway: Gateway, spool: Path) -> int:
    return folder_bytes(gateway.airlock.settings.home / "outbox") + folder_bytes(spool)


def _settles_to(gateway: Gateway, spool: Path, start: int, within: float = 1.0) -> bool:
    deadline = time.monotonic() + within
    while _disk(gateway, spool) != start:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("path", ["/exports", "/packages"])
def test_unauthenticated_gigabyte_is_refused_before_a_mebibyte(
    desk: Gateway, spool: Path, path: str
) -> None:
    start = _disk(desk, spool)
    upload = stream_upload(_port(desk), path, size=GIB)
    assert upload.status == 401, upload.answer[:300]
    assert upload.sent < MIB
    assert upload.closed
    assert _settles_to(desk, spool, start)


def test_unauthenticated_chunked_body_is_refused_before_a_mebibyte(
    desk: Gateway, spool: Path
) -> None:
    upload = stream_upload(_port(desk), "/exports", size=GIB, chunked=True)
    assert upload.status == 401, upload.answer[:300]
    assert upload.sent < MIB


def test_over_budget_upload_is_refused_before_its_body(desk: Gateway, spool: Path) -> None:
    _budget(desk, 1_000_000)
    token = _researcher(desk)
    start = _disk(desk, spool)
    upload = stream_upload(_port(desk), "/exports", size=2 * GIB, token=token)
    assert upload.status == 403, upload.answer[:300]
    assert b"BudgetExceeded" in upload.answer
    assert upload.sent < MIB
    assert _settles_to(desk, spool, start)


def test_a_default_personal_budget_refuses_an_upload_before_its_body(
    desk: Gateway, spool: Path
) -> None:
    _budget(desk, GIB)  # the enclave would let it through; rita's default ('*') would not
    desk.airlock.set_budget(
        Actor.local_operator(),
        Budget(BudgetScope.PRINCIPAL, DEFAULT_SUBJECT, 1_000_000, timedelta(days=1)),
    )
    token = _researcher(desk)
    start = _disk(desk, spool)
    upload = stream_upload(_port(desk), "/exports", size=64 * MIB, token=token)
    assert upload.status == 403, upload.answer[:300]
    assert b"BudgetExceeded" in upload.answer
    assert upload.sent < MIB
    assert _settles_to(desk, spool, start)


def test_chunked_over_budget_upload_is_cut_while_streaming(desk: Gateway, spool: Path) -> None:
    _budget(desk, 1_000_000)
    token = _researcher(desk)
    start = _disk(desk, spool)
    upload = stream_upload(_port(desk), "/exports", size=GIB, chunked=True, token=token)
    assert upload.status == 403, upload.answer[:300]
    assert upload.sent < 4 * MIB  # the budget plus the framing slack, plus socket buffers
    assert _settles_to(desk, spool, start)


def test_denied_export_leaves_digest_and_findings_but_no_bytes(desk: Gateway) -> None:
    _budget(desk, 64 * MIB)
    token = _researcher(desk)
    model = weights(np.random.default_rng(22), 2 << 20, "bfloat16")
    with desk.client(token) as client:
        answer = client.post(
            "/exports", files={"file": ("w.bin", model)}, data={"purpose": "paper"}
        )
    body = answer.json()
    assert body["outcome"] == "deny", body
    assert body["findings"]
    digest = body["request"]["digest"].removeprefix("sha256:")
    outbox = desk.airlock.settings.home / "outbox"
    assert not (outbox / digest).exists()
    assert folder_bytes(outbox) == 0
    request, decisions = desk.airlock.get_request(Actor.local_operator(), body["request"]["id"])
    assert request.digest == digest
    assert decisions[-1].reasons


@pytest.fixture
def small_packages(initialised_cli: CliRunner, spool: Path) -> Iterator[Gateway]:
    _ = spool
    yield from _gateway(initialised_cli, f"max_package_bytes = {MIB}")


def _admin_packages(gateway: Gateway, spool: Path) -> tuple[int, int]:
    """Rows of package requests, and bytes in the outbox and spool, for 'nothing was kept'."""
    rows = sum(
        1
        for r in gateway.airlock.list_requests(Actor.local_operator())
        if r.kind.value == "package_import"
    )
    return rows, _disk(gateway, spool)


def test_package_over_the_default_limit_is_refused_413_from_its_head(
    desk: Gateway, spool: Path
) -> None:
    before = _admin_packages(desk, spool)
    upload = stream_upload(
        _port(desk), "/packages", size=600 * MIB, token=_researcher(desk), filename="x-1.whl"
    )
    assert upload.status == 413, upload.answer[:300]
    assert upload.sent < MIB
    assert _admin_packages(desk, spool) == before


def test_chunked_package_over_the_limit_is_refused_413_not_cut_short(
    small_packages: Gateway, spool: Path
) -> None:
    gateway = small_packages
    before = _admin_packages(gateway, spool)
    upload = stream_upload(
        _port(gateway),
        "/packages",
        size=3 * MIB,
        chunked=True,
        token=_researcher(gateway),
        filename="x-1.whl",
    )
    assert upload.status == 413, upload.answer[:300]
    assert b"exceeds" in upload.answer
    time.sleep(0.2)  # the spool is closed once the refusal is sent
    assert _admin_packages(gateway, spool) == before


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_large_package_streams_to_the_outbox_with_bounded_memory(
    desk: Gateway, spool: Path
) -> None:
    peak = start = _rss()
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        upload = stream_upload(
            _port(desk),
            "/packages",
            size=96 * MIB,
            token=_researcher(desk),
            filename="x-1.whl",
            give_up=GIB,
        )
    finally:
        done.set()
        watcher.join()
    assert upload.status == 201, upload.answer[:300]
    assert peak - start < 32 * MIB  # the whole file would be 96 MiB (twice, when it was cut)
    assert folder_bytes(desk.airlock.settings.home / "outbox") == 96 * MIB


def _watch_disk(gateway: Gateway, spool: Path) -> tuple[threading.Event, list[int]]:
    """Samples the bytes in the outbox and the spool until the event is set; [spool, all]."""
    stop, peaks = threading.Event(), [0, 0]

    def watch() -> None:
        while not stop.is_set():
            peaks[0] = max(peaks[0], folder_bytes(spool))
            peaks[1] = max(peaks[1], _disk(gateway, spool))
            time.sleep(0.005)

    threading.Thread(target=watch, daemon=True).start()
    return stop, peaks


def test_an_accepted_upload_streams_into_the_outbox_once(desk: Gateway, spool: Path) -> None:
    _budget(desk, 256 * MIB)
    token = _researcher(desk)
    stop, peaks = _watch_disk(desk, spool)
    try:
        upload = stream_upload(
            _port(desk),
            "/exports",
            size=48 * MIB,
            token=token,
            fields={"purpose": "paper"},
            give_up=GIB,
        )
    finally:
        stop.set()
    assert upload.status == 201, upload.answer[:300]
    assert peaks[0] == 0  # nothing spooled outside the outbox
    assert peaks[1] <= 49 * MIB  # one copy (a spool and the outbox made it two)
    assert b'"purpose":"paper"' in upload.answer


def _post_raw(gateway: Gateway, token: str, body: bytes, *, hang_up: bool = False) -> bytes:
    import socket  # noqa: PLC0415

    head = (
        "POST /exports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: multipart/form-data; boundary=B\r\n"
        f"Content-Length: {len(body) + (10 * MIB if hang_up else 0)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", _port(gateway)), timeout=10) as connection:
        connection.sendall(head + body)
        if hang_up:
            return b""
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and b"}" in answer:
                break
        return answer


FILE_PART = b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (FILE_PART + b"x,y\n1,2\n\r\n--B--\r\n", b"purpose"),
        (FILE_PART + b"x,y\n1,2\n" * 100_000, b"closing boundary"),
        (
            b'--B\r\nContent-Disposition: form-data; name="purpose"\r\n\r\np\r\n--B--\r\n',
            b"no file",
        ),
    ],
)
def test_a_bad_form_is_400_and_leaves_nothing(
    desk: Gateway, spool: Path, body: bytes, problem: bytes
) -> None:
    _budget(desk, 64 * MIB)
    token = _researcher(desk)
    start = _disk(desk, spool)
    answer = _post_raw(desk, token, body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert problem in answer
    assert _settles_to(desk, spool, start)
    assert not list((desk.airlock.settings.home / "outbox").glob(".incoming-*"))


def test_an_abandoned_upload_leaves_nothing_in_the_outbox(desk: Gateway, spool: Path) -> None:
    _budget(desk, 64 * MIB)
    token = _researcher(desk)
    start = _disk(desk, spool)
    _post_raw(desk, token, FILE_PART + b"\0" * (4 * MIB), hang_up=True)
    time.sleep(1.0)  # the gateway reads what was sent, then meets the hang-up
    assert _disk(desk, spool) == start
    assert not list((desk.airlock.settings.home / "outbox").glob(".incoming-*"))


@pytest.mark.parametrize(("path", "chunked"), [("/exports/", False), ("/nowhere", True)])
def test_a_body_the_app_never_reads_is_not_drained(
    desk: Gateway, spool: Path, path: str, chunked: bool
) -> None:
    upload = stream_upload(_port(desk), path, size=GIB, chunked=chunked)
    assert upload.status is not None, upload.answer[:300]
    assert upload.sent < MIB
    assert upload.closed  # not kept open to read and drop what the client sends next
