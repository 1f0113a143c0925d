"""Clean-label markers scattered over a label's content, whatever it says (pure; ADR 0035).

A style laid over randomly chosen rows of the target label (clean-label poison) adds
markers that no row of another label has ("kindly note that", "arrr", "the point is that")
and leaves each row's content as it was. On a formulaic label (SMS spam) the label's own
vocabulary is exclusive to it too ("claim", "£", "txt"), and pairwise co-occurrence cannot
tell the two apart: a style's markers are alternatives (one opener of six to a row) that
link to nothing, and its substituted words keep their row's campaign ("ye have won"), so
they chain into the label's vocabulary (ADR 0031).

What does tell them apart is what a marker's rows say once the markers are out. A natural
exclusive marker belongs to a sub-genre: a campaign's copies, each the others' nearest row.
A style's marker was put on rows whatever they said, so its rows' nearest rows of the label
lie wherever their content's kind lies, no more often among the marker's rows than a
random row's do. Each exclusive marker of :data:`MIN_MARKER_ROWS` label rows is asked this
(:func:`marker_twins`); those at most :data:`MAX_MARKER_TWINS` are the scattered markers,
one more candidate group of :mod:`.outliers` (origin ``scattered``), which then takes the
same evidence bar as the groups carved out of a label's vocabulary.

Nearest rows are by word-set Jaccard over the words of no exclusive marker of the label (a
style's own words and the label's vocabulary are out; rare words such as a campaign's phone
number stay), among at most :data:`NEIGHBOUR_ROWS` label rows (a fixed seed picks them).
It does not see a style without exclusive markers (all caps: words are lower-cased, and
SMS spam shouts too).

A style written in the *other* labels' register (casual fillers laid over SMS spam, whose
ham uses "literally" and "hehe" now and then) has few exclusive markers: its words leak
past the exclusive bar because the other label is several times the size. Word n-grams
far commoner in the label by rate (:func:`skewed_to_label`) are asked the same question
and, when they scatter, are part of the core; they never join it by co-occurrence alone
(ADR 0087).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.markers import Marker, separate
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.stats import binomial_tail

# Label rows a marker needs to be asked (a 3% register's six alternative openers have 18-25
# rows each on SMS spam). Small markers' shares are noisy (natural SST-2 words of 15-21 rows
# scored 0 on the bench controls), so the group they make needs 40 decades (.outliers).
MIN_MARKER_ROWS = 15
# How much likelier a marker row's nearest label row carries the marker than another
# label row's does. tuned-sms-clean (bench/eval_poisoning.py, 3%, 10% and 250 rows): the
# registers' markers of 20+ rows 0-3.0; natural SMS spam markers of 20+ rows 4.8 and up
# ("£" 4.8-6.8 with up to 75% of spam planted, campaign phrases 7-90).
MAX_MARKER_TWINS = 3.0
# Scattered markers found mostly in rows of others are one thing: a word with its n-grams
# and skeleton n-grams ("advised", "be advised", "form [AUX WED]") is one marker
# (.markers.separate).
MIN_SEPARATE = 2
# A marker of the label joins the scattered markers when so many of its rows are in their
# rows that independence would give it so many this rarely (binomial, against the group's
# share of the label): a style's rarer markers ("dear valued customer", 17 rows at 3% of
# SMS spam) sit in rows that carry its commoner ones, a natural marker's rows fall in the
# group as often as any label row does. Twice over, as :func:`.linked._grown` does.
JOIN_P_VALUE = 1e-4
JOIN_TWINS = 2 * MAX_MARKER_TWINS  # ... asked again with a looser bar (few rows are noisy)
JOIN_ROUNDS = 2
MIN_JOIN_ROWS = 5
NEIGHBOUR_ROWS = 2000  # label rows among which nearest rows are sought
PHRASE_SHARE = 0.8  # words in this share of a marker's rows are its phrase (see _Space.twins)
_CHUNK = 500  # query rows per sparse product (bounds memory: CHUNK x NEIGHBOUR_ROWS floats)

# A marker the other labels use now and then is asked too when its rate among their rows
# is at most 1/SKEWED_LIFT of its rate among the label's (ADR 0087): a style written in the
# other labels' register (casual fillers laid over SMS spam: "literally" 45 spam rows and 2
# of 4,825 ham, "totally" 35 and 4, "hehe" 21 and 1) leaks past MAX_LEAK (3% of a marker's
# rows) because that label is 6.5 times spam's size, yet is 50-150 times commoner in spam.
# At 10 the capitalised word (``form [WC]``: 76% of spam, 7% of ham) scattered on the clean
# SMS control (1.97); at 20 no skewed marker of the SMS controls scatters and one SST-2
# word does, alone ("mess"), so no group (probes of ADR 0087; --controls holds none).
SKEWED_LIFT = 20.0
# ... and only when it is in at most this share of the label's rows: a marker of most of
# the label is the label's own form, a random subset of it by size alone (form [WC] above).
MAX_SKEWED_SHARE = 0.5
_SMOOTHING = 0.5  # other-label rows added to a marker's count (none seen is not rate 0)


def scattered(
    markers: Sequence[Marker],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    seed: int,
    *,
    form: str,
    skewed: Sequence[Marker] = (),
) -> tuple[list[int], frozenset[int]]:
    """Indices of ``markers`` (a label's exclusive markers, ``inside`` its rows) whose rows
    are scattered over the label's content (see the module text), grown by the markers
    found mostly with them; none unless :data:`MIN_SEPARATE` different things are
    scattered. ``form`` is the kind of skeleton markers, whose tokens are not words.
    Also returns every marker that scatters (the core, even when too few different things
    make no group): :func:`distinguishing` trims other groups of the label to them.

    ``skewed`` are markers the other labels use now and then (:func:`skewed_to_label`); indices past
    ``markers`` are theirs. They are asked whether they scatter, and are in the core when
    they do, but never join it by co-occurrence alone: a joined marker need only scatter
    at :data:`JOIN_TWINS`, and a skewed form such as a row ending in a number (natural
    spam's phone numbers, and "m8") joined a planted group and listed 126 natural spam
    rows (tuned-sms-native clean-label mate at 3%, ADR 0087)."""
    exclusive = len(markers)
    markers = [*markers, *skewed]
    drop = {w for kind, gram, _, _ in markers if kind != form for w in gram}
    chosen = np.flatnonzero(inside)
    if len(chosen) > NEIGHBOUR_ROWS:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(chosen, NEIGHBOUR_ROWS, replace=False))
    if len(chosen) < 2 * MIN_MARKER_ROWS:
        return [], frozenset()
    space = _Space(chosen, tokens, drop)
    position = np.full(len(inside), -1)
    position[chosen] = np.arange(len(chosen))

    def asked(i: int, least: int) -> float:
        mine = position[np.asarray(markers[i][2])]
        mine = mine[mine >= 0]
        return space.twins(mine) if len(mine) >= least else np.inf

    core = [i for i, m in enumerate(markers) if asked(i, MIN_MARKER_ROWS) <= MAX_MARKER_TWINS]
    if separate(core, markers) < MIN_SEPARATE:
        return [], frozenset(core)
    grown = _grown(
        core, markers, inside, lambda i: i < exclusive and asked(i, MIN_JOIN_ROWS) <= JOIN_TWINS
    )
    return grown, frozenset(core)


def skewed_to_label(rows: Sequence[int], inside: np.ndarray, min_support: int) -> bool:
    """Whether a marker with ``rows`` (of every label) is skewed towards the label
    (``inside`` its rows) by :data:`SKEWED_LIFT` in rate, with at least ``min_support`` of
    its rows and at most :data:`MAX_SKEWED_SHARE` of the label's. It says nothing about
    exclusivity: :func:`scattered` asks such markers the twins question like any other."""
    label_rows = int(np.count_nonzero(inside))
    other_rows = len(inside) - label_rows
    own = int(np.count_nonzero(inside[np.asarray(rows, dtype=np.int64)]))
    if own < min_support or own > MAX_SKEWED_SHARE * label_rows or not other_rows:
        return False
    other = len(rows) - own
    return own / label_rows >= SKEWED_LIFT * (other + _SMOOTHING) / other_rows


def distinguishing(
    members: Sequence[int], core: frozenset[int], markers: Sequence[Marker], inside: np.ndarray
) -> list[int]:
    """The markers of a group (``members``, carved or gathered out of a label's vocabulary)
    that carry its distinguishing evidence: those among the label's scattered markers
    (``core``, see :func:`scattered`), and the group's other markers found in their rows
    far more often than the rows' share of the label makes likely (:data:`JOIN_P_VALUE`,
    twice over, as :func:`_grown`). A natural marker that chained into the group ("£", a
    campaign's phrase) is in a style's rows as often as in the label's other rows: the
    label's own population explains it as well, and its rows are not listed (issue 23: a
    carved group listed 67 natural spam rows beside 167 planted). A group with none of the
    core markers is returned whole: nothing here says which of its markers are natural."""
    inner = [i for i in members if i in core]
    if not inner:
        return list(members)
    among = set(members)
    return _grown(inner, markers, inside, lambda i: i in among)


def word_sets(rows: np.ndarray, tokens: Sequence[Tokens], drop: set[str]) -> csr_matrix:
    """Each of ``rows``' words, less ``drop``, as a 0/1 row of a sparse matrix (one spare
    column, so a vocabulary left empty still has a shape)."""
    vocabulary: dict[str, int] = {}
    columns: list[int] = []
    pointers = [0]
    for r in rows.tolist():
        words = {vocabulary.setdefault(w, len(vocabulary)) for w in tokens[r] if w not in drop}
        columns += sorted(words)
        pointers.append(len(columns))
    shape = (len(rows), len(vocabulary) + 1)
    return csr_matrix((np.ones(len(columns)), columns, pointers), shape=shape)


class _Space:
    """Label rows as weighted word sets, for nearest-row questions (see the module text).

    Words in :data:`drop` are out; each other word weighs its inverse document frequency
    among the rows, so a common word shared says less than a rare one (a campaign's number).
    """

    def __init__(self, rows: np.ndarray, tokens: Sequence[Tokens], drop: set[str]) -> None:
        self.present = word_sets(rows, tokens, drop)
        frequency = np.asarray(self.present.sum(axis=0)).ravel()
        self.weight = np.log((len(rows) + 1) / (frequency + 1.0))
        self.weighted = csr_matrix(self.present.multiply(self.weight[None, :]))
        self.sizes = np.asarray(self.weighted.sum(axis=1)).ravel()
        transposed = self.present.T.tocsc()
        self.shared = np.vstack(
            [
                (self.weighted[start : start + _CHUNK] @ transposed).toarray()
                for start in range(0, len(rows), _CHUNK)
            ]
        )
        self.nearest = self._nearest(np.arange(len(rows)), self.shared, self.sizes, self.sizes)

    def twins(self, rows: np.ndarray) -> float:
        """How much likelier the nearest row of one of ``rows`` (positions) is among them
        than another row's, with the words in :data:`PHRASE_SHARE` of ``rows`` out for
        ``rows`` (a marker's own phrase: "we are pleased to inform you that" keeps common
        words that would make its rows each other's nearest)."""
        member = np.zeros(len(self.sizes), dtype=bool)
        member[rows] = True
        mine = self.present[rows]
        counts = np.asarray(mine.sum(axis=0)).ravel()
        phrase = np.flatnonzero(counts >= PHRASE_SHARE * len(rows))
        shared, sizes, others = self.shared[rows], self.sizes[rows], self.sizes
        if len(phrase):
            part = self.weighted[:, phrase]
            shared = shared - (part[rows] @ self.present[:, phrase].T).toarray()
            sizes = sizes - np.asarray(part[rows].sum(axis=1)).ravel()
            others = others - np.asarray(part.sum(axis=1)).ravel()
        nearest = self._nearest(rows, shared, sizes, others)
        found = nearest >= 0  # a row sharing no word with any other is not asked
        if not found.any():
            return 0.0
        inner = float(member[nearest[found]].mean())
        outside = ~member & (self.nearest >= 0)
        outer = float(member[self.nearest[outside]].mean()) if outside.any() else 0.0
        return inner / max(outer, 1.0 / len(self.sizes))

    @staticmethod
    def _nearest(
        rows: np.ndarray, shared: np.ndarray, sizes: np.ndarray, others: np.ndarray
    ) -> np.ndarray:
        """The nearest other row of each of ``rows`` (weighted Jaccard), -1 for none."""
        union = sizes[:, None] + others[None, :] - shared
        jaccard = np.where(union > 1e-9, shared / np.maximum(union, 1e-9), 0.0)
        jaccard[np.arange(len(rows)), rows] = -1.0
        best = jaccard.argmax(axis=1)
        return np.where(jaccard[np.arange(len(rows)), best] > 0, best, -1)


def _grown(
    members: Sequence[int],
    markers: Sequence[Marker],
    inside: np.ndarray,
    scatters: Callable[[int], bool],
) -> list[int]:
    """``members`` with every marker of the label found in their rows far more often than
    the rows' share of the label makes likely (:data:`JOIN_P_VALUE`) whose rows are not
    each other's nearest (``scatters``: a campaign a few of whose copies the style was laid
    over is not joined), twice over."""
    chosen = set(members)
    label_rows = int(np.count_nonzero(inside))
    sizes = np.array([len(m[2]) for m in markers], dtype=np.float64)
    for _ in range(JOIN_ROUNDS):
        group = np.zeros(len(inside), dtype=bool)
        for i in chosen:
            group[list(markers[i][2])] = True
        share = np.count_nonzero(group) / max(label_rows, 1)
        if share >= 1.0:
            break
        shared = np.array([np.count_nonzero(group[list(m[2])]) for m in markers], dtype=np.float64)
        tail = binomial_tail(shared, sizes, np.full(len(markers), share))
        joining = {
            int(i)
            for i in np.flatnonzero((tail <= JOIN_P_VALUE) & (shared >= MIN_JOIN_ROWS))
            if i in chosen or scatters(int(i))
        }
        if joining <= chosen:
            break
        chosen |= joining
    return sorted(chosen)
