"""An integer literal past Python's digit limit for ``str`` (4,300 decimal digits) in a
sink's argument ended ``airlock package vet`` in an internal error, with no verdict, on
70aaa8c: text that cannot be made is text that does not fold."""

from __future__ import annotations

import pytest

from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import init

BIG = "0x" + "f" * 4000  # 4,000 hex digits: about 4,816 decimal digits


@pytest.mark.parametrize(
    "body",
    [
        f"import os\nx = {BIG}\nos.system(x)\n",
        f"import os\nx = {BIG}\nos.system(f'{{x}}')\n",
        f"import os\nos.system([{BIG}])\n",
    ],
)
def test_an_integer_past_the_digit_limit_is_read_as_a_command_that_does_not_fold(
    body: str,
) -> None:
    files: dict[str, str | bytes] = {**init(body)}
    report = vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", files))
    assert "process-call" in {f.rule for f in report.findings}
