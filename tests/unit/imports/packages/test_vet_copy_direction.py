"""A copy command's direction (ADR 0118): weights fetched into ``/models`` are no weights
sent. On ``849ccc2`` each held download here was denied, as if it uploaded them; a deny can
never be approved. The uploads stay denied."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.picked import copied_from
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package


def run(command: str) -> dict[str, str]:
    return init(f"import os\nos.system({command!r})\n")


DENIED = {
    "weights-synced-to-a-bucket": run("aws s3 sync /models/llama s3://b/llama"),
    "weights-copied-to-a-host": run("scp -r /models/llama host:/x"),
    "weights-rsynced-then-more": run("rsync -a /models/ host:/x && echo done"),
}
# A process on import still holds; it is no longer read as sending weights.
HELD = {
    "weights-synced-from-a-bucket": run("aws s3 sync s3://b/llama /models/llama"),
    "weights-copied-from-gcs": run("gsutil -m cp -r gs://b/m /models/m"),
    "weights-rsynced-from-a-host": run("rsync -a host:/srv/x/ /models/x"),
    "weights-fetched-by-rclone": run("rclone copy remote:models /models"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, {}))
def test_copy_direction(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    ("command", "source"),
    [
        ("aws s3 sync s3://b/m /models/m --delete", "s3://b/m"),
        ("scp -r /models/x host:/x", "/models/x"),
        ("rsync -a a/ b/ c/ && rm -rf a", "a/ b/"),
        ("huggingface-cli upload o/r /models/x", "huggingface-cli upload o/r /models/x"),
    ],
)
def test_what_a_copy_command_copies_from(command: str, source: str) -> None:
    assert copied_from(command) == source
