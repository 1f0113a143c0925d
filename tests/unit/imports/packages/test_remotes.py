"""Where ADR 0110's channels send: a remote file opened for writing, an address's host."""

from __future__ import annotations

from airlock.imports.packages import remotes
from airlock.imports.packages.flowtypes import Event, When


def _event(callee: str, text: str) -> Event:
    return Event("network", callee, 1, When.LATER, text, frozenset())


def test_a_remote_file_is_an_upload_only_when_opened_for_writing_on_another_host() -> None:
    public = lambda host: host.endswith(".invalid")  # noqa: E731 -- a predicate for the test
    assert remotes.opened_for_upload(_event("fsspec.open", "s3://b/m wb"), public)
    assert not remotes.opened_for_upload(_event("fsspec.open", "s3://b/m rb"), public)
    assert not remotes.opened_for_upload(_event("fsspec.open", "/tmp/m wb"), public)
    assert remotes.opened_for_upload(_event("fsspec.open", "sftp://x.invalid/m ab"), public)
    assert not remotes.opened_for_upload(_event("fsspec.open", "sftp://localhost/m wb"), public)
    assert remotes.address_host("ray://203.0.113.5:10001") == "203.0.113.5"
    assert remotes.address_host("dns:///svc.example.com:443") == "svc.example.com"
