"""The per-copy watermark core: marks are found after casts, int8, noise and truncation,
and never in a model that does not carry them."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from airlock.errors import InvalidInput
from airlock.identity.watermark import (
    CHUNK,
    TRACE_CHUNKS,
    Candidate,
    Evidence,
    MarkParams,
    copy_key,
    key_commitment,
    mark_tensor,
    tensor_evidence,
    trace,
)

Model = dict[str, npt.NDArray[np.float32]]
PARAMS = MarkParams()
SECRET = bytes(range(32))


def model(seed: int) -> Model:
    rng = np.random.default_rng(seed)
    return {
        **{
            f"layers.{i}.weight": rng.normal(0, 0.02, (128, 128)).astype(np.float32)
            for i in range(3)
        },
        "norm.weight": np.ones(128, dtype=np.float32),  # one-dimensional: never marked
    }


def copies(n: int = 4) -> list[Candidate]:
    return [
        Candidate(f"copy-{i}", "digest", copy_key(SECRET, "digest", f"copy-{i}")) for i in range(n)
    ]


def marked(base: Model, candidate: Candidate) -> Model:
    return {
        n: mark_tensor(candidate.key, n, v, PARAMS)[0].astype(np.float32) for n, v in base.items()
    }


def named(tensors: Model, candidates: list[Candidate]) -> str | None:
    result = trace(tensors.items(), candidates)
    return result.named.copy if result.named else None


def test_keys_differ_per_copy_and_model_and_commitments_hide_them() -> None:
    a, b = copy_key(SECRET, "digest", "alice"), copy_key(SECRET, "digest", "bob")
    assert a != b != copy_key(SECRET, "other", "alice")
    assert a == copy_key(SECRET, "digest", "alice")
    assert key_commitment(a) != key_commitment(b) and a.hex() not in key_commitment(a)
    with pytest.raises(InvalidInput):
        copy_key(b"short", "digest", "alice")


def test_the_mark_is_small_and_leaves_vectors_alone() -> None:
    base = model(1)
    out = marked(base, copies()[0])
    assert np.array_equal(out["norm.weight"], base["norm.weight"])
    w = base["layers.0.weight"]
    change = np.linalg.norm(out["layers.0.weight"] - w) / np.linalg.norm(w)
    assert 0 < change < 0.02
    assert np.array_equal(out["layers.0.weight"][0, ::16], w[0, ::16])  # the scale sample


@pytest.mark.parametrize(
    "transform",
    [
        lambda v: v,
        lambda v: v.astype(np.float16),
        lambda v: (v.view(np.uint32) & 0xFFFF0000).view(np.float32),  # bf16 (truncating)
        lambda v: np.round(v / (np.abs(v).max() / 127)).astype(np.int8),  # int8, no scale
        lambda v: v + np.random.default_rng(9).normal(0, 1e-3 * v.std(), v.shape),
        lambda v: v * 3.5,
    ],
    ids=["same", "fp16", "bf16", "int8", "noise", "scaled"],
)
def test_the_right_copy_is_named_after_a_transformation(transform: object) -> None:
    candidates = copies()
    leak = {n: transform(v) for n, v in marked(model(2), candidates[2]).items()}  # type: ignore[operator]
    assert named(leak, candidates) == "copy-2"


def test_one_layer_is_enough() -> None:
    candidates = copies()
    leak = marked(model(3), candidates[1])
    assert named({"layers.2.weight": leak["layers.2.weight"]}, candidates) == "copy-1"


def test_unmarked_models_and_other_copies_are_not_named() -> None:
    candidates = copies()
    for seed in range(6):
        assert named(model(10 + seed), candidates) is None
    # a copy marked with a key the ledger does not list is no recorded copy
    stranger = Candidate("stranger", "digest", copy_key(SECRET, "digest", "stranger"))
    assert named(marked(model(4), stranger), candidates) is None


def test_renamed_tensors_lose_the_mark() -> None:
    """The key binds tensor names (documented limit: align names before tracing)."""
    candidates = copies()
    leak = marked(model(5), candidates[0])
    assert named({f"x.{n}": v for n, v in leak.items()}, candidates) is None


def test_null_p_value_is_conservative() -> None:
    assert Evidence(1000, -5.0).log10_p == 0.0
    assert Evidence(0, 0.0).z == 0.0
    # a sum of 2000 scores at +1/2 each is far beyond chance; the bound says so
    strong = Evidence(2000, 1000.0)
    assert strong.log10_p < -50 and math.isclose(strong.z, 1000 / math.sqrt(1000))


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(InvalidInput):
        MarkParams(step=0)
    with pytest.raises(InvalidInput):
        trace([], copies(), alpha=2.0)


def test_a_large_tensor_is_traced_on_a_bounded_sample() -> None:
    w = np.random.default_rng(6).normal(0, 0.02, (TRACE_CHUNKS + 3, CHUNK)).astype(np.float32)
    key = copies(1)[0].key
    leak = mark_tensor(key, "big", w, PARAMS)[0].astype(np.float16)
    sampled = tensor_evidence(key, "big", leak, PARAMS)
    whole = tensor_evidence(key, "big", leak, PARAMS, limit=None)
    assert sampled.elements < whole.elements
    assert sampled.log10_p < -100 and whole.z > sampled.z
