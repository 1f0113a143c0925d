"""Numeric columns judged by the information they carry (issue 15): MLflow timestamps and
per-example margins pass, weights hidden as integers, timestamp steps or margins do not."""

from __future__ import annotations

import io
import sqlite3
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.exports import FindingKind, InspectionLimits, inspect_stream
from airlock.exports.arrays import judge_array, narrowed, plane_bits
from airlock.exports.findings import FileReport
from tests.support import research_files as r
from tests.support.legs import FORMATS, skip_leg

T0 = 1_700_000_000_000  # a millisecond timestamp


def scan(data: bytes, name: str = "x") -> FileReport:
    return inspect_stream(name, io.BytesIO(data), limits=InspectionLimits(), size=len(data))


def need_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401, PLC0415
    except ImportError as e:
        skip_leg(FORMATS, f"pyarrow is not installed ({e})")


def mlflow(timestamps: npt.NDArray[np.int64], steps: npt.NDArray[np.int64]) -> bytes:
    """An MLflow-shaped metrics table with the given timestamp and step columns."""

    def build(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE metrics (key TEXT, value FLOAT, timestamp INTEGER, step INTEGER)")
        curve = r.loss_curve(len(timestamps))
        c.executemany(
            "INSERT INTO metrics VALUES ('loss', ?, ?, ?)",
            [(float(v), int(t), int(s)) for v, t, s in zip(curve, timestamps, steps, strict=True)],
        )

    return r.sqlite_db(build)


def runs_of_timestamps(runs: int = 12, steps: int = 2000) -> npt.NDArray[np.int64]:
    """Each run's metric steps a second apart, runs one after another (MLflow's shape)."""
    return np.concatenate([T0 + run + np.arange(steps) * 1000 for run in range(runs)])


def fp32_bits(count: int) -> npt.NDArray[Any]:
    return r.weights(count, "float32").view(np.uint32)


# --- the information of an integer column ------------------------------------------------


def test_plane_bits_measures_what_a_column_carries() -> None:
    assert plane_bits(np.full(10_000, T0, dtype=np.int64)) == 0.0
    labels = np.random.default_rng(1).integers(0, 4, 100_000)
    assert 1.9 <= plane_bits(labels) <= 2.0
    assert plane_bits(fp32_bits(100_000).astype(np.int64)) >= 24.0


def test_narrowed_returns_weights_as_their_own_bytes() -> None:
    bits = fp32_bits(10_000)
    assert narrowed(bits.astype(np.int64)).tobytes() == bits.tobytes()
    as_signed = bits.view(np.int32).astype(np.int64)
    assert narrowed(as_signed).tobytes() == bits.tobytes()
    assert narrowed(np.array([0, 3], dtype=np.int64)).dtype == np.uint8


def test_millisecond_timestamps_carry_almost_nothing() -> None:
    judged = judge_array(runs_of_timestamps())
    assert judged.explained and not judged.tensorish, judged
    assert judged.size < 4096


def test_a_timestamp_column_of_mlflow_runs_is_allowed() -> None:
    stamps = runs_of_timestamps()
    report = scan(mlflow(stamps, np.arange(stamps.size) % 2000), "mlflow.db")
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert report.unexplained_bytes == 0


# --- attackers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        pytest.param(lambda: fp32_bits(400_000).astype(np.int64), id="fp32-bits-in-int64"),
        pytest.param(
            lambda: fp32_bits(400_000).view(np.int32).astype(np.int64), id="signed-fp32-bits"
        ),
        pytest.param(
            lambda: r.weights(800_000).view(np.uint16).astype(np.int64), id="fp16-bits-in-int64"
        ),
    ],
)
def test_weights_as_integer_bit_patterns_are_denied(column: Any) -> None:
    values = column()
    judged = judge_array(values)
    assert judged.tensorish, judged
    assert judged.size >= 1_000_000  # their information, about the weights' own size
    report = scan(mlflow(values, np.arange(values.size)), "mlflow.db")
    assert report.verdict is Outcome.DENY, report.to_json()
    assert any("column 'timestamp'" in f.member for f in report.findings)


def test_weights_in_the_steps_of_a_monotonic_timestamp_column_are_denied() -> None:
    """Timestamps that never go back, each step one float16 weight's bit pattern."""
    stamps = T0 + np.cumsum(r.weights(700_000).view(np.uint16).astype(np.int64))
    assert (np.diff(stamps) >= 0).all()
    judged = judge_array(stamps)
    assert judged.tensorish and "steps are weight-like" in judged.what, judged
    report = scan(mlflow(stamps, np.arange(stamps.size)), "mlflow.db")
    assert report.verdict is Outcome.DENY, report.to_json()


def test_weights_in_offset_timestamp_steps_are_counted_by_their_information() -> None:
    """Steps of 1000 ms plus a weight's bits: whatever shape is left, 13 bits a step count."""
    steps = 1000 + r.weights(700_000).view(np.uint16).astype(np.int64)
    judged = judge_array(T0 + np.cumsum(steps))
    assert not judged.explained and judged.size >= 1_000_000, judged
    report = scan(mlflow(T0 + np.cumsum(steps), np.arange(steps.size)), "mlflow.db")
    assert report.verdict in (Outcome.HOLD, Outcome.DENY), report.to_json()


def test_dense_integers_of_no_weight_shape_are_counted() -> None:
    """Steps of 1000 plus 12 random bits: monotonic, not weight-like, 1.5 bytes a value."""
    noise = np.random.default_rng(3).integers(0, 1 << 12, 400_000)
    judged = judge_array(T0 + np.cumsum(1000 + noise))
    assert not judged.explained and not judged.tensorish, judged
    assert 500_000 <= judged.size <= 700_000
    assert scan(mlflow(T0 + np.cumsum(1000 + noise), np.arange(400_000))).verdict is Outcome.HOLD


# --- float columns: margins against weights ------------------------------------------------


def margins(rows: int, seed: int = 7) -> npt.NDArray[np.float64]:
    return np.random.default_rng(seed).normal(0.4, 1.5, rows)


def test_a_margin_column_is_counted_but_allowed_under_the_values_allowance() -> None:
    """Per-example signed margins (37 500 float64, 300 KB) look like weights and are; they
    count towards the 512 KiB allowance for weight-like values (ADR 0003)."""
    need_pyarrow()
    report = scan(r.parquet({"margin": margins(37_500), "id": np.arange(37_500)}), "eval.parquet")
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert report.unexplained_bytes == 300_000
    kinds = {f.kind for f in report.findings}
    assert FindingKind.WEIGHT_LIKE_VALUES in kinds


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weights_as_a_margin_column_hold_past_the_allowance_and_deny_past_a_mib(
    dtype: str,
) -> None:
    need_pyarrow()
    small = r.weights(600_000 // np.dtype(dtype).itemsize, dtype)
    held = scan(r.parquet({"margin": small}), "eval.parquet")
    assert held.verdict is Outcome.HOLD, held.to_json()
    large = r.weights(1_100_000 // np.dtype(dtype).itemsize, dtype)
    assert scan(r.parquet({"margin": large}), "eval.parquet").verdict is Outcome.DENY


def test_a_margin_column_beside_a_raw_tensor_piece_holds_at_the_stricter_threshold() -> None:
    """The allowance is for values only: 80 KB of weight bytes in a byte column still hold."""
    need_pyarrow()
    blob = np.frombuffer(r.weights(40_000).tobytes(), np.uint8)
    alone = scan(r.parquet({"margin": margins(80_000).astype(np.float32)}))
    assert alone.verdict is Outcome.ALLOW and alone.unexplained_bytes == 320_000
    report = scan(r.parquet({"margin": margins(80_000).astype(np.float32), "blob": blob}))
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert "column 'blob'" in next(
        f.detail for f in report.findings if f.kind is FindingKind.ACCOUNT
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), min_size=1, max_size=50))
def test_narrowing_keeps_every_value(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    narrow = narrowed(array)
    assert (narrow.astype(np.int64) == array).all()
    assert narrow.dtype.itemsize <= 8
    assert 0.0 <= plane_bits(array) <= 64.0
