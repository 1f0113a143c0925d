"""The [uploads] table of config.toml (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.errors import ConfigError
from airlock.settings import Settings, UploadSettings


def test_defaults_bound_every_upload() -> None:
    uploads = Settings.for_home(Path("/nonexistent")).uploads
    assert uploads == UploadSettings()
    assert uploads.max_package_bytes == 512 * 1024**2
    assert uploads.keep_denied is False


def test_values_are_read_from_the_table() -> None:
    raw = {"uploads": {"max_export_bytes": 1000, "keep_denied": True, "body_idle_seconds": 5}}
    uploads = Settings.from_mapping(Path("/h"), raw, {}).uploads
    assert (uploads.max_export_bytes, uploads.keep_denied, uploads.body_idle_seconds) == (
        1000,
        True,
        5,
    )
    assert uploads.head_timeout_seconds == UploadSettings().head_timeout_seconds


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"max_export_byte": 1}, "unknown config key"),
        ({"keep_denied": "yes"}, "true or false"),
        ({"max_package_bytes": True}, "must be an integer"),
        ({"head_timeout_seconds": 0}, "positive"),
        ({"orphan_min_age_seconds": -1}, "negative"),
    ],
)
def test_bad_values_are_config_errors(table: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Settings.from_mapping(Path("/h"), {"uploads": table}, {})
