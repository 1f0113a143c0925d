"""Headerless GGML Q8_0/Q4_0 pieces of a registered model are named (issue 15), others not."""

from __future__ import annotations

import io

import numpy as np
import pytest

from airlock.domain.requests import Outcome
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport, FindingKind
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.identity.dtypes import quantize_q8_0
from airlock.identity.registration import register_shards
from airlock.identity.st_writer import safetensors_bytes
from tests.support.ggml import QUANTISERS

KEY = b"engine anchor key"
ELEMENTS = 8 * 1024 * 1024
PIECE = 3 * 1024 * 1024  # elements: 1.7 MiB of Q4_0, 3.2 MiB of Q8_0


def _model(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.02, ELEMENTS).astype(np.float16)


def _register(name: str, values: np.ndarray) -> ModelFingerprint:
    checkpoint = safetensors_bytes({"model.layers.0.mlp.weight": values.reshape(-1, 4096)})
    return register_shards(KEY, name, [("", [checkpoint])], sampled=False).model


PROTECTED = _model(1)


@pytest.fixture(scope="module")
def inspector() -> Inspector:
    return Inspector(protected=[_register("frontier-x", PROTECTED)], identity_key=KEY)


def _inspect(inspector: Inspector, data: bytes) -> FileReport:
    return inspector.inspect("blocks.bin", io.BytesIO(data), len(data))


def _named(report: FileReport) -> list[str]:
    return [f.detail for f in report.findings if f.kind is FindingKind.PROTECTED_MODEL]


@pytest.mark.parametrize("name", list(QUANTISERS))
def test_quantised_piece_at_an_odd_offset_is_named(inspector: Inspector, name: str) -> None:
    piece = PROTECTED[1_234_567 : 1_234_567 + PIECE]
    report = _inspect(inspector, QUANTISERS[name](piece))
    assert report.verdict is Outcome.DENY
    named = _named(report)
    assert len(named) == 1, report.findings
    assert "protected model frontier-x" in named[0]
    assert name[:4].upper() + "-quantised" in named[0]


@pytest.mark.parametrize("name", list(QUANTISERS))
def test_fresh_and_unrelated_weights_are_denied_not_named(inspector: Inspector, name: str) -> None:
    fresh = np.random.default_rng(99).normal(0, 0.02, PIECE).astype(np.float16)
    others = [_model(seed)[:PIECE] for seed in range(10, 15)]  # 5 unrelated models
    for values in [fresh, *others]:
        report = _inspect(inspector, QUANTISERS[name](values[:PIECE]))
        assert report.verdict is Outcome.DENY  # GGML blocks, whatever they are of
        assert _named(report) == []


def test_each_model_names_only_itself() -> None:
    models = {f"m{seed}": _model(seed) for seed in range(20, 23)}
    inspector = Inspector(
        protected=[_register(name, values) for name, values in models.items()], identity_key=KEY
    )
    for name, values in models.items():
        named = _named(_inspect(inspector, quantize_q8_0(values[333_333 : 333_333 + PIECE])))
        assert len(named) == 1
        assert f"protected model {name}:" in named[0]


def test_without_the_identity_key_nothing_is_named() -> None:
    inspector = Inspector(protected=[_register("frontier-x", PROTECTED)])
    report = _inspect(inspector, quantize_q8_0(PROTECTED[:PIECE]))
    assert report.verdict is Outcome.DENY
    assert _named(report) == []
