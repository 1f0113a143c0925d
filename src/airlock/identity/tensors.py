"""Read the tensors of a model file or a folder of shards, one tensor at a time.

The adapter around :class:`~airlock.identity.tensor_stream.TensorStream` (safetensors,
NumPy, GGUF) and :mod:`~airlock.identity.torch_zip`. Public helper shared by the derivative
sketches and the per-copy watermarks (issue 19): ``iter_tensors(path)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from airlock.errors import InvalidInput
from airlock.identity.tensor_stream import TensorStream, tensor_format
from airlock.identity.torch_zip import is_torch_zip, iter_torch_zip

if TYPE_CHECKING:
    from airlock.identity.dtypes import Floats

READ_BYTES = 1024 * 1024
MODEL_SUFFIXES = (".safetensors", ".gguf", ".npy", ".pt", ".pth", ".bin", ".ckpt")


def model_files(path: Path) -> list[Path]:
    """``path`` itself, or the model shards in a folder (sorted, recursively)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MODEL_SUFFIXES)
    return [path]


def iter_tensors(
    path: str | Path, *, max_tensor_bytes: int = 256 * 1024 * 1024
) -> Iterator[tuple[str, Floats]]:
    """``(name, float32 array in its declared shape)`` for each tensor under ``path``.

    ``path`` is a safetensors, GGUF, ``.npy`` or torch zip file, or a folder of them (names
    are then prefixed with the shard's relative path and ``:``). Quantised GGUF blocks
    (Q8_0, Q4_0) are dequantised; bf16 and fp8 are widened. Tensors larger than
    ``max_tensor_bytes`` as stored, or of a dtype not decoded, are left out.

    Raises:
        InvalidInput: a file is not one of those formats.
    """
    root = Path(path)
    files = model_files(root)
    for file in files:
        prefix = f"{file.relative_to(root)}:" if root.is_dir() else ""
        for name, values in _file_tensors(file, max_tensor_bytes):
            yield prefix + name, values


def _file_tensors(path: Path, max_tensor_bytes: int) -> Iterator[tuple[str, Floats]]:
    with path.open("rb") as f:
        head = f.read(16)
    if tensor_format(head) is None:
        if is_torch_zip(path):
            yield from iter_torch_zip(path, max_tensor_bytes=max_tensor_bytes)
            return
        raise InvalidInput(f"{path.name} is not a safetensors, GGUF, NumPy or torch zip file")
    stream = TensorStream(max_tensor_bytes=max_tensor_bytes)
    with path.open("rb") as f:
        while piece := f.read(READ_BYTES):
            yield from stream.feed(piece)
    if stream.failed:
        raise InvalidInput(f"{path.name}: {stream.failed}")
