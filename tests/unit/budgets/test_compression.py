"""The lossless ratio measured when a model is registered."""

from __future__ import annotations

import os

from airlock.budgets.compression import LosslessSample


def test_pieces_pass_through_unchanged_and_only_the_sample_is_measured() -> None:
    pieces = [bytes(1000), os.urandom(1000), bytes(5000)]
    sample = LosslessSample(limit=1000)
    assert list(sample.feed(pieces)) == pieces
    assert sample.ratio() > 10  # only the zeros were sampled


def test_random_bytes_do_not_compress_and_nothing_sampled_is_one() -> None:
    sample = LosslessSample()
    list(sample.feed([os.urandom(100_000)]))
    assert 1.0 <= sample.ratio() < 1.01
    assert LosslessSample().ratio() == 1.0
