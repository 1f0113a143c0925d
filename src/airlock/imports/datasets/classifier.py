"""Which rows' content disagrees with their label: a cross-validated linear text classifier.

TF-IDF word uni- and bigrams with logistic regression, fitted per fold so that every row is
scored by a model that never saw it. A model that sees a trigger learns it, and then agrees
with exactly the labels the trigger forged; so :meth:`Agreement.disagrees_without` re-scores
a feature's rows with that feature's own terms taken out of the linear score, which is what
the row's text says without the trigger. cleanlab's confident-learning filter turns the
out-of-fold probabilities into a per-row label-issue flag.

Optional sentence embeddings plug in through :class:`Embedder`; the scan needs none. They
feed only the row-level label-issue flag, never the feature ranking: a classifier that sees
them learns a trigger through them too (measured: 40 planted rows of 400 then ranked clean),
and embedding columns cannot be attributed to a feature, so they could not be taken out.
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from cleanlab.filter import find_label_issues
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from airlock.imports.datasets.ngrams import Tokens

FloatArray = npt.NDArray[np.float64]
MIN_LEFT = 0.25  # share of a row's squared TF-IDF mass that must remain to read it
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


class Embedder(Protocol):
    """Maps texts to one fixed-width vector each (rows x dims), for example a sentence model.

    Implementations live outside the pure core (they load weights); the scan only calls them.
    """

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts``; the result has ``len(texts)`` rows."""
        ...


# Newton-CG, not sklearn's default L-BFGS: the same L2-penalised loss and optimum, but
# SciPy's L-BFGS-B (rewritten in C in 1.15) spends ~100 ms per iteration on 40,000 TF-IDF
# columns, so one fit of 8,000 SST-2 rows took 2.4 s against 0.03 s (issue 23's 30 s bound
# for 10,000 rows was lost to it; ADR 0148).
SOLVER = "newton-cg"


@dataclass(frozen=True, slots=True)
class Agreement:
    """Out-of-fold view of every row: its own label's probability and disagreement flags."""

    y: IntArray  # label index per row
    own_probability: FloatArray  # P(given label | text), out of fold
    disagrees: BoolArray  # the most probable label is not the given one
    label_issue: BoolArray  # cleanlab's confident-learning flag
    available: bool  # False when the data cannot support a classifier (then all neutral)
    features: Any = None  # rows x terms (scipy CSR)
    logits: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    text_logits: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))  # TF-IDF part
    fold: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weights: FloatArray = field(default_factory=lambda: np.zeros((0, 0, 0)))  # fold x class x term
    terms: dict[Tokens, int] = field(default_factory=dict)
    by_edge: dict[str, tuple[int, ...]] = field(default_factory=dict)  # token -> bigram terms
    presence: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))  # c x t

    def probabilities(self) -> FloatArray:
        """Out-of-fold probability of every class (rows x classes)."""
        return _softmax(self.logits)

    def columns(self, gram: Tokens) -> tuple[int, ...]:
        """Terms of ``gram``: the n-grams inside it and the bigrams that cross its edges."""
        found = {self.terms[g] for g in _inside(gram) if g in self.terms}
        found.update(self.by_edge.get(f"<{gram[0]}", ()) if gram else ())
        found.update(self.by_edge.get(f">{gram[-1]}", ()) if gram else ())
        return tuple(sorted(found))

    def common_columns(self, rows: Sequence[int], share: float) -> tuple[int, ...]:
        """Terms present in at least ``share`` of ``rows`` (what a template's rows share)."""
        if not self.available or not rows:
            return ()
        present = self._present(np.asarray(rows))
        return tuple(np.flatnonzero(present >= share * len(rows)).tolist())

    def enriched_columns(self, rows: Sequence[int], share: float, lift: float) -> tuple[int, ...]:
        """Terms in at least ``share`` of ``rows`` (and 3 of them) and ``lift`` times more
        common there than in the other rows: what a group's rows have in common that the
        rest of the data lacks -- several trigger words, a style's markers, a template's
        scaffold -- taken out together when the group is tested (issue 23: rows carrying
        2.4 different trigger words each defeat taking one phrase out at a time)."""
        if not self.available or not rows:
            return ()
        index = np.asarray(rows)
        classes = self.presence.shape[0]
        inside = np.zeros_like(self.presence)
        sizes = np.bincount(self.y, minlength=classes).astype(np.float64)
        for c in range(classes):
            mine = index[self.y[index] == c]
            if len(mine):
                inside[c] = self._present(mine)
                sizes[c] -= len(mine)
        total = inside.sum(axis=0)
        rate_in = total / len(rows)
        # elsewhere = each label's other rows separately: a flipped row's own words are
        # common in the rows of the label it really has, so they stay (they are the evidence)
        rate_out = ((self.presence - inside + 1) / (sizes[:, None] + 1)).max(axis=0)
        keep = (total >= max(3.0, share * len(rows))) & (rate_in >= lift * rate_out)
        return tuple(np.flatnonzero(keep).tolist())

    def foreign_columns(
        self, rows: Sequence[int], label: int, share: float, lift: float
    ) -> tuple[int, ...]:
        """Terms in at least ``share`` of ``rows``' rows of class ``label`` (and 3 of them)
        and ``lift`` times more common there than in every other label's rows outside
        ``rows``: what those rows carry that no label they could have been taken from does.

        Unlike :meth:`enriched_columns` the label's own other rows are not asked. When a
        flipped attack is a large share of its label, the label's other rows are mostly
        its own other planted rows (a template's other heads and verbs): past a share of
        ``1 / lift`` of them no term the attack shares across its rows can be enriched
        against them (ADR 0192). A natural feature's terms are foreign too (the label's own
        vocabulary); used only where the label's expected rate is measured in the same
        reduced space (:func:`.refit.reread`), which takes that vocabulary from its other
        rows alike.
        """
        if not self.available or not rows:
            return ()
        index = np.asarray(rows)
        mine = index[self.y[index] == label]
        if not len(mine):
            return ()
        inside = self._present(mine)
        rate_out = np.zeros(self.presence.shape[1])
        for c in range(self.presence.shape[0]):
            if c == label:
                continue
            theirs = index[self.y[index] == c]
            seen = self.presence[c].astype(np.float64)
            if len(theirs):
                seen = seen - self._present(theirs)
            size = float(np.count_nonzero(self.y == c) - len(theirs))
            rate_out = np.maximum(rate_out, (seen + 1) / (size + 1))
        keep = (inside >= max(3.0, share * len(mine))) & (inside / len(mine) >= lift * rate_out)
        return tuple(np.flatnonzero(keep).tolist())

    def _present(self, index: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Per term: how many of the rows ``index`` hold it."""
        return np.asarray((self.features[index] != 0).sum(axis=0)).ravel()

    def without(self, columns: Sequence[int], rows: Sequence[int]) -> FloatArray:
        """For ``rows``: probability of their own label with the ``columns`` terms taken out.

        A linear score is a sum over terms, so taking a feature out is subtracting its
        terms' contributions under the weights of the fold that scored the row; the rest is
        then rescaled to unit length, as TF-IDF would have normalised the row without them
        (otherwise a long trigger dilutes the row's other words even after removal).
        """
        if not self.available or not rows:
            return np.ones(len(rows))
        index = np.asarray(rows)
        logits = self.logits[index]
        if columns:
            cols = np.asarray(columns, dtype=np.int64)
            values = np.asarray(self.features[index][:, cols].todense())  # rows x cols
            weights = self.weights[:, :, cols][self.fold[index]]  # rows x class x cols
            text = self.text_logits[index]
            kept = text - np.einsum("rc,rkc->rk", values, weights)
            left = 1.0 - np.square(values).sum(axis=1, keepdims=True)
            scale = np.where(left > 1e-9, 1.0 / np.sqrt(np.maximum(left, 1e-9)), 0.0)
            logits = logits - text + kept * scale
        own: FloatArray = _softmax(logits)[np.arange(len(index)), self.y[index]]
        if columns:
            # A row left with under MIN_LEFT of its TF-IDF mass says too little to disagree:
            # a canned message ("Sorry, I'll call later") minus its phrase is one word.
            own = np.where(left.ravel() < MIN_LEFT, 1.0, own)
        return own


def _softmax(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float64)


def _inside(gram: Tokens) -> list[Tokens]:
    return [gram[i : i + n] for n in (1, 2) for i in range(len(gram) - n + 1)]


def neutral(rows: int) -> Agreement:
    """No opinion on any row (one label, or too few rows per label to cross-validate)."""
    zeros = np.zeros(rows, bool)
    return Agreement(np.zeros(rows, np.int64), np.ones(rows), zeros, zeros, available=False)


def agreement(
    tokens: Sequence[Tokens],
    labels: Sequence[str],
    folds: int,
    seed: int = 0,
    embedder: Embedder | None = None,
) -> Agreement:
    """Score every row out of fold; neutral when a label has fewer than two rows."""
    counts = Counter(labels)
    folds = min(folds, min(counts.values()) if counts else 0)
    if len(counts) < 2 or folds < 2:
        return neutral(len(tokens))
    classes = sorted(counts)
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    vectoriser = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        lowercase=False,
        token_pattern=r"\S+",  # noqa: S106 -- a regular expression, not a password
        dtype=np.float64,
    )
    texts = [" ".join(words) for words in tokens]
    try:
        matrix = vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # no term in two rows: nothing to learn from
        return neutral(len(tokens))
    terms = {tuple(t.split(" ")): i for t, i in vectoriser.vocabulary_.items()}
    logits, text_logits, fold, weights = _fit(
        matrix, y, len(classes), folds, seed, width=len(terms)
    )
    probabilities = _softmax(logits)
    if embedder is not None:
        combined = hstack([matrix, csr_matrix(embedder(texts))]).tocsr()
        issue_probabilities = _softmax(
            _fit(combined, y, len(classes), folds, seed, width=len(terms))[0]
        )
    else:
        issue_probabilities = probabilities
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns on tiny classes; the flag stays valid
        issues = np.asarray(find_label_issues(y, issue_probabilities), dtype=bool)
    return Agreement(
        y=y,
        own_probability=probabilities[np.arange(len(y)), y],
        disagrees=probabilities.argmax(axis=1) != y,
        label_issue=issues,
        available=True,
        features=matrix,
        logits=logits,
        text_logits=text_logits,
        fold=fold,
        weights=weights,
        terms=terms,
        by_edge=_edges(terms),
        presence=np.vstack(
            [np.asarray((matrix[y == c] != 0).sum(axis=0)).ravel() for c in range(len(classes))]
        ).astype(np.int64),
    )


def _fit(
    matrix: Any, y: IntArray, classes: int, folds: int, seed: int, *, width: int
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """Out-of-fold logits (rows x classes), their part from the first ``width`` (TF-IDF)
    columns, fold per row, weights (fold x class x term)."""
    logits = np.zeros((len(y), classes))
    text_logits = np.zeros((len(y), classes))
    fold = np.zeros(len(y), dtype=np.int64)
    weights = np.zeros((folds, classes, matrix.shape[1]))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for number, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        model = LogisticRegression(C=4.0, max_iter=300, solver=SOLVER)
        model.fit(matrix[train], y[train])
        coef = np.asarray(model.coef_, dtype=np.float64)
        bias = np.asarray(model.intercept_, dtype=np.float64)
        if classes == 2:  # sklearn keeps one vector for two classes: class 1 against 0
            coef = np.vstack([np.zeros_like(coef), coef])
            bias = np.concatenate([[0.0], bias])
        weights[number] = coef
        logits[test] = np.asarray(matrix[test] @ coef.T) + bias
        text_logits[test] = np.asarray(matrix[test][:, :width] @ coef[:, :width].T)
        fold[test] = number
    return logits, text_logits, fold, weights


def _edges(terms: dict[Tokens, int]) -> dict[str, tuple[int, ...]]:
    """Bigram terms by their first token (key ``<tok``) and last token (key ``>tok``)."""
    out: defaultdict[str, list[int]] = defaultdict(list)
    for term, column in terms.items():
        if len(term) == 2:
            out[f">{term[0]}"].append(column)  # the bigram continues past a gram ending there
            out[f"<{term[1]}"].append(column)  # the bigram leads into a gram starting there
    return {key: tuple(columns) for key, columns in out.items()}
