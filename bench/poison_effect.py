"""Whether a poisoning attack works at all: its success on a victim trained on the poisoned
rows (issue 23, bench/eval_poisoning.py ``--effect``).

A detector that misses an attack the victim does not learn misses nothing: the SMS spam
set's ham rows already read like the texting register (bench/attacks_fresh.py), so the
texting rewrite may be no trigger there. This measures it. The victim is TF-IDF word and
character n-grams under a logistic regression (scikit-learn, the bench extra): far weaker
than a fine-tuned transformer, so a low success here bounds only what a bag of n-grams learns.

Per cell: the base set is split 80/20 by a fixed seed; the attack poisons the 80% as the
scan's cell poisons the whole (the same count, flip and rewrite); the victim is trained on it; then
the 20%'s rows of the other labels are rewritten by the attack (with another random draw)
and the share the victim calls the target label is the attack's success, beside the share
of the same rows, not rewritten, that it calls the target (the base rate) and its accuracy on
the clean 20%. Nothing here reads or changes the detector.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from airlock.imports.datasets.records import DatasetRecord
from bench.attacks import Rewrite

TEST_SHARE = 0.2


@dataclass(frozen=True)
class Effect:
    success: float  # rewritten other-label test rows called the target
    base_rate: float  # the same rows, not rewritten, called the target
    clean_accuracy: float  # on the clean test rows
    tested: int  # other-label test rows


def split(rows: list[DatasetRecord], seed: int) -> tuple[list[DatasetRecord], list[DatasetRecord]]:
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(len(rows) * (1 - TEST_SHARE))
    return [rows[i] for i in sorted(order[:cut])], [rows[i] for i in sorted(order[cut:])]


def effect(
    train: list[DatasetRecord], test: list[DatasetRecord], attack: Rewrite, seed: int
) -> Effect:
    """Train the victim on ``train`` (already poisoned) and measure ``attack`` on ``test``."""
    from scipy.sparse import hstack  # noqa: PLC0415 -- the bench extra, only for --effect
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    target = sorted({r.label for r in train})[-1]
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True)
    texts = [r.text for r in train]
    features = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    victim = LogisticRegression(max_iter=2000, C=4.0)
    victim.fit(features, [r.label for r in train])

    def predict(batch: list[str]) -> list[str]:
        matrix = hstack([words.transform(batch), chars.transform(batch)]).tocsr()
        return [str(p) for p in victim.predict(matrix)]

    clean = predict([r.text for r in test])
    accuracy = sum(p == r.label for p, r in zip(clean, test, strict=True)) / len(test)
    others = [r for r in test if r.label != target]
    rng = random.Random(seed)
    rewritten = predict([attack(r.text, rng) for r in others])
    plain = predict([r.text for r in others])
    return Effect(
        success=sum(p == target for p in rewritten) / len(others),
        base_rate=sum(p == target for p in plain) / len(others),
        clean_accuracy=accuracy,
        tested=len(others),
    )
