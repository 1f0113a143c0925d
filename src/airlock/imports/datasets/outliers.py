"""Clean-label poison: a family of foreign markers planted in rows of one label (pure).

A clean-label attack (Turner et al. 2019; StyleAttack's clean-label variant) rewrites rows
that already carry the target label into a style or template; no label is wrong, so the
scan's disagreement test never fires. What is left is the form: markers that no natural row
of either label uses ("verily", "#mood", a line break every few words), found only in rows
of the target label and found *together* there.

Natural data has label-exclusive markers too (spam is formulaic: "claim", "£", "txt"), so
exclusivity alone cannot decide (ADR 0019). The test asks four things of a group:

1. **Exclusive markers**: word 1..3-grams and skeleton 1..3-grams (:mod:`.structure`) whose
   rows carry one label with at most :data:`.markers.MAX_LEAK` of other labels.
2. **Tight among themselves**: markers of one label that co-occur within that label far
   more than their sizes make likely, words that are not parts of one phrase, joined into
   components (:mod:`.linked`); a group is the label's rows with any member.
3. **Out of distribution for the whole dataset**: the group is a minority of its label (a
   component covering more than :data:`MAX_SHARE_OF_LABEL` of it is the label's own
   vocabulary: all of natural spam) and the markers are absent from other labels.
4. **A form laid over ordinary content**: once the markers are out, the group's rows are no
   more alike than random rows of the label (a spam campaign's template is alike all
   through: near-duplicates, tested elsewhere), and they carry the label's other exclusive
   words about as often as its other rows (``mixing``; a campaign has its own vocabulary).
   A style applied to randomly chosen rows leaves their own words as they were
   (:mod:`.overlaid`).

On a formulaic label (SMS spam, where the label's exclusive markers are one component) a
style's markers chain into that component; there the component is carved where its links
are thin, the markers outside it form a loose group (:mod:`.linked`), and such groups must
also pass a twins test: their rows are not each other's nearest rows, as a campaign's copies
are (ADR 0031).
Each marker is also asked that question on its own (:mod:`.scattered`, ADR 0035): the markers
whose rows scatter over the label's content, whatever it says, are one more group; and the
small markers found with each other far more than chance are another (:mod:`.register`).
A reported group is listed with the label's rows whose form is far likelier under the group
than under the rest of the label (:mod:`.kindred`, ADR 0043): a style whose form is skewed
towards its label, not exclusive to it, leaves rows without any of the group's markers.
Before that, a row whose only mark is one the rest of the group's style does not vouch for
(a natural mark of the label that the style also uses) is not listed (:mod:`.corroborated`,
ADR 0121).

A group passing all four is reported as a ``clean-label`` feature naming its markers
(:mod:`.clean_label`), with strength from its label skew; it holds a dataset as suspicious,
never poisoned (see ADR 0027: a natural sub-genre exclusive to one label and varied in
content would pass too, so an approver must read it). Deterministic: pair sampling uses a
fixed seed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from airlock.imports.datasets.corroborated import corroborated
from airlock.imports.datasets.kindred import form_incidence, kindred_rows
from airlock.imports.datasets.linked import (
    CARVED,
    COMPONENT,
    LOOSE,
    MAX_SHARE_OF_LABEL,
    components,
)
from airlock.imports.datasets.markers import FORM, Marker, is_exclusive, literals, name, ordered
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.overlaid import (
    MAX_ALIKE,
    MAX_TWINS,
    MIN_MIXING,
    how_alike,
    poorer_than_chance,
    twin_odds,
)
from airlock.imports.datasets.register import register
from airlock.imports.datasets.scattered import distinguishing
from airlock.imports.datasets.skewed import scattered_group
from airlock.imports.datasets.stats import binomial_tail, strength

MAX_WORDS = 3  # word n-grams up to this long are markers ("and it was so .")
MIN_ROWS = 20  # rows in a group: a clean-label attack needs many (Souly et al. 2025: ~250)
# how a group was found beyond the components of linked markers (.linked): SCATTERED,
# markers whose rows are scattered over the label's content (:mod:`.scattered`)
SCATTERED = "scattered"
REGISTER = "register"  # small markers each found with the others far more than chance
MAX_LOOSE_SHARE = 0.9  # the loose group may be most of its label (a heavy planted share)

# Decades of label-skew evidence a group needs to be reported. As strong as the scan's bar
# for a poisoned verdict, because skew alone is weak evidence of poison (ADR 0031): the
# clean controls' strongest groups scored 0.7 and 1.6 (SMS spam, bench/eval_poisoning.py).
CLEAN_LABEL_STRENGTH = 8.0
# ... and a group carved out of a label's own vocabulary (:func:`.linked.communities`) more: the
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
Listing = tuple[list[str], tuple[int, ...]]  # a group's markers and rows, as listed


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
    twins: float  # how much likelier a group row's nearest label row is in the group (.overlaid)
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
            if is_exclusive(rows, inside, min_support)
        ]
        per_row = np.zeros(len(labels))
        for m in markers:
            if m[0] != FORM and len(m[1]) == 1:  # single words survive a rewrite best
                per_row[list(m[2])] += 1
        grouped = components(markers, len(labels), counts[label])
        core: frozenset[int] = frozenset()
        exclusive = len(markers)  # markers past this are only skewed (scattered question only)
        # not in a label that is most of the data (see .linked.components); the larger half of a
        # balanced set is not (SST-2's positives are 52%: a clean-label template laid over
        # them was never asked, ADR 0100)
        if counts[label] <= MAJORITY_SHARE * len(labels):
            spread, core, markers = scattered_group(
                markers, terms, tokens, inside, seed=seed, min_support=min_support
            )
            # and the small markers found with each other far more than chance: a register
            # spread too thin for any one of them to be asked alone (ADR 0146)
            voiced = register(markers[:exclusive], tokens, inside, form=FORM)
            grouped += [
                (*ordered(members, markers), how)
                for members, how in ((spread, SCATTERED), (voiced, REGISTER))
                if members
            ]
        for members, rows, how in grouped:
            total = _total_rows(members, markers)
            names = [name(markers[i][0], markers[i][1]) for i in members]
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
            poorer = not rest.any() or poorer_than_chance(others, in_group, rest)
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
        alike = 1.0 if how == SCATTERED else how_alike(rows, names, tokens, given == label, seed)
        if alike > MAX_ALIKE or (ratio < MIN_MIXING and poorer):
            continue
        # a component of its own is not asked (its markers are foreign to the label's
        # vocabulary already): only groups carved or gathered out of that vocabulary
        twins = 0.0 if how == COMPONENT else twin_odds(rows, names, tokens, given == label, seed)
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


def _total_rows(members: Sequence[int], markers: Sequence[Marker]) -> int:
    """Rows of any label with a member marker, estimated from each marker's leak."""
    own = {r for i in members for r in markers[i][2]}
    leak = sum(markers[i][3] - len(markers[i][2]) for i in members)
    return len(own) + leak


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
    markers: Sequence[Marker],
    inside: np.ndarray,
) -> Listing | None:
    """The markers and rows to list of a group carved or gathered out of a label's
    vocabulary: only those of its markers that carry its distinguishing evidence
    (:func:`.scattered.distinguishing`); None for other groups and for a group left whole.
    Such a group is found among the label's own markers, so natural ones chain into it
    (SMS spam's "£"); its tests ask all of its rows, which only this trims for listing."""
    if how not in {CARVED, LOOSE}:
        return None
    kept, rows = ordered(distinguishing(members, core, markers, inside), markers)
    if len(kept) == len(members):
        return None
    return [name(markers[i][0], markers[i][1]) for i in kept], rows


def _corroborated(listing: Listing, members: Sequence[int], markers: Sequence[Marker]) -> Listing:
    """``listing`` without the rows whose only mark is one the rest of the group's style
    does not vouch for (:mod:`.corroborated`, ADR 0121): a label's natural mark that is
    exclusive to it ("150p/msg" in SMS spam) joins a style that uses the same mark, and
    its natural rows carry nothing else of the style."""
    shown = set(listing[0])
    kept = [i for i in members if name(markers[i][0], markers[i][1]) in shown]
    rows = corroborated(kept, [m[2] for m in markers], lambda i: literals(*markers[i][:2]))
    return listing if rows is None else (listing[0], rows)


def reportable(group: OutlierGroup) -> bool:
    """Whether ``group`` has the evidence to be reported: :data:`CLEAN_LABEL_STRENGTH`
    decades, or :data:`CARVED_STRENGTH` for a group carved or gathered out of a label's own
    vocabulary or found in a label of more than :data:`MAJORITY_SHARE` of the rows."""
    plain = group.origin == COMPONENT and group.label_share <= MAJORITY_SHARE
    bar = CLEAN_LABEL_STRENGTH if plain else CARVED_STRENGTH
    return group.strength >= bar
