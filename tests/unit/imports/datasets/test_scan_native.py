"""Issue 23, ADR 0068: a family's members judged against their label's own register
(native.py): a member the label uses natively does not list the label's rows."""

from __future__ import annotations

import random

from airlock.imports.datasets.features import OTHER_QUANTILE
from airlock.imports.datasets.native import MIN_CORE, judge_members, planted_other_rate, trimmed


def family_with_a_native_member(
    seed: int,
) -> tuple[list[str], list[tuple[int, ...]], set[int], set[int], set[int]]:
    """2,000 rows, 400 of them "spam". Rows 0-99 are planted (label "spam"); 95 of them read
    like another label. Member 0 ("m8") is in 60 planted rows; member 1 (a row ending in a
    number, ``form [NUM $]``) in 40 planted rows and in 150 natural spam rows, which read
    like spam. Returns labels, the members' rows, the planted rows, the family's rows that
    read like another label, and the natural rows carrying the native member."""
    rng = random.Random(seed)
    labels = ["spam" if r < 400 else "ham" for r in range(2_000)]
    planted = set(range(100))
    odd = set(rng.sample(sorted(planted), 95))
    distinctive = tuple(sorted(rng.sample(sorted(planted), 60)))
    natural = set(rng.sample(range(100, 400), 150))
    native = tuple(sorted(set(rng.sample(sorted(planted), 40)) | natural))
    odd |= set(rng.sample(sorted(natural), 5))  # a few natural rows read oddly by chance
    return labels, [distinctive, native], planted, odd, natural


def test_a_member_the_label_uses_natively_lists_none_of_its_natural_rows() -> None:
    labels, parts, planted, odd, natural = family_with_a_native_member(0)
    family = {r for part in parts for r in part}
    judgement = judge_members(parts, labels, "spam", odd & family, 0.7)
    assert judgement.judged
    assert judgement.native == (1,)
    rows = set(trimmed(family | {1_999}, family, odd & family, judgement))
    assert not (rows & natural) - odd  # natural rows that read like spam are not listed
    assert 1_999 in rows  # a row outside the family was judged by others and stays
    # planted rows stay when they read like another label or carry the style's own mark
    listed_before = planted & family
    assert listed_before - rows <= (planted - odd) - set(parts[0])
    assert len(rows & planted) >= 0.95 * len(listed_before)


def test_members_all_distinctive_trim_nothing() -> None:
    labels, parts, _, odd, _ = family_with_a_native_member(1)
    parts = [parts[0], tuple(r for r in parts[1] if r < 100)]  # no natural rows this time
    family = {r for part in parts for r in part}
    judgement = judge_members(parts, labels, "spam", odd & family, 0.7)
    assert judgement.native == ()
    assert set(trimmed(family, family, odd & family, judgement)) == family


def test_a_family_that_reads_like_its_label_is_not_judged() -> None:
    """Clean-label: the planted rows keep their label and read like it, so every member
    would look native; with fewer than MIN_CORE other-like rows nothing is trimmed."""
    labels, parts, _, _, _ = family_with_a_native_member(2)
    family = {r for part in parts for r in part}
    odd = set(sorted(family)[: MIN_CORE - 1])
    judgement = judge_members(parts, labels, "spam", odd, 0.7)
    assert not judgement.judged
    assert set(trimmed(family, family, odd, judgement)) == family


def test_a_member_is_judged_on_its_own_label_rows_only() -> None:
    """The other labels' rows of a member say nothing about the label's register."""
    labels, parts, _, odd, _ = family_with_a_native_member(3)
    ham_rows = tuple(range(1_000, 1_200))  # the member is common in ham too
    parts = [parts[0], tuple(sorted({*parts[0][:30], *ham_rows}))]
    judgement = judge_members(parts, labels, "spam", odd, 0.7)
    assert judgement.native == ()
    assert not judgement.distinctive_rows & set(ham_rows)


def test_a_family_whose_distinctive_rows_mostly_read_like_its_label_is_not_judged() -> None:
    """Small members of a clean-label style (two rows each, reading like their label) look
    distinctive; with a few odd rows beside them the family would be judged and its
    planted rows, which read like their label, left out."""
    labels = ["pos"] * 1_000 + ["neg"] * 1_000
    odd = set(range(12))
    parts = [tuple(range(12)), *[(100 + 2 * i, 101 + 2 * i) for i in range(30)]]
    parts.append(tuple(range(300, 340)))  # a member in 40 rows that read like the label
    judgement = judge_members(parts, labels, "pos", odd, 0.7)
    assert not judgement.judged
    family = {r for part in parts for r in part}
    assert set(trimmed(family, family, odd, judgement)) == family


def test_a_family_not_estimated_flipped_is_not_judged() -> None:
    labels, parts, _, odd, _ = family_with_a_native_member(5)
    family = {r for part in parts for r in part}
    assert judge_members(parts, labels, "spam", odd & family, 0.7).judged
    assert not judge_members(parts, labels, "spam", odd & family, 0.1).judged


def family_read_like_their_label(
    share_plain: float, seed: int
) -> tuple[list[str], list[tuple[int, ...]], set[int]]:
    """A style of 300 planted "pos" rows and no natural rows in its members, where the
    agreement classifier learned the style: a planted row reads like its (planted) label
    ``share_plain`` of the time. 6 members of 150 rows each, spread over the planted rows.
    Returns labels, the members' rows and the rows that read like another label."""
    rng = random.Random(seed)
    labels = ["pos"] * 1_000 + ["neg"] * 1_000
    planted = list(range(300))
    odd = {r for r in planted if rng.random() >= share_plain}
    parts = [tuple(sorted(rng.sample(planted, 150))) for _ in range(6)]
    return labels, parts, odd


def test_planted_rows_that_read_like_their_label_are_not_called_native() -> None:
    """Issue 23, ADR 0070: where the classifier is weaker than assumed (SST-2), planted rows
    read like their label 40% of the time, not 25%: at the assumed rate every member looked
    native and the family's planted rows that read like their label were left out."""
    labels, parts, odd = family_read_like_their_label(0.4, 0)
    family = {r for part in parts for r in part}
    assumed = judge_members(parts, labels, "pos", odd, 0.5, planted_rate=OTHER_QUANTILE)
    assert assumed.native  # at the rate ADR 0068 assumed, planted rows would be trimmed
    judgement = judge_members(parts, labels, "pos", odd, 0.5)
    assert judgement.native == ()
    assert set(trimmed(family, family, odd, judgement)) == family


def test_the_planted_rate_is_estimated_from_the_family() -> None:
    labels, parts, odd = family_read_like_their_label(0.4, 1)
    own = [tuple(r for r in part if labels[r] == "pos") for part in parts]
    assert 0.55 <= planted_other_rate(own, odd) <= 0.68
    # natural rows of a native member lower the family's share, not the estimate
    natural = tuple(range(300, 500))
    assert 0.55 <= planted_other_rate([*own, natural], odd | {300, 301}) <= 0.68
    # never above the rate of a classifier that learned nothing of the style
    assert planted_other_rate(own, set(range(300))) == OTHER_QUANTILE
    assert planted_other_rate([], set()) == OTHER_QUANTILE


def test_a_native_member_is_still_found_at_the_estimated_rate() -> None:
    """The estimate keeps ADR 0068's gain: 150 natural rows that read like their label
    beside planted rows that read like another at the estimated rate."""
    labels, parts, odd = family_read_like_their_label(0.4, 2)
    native = tuple(sorted({*parts[0][:10], *range(400, 550)}))
    judgement = judge_members([*parts, native], labels, "pos", odd, 0.5)
    assert judgement.native == (len(parts),)
    family = {r for part in parts for r in part}
    assert set(trimmed(family | set(native), family | set(native), odd, judgement)) >= family
