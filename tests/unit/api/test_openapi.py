"""The responses= helper documents only statuses the error table really sends."""

from __future__ import annotations

import pytest

from airlock.api.openapi import binary, errors
from airlock.api.schemas import ErrorResponse


def test_statuses_are_described_by_the_errors_that_answer_them() -> None:
    documented = errors(403, 404)
    assert sorted(documented) == [403, 404, 503]  # 503: every route reads the store
    assert all(r["model"] is ErrorResponse for r in documented.values())
    assert documented[404]["description"] == "error: NotFound"
    assert "PolicyViolation" in documented[403]["description"]
    assert "PermissionDenied" in documented[403]["description"]
    assert "StoreError" in documented[503]["description"]


def test_a_status_no_error_sends_cannot_be_documented() -> None:
    with pytest.raises(ValueError, match="418"):
        errors(418)


def test_binary_answers_are_octet_streams() -> None:
    assert set(binary("bytes")[200]["content"]) == {"application/octet-stream"}
