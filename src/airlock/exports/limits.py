"""Bounds on every read of untrusted export data."""

from __future__ import annotations

from dataclasses import dataclass

from airlock.errors import InvalidInput

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InspectionLimits:
    """Every bound on one file's inspection; over a bound, the file holds with a finding.

    Raises:
        InvalidInput: a limit is zero or negative.
    """

    max_depth: int = 4  # nested containers / encodings
    max_members: int = 10_000  # per archive
    # all decompressed bytes of one top-level file: this, or max_ratio x its size if more
    max_expanded_bytes: int = 4096 * MiB
    max_ratio: int = 250  # decompressed / compressed, per layer
    max_header_bytes: int = 16 * MiB  # safetensors/npy/gguf headers
    max_pickle_opcodes: int = 2_000_000
    window_bytes: int = 1 * MiB  # unit of streaming statistics
    weight_threshold_bytes: int = 1 * MiB  # tensor payloads from here on are denied
    max_text_numbers: int = 262_144  # float tokens in text beyond which text is held
    max_media_bytes: int = 64 * MiB  # a PNG, JPEG or PDF larger than this holds
    max_spool_bytes: int = 96 * MiB  # a zip nested in a stream is read whole, up to this
    # Unexplained bytes (account.py) beyond which an export holds even when each piece of
    # them was too small to object to alone.
    max_unexplained_bytes: int = 256 * 1024
    max_tensor_like_bytes: int = 64 * 1024  # the same for weight-like pieces
    # Weight-like numeric columns/datasets (a column of per-example margins cannot be told
    # from weights): unexplained bytes with them hold from here (ADR 0003).
    max_weight_like_values_bytes: int = 512 * 1024
    # Parquet, SQLite, HDF5, images... are parsed in memory up to this; larger ones hold.
    max_parsed_bytes: int = 64 * MiB
    max_image_pixels: int = 16 * 1024 * 1024  # decoded RGBA: 64 MiB
    # Raw tensor bytes of one scan after which (the scan denies) protected-model chunking
    # samples keyed windows instead of every byte (flat_scan.CHUNK_EVERY; issues 15, 19).
    sample_chunks_after_tensor_bytes: int = 8 * MiB

    def __post_init__(self) -> None:
        if min(getattr(self, name) for name in self.__dataclass_fields__) < 1:
            raise InvalidInput("inspection limits must be positive")
