"""What the patient-adversary tests share (ADRs 0067, 0071, 0073): an inert command, and a
wheel of one package vetted for its verdict. Samples are never run or installed: vetting
only reads files."""

from __future__ import annotations

from collections.abc import Mapping

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

RUN = "os.system('id')"


def xored(text: str, key: int) -> list[int]:
    """``text``'s bytes XORed with ``key``, as a cipher hides a payload."""
    return [b ^ key for b in text.encode()]


def vet_wheel(files: Mapping[str, str]) -> Outcome:
    """The verdict on a wheel of package ``evpkg`` holding ``files``."""
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", dict(files))).verdict


def init(text: str) -> dict[str, str]:
    """A package whose ``__init__.py`` is ``text``."""
    return {"evpkg/__init__.py": text}
