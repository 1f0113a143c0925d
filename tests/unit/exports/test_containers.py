"""Archives: model layouts named by their members, bounds on members and nesting."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import numpy as np
import pytest

from airlock.domain.requests import Outcome
from airlock.exports import FindingKind, InspectionLimits, inspect_stream
from airlock.exports.containers import model_layout
from scripts.make_inspection_corpus import (
    hdf5,
    keras_zip,
    savedmodel_tar,
    savedmodel_zip,
    torch_zip,
    weights,
    zip_of,
)

RNG = np.random.default_rng(9)
SMALL = weights(RNG, 64 * 1024, "float16")


def scan(data: bytes, limits: InspectionLimits | None = None) -> tuple[Outcome, set[str]]:
    report = inspect_stream("x", io.BytesIO(data), limits=limits or InspectionLimits())
    return report.verdict, {f"{f.kind.value}:{f.detail}" for f in report.findings}


@pytest.mark.parametrize(
    ("names", "label"),
    [
        ({"archive/data.pkl", "archive/data/0", "archive/version"}, "PyTorch"),
        ({"m/saved_model.pb", "m/variables/variables.data-00000-of-00001"}, "SavedModel"),
        ({"ckpt/variables.index", "ckpt/variables.data-00000-of-00002"}, "TensorFlow checkpoint"),
        ({"metadata.json", "config.json", "model.weights.h5"}, "Keras"),
        ({"data.csv", "data/readme.txt", "src/data.pkl.py"}, None),
    ],
)
def test_model_layouts_are_named_by_their_members(names: set[str], label: str | None) -> None:
    found = model_layout(names)
    assert (found is None) if label is None else (found is not None and label in found)


@pytest.mark.parametrize(
    "data",
    [torch_zip(SMALL), savedmodel_tar(SMALL), savedmodel_zip(SMALL), keras_zip(hdf5(SMALL))],
    ids=["torch-zip", "savedmodel-tar", "savedmodel-zip", "keras"],
)
def test_model_archives_are_denied_even_with_small_tensors(data: bytes) -> None:
    verdict, found = scan(data)
    assert verdict is Outcome.DENY
    assert any(f.startswith("tensor-format:") for f in found)


def test_too_many_members_hold() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(20):
            archive.writestr(f"f{i}.txt", b"x")
    verdict, found = scan(buffer.getvalue(), InspectionLimits(max_members=10))
    assert verdict is Outcome.HOLD
    assert any(f.startswith("limit-exceeded:") for f in found)


def test_zip_nested_past_the_depth_limit_holds() -> None:
    data = b"hello\n"
    for level in range(6):
        data = zip_of(f"level{level}.zip", data)
    verdict, found = scan(data, InspectionLimits(max_depth=3))
    assert verdict is Outcome.HOLD
    assert any("nested deeper" in f for f in found)


def test_absolute_and_hardlink_tar_members_hold() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("/etc/passwd")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
        link = tarfile.TarInfo("hard")
        link.type = tarfile.LNKTYPE
        link.linkname = "../../secret"
        archive.addfile(link)
    report = inspect_stream("x", io.BytesIO(buffer.getvalue()), limits=InspectionLimits())
    unsafe = [f.member for f in report.findings if f.kind is FindingKind.UNSAFE_NAME]
    assert report.verdict is Outcome.HOLD and sorted(unsafe) == ["/etc/passwd", "hard"]


def test_truncated_tar_holds() -> None:
    data = savedmodel_tar(weights(RNG, 1 << 20, "float32"))
    verdict, found = scan(data[: len(data) // 2])
    assert verdict is not Outcome.ALLOW
    assert found


def test_zip_inside_a_stream_over_the_spool_limit_holds_without_reading_it_all() -> None:
    data = gzip.compress(zip_of("w.bin", RNG.bytes(3 << 20)))
    report = inspect_stream("x", io.BytesIO(data), limits=InspectionLimits(max_spool_bytes=1 << 20))
    assert report.verdict is Outcome.HOLD
    assert [f.kind for f in report.findings] == [FindingKind.LIMIT]
