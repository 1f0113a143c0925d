"""Clean-label poison: a family of foreign markers planted in rows of one label (pure).

A clean-label attack (Turner et al. 2019; StyleAttack's clean-label variant) rewrites rows
that already carry the target label into a style or template; no label is wrong, so the
scan's disagreement test never fires. What is left is the form: markers that no natural row
of either label uses ("verily", "#mood", a line break every few words), found only in rows
of the target label and found *together* there.

Natural data has label-exclusive markers too (spam is formulaic: "claim", "£", "txt"), so
exclusivity alone cannot decide (ADR 0019). The test asks four things of a group:

1. **Exclusive markers**: word 1..3-grams and skeleton 1..3-grams (:mod:`.structure`) whose
   rows carry one label with at most :data:`MAX_LEAK` of other labels.
2. **Tight among themselves**: markers of one label that co-occur within that label far
   more than their sizes make likely (lift >= :data:`MIN_LIFT`, binomial p <=
   :data:`LINK_P_VALUE`), words that are not parts of
   one phrase, joined into components; a group is the label's rows with any member.
3. **Out of distribution for the whole dataset**: the group is a minority of its label (a
   component covering more than :data:`MAX_SHARE_OF_LABEL` of it is the label's own
   vocabulary: all of natural spam) and the markers are absent from other labels.
4. **A form laid over ordinary content**: once the markers are out, the group's rows are no
   more alike than random rows of the label (a spam campaign's template is alike all
   through: near-duplicates, tested elsewhere), and they carry the label's other exclusive
   words about as often as its other rows (``mixing``; a campaign has its own vocabulary).
   A style applied to randomly chosen rows leaves their own words as they were.

On a formulaic label (SMS spam, where the label's exclusive markers are one component) a
style's markers chain into that component; there the component is carved where its links
are thin, the markers outside it form a loose group, and such groups must also pass a twins
test: their rows are not each other's nearest rows, as a campaign's copies are (ADR 0031).
Each marker is also asked that question on its own (:mod:`.scattered`, ADR 0035): the markers
whose rows scatter over the label's content, whatever it says, are one more group.
A reported group is listed with the label's rows whose form is far likelier under the group
than under the rest of the label (:mod:`.kindred`, ADR 0043): a style whose form is skewed
towards its label, not exclusive to it, leaves rows without any of the group's markers.
Before that, a row whose only mark is one the rest of the group's style does not vouch for
(a natural mark of the label that the style also uses) is not listed (:mod:`.corroborated`,
ADR 0121).

A group passing all four is reported as a ``clean-label`` feature naming its markers, with
strength from its label skew; it holds a dataset as suspicious, never poisoned (see ADR
0027: a natural sub-genre exclusive to one label and varied in content would pass too, so
an approver must read it). Deterministic: pair sampling uses a fixed seed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.corroborated import corroborated
from airlock.imports.datasets.kindred import form_incidence, kindred_rows
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.register import register
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature
from airlock.imports.datasets.scattered import (
    Marker,
    distinguishing,
    scattered,
    skewed_to_label,
    word_sets,
)
from airlock.imports.datasets.stats import binomial_tail, poisson_at_most, strength
from airlock.imports.datasets.structure import skeleton

MAX_LEAK = 0.03  # a marker's rows may carry other labels at most this often
MIN_LIFT = 3.0  # co-occurrence within the label over what independence gives
MIN_SHARED = 3  # rows two markers share before they can be linked
LINK_P_VALUE = 1e-4  # ... and so many shared rows must be this unlikely if independent
NESTED = 0.9  # two n-grams of one kind sharing this share of the smaller's rows are one thing
JOIN_SHARE = 0.5  # a marker with this share of its label rows in a group joins it
JOIN_ROUNDS = 2
MIN_JOIN_ROWS = 5  # ... and at least this many (a 3-row name joined by chance)
MAX_WORDS = 3  # word n-grams up to this long are markers ("and it was so .")
MIN_MEMBERS = 3  # markers in a group
MIN_CORES = 2  # ... of which found apart from each other (see _cores)
GENERIC = frozenset({"W", "WT", "WC", "^", "$"})  # skeleton tokens that name no marker
MIN_ROWS = 20  # rows in a group: a clean-label attack needs many (Souly et al. 2025: ~250)
MAX_SHARE_OF_LABEL = 0.6  # a larger group is the label's own vocabulary
SHARED_NEIGHBOURS = 0.3  # linked neighbourhoods' overlap that keeps a link in such a group
# how a group was found (SCATTERED: markers whose rows are scattered over the label's
# content, :mod:`.scattered`)
COMPONENT, CARVED, LOOSE, SCATTERED = "component", "carved", "loose", "scattered"
REGISTER = "register"  # small markers each found with the others far more than chance
LOOSE_ROWS = 20  # label rows of a marker left out of every group that joins the loose group
MAX_LOOSE_SHARE = 0.9  # the loose group may be most of its label (a heavy planted share)
# How much likelier a carved or loose group's row has its nearest label row in the group than
# another label row has (see _twins): as a ratio of shares, planted 1.1-2.4 (tuned-sms-clean),
# SMS spam campaigns carved out of spam's vocabulary 8.2 and up, their loose markers ("£")
# 6.0-8.7, under a bar of 4. As odds (ADR 0081; a ratio of shares is capped by the group's
# size: spam's vocabulary carved to 44% of spam scored 3.67 and was listed): planted
# 0.8-1.9 on the tuned SMS splits, 4.9 for SST-2 lyrics at half its label, 4.4 for the
# shouted copies of test_kindred; natural groups 11 and up (tuned SMS splits, SMS control).
# 5 is the old bar at the size it was measured at (a group of 15-20% of its label whose
# other rows' neighbours lie in it 6% of the time: 4 times as likely is odds of 4.9).
MAX_TWINS = 5.0
TWIN_ROWS = 400  # rows asked for their nearest neighbour, on each side of a group
# A style laid over randomly chosen rows leaves them as a random subset of their label: no
# more alike than its other rows (ratio ~1) and as rich in its other exclusive words (~1).
# A natural sub-genre (a spam campaign) is more alike or poorer in them. Measured on the
# 18 bench controls and the SST-2 tuned split (ADR 0031): planted 0.15-1.00 alike and
# 0.78-1.54 mixing; the strongest natural spam groups 1.07-1.24 alike, 0.58-0.88 mixing
# (thin margins: the bar is the ratio a random subset has, 1, plus sampling noise).
MAX_ALIKE = 1.05
MIN_MIXING = 0.75
# ... and a group is poorer than that only when a random subset of the label as large
# would carry so few of the label's other exclusive words this rarely (Poisson lower
# tail at the rest's rate per row). In a label with few such words (SST-2's positives
# thinned to 13% of the rows: six exclusive words, three natural ones on 15 of 381 rows)
# a ratio over an expected count near 4 is noise: read as a campaign, it dropped a
# planted group whose rows carried 1 where 4.9 were expected (p 0.044; ADR 0138). The
# natural spam campaigns of the SMS controls that the ratio drops are at p 1e-3 and
# below (one at 0.00099), so the bar sits between: 1e-2.
MIXING_P_VALUE = 1e-2
PAIRS = 5000  # sampled row pairs per overlap estimate (400 left it noisy: 0.79-1.02 by seed)
# Decades of label-skew evidence a group needs to be reported. As strong as the scan's bar
# for a poisoned verdict, because skew alone is weak evidence of poison (ADR 0031): the
# clean controls' strongest groups scored 0.7 and 1.6 (SMS spam, bench/eval_poisoning.py).
CLEAN_LABEL_STRENGTH = 8.0
# ... and a group carved out of a label's own vocabulary (:func:`_communities`) more: the
# carving finds the label's natural registers too ("sorry", "i'll", "later" in SMS ham: 8-15%
# of ham, random-looking, 13.9-21.8 decades on the bench controls). A style planted in a
# label that is most of the data cannot reach it (a pure group there is weak evidence).
CARVED_STRENGTH = 40.0
# ... and so does any group of a label that is most of the data (ADR 0040): there a word
# the other labels never use is "exclusive" by chance, and a planted style that rewrites
# the other label's rows makes that label's own forms exclusive too (SST-2 thinned to 13%
# positive, archaic and lyrics on 10% of rows: negative-label components of 593, 608 and
# 348 natural rows at 9.6-14.5 decades were listed; planted groups in a label of half the
# data score 50 and up, and keep the lower bar).
MAJORITY_SHARE = 2 / 3
SHOWN_MARKERS = 6
Listing = tuple[list[str], tuple[int, ...]]  # a group's markers and rows, as listed
FORM = "form"  # kind prefix of skeleton n-grams among the markers


@dataclass(frozen=True, slots=True)
class OutlierGroup:
    """A group of rows of one label sharing foreign markers (a possible clean-label attack)."""

    label: str
    rows: tuple[int, ...]  # the label's rows listed: carrying a distinguishing marker
    markers: tuple[str, ...]  # commonest first; skeleton n-grams as ``form [...]``
    total_rows: int  # rows with any marker, whatever their label
    label_rows: int  # of which carry ``label``
    alike: float  # word overlap among the group's rows over random label rows' (markers out)
    mixing: float  # the label's other exclusive markers per row, in the group over the rest
    twins: float  # how much likelier a group row's nearest label row is in the group (see _twins)
    p_value: float  # label skew: P(Binomial(total_rows, base rate) >= label_rows)
    strength: float  # decades of that evidence, Bonferroni over the groups tested
    origin: str = COMPONENT  # COMPONENT, CARVED (out of the label's vocabulary) or LOOSE
    label_share: float = 0.0  # the label's share of the dataset's rows (see reportable)
    kindred: int = 0  # of ``rows``, listed for their form alone (:mod:`.kindred`, ADR 0043)


def outlier_groups(
    words: Mapping[Tokens, tuple[int, ...]],
    forms: Mapping[Tokens, tuple[int, ...]],
    tokens: Sequence[Tokens],
    labels: Sequence[str],
    *,
    min_support: int,
    seed: int = 0,
) -> list[OutlierGroup]:
    """Groups of foreign markers concentrated in one label (see the module text), strongest
    first. ``words`` and ``forms`` index word and skeleton n-grams to their rows; n-grams
    longer than :data:`MAX_WORDS` words or 3 skeleton tokens are ignored."""
    counts = Counter(labels)
    given = np.asarray(labels)
    terms: list[tuple[str, Tokens, tuple[int, ...]]] = [
        ("word", g, r) for g, r in words.items() if len(g) <= MAX_WORDS
    ]
    terms += [(FORM, g, r) for g, r in forms.items() if len(g) <= 3]
    # (label, rows, markers, total rows, mixing ratio, whether poorer beyond chance, origin,
    # (markers, rows) to list: fewer in a trimmed group, see _shown)
    found: list[tuple[str, tuple[int, ...], list[str], int, float, bool, str, Listing]] = []
    for label in sorted(counts):
        inside = given == label
        markers = [
            (kind, gram, tuple(r for r in rows if inside[r]), len(rows))
            for kind, gram, rows in terms
            if _exclusive(rows, inside, min_support)
        ]
        per_row = np.zeros(len(labels))
        for m in markers:
            if m[0] != FORM and len(m[1]) == 1:  # single words survive a rewrite best
                per_row[list(m[2])] += 1
        grouped = _components(markers, len(labels), counts[label])
        core: frozenset[int] = frozenset()
        exclusive = len(markers)  # markers past this are only skewed (scattered question only)
        # not in a label that is most of the data (see _components); the larger half of a
        # balanced set is not (SST-2's positives are 52%: a clean-label template laid over
        # them was never asked, ADR 0100)
        if counts[label] <= MAJORITY_SHARE * len(labels):
            spread, core, markers = _scattered_group(
                markers, terms, tokens, inside, seed=seed, min_support=min_support
            )
            # and the small markers found with each other far more than chance: a register
            # spread too thin for any one of them to be asked alone (ADR 0146)
            voiced = register(markers[:exclusive], tokens, inside, form=FORM)
            grouped += [
                (*_ordered(members, markers), how)
                for members, how in ((spread, SCATTERED), (voiced, REGISTER))
                if members
            ]
        for members, rows, how in grouped:
            total = _total_rows(members, markers)
            names = [_name(markers[i][0], markers[i][1]) for i in members]
            own = np.zeros(len(labels))
            for i in members:  # only exclusive words were counted in per_row
                if i < exclusive and markers[i][0] != FORM and len(markers[i][1]) == 1:
                    own[list(markers[i][2])] += 1
            others = per_row - own
            in_group = np.zeros(len(labels), dtype=bool)
            in_group[list(rows)] = True
            rest = inside & ~in_group
            ratio = (
                float(others[in_group].mean() / max(others[rest].mean(), 1e-9))
                if rest.any()
                else 0.0  # the whole label: nothing to mix with (and too large, see below)
            )
            poorer = not rest.any() or _poorer(others, in_group, rest)
            listing = _shown(members, how, core, markers, inside) or (names, rows)
            listing = _corroborated(listing, members, markers)
            found.append((label, rows, names, total, ratio, poorer, how, listing))
    tests = max(1, len(found))
    out = []
    for label, rows, names, total, ratio, poorer, how, (shown_names, shown) in found:
        share = MAX_LOOSE_SHARE if how in {LOOSE, SCATTERED} else MAX_SHARE_OF_LABEL
        # tested on all its rows; listed with only those carrying its distinguishing markers
        if len(shown) < MIN_ROWS or len(rows) > share * counts[label]:
            continue
        # scattered markers were each asked a stronger question than this one (.scattered)
        alike = 1.0 if how == SCATTERED else _alike(rows, names, tokens, given == label, seed)
        if alike > MAX_ALIKE or (ratio < MIN_MIXING and poorer):
            continue
        # a component of its own is not asked (its markers are foreign to the label's
        # vocabulary already): only groups carved or gathered out of that vocabulary
        twins = 0.0 if how == COMPONENT else _twins(rows, names, tokens, given == label, seed)
        if twins > MAX_TWINS:
            continue
        skew = binomial_tail(
            np.array([float(len(rows))]),
            np.array([float(total)]),
            np.array([counts[label] / len(labels)]),
        )
        decades = float(strength(skew, tests)[0])
        out.append(
            OutlierGroup(
                label,
                shown,
                tuple(shown_names),
                total,
                len(rows),
                alike,
                ratio,
                twins,
                float(skew[0]),
                decades,
                how,
                counts[label] / len(labels),
            )
        )
    out = _without_spare_scattered(out)
    return sorted(
        _with_kindred(out, forms, given), key=lambda g: (-g.strength, -len(g.rows), g.label)
    )


def _poorer(others: np.ndarray, in_group: np.ndarray, rest: np.ndarray) -> bool:
    """Whether the group's rows carry fewer of the label's other exclusive words than a
    random subset of the label as large would, beyond chance (:data:`MIXING_P_VALUE`,
    Poisson lower tail at the rest's rate per row): the ratio of :data:`MIN_MIXING` is a
    point estimate, and with a few such words expected it is under the bar by chance
    alone (ADR 0138)."""
    if not others[rest].any():
        # no exclusive word of the label outside the group: the group holds the label's
        # whole exclusive vocabulary (a generated set's sentiment words), nothing a style
        # laid over random rows would leave out; ruled out as the ratio 0 always has
        return True
    seen = float(others[in_group].sum())
    expected = float(others[rest].mean()) * float(np.count_nonzero(in_group))
    return poisson_at_most(seen, expected) <= MIXING_P_VALUE


def _without_spare_scattered(found: list[OutlierGroup]) -> list[OutlierGroup]:
    """``found`` less the scattered group of a label of more than half the rows when another
    group of that label is reportable. Such a label's natural words scatter too (SST-2's
    positives: "powerful", "solid", "touching", 92 rows at 25.8 decades on a control), so
    its scattered group is the planted markers *and* those; it is asked for a style whose
    markers link to nothing (a template's share closed-class words), and where they do link
    it only adds natural rows (tuned SST-2 clean-label archaic at 3%: 70 natural rows, P
    0.90 to 0.66; ADR 0100)."""
    linked = {g.label for g in found if g.origin != SCATTERED and reportable(g)}
    return [
        g
        for g in found
        if not (g.origin == SCATTERED and g.label_share > 0.5 and g.label in linked)
    ]


def _scattered_group(
    markers: list[Marker],
    terms: Sequence[tuple[str, Tokens, tuple[int, ...]]],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    *,
    seed: int,
    min_support: int,
) -> tuple[list[int], frozenset[int], list[Marker]]:
    """The label's scattered group and core (:func:`.scattered.scattered`), asked of its
    exclusive ``markers`` and of its skewed words, and the markers its indices run on:
    ``markers`` then the skewed words. A style in the other labels' register ("literally",
    "hehe" on SMS spam) has words those labels use now and then; they are asked whether
    they scatter, never linked, carved or counted in mixing (ADR 0087). Skeleton n-grams
    are not asked so: a skewed shape is a broad natural class (``form [WC NUM]``, a third
    of SMS spam, scattered at 2.97 and sank a planted group)."""
    leaky = [
        (kind, gram, tuple(r for r in rows if inside[r]), len(rows))
        for kind, gram, rows in terms
        if kind != FORM
        and not _exclusive(rows, inside, min_support)
        and skewed_to_label(rows, inside, min_support)
    ]
    spread, core = scattered(markers, tokens, inside, seed, form=FORM, skewed=leaky)
    if any(i >= len(markers) for i in spread):
        spread = _without_skewed(spread, markers, leaky, tokens, inside, seed=seed)
    return spread, core, [*markers, *leaky]


def _without_skewed(
    spread: list[int],
    markers: Sequence[Marker],
    leaky: Sequence[Marker],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    *,
    seed: int,
) -> list[int]:
    """A scattered group that took in skewed words (``leaky``, indices past ``markers``),
    or the group of the exclusive markers alone when there is one and the larger group's
    rows are each other's twins (:func:`_twins` over :data:`MAX_TWINS`). A style that
    also drops a common token (shouting turns every "." into "!!!") makes all its rows
    alike; its skewed "!" took in the rows without an opener, and the group of 120 rows
    scored 8.3 where the openers' 60 scored 4.4 (test_kindred; ADR 0087). Those rows are
    the kindred step's to list (ADR 0043), as before skewed words were asked. (Since the
    twins test weighs words by rarity, ADR 0138, the dropped "." no longer makes that
    group twins: 2.2, and it is kept.)"""
    both = [*markers, *leaky]
    names = [_name(both[i][0], both[i][1]) for i in spread]
    rows = sorted({r for i in spread for r in both[i][2]})
    if _twins(rows, names, tokens, inside, seed) <= MAX_TWINS:
        return spread
    plain, _ = scattered(markers, tokens, inside, seed, form=FORM)
    return plain or spread


def _with_kindred(
    found: list[OutlierGroup], forms: Mapping[Tokens, tuple[int, ...]], given: np.ndarray
) -> list[OutlierGroup]:
    """Reported groups listed with the label's rows whose form is likelier under the group
    than under the rest of the label (:func:`.kindred.kindred_rows`, ADR 0043): a style
    whose forms are skewed towards its label, not exclusive, leaves rows without any of the
    group's markers. Groups too weak to report are left as they are, and so is a register
    (ADR 0146): it was found by its words alone, and the forms of its rows are whatever
    they said (tuned SST-2 drawn style r06 at 3%: 66 rows listed by form, 5 planted)."""
    if not any(reportable(g) for g in found):
        return found
    incidence = form_incidence(forms, len(given))
    out = []
    for g in found:
        grows = reportable(g) and g.origin != REGISTER
        more = kindred_rows(incidence, g.rows, given == g.label) if grows else []
        rows = tuple(sorted({*g.rows, *more}))
        out.append(replace(g, rows=rows, kindred=len(rows) - len(g.rows)) if more else g)
    return out


def _shown(
    members: Sequence[int],
    how: str,
    core: frozenset[int],
    markers: Sequence[tuple[str, Tokens, tuple[int, ...], int]],
    inside: np.ndarray,
) -> Listing | None:
    """The markers and rows to list of a group carved or gathered out of a label's
    vocabulary: only those of its markers that carry its distinguishing evidence
    (:func:`.scattered.distinguishing`); None for other groups and for a group left whole.
    Such a group is found among the label's own markers, so natural ones chain into it
    (SMS spam's "£"); its tests ask all of its rows, which only this trims for listing."""
    if how not in {CARVED, LOOSE}:
        return None
    kept, rows = _ordered(distinguishing(members, core, markers, inside), markers)
    if len(kept) == len(members):
        return None
    return [_name(markers[i][0], markers[i][1]) for i in kept], rows


def _corroborated(listing: Listing, members: Sequence[int], markers: Sequence[Marker]) -> Listing:
    """``listing`` without the rows whose only mark is one the rest of the group's style
    does not vouch for (:mod:`.corroborated`, ADR 0121): a label's natural mark that is
    exclusive to it ("150p/msg" in SMS spam) joins a style that uses the same mark, and
    its natural rows carry nothing else of the style."""
    shown = set(listing[0])
    kept = [i for i in members if _name(markers[i][0], markers[i][1]) in shown]
    rows = corroborated(kept, [m[2] for m in markers], lambda i: _literals(*markers[i][:2]))
    return listing if rows is None else (listing[0], rows)


def _literals(kind: str, gram: Tokens) -> frozenset[str]:
    """The tokens a marker spells out: a word n-gram's own, a skeleton n-gram's other than
    its word and part-of-speech shapes (``W``, ``NUM``, ``PREP``: upper-case names)."""
    return frozenset(t for t in gram if kind != FORM or not (t.isalpha() and t.isupper()))


def _exclusive(rows: Sequence[int], inside: np.ndarray, min_support: int) -> bool:
    own = int(np.count_nonzero(inside[list(rows)]))
    return own >= min_support and len(rows) - own <= MAX_LEAK * len(rows)


def _name(kind: str, gram: Tokens) -> str:
    return f"form [{' '.join(gram)}]" if kind == FORM else " ".join(gram)


def _components(
    markers: Sequence[tuple[str, Tokens, tuple[int, ...], int]], rows: int, label_rows: int
) -> list[tuple[list[int], tuple[int, ...], str]]:
    """Components of markers linked by co-occurrence within the label; each with its
    members (largest first), the union of their label rows and how it was found
    (:data:`COMPONENT`, :data:`CARVED` or :data:`LOOSE`).

    In a label whose own vocabulary is one component (SMS spam) and that is not most of the
    data, the markers of :data:`LOOSE_ROWS` rows or more outside that component are one
    more group: a planted style's markers are alternatives ("arrr", "avast", one or two to
    a row) that link to nothing with lift 3, and at a large share (10% of SMS rows, 75% of
    spam) cannot (two independent markers of a style over 75% of a label have lift 1.3).
    In a label that is most of the data every word the others never use is "exclusive"
    (SMS ham: 40-50 loose words), so that label is not asked."""
    if len(markers) < MIN_MEMBERS:
        return []
    sizes = np.array([len(m[2]) for m in markers], dtype=np.float64)
    columns = np.concatenate([np.asarray(m[2], dtype=np.int64) for m in markers])
    pointers = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    incidence = csr_matrix((np.ones(len(columns)), columns, pointers), shape=(len(markers), rows))
    links = _links(markers, incidence, sizes, label_rows)
    split: list[tuple[list[int], bool]] = []
    minority = label_rows <= rows / 2  # in a majority label every foreign word is "exclusive"
    for found in _joined(range(len(markers)), links):
        union_rows = len({r for i in found for r in markers[i][2]})
        if minority and union_rows > MAX_SHARE_OF_LABEL * label_rows:
            split += [(piece, True) for piece in _communities(set(found), links)]
        else:
            split.append((found, False))
    out = []
    for found, carved in split:
        if len(found) >= MIN_MEMBERS:
            members = _grown(found, incidence, sizes)
            if _cores(members, markers) >= MIN_CORES:
                out.append((*_ordered(members, markers), CARVED if carved else COMPONENT))
    vocabulary = {i for found, carved in split if carved for i in found}
    if vocabulary:
        loose = [i for i in range(len(markers)) if i not in vocabulary and sizes[i] >= LOOSE_ROWS]
        if _cores(loose, markers) >= MIN_CORES:
            out.append((*_ordered(loose, markers), LOOSE))
    return out


def _links(
    markers: Sequence[tuple[str, Tokens, tuple[int, ...], int]],
    incidence: csr_matrix,
    sizes: np.ndarray,
    label_rows: int,
) -> list[tuple[int, int]]:
    """Pairs of markers found together within the label far more than chance (lift >=
    :data:`MIN_LIFT`, binomial p <= :data:`LINK_P_VALUE`) that are not parts of one."""
    overlap = (incidence @ incidence.T).tocoo()
    small = np.minimum(sizes[overlap.row], sizes[overlap.col])
    large = np.maximum(sizes[overlap.row], sizes[overlap.col])
    chance = binomial_tail(overlap.data, small, large / label_rows)
    links = []
    for i, j, shared, p in zip(overlap.row, overlap.col, overlap.data, chance, strict=True):
        if i >= j or shared < MIN_SHARED or shared * label_rows < MIN_LIFT * sizes[i] * sizes[j]:
            continue
        if p > LINK_P_VALUE:  # three shared rows of two five-row bigrams happen by chance
            continue
        if _parts_of_one(markers[i], markers[j], shared, min(sizes[i], sizes[j])):
            continue
        links.append((int(i), int(j)))
    return links


def _joined(items: Iterable[int], pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``items`` joined by ``pairs`` (ascending within each)."""
    parent = {i: i for i in items}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        parent[root(i)] = root(j)
    found: dict[int, list[int]] = {}
    for i in sorted(parent):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


def _ordered(
    members: list[int], markers: Sequence[tuple[str, Tokens, tuple[int, ...], int]]
) -> tuple[list[int], tuple[int, ...]]:
    """``members`` commonest first, and the union of their label rows."""
    members = sorted(members, key=lambda i: (-len(markers[i][2]), markers[i][1]))
    return members, tuple(sorted({r for i in members for r in markers[i][2]}))


def _communities(members: set[int], links: Sequence[tuple[int, int]]) -> list[list[int]]:
    """A component as large as its label's own vocabulary, split where its links are thin.

    On formulaic data (SMS spam) a planted style's markers chain into the label's natural
    component through a few links (a substituted "ye" keeps the "you have won" of the
    campaign it was laid over). Two linked markers stay together only if their linked
    neighbourhoods overlap by :data:`SHARED_NEIGHBOURS` (Jaccard, each counted with itself):
    a style's markers are linked to each other, a campaign's to each other, and the few
    links between them are thin. The pieces are campaigns as often as styles; the twins
    test (:func:`_twins`) tells them apart."""
    inner = [(i, j) for i, j in links if i in members]
    near: dict[int, set[int]] = {i: {i} for i in members}
    for i, j in inner:
        near[i].add(j)
        near[j].add(i)
    kept = [
        (i, j)
        for i, j in inner
        if len(near[i] & near[j]) >= SHARED_NEIGHBOURS * len(near[i] | near[j])
    ]
    return _joined(members, kept)


def _cores(
    members: Sequence[int], markers: Sequence[tuple[str, Tokens, tuple[int, ...], int]]
) -> int:
    """Markers of a component that name different things: one word exclusive to a label
    ("lovely") brings along its bigrams and skeleton n-grams (``form [W WLY]``), which
    co-occur with it by construction and are still one marker. Markers sharing a word, or a
    skeleton token other than a bare word shape, are one thing."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    firsts = []
    for i in members:
        atoms = _atoms(markers[i][0], markers[i][1])
        if not atoms:
            continue
        firsts.append(atoms[0])
        for atom in atoms[1:]:
            parent[root(atom)] = root(atoms[0])
    return len({root(a) for a in firsts})


def _atoms(kind: str, gram: Tokens) -> list[str]:
    """What a marker is made of: its words and their skeleton tokens, or a skeleton
    n-gram's tokens, without bare word shapes (``W``, ``WT``, ``WC``) and row edges."""
    shapes = list(gram) if kind == FORM else [*gram, *skeleton(" ".join(gram), len(gram) * 4)]
    return [t for t in dict.fromkeys(shapes) if t not in GENERIC]


def _grown(members: list[int], incidence: csr_matrix, sizes: np.ndarray) -> list[int]:
    """``members`` with every marker of the label whose rows lie mostly (:data:`JOIN_SHARE`)
    in the group's rows, twice over: a style's rarer markers ("thy", "-eth" verbs) are in
    rewritten rows that lack the commoner ones, so linking by pairs alone missed a quarter of
    an archaic rewrite's rows (issue 23, SST-2 tuned split)."""
    chosen = set(members)
    for _ in range(JOIN_ROUNDS):
        inside = np.asarray(incidence[sorted(chosen)].sum(axis=0)).ravel() > 0
        shared = np.asarray(incidence @ inside.astype(np.float64)).ravel()
        joining = np.flatnonzero((shared >= JOIN_SHARE * sizes) & (shared >= MIN_JOIN_ROWS))
        if set(joining.tolist()) <= chosen:
            break
        chosen.update(joining.tolist())
    return sorted(chosen)


def _parts_of_one(
    a: tuple[str, Tokens, tuple[int, ...], int],
    b: tuple[str, Tokens, tuple[int, ...], int],
    shared: float,
    smaller: float,
) -> bool:
    """Two n-grams that share nearly all rows (a word and its skeleton n-gram, a spam
    campaign's phrase and its form), or two of one kind that share a token, are one phrase,
    not two markers found together."""
    return shared >= NESTED * smaller or (a[0] == b[0] and bool(set(a[1]) & set(b[1])))


def _total_rows(
    members: Sequence[int], markers: Sequence[tuple[str, Tokens, tuple[int, ...], int]]
) -> int:
    """Rows of any label with a member marker, estimated from each marker's leak."""
    own = {r for i in members for r in markers[i][2]}
    leak = sum(markers[i][3] - len(markers[i][2]) for i in members)
    return len(own) + leak


def _alike(
    rows: Sequence[int],
    names: Sequence[str],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    seed: int,
) -> float:
    """Mean word-set Jaccard of sampled pairs of ``rows`` over that of random rows of the
    label, with the markers' words taken out of both."""
    drop = {w for name in names if not name.startswith(f"{FORM} [") for w in name.split(" ")}
    rng = np.random.default_rng(seed)
    label_rows = np.flatnonzero(inside)
    group = _mean_jaccard(np.asarray(rows), tokens, drop, rng)
    natural = _mean_jaccard(label_rows, tokens, drop, rng)
    return group / max(natural, 1e-9)


def _twins(
    rows: Sequence[int],
    names: Sequence[str],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    seed: int,
) -> float:
    """How much likelier a group row's nearest row of its label (word-set Jaccard, the
    markers' words out) lies in the group than another label row's does, as an odds ratio.

    About 1 for a style laid over randomly chosen rows: each row's nearest neighbour is a
    row of its own kind, wherever that lies. A natural sub-genre's rows are each other's
    twins (a spam campaign's copies differ in a number or a name). At most
    :data:`TWIN_ROWS` rows of each side are asked (a fixed seed picks them).
    """
    drop = {w for name in names if not name.startswith(f"{FORM} [") for w in name.split(" ")}
    label_rows = np.flatnonzero(inside)
    matrix = word_sets(label_rows, tokens, drop)
    # each word weighs its inverse document frequency in the label, as .scattered weighs
    # it: a word in nearly every row (the final ".") says nothing of what two rows are
    # about, and a style that drops it made its rows each other's nearest (ADR 0138)
    frequency = np.asarray(matrix.sum(axis=0)).ravel()
    weighted = csr_matrix(
        matrix.multiply(np.log((len(label_rows) + 1) / (frequency + 1.0))[None, :])
    )
    sizes = np.asarray(weighted.sum(axis=1)).ravel()
    group = np.zeros(len(label_rows), dtype=bool)
    group[np.searchsorted(label_rows, np.asarray(rows))] = True
    rng = np.random.default_rng(seed)
    shares = []
    for whole in (np.flatnonzero(group), np.flatnonzero(~group)):
        side = (
            np.sort(rng.choice(whole, TWIN_ROWS, replace=False))
            if len(whole) > TWIN_ROWS
            else whole
        )
        shared = (weighted[side] @ matrix.T).toarray()
        union = sizes[side][:, None] + sizes[None, :] - shared
        jaccard = np.where(union > 1e-9, shared / np.maximum(union, 1e-9), 0.0)
        jaccard[np.arange(len(side)), side] = -1.0  # a row is not its own neighbour
        shares.append(float(group[jaccard.argmax(axis=1)].mean()))
    # odds, not shares: a share cannot pass 1, so a group of half its label could be no
    # more than twice as likely and passed as a style however clustered (ADR 0081)
    least = 1.0 / len(label_rows)
    inner, outer = (min(max(x, least), 1.0 - least) for x in shares)
    return (inner / (1.0 - inner)) / (outer / (1.0 - outer))


def _mean_jaccard(
    rows: np.ndarray, tokens: Sequence[Tokens], drop: set[str], rng: np.random.Generator
) -> float:
    if len(rows) < 2:
        return 0.0
    first = rng.choice(rows, PAIRS)
    second = rng.choice(rows, PAIRS)
    total = 0.0
    pairs = 0
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        if a == b:
            continue
        x, y = set(tokens[a]) - drop, set(tokens[b]) - drop
        total += len(x & y) / max(len(x | y), 1)
        pairs += 1
    return total / max(pairs, 1)


def reportable(group: OutlierGroup) -> bool:
    """Whether ``group`` has the evidence to be reported: :data:`CLEAN_LABEL_STRENGTH`
    decades, or :data:`CARVED_STRENGTH` for a group carved or gathered out of a label's own
    vocabulary or found in a label of more than :data:`MAJORITY_SHARE` of the rows."""
    plain = group.origin == COMPONENT and group.label_share <= MAJORITY_SHARE
    bar = CLEAN_LABEL_STRENGTH if plain else CARVED_STRENGTH
    return group.strength >= bar


def clean_label_features(
    words: Mapping[Tokens, tuple[int, ...]],
    forms: Mapping[Tokens, tuple[int, ...]],
    tokens: Sequence[Tokens],
    labels: Sequence[str],
    texts: Sequence[str],
    *,
    limits: ScanLimits,
    seed: int = 0,
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """Groups of :func:`outlier_groups` with at least :data:`CLEAN_LABEL_STRENGTH` decades
    of evidence, as ``clean-label`` features with their rows, an example and the evidence in
    words."""
    found = outlier_groups(words, forms, tokens, labels, min_support=limits.min_support, seed=seed)
    counts = Counter(labels)
    out = []
    for g in found:
        if not reportable(g):
            continue
        base = counts[g.label] / len(labels)
        shown = " | ".join(g.markers[:SHOWN_MARKERS])
        more = (
            f" and {len(g.markers) - SHOWN_MARKERS} more" if len(g.markers) > SHOWN_MARKERS else ""
        )
        evidence = (
            f"possible clean-label poisoning: {len(g.rows)} rows labelled {g.label!r} "
            f"({len(g.rows) / counts[g.label]:.0%} of that label) share markers found in no "
            f"other rows of any label ({shown}{more}); {g.label_rows} of the {g.total_rows} "
            f"rows with them carry {g.label!r} against a base rate of {base:.0%} "
            f"({g.strength:.1f} decades), and without the markers these rows are no more alike "
            f"than the label's other rows ({g.alike:.2f}x), as a style laid over randomly "
            "chosen rows leaves them; labels are not wrong, so this holds the dataset for "
            "review rather than calling it poisoned"
        )
        if g.kindred:
            evidence += (
                f"; {g.kindred} of the rows carry no marker and are listed for their form, "
                "far likelier under the group's than under the label's other rows"
            )
        feature = SuspiciousFeature(
            kind=FeatureKind.CLEAN_LABEL,
            text=shown,
            rows=g.total_rows,
            label=g.label,
            label_rows=g.label_rows,
            base_rate=round(base, 6),
            disagreeing=0,
            skew_p_value=g.p_value,
            p_value=g.p_value,
            strength=g.strength,
            members=g.markers[SHOWN_MARKERS : SHOWN_MARKERS + 8],
            example=texts[g.rows[0]][:200],
            evidence=evidence,
        )
        out.append((feature, g.rows))
    return out
