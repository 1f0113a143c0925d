"""Issue 23, ADR 0068: a family's members judged against their label's own register
(native.py): a member the label uses natively does not list the label's rows."""

from __future__ import annotations

import random

from airlock.imports.datasets.native import MIN_CORE, judge_members, trimmed


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


def test_distinctive_members_vouch_for_core_rows_only_beside_native_ones() -> None:
    labels, parts, _, odd, _ = family_with_a_native_member(4)
    family = {r for part in parts for r in part}
    with_native = judge_members(parts, labels, "spam", odd & family, 0.7)
    assert with_native.vouched_rows == with_native.distinctive_rows
    assert set(parts[0]) <= with_native.vouched_rows
    without = judge_members([parts[0]], labels, "spam", odd & family, 0.7)
    assert without.judged
    assert without.vouched_rows == frozenset()


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
