"""Research outputs judged by what they are, and the information account (issue 15).

Every file here is made by the real library that researchers use (matplotlib, Pillow,
pyarrow, h5py, nbformat, sqlite3) or copied from this machine (an ELF executable).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import json as json_module
import marshal
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.exports import FindingKind, InspectionLimits, inspect_stream, report_to_json
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport
from airlock.exports.formats import Format, sniff
from airlock.exports.gitpack import BadPack, pack_contents
from airlock.exports.tfevents import BadEvents, EventScan
from tests.support import research_files as r
from tests.support.legs import FORMATS, skip_leg


def need(*modules: str) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as e:
            skip_leg(FORMATS, f"{module} is not installed ({e})")


def scan(data: bytes, name: str = "x") -> FileReport:
    return inspect_stream(name, io.BytesIO(data), limits=InspectionLimits(), size=len(data))


def wheel_with_native_code() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/__init__.py", "from pkg._speed import run\n")
        archive.writestr("pkg/_speed.cpython-311-x86_64-linux-gnu.so", r.native_code())
        archive.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1.0\n")
    return out.getvalue()


BENIGN: dict[str, tuple[tuple[str, ...], Callable[[], bytes]]] = {
    "matplotlib-png": (("matplotlib",), r.plot_png),
    "picture-png": (("PIL",), lambda: r._png(r.cover_image(1024))),
    "loss-parquet": (("pyarrow",), r.parquet_loss_curve),
    "loss-feather": (("pyarrow",), lambda: r.feather({"loss": r.loss_curve()})),
    "image-dataset-parquet": (("pyarrow", "PIL"), r.parquet_image_dataset),
    "metrics-h5": (("h5py",), r.hdf5_metrics),
    "notebook-with-plot": (("nbformat", "matplotlib"), r.notebook_with_plot),
    "mlflow-sqlite": ((), r.sqlite_metrics),
    "html-with-photo": (("PIL",), lambda: r.html_report(r.photo_png())),
    "notebook-with-photo": (("PIL", "nbformat"), lambda: r.notebook([r.photo_png()])),
    "matplotlib-pdf-with-picture": (("matplotlib",), r.plot_pdf_with_picture),
    "tensorboard-run": (("tensorboardX", "PIL"), r.tensorboard_training_run),
    "elf-executable": ((), r.native_code),
    "wheel-with-so": ((), wheel_with_native_code),
    "git-bundle-of-code": ((), r.git_bundle_of_code),
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_research_outputs_are_allowed_and_explained(name: str) -> None:
    modules, make = BENIGN[name]
    need(*modules)
    report = scan(make(), name)
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert report.unexplained_bytes < InspectionLimits().max_unexplained_bytes


# name -> (modules, maker, where the finding points, words in its detail)
PAYLOADS: dict[str, tuple[tuple[str, ...], Callable[[], bytes], str, str]] = {
    "float16-as-grey16-png": (("PIL",), r.float16_as_grey16_png, "#pixels", "float16"),
    "float32-as-rgba-png": (("PIL",), r.float32_as_rgba_png, "#pixels", "float32"),
    "float16-in-2x2-blocks-png": (
        ("PIL",),
        lambda: r.float16_as_grey16_png(725, repeat=2),
        "#pixels",
        "one value per 2x2 block",
    ),
    "html-with-weights-as-pixels": (
        ("PIL",),
        lambda: r.html_report(r.float32_as_rgba_png()),
        "~base64#pixels",
        "float32",
    ),
    "weights-in-low-bits-png": (("PIL",), r.weights_in_low_bits_png, "#low-bits", "low 2 bit"),
    "float16-parquet-column": (("pyarrow",), r.parquet_weights, "column 'w'", "weight-like"),
    "float32-feather-column": (
        ("pyarrow",),
        lambda: r.feather({"w": r.weights(300_000, "float32")}),
        "column 'w'",
        "weight-like",
    ),
    "zip-of-small-shards": ((), r.zip_of_small_weight_files, "", "8 tensor-like pieces"),
    # 31 values of 64 KiB each, every one small: the account adds them up and names them.
    "base64-in-parquet-text": (
        ("pyarrow",),
        r.parquet_text_of_weights,
        "",
        "31 tensor-like pieces add up to 2000000 bytes (largest: column 'note'~base64",
    ),
    "float16-h5-dataset": (("h5py",), r.hdf5_weights, "model/layer0/kernel", "weight-like"),
    "sqlite-weight-blobs": ((), r.sqlite_weight_blobs, "column 'blob'", "weight-like"),
    "elf-with-float16-data": (
        (),
        lambda: r.native_code() + r.weights(1_000_000).tobytes(),
        "",
        "float16",
    ),
    "git-bundle-with-weights": ((), r.git_bundle_with_weights, "-blob", "raw tensor"),
    "pdf-image-stream-of-weights": ((), r.pdf_image_stream_of_weights, "#image-font", "float16"),
    "tensorboard-image-of-weights": (
        ("tensorboardX", "PIL"),
        r.tensorboard_image_of_weights,
        "record2:attn#pixels",
        "float32",
    ),
    "tensorboard-histogram-of-weights": (
        ("tensorboardX",),
        r.tensorboard_histogram_of_weights,
        "record2:w",
        "weight-like",
    ),
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_weights_inside_research_formats_are_denied_and_located(name: str) -> None:
    modules, make, where, words = PAYLOADS[name]
    need(*modules)
    data = make()
    report = scan(data, name)
    assert report.verdict is Outcome.DENY, report.to_json()
    denying = [f for f in report.findings if f.verdict is Outcome.DENY]
    assert any(where in f.member and words in f.detail for f in denying), report.to_json()
    assert report.unexplained_bytes >= InspectionLimits().weight_threshold_bytes
    assert report.unexplained_bytes <= 4 * len(data)


def test_many_small_outputs_add_up_to_a_denial() -> None:
    """A notebook whose eight image/png outputs are 192 KiB of weights each: every one is
    under the 1 MiB threshold, together they are 1.5 MiB of weights."""
    need("nbformat")
    report = scan(r.notebook_of_weights(), "weights.ipynb")
    assert report.verdict is Outcome.DENY, report.to_json()
    account = [f for f in report.findings if f.kind is FindingKind.ACCOUNT]
    assert len(account) == 1 and account[0].verdict is Outcome.DENY
    assert "8 tensor-like pieces" in account[0].detail
    assert report.unexplained_bytes == 8 * 192 * 1024
    # Two such outputs are only held (each piece holds alone); the account adds nothing.
    two = scan(r.notebook_of_weights(pieces=2), "two.ipynb")
    assert two.verdict is Outcome.HOLD
    assert not any(f.kind is FindingKind.ACCOUNT for f in two.findings)


def test_small_weight_like_columns_add_up_to_a_hold() -> None:
    """One 60 KB weight-like column (per-example margins, say) is allowed and counted, and
    so are two; five of 120 KB (600 KB, past the 512 KiB allowance for weight-like values)
    hold; six of 200 KB (1.2 MB) deny."""
    need("pyarrow")
    one = scan(r.parquet({"margin": r.weights(30_000)}))
    assert one.verdict is Outcome.ALLOW and one.unexplained_bytes == 60_000
    two = scan(r.parquet({f"c{i}": r.weights(30_000, seed=i) for i in range(2)}))
    assert two.verdict is Outcome.ALLOW and two.unexplained_bytes == 120_000
    five = scan(r.parquet({f"c{i}": r.weights(60_000, seed=i) for i in range(5)}))
    assert five.verdict is Outcome.HOLD, five.to_json()
    six = scan(r.parquet({f"c{i}": r.weights(100_000, seed=i) for i in range(6)}))
    assert six.verdict is Outcome.DENY, six.to_json()
    assert "6 tensor-like pieces" in next(
        f.detail for f in six.findings if f.kind is FindingKind.ACCOUNT
    )


def test_the_account_is_in_the_json_report() -> None:
    need("pyarrow")
    shape = report_to_json([scan(r.parquet_weights(), "w.parquet")])
    files = shape["files"]
    assert isinstance(files, list) and files[0]["unexplained_bytes"] == 2_000_000


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("parquet", b"PAR1" + b"\x00" * 5000 + b"PAR1"),
        ("sqlite", b"SQLite format 3\x00" + b"\xff" * 5000),
        ("png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x07" * 4000),
    ],
)
def test_files_that_do_not_parse_hold_with_a_reason(name: str, data: bytes) -> None:
    need("PIL")
    report = scan(data, name)
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert any(f.kind is FindingKind.MALFORMED for f in report.findings)


@pytest.mark.parametrize(
    ("module", "blocked", "make"),
    [("h5py", "h5py", r.hdf5_metrics), ("PIL", "PIL", r.plot_png)],
    ids=["h5py", "pillow"],
)
def test_a_missing_library_holds_and_says_which_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, blocked: str, make: Callable[[], bytes]
) -> None:
    need(module, "matplotlib")
    data = make()
    monkeypatch.setitem(sys.modules, blocked, None)  # importing it now raises ImportError
    report = scan(data, "m")
    assert report.verdict is Outcome.HOLD
    assert any("airlock[formats]" in f.detail for f in report.findings), report.to_json()


def test_verdicts_are_the_same_every_run() -> None:
    need("pyarrow", "PIL")
    for make in (r.parquet_weights, r.weights_in_low_bits_png, r.sqlite_metrics):
        data = make()
        first = scan(data).to_json()
        assert all(scan(data).to_json() == first for _ in range(3))


def test_a_truncated_tensorboard_file_holds() -> None:
    need("tensorboardX", "PIL")
    data = r.tensorboard_training_run()
    report = scan(data[: len(data) // 2], "events.out.tfevents.1")
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert any("ends inside a record" in f.detail for f in report.findings)


def test_a_corrupt_git_pack_holds() -> None:
    data = bytearray(r.git_bundle_of_code())
    start = data.find(b"PACK")
    data[start + 40 : start + 48] = b"\xff" * 8  # inside the first object's zlib stream
    report = scan(bytes(data), "repo.bundle")
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert any(f.detail.startswith("git pack:") for f in report.findings)


@functools.cache
def _parser_seeds() -> dict[str, bytes]:
    def write(w: Any) -> None:
        for step in range(5):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_histogram("w", r.weights(64, "float64"), 0)
        w.add_text("notes", "x" * 5000)

    return {"events": r.tensorboard_events(write), "bundle": r.git_bundle({"a.py": b"x = 1\n"})}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["events", "bundle"]),
    edits=st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 100_000),
)
def test_mutated_events_and_packs_raise_only_their_own_errors(
    kind: str, edits: list[tuple[int, int]], cut: int
) -> None:
    need("tensorboardX")
    data = bytearray(_parser_seeds()[kind])
    for position, value in edits:
        data[position % len(data)] = value
    mutated = bytes(data[: max(1, cut % (len(data) + 1))])
    if kind == "events":
        scan_ = EventScan("e", lambda _w, _v: None, lambda _w, _b: None)
        with contextlib.suppress(BadEvents):
            scan_.feed(mutated)
            scan_.finish()
    else:
        with contextlib.suppress(BadPack):
            for _ in pack_contents(mutated, lambda _n: None):
                pass


def test_python_bytecode_is_a_recognised_format_and_weights_inside_still_count() -> None:
    # A real .pyc of a stdlib module, compiled by this interpreter.
    source = Path(json_module.__file__).read_text()
    code = compile(source, "json/__init__.py", "exec")
    pyc = importlib.util.MAGIC_NUMBER + b"\0" * 12 + marshal.dumps(code)
    assert sniff(pyc[:4096]) is Format.BYTECODE
    report = Inspector().inspect("__init__.cpython-311.pyc", io.BytesIO(pyc), len(pyc))
    assert report.verdict is Outcome.ALLOW, report.findings
    # The header does not vouch for what follows it: weights behind it are still weights.
    weights = np.random.default_rng(3).normal(0, 0.02, 600_000).astype(np.float16).tobytes()
    smuggled = pyc + weights
    judged = Inspector().inspect("x.pyc", io.BytesIO(smuggled), len(smuggled))
    assert judged.verdict is not Outcome.ALLOW, judged.findings
