"""Bounds on reading and scanning an outside dataset; ``Settings`` carries one of each.

Every read of untrusted dataset bytes is bounded by :class:`DatasetLimits`; the poisoning scan
by :class:`ScanLimits`. Defaults suit a fine-tuning set of up to a few hundred thousand rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from airlock.errors import InvalidInput

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class DatasetLimits:
    """Bounds on the readers: bytes, lines, rows, fields and reported examples."""

    max_total_bytes: int = 4 * GiB  # the whole stream; beyond it reading stops (truncated)
    max_line_bytes: int = 1 * MiB  # one JSONL/CSV line; longer lines are skipped and counted
    max_rows: int = 5_000_000  # rows read; beyond it reading stops (truncated)
    max_field_chars: int = 256 * KiB  # one text, prompt, response or message
    max_messages: int = 512  # per chat record
    max_columns: int = 4096  # per CSV header or Parquet schema
    max_parquet_bytes: int = 1 * GiB  # a Parquet file is read into memory, so it is capped
    parquet_batch_rows: int = 4096  # rows decoded at once from a Parquet row group
    max_examples: int = 20  # row numbers kept per problem reason

    def __post_init__(self) -> None:
        for item in fields(self):
            if getattr(self, item.name) < 1:
                raise InvalidInput(f"dataset limit {item.name} must be positive")


@dataclass(frozen=True, slots=True)
class ScanLimits:
    """Bounds and knobs of the poisoning scan.

    ``max_rows`` caps the work; a larger dataset is not sampled (poison hides anywhere) but
    returned as ``suspicious`` with the reason, so the caller holds it.
    """

    max_rows: int = 250_000
    max_tokens: int = 256  # tokens per row used for n-grams (the rest still feeds the classifier)
    max_ngram: int = 5
    max_form_ngram: int = 3  # skeleton n-grams (structure.py): templates and styles
    min_support: int = 5  # rows an n-gram must occur in before it is tested
    max_phrase_tokens: int = 32  # a merged feature (an inserted sentence) is at most this long
    max_features: int = 25  # features reported
    max_reported_rows: int = 2000  # ranked rows reported (flagged rows are always first)
    folds: int = 5  # cross-validation folds of the disagreement classifier
    minhash_permutations: int = 32
    min_cluster: int = 5  # near-duplicate clusters smaller than this are ignored

    def __post_init__(self) -> None:
        for item in fields(self):
            if getattr(self, item.name) < 1:
                raise InvalidInput(f"scan limit {item.name} must be positive")
        if self.folds < 2:
            raise InvalidInput("scan limit folds must be at least 2")
