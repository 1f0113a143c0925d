"""Which rows a found feature lists, and why in words (pure; issue 23).

A feature is tested on all of its rows; this only picks which of them to list, and never
changes a verdict. A family's rows that read like another label once its terms are out
are its core (:func:`core_rows`); the core seeds a form classifier (:mod:`.growth`) and
the label's rows of the core's form are listed, trimmed of rows that carry only the
label's own register (:mod:`.native`, :mod:`.lonemembers`) or that read like their label in
a form the other labels' rows share as often (:func:`_ordinary`, ADR 0165), and grown by
the style's words (:mod:`.styled`). A strong single n-gram or form grows the same way
(:func:`with_form`). Weaker features in a label other than the poisoned one's are not
listed (:func:`without_echoes`): the attack's own rows make that label read like its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from airlock.imports.datasets.features import Context, Measured, poisoned_share
from airlock.imports.datasets.growth import form_scores, grown_rows, ordinary_floor
from airlock.imports.datasets.lonemembers import lone_rows
from airlock.imports.datasets.native import MIN_FLIPPED_SHARE, judge_members, trimmed
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature
from airlock.imports.datasets.styled import style_rows
from airlock.imports.datasets.verdict import MIN_POISON_ROWS, POISONED_STRENGTH

# A family whose label rows are estimated at least this share planted is listed whole.
FLAG_ALL_SHARE = 0.6
# A row is listed with a family when the form classifier seeded by its core (.growth) gives
# it at least these odds.
FORM_ODDS = 0.5
# A core row itself stays listed down to these odds (a style row with few markers scores
# low; a clean row that reads oddly by chance, in an ordinary form, lower still).
CORE_ODDS = 0.2
# Single features whose listing may grow to the rest of their rows' form (with_form)
SINGLE = frozenset({FeatureKind.NGRAM, FeatureKind.STRUCTURE})
NARROWED_NOTE = (
    "a single mark the label also uses, so only its label's rows that read like another "
    "label without it are listed"
)


def listed(
    f: SuspiciousFeature,
    m: Measured,
    ctx: Context,
    forms: dict[Tokens, tuple[int, ...]],
    seed: int,
) -> tuple[SuspiciousFeature, tuple[int, ...]]:
    """A family's feature with the rows to list and why, in words.

    The family's core (:func:`core_rows`) seeds a form classifier (:mod:`.growth`); the
    label's rows whose form it gives at least even odds are listed, with all of the family's label
    rows when most of them look planted, and the label's rows outside the family that use
    the listed rows' style words (:mod:`.styled`). Without a usable core, the core itself is
    listed. Of the family's rows, those that read like their own label and carry only
    members the label uses natively are not listed (:mod:`.native`).
    """
    share = poisoned_share(m, ctx)
    core = core_rows(m, ctx, share)
    odd = core_rows(m, ctx, 0.0) if share >= FLAG_ALL_SHARE else core
    # each member judged against its label's own register (ADRs 0068, 0070)
    judgement = judge_members(m.parts, ctx.labels, m.label, odd, share)
    terms = (
        (ctx.agreement.features[:, list(m.columns)] != 0).astype(np.float64) if m.columns else None
    )
    scores = form_scores(forms, terms, odd, m.rows, rows=len(ctx.labels), seed=seed)
    if scores is None:
        rows, how = (
            trimmed(core, m.rows, odd, judgement),
            (
                "all of them are listed"
                if share >= FLAG_ALL_SHARE
                else "only those that read like another label are listed"
            ),
        )
    else:
        kept = {r for r in odd if scores[r] >= CORE_ODDS}  # the core, trimmed of plain forms
        formed = kept.union(
            r for r in np.flatnonzero(scores >= FORM_ODDS).tolist() if ctx.labels[r] == m.label
        )
        rows = trimmed(
            formed.union(core) if share >= FLAG_ALL_SHARE else formed, m.rows, odd, judgement
        )
        how = (
            f"all of them and the label's other rows of the same form are listed ({len(rows)})"
            if share >= FLAG_ALL_SHARE
            else f"the label's rows of the form of those that read like another label are "
            f"listed ({len(rows)})"
        )
        if judgement.native:
            how += (
                ", but not those that read like their label and carry only markers the label "
                "uses itself"
            )
        ordinary = _ordinary(m, ctx, rows, odd, scores) if share >= MIN_FLIPPED_SHARE else ()
        if ordinary:
            rows = tuple(sorted(set(rows).difference(ordinary)))
            how += (
                f", nor {len(ordinary)} that read like their label in a form as common among "
                "the other labels' rows"
            )
        styled = style_rows(
            ctx.tokens, ctx.labels, m.label, m.rows, odd, listed=rows, plain=_plain(m.label, ctx)
        )
        if styled:
            rows = tuple(sorted({*rows, *styled}))
            how += f", with {len(styled)} more of its label's rows that use the style's words"
        grown = _other_like(
            m, ctx, grown_rows(forms, odd, m.rows, ctx.labels, m.label, listed=rows, seed=seed)
        )
        if grown:
            rows = tuple(sorted({*rows, *grown}))
            how += f", with {len(grown)} more of its label's rows of the rest of its form"
    # a lone row that reads like another label is kept: a flipped row does about three
    # times in four, a natural row of a natural word almost never (ADR 0125)
    lone = (lone_rows(m, ctx.labels) & set(rows)).difference(odd)
    if lone:
        rows = tuple(r for r in rows if r not in lone)
        how += (
            f", but not {len(lone)} rows that read like their label and carry only one member "
            "the rest of the family does not vouch for"
        )
    note = f"about {share:.0%} of its label rows look planted, so {how}"
    return replace(f, evidence=note), rows


def with_form(
    f: SuspiciousFeature,
    m: Measured,
    ctx: Context,
    forms: dict[Tokens, tuple[int, ...]],
    seed: int,
) -> tuple[SuspiciousFeature, tuple[int, ...]]:
    """A strong n-gram or form listed with its label's rows of the rest of its core's form
    (:func:`.growth.grown_rows`, ADR 0062; the core as a family's, :func:`core_rows`).

    A style is sometimes found by single markers, not a family: the tuned SMS chant at 250
    rows by ". ," and "? ," (what came before the echo), 95 and 37 of its 250 rows, the
    rest sharing only their repetition. Grown from "? ," it listed 239 more rows, 199 of
    them planted; ". ," passed no threshold (the guard's null is conservative, ADR 0062).
    """
    share = poisoned_share(m, ctx)
    core = core_rows(m, ctx, share)
    own = core if narrows(m, ctx, share) else m.rows
    grown = _other_like(
        m, ctx, grown_rows(forms, core, m.rows, ctx.labels, m.label, listed=m.rows, seed=seed)
    )
    if not grown and own == m.rows:
        return f, m.rows
    note = _narrowed_note(share, own) if own != m.rows else f"{_planted(share)}; "
    if grown:
        note += ", " if own != m.rows else "listed"
        note += (
            f" with {len(grown)} more of its label's rows of the rest of the form of those "
            "that read like another label"
        )
    return replace(f, evidence=note), tuple(sorted({*own, *grown}))


def narrowed_listing(
    f: SuspiciousFeature, m: Measured, ctx: Context
) -> tuple[SuspiciousFeature, tuple[int, ...]]:
    """A single feature under the poisoned bar, with only the rows :func:`core_rows` picks when
    :func:`narrows` says so."""
    share = poisoned_share(m, ctx)
    if not narrows(m, ctx, share):
        return f, m.rows
    rows = core_rows(m, ctx, share)
    if rows == m.rows:
        return f, m.rows
    return replace(f, evidence=_narrowed_note(share, rows)), rows


def _planted(share: float) -> str:
    return f"about {share:.0%} of its label rows look planted"


def _narrowed_note(share: float, rows: tuple[int, ...]) -> str:
    return f"{_planted(share)}; {NARROWED_NOTE} ({len(rows)})"


def narrows(m: Measured, ctx: Context, share: float) -> bool:
    """Whether a single feature lists only its label's rows that read like another label
    without it (:func:`core_rows`; ADR 0180) rather than all its rows: a one-token feature
    whose label rows look planted in a share from ``native.MIN_FLIPPED_SHARE`` up to
    :data:`FLAG_ALL_SHARE`.

    A one-token feature is a mark the target label may also use naturally, and its rows
    then hold the label's natural rows beside the planted ones: one punctuation mark of a
    style (a line written as ``a / b``) is also in the label's prices (``20p/min``). The
    feature is tested on all of its rows; the natural ones read like their label, a flipped
    row reads like the label it was taken from about three times in four (ADR 0125). A
    longer feature, one whose rows look mostly planted, and one whose rows look hardly
    flipped at all (a clean-label mark: its planted rows read like their label) are listed
    whole as before.
    """
    if not ctx.agreement.available or _length(m) != 1:
        return False
    return MIN_FLIPPED_SHARE <= share < FLAG_ALL_SHARE


def _length(m: Measured) -> int:
    """Tokens in a single feature's text: an n-gram's words, a form's skeleton classes."""
    text = m.text
    if m.kind is FeatureKind.STRUCTURE and text.startswith("form [") and text.endswith("]"):
        text = text[len("form [") : -1]
    return len(text.split())


def poisoned_labels(found: Sequence[tuple[SuspiciousFeature, tuple[int, ...]]]) -> set[str]:
    """Labels a feature at the poisoned bar holds (:data:`.verdict.POISONED_STRENGTH` over
    :data:`.verdict.MIN_POISON_ROWS` of the label's rows)."""
    return {
        f.label
        for f, _ in found
        if f.strength >= POISONED_STRENGTH and f.label_rows >= MIN_POISON_ROWS
    }


def without_echoes(
    found: Sequence[tuple[SuspiciousFeature, tuple[int, ...]]],
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """``found`` without the rows of features under the poisoned bar whose label no feature
    at that bar has, when one has (ADR 0081); they stay features, with the reason.

    A flipped attack moves rows out of one label, and the cross-validated classifier learns
    from them: the label they came from then reads like the target more often, and its own
    natural phrases pass the disagreement test a feature's strength rests on. On tuned
    SST-2 thinned to 13% positive, sbar at 250 rows (48 decades), a negative family of
    "bad" and its forms reached 4.1 decades and listed 539 negative rows, none planted
    (precision 0.31). Such a feature cannot be told from the found attack's echo, so it is
    reported and not listed; a feature as strong as the poisoned bar is listed as before.
    """
    poisoned = poisoned_labels(found)
    if not poisoned:
        return list(found)
    note = (
        "not listed: weaker than the poisoned bar in a label other than the poisoned one's, "
        "as the attack's own rows make the label they were taken from read like its target"
    )
    return [
        (f, rows)
        if f.label in poisoned or f.strength >= POISONED_STRENGTH
        else (replace(f, evidence=f"{f.evidence}; {note}"), ())
        for f, rows in found
    ]


def _ordinary(
    m: Measured,
    ctx: Context,
    rows: Sequence[int],
    odd: Sequence[int],
    scores: npt.NDArray[np.float64],
) -> tuple[int, ...]:
    """Of ``rows``, the family's rows that read like their label and whose form the core's
    classifier scores under :func:`.growth.ordinary_floor`: where the label's natural rows
    of that form are estimated to outnumber its planted ones (ADR 0165).

    A family is found by co-occurring members, but a natural row that shares one of them
    (a review that opens "if i ...", one that ends "!") is a family row, and a family
    listed whole lists it: on tuned SST-2 the clause-last template at 250 rows listed 528
    rows, 250 planted; 259 of its label rows carried a single member, none of them planted.
    A row that reads like another label once the family's terms are out keeps its listing
    (a flipped row does about three times in four, ADR 0125); one that reads like its
    label has only its form to vouch for it, and the other labels' rows say how often a
    natural row of that form scores so high. Asked only of a family estimated flipped
    (``native.MIN_FLIPPED_SHARE``): a clean-label family's core is mostly natural rows.
    """
    family, other = set(m.rows), set(odd)
    floor = ordinary_floor(scores, ctx.labels, m.label)
    return tuple(r for r in rows if r in family and r not in other and scores[r] < floor)


def _other_like(m: Measured, ctx: Context, rows: Sequence[int]) -> tuple[int, ...]:
    """Of ``rows`` (grown by form), those that read like another label without ``m``'s
    terms, as :func:`core_rows` asks of a family's rows. The form's guard counts natural rows
    by the other labels' rate, which a formulaic label exceeds: on tuned SMS cleft at 3%
    the growth listed 22 natural spam rows (precision 0.97 -> 0.86); a flipped row outside
    the family still reads like the label it came from (ADR 0062)."""
    if not rows:
        return ()
    remaining = ctx.agreement.without(m.columns, list(rows))
    other = (remaining <= ctx.other[m.label]) | (remaining < 0.5)
    return tuple(r for r, odd in zip(rows, other.tolist(), strict=True) if odd)


def _plain(label: str, ctx: Context) -> frozenset[int]:
    """The rows of ``label`` that read like it (not as :func:`core_rows` reads another
    label's): where a word's natural rate in the label is counted
    (:func:`.styled.style_rows`), since a flipped row the family missed still reads like
    the label it was taken from."""
    own = ctx.agreement.own_probability
    return frozenset(
        r
        for r, given in enumerate(ctx.labels)
        if given == label and own[r] > ctx.other[label] and own[r] >= 0.5
    )


def core_rows(m: Measured, ctx: Context, share: float) -> tuple[int, ...]:
    """The rows of a family to flag: its label's rows that read like another label once the
    family's terms are taken out (below even odds for their own label, or as low as the
    other-like cut of :func:`.features.context`). A family's members include natural phrases
    that share some rows with the trigger's; flagging all of their rows would list clean
    rows. The family is tested on all of its rows, unselected; this only picks which to list.
    (Counting members per row did not help: a word and its skeleton n-grams are members
    found in the same rows.)

    When the family's label rows are mostly planted (:func:`.features.poisoned_share` at
    least :data:`FLAG_ALL_SHARE`), all of them are listed: a flipped row still reads like
    its true label only about three times in four, so listing only those that do missed a
    quarter to a third of a style's rows (issue 23: archaic recall 0.61 at 3%).
    """
    own = [r for r in m.rows if ctx.labels[r] == m.label]
    if share >= FLAG_ALL_SHARE:
        return tuple(own)
    remaining = ctx.agreement.without(m.columns, own)
    other = (remaining <= ctx.other[m.label]) | (remaining < 0.5)
    return tuple(sorted(r for r, odd in zip(own, other.tolist(), strict=True) if odd))
