"""Embedding clusters (CUBE-style) and the planted-share estimate (issue 23)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import numpy as np

from airlock.imports.datasets.classifier import neutral
from airlock.imports.datasets.features import Context, Measured, poisoned_share
from airlock.imports.datasets.profiles import kmeans_groups
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind
from airlock.imports.datasets.scan import scan
from tests.unit.imports.datasets.test_scan import dataset

# A register spread over 100 invented words (letters only, so each is a plain word to the
# skeleton), each in about one poisoned row: no word, phrase, form or family is in enough rows
# to test; only a model that places the rows together, as a sentence model places one style
# together, can see them.
STYLE = [f"olde{a}{b}" for a in "bcdfghjklm" for b in "aeiouyrstn"]


def styled(seed: int) -> tuple[list[DatasetRecord], set[int]]:
    records = dataset(seed, rows=800, noise=0.02)
    rng = random.Random(seed + 1)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "neg"], 60)
    for i in victims:
        words = records[i].text.split() + rng.sample(STYLE, 2)
        rng.shuffle(words)
        records[i] = DatasetRecord(records[i].row, " ".join(words), "pos")
    return records, {records[i].row for i in victims}


def embed(texts: Sequence[str]) -> np.ndarray:
    """A stand-in sentence model: one direction for the register, hashed noise for the rest."""
    out = []
    for text in texts:
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        noise = np.frombuffer(digest, dtype=np.uint8)[:8] / 255.0 - 0.5
        words = text.split()
        register = sum(w.startswith("olde") for w in words) / max(len(words), 1)
        out.append(np.concatenate([[8.0 * register], 0.2 * noise]))
    return np.asarray(out)


def test_embedding_cluster_finds_a_register_no_word_marks() -> None:
    records, planted = styled(3)
    without = scan(records)
    assert without.verdict is DatasetVerdict.CLEAN  # the test below can fail
    result = scan(records, embedder=embed)
    assert result.verdict is DatasetVerdict.POISONED
    top = result.features[0]
    assert top.kind is FeatureKind.REPRESENTATION and top.label == "pos"
    assert top.text.startswith("embedding cluster [") and top.example and top.evidence
    flagged = {r.row for r in result.rows if r.flagged}
    assert len(flagged & planted) >= 0.9 * len(planted) and len(flagged - planted) <= 3


def test_clean_set_with_embeddings_stays_clean() -> None:
    assert scan(dataset(4, rows=800, noise=0.02), embedder=embed).verdict is DatasetVerdict.CLEAN


def test_kmeans_groups_separate_a_tight_cluster() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(600, 4))
    points[:50] += 20.0
    groups = kmeans_groups(points, 5)
    assert tuple(range(50)) in groups


def test_planted_share_inverts_the_mixture() -> None:
    ctx = Context([], [], neutral(0), {"pos": 0.5}, {}, 1, {("pos", -1): 0.25}, {})
    # 100 label rows, 60 planted (read as other at 0.75) and 40 clean (at 0.25): d = 55
    m = Measured(FeatureKind.FAMILY, "x", tuple(range(100)), "pos", 100, 55)
    assert abs(poisoned_share(m, ctx) - 0.6) < 1e-9
    assert poisoned_share(Measured(FeatureKind.FAMILY, "x", (1,), "pos", 1, 0), ctx) == 0.0
