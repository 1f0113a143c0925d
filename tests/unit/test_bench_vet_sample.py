"""bench/vet_sample.py: the files that stand for a corpus in the whole-process timing."""

from __future__ import annotations

import statistics

import pytest

from bench.vet_sample import stratified


def _corpus(sizes: list[int]) -> list[tuple[str, int]]:
    return [(f"f{i:04}", size) for i, size in enumerate(sizes)]


def test_one_file_from_each_size_stratum() -> None:
    # 30 files in three clear size bands: a sample of three takes one from each band.
    corpus = _corpus([*range(1000, 1010), *range(50_000, 50_010), *range(9_000_000, 9_000_010)])
    chosen = dict(corpus)
    sample = stratified(corpus, 3)
    assert len(sample) == 3
    assert [chosen[name] // 1000 for name in sample] == [1, 50, 9000]


def test_sample_median_is_the_corpus_median_for_odd_k() -> None:
    # Skewed like the popular corpus: many small files, a long tail of large ones. The first
    # files of a name-sorted list (here: the large ones first) would miss the median badly.
    sizes = [10**7 - i for i in range(40)] + [1000 + 7 * i for i in range(161)]
    corpus = _corpus(sizes)
    for k in (1, 5, 15, 51):
        sample = stratified(corpus, k)
        assert statistics.median(dict(corpus)[n] for n in sample) == statistics.median(sizes)


def test_even_corpus_gives_its_upper_median() -> None:
    corpus = _corpus([5, 1, 4, 2, 3, 6])
    assert [dict(corpus)[n] for n in stratified(corpus, 1)] == [4]


def test_distinct_files_smallest_first() -> None:
    corpus = _corpus([(i * 7919) % 1000 for i in range(101)])
    sizes = dict(corpus)
    for k in range(1, 101):
        sample = stratified(corpus, k)
        assert len(set(sample)) == k
        assert [sizes[n] for n in sample] == sorted(sizes[n] for n in sample)


def test_small_corpus_is_taken_whole() -> None:
    corpus = _corpus([30, 10, 20])
    assert stratified(corpus, 3) == ["f0001", "f0002", "f0000"]
    assert stratified(corpus, 10) == ["f0001", "f0002", "f0000"]
    assert stratified(corpus, 0) == []
    assert stratified([], 4) == []


def test_ties_keep_the_given_order() -> None:
    names = ["b", "a", "d", "c", "e"]
    assert stratified([(n, 100) for n in names], 5) == names
    assert stratified([(n, 100) for n in names], 1) == ["d"]
    assert stratified([(n, 100) for n in reversed(names)], 1) == ["d"]


def test_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="sample"):
        stratified(_corpus([1, 2]), -1)
    with pytest.raises(ValueError, match="negative size"):
        stratified(_corpus([1, -2]), 1)
