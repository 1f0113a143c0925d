"""Recognise file formats by their first bytes and read tensor-format headers, bounded.

Nothing here executes or unpickles anything: pickles are read as opcodes only.
"""

from __future__ import annotations

import io
import json
import pickletools
import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from airlock.errors import InvalidInput


class Format(StrEnum):
    SAFETENSORS = "safetensors"
    NPY = "npy"
    GGUF = "gguf"
    HDF5 = "hdf5"
    PICKLE = "pickle"
    ONNX = "onnx"
    ZIP = "zip"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    ZSTD = "zstd"
    PNG = "png"
    JPEG = "jpeg"
    PDF = "pdf"
    GIF = "gif"
    WEBP = "webp"
    FONT = "font"
    PARQUET = "parquet"
    ARROW = "arrow"
    SQLITE = "sqlite"
    NATIVE = "native-code"  # ELF, Mach-O, PE: executables and shared libraries
    TFEVENTS = "tensorboard-events"  # TFRecord-framed Event protobufs (tfevents.py)
    GIT = "git-pack"  # a git pack or bundle (gitpack.py)
    # CPython bytecode (.pyc): named so it is not "no recognised format", and nothing more:
    # every weight test (8-bit look-alikes and opacity included) still reads it.
    BYTECODE = "python-bytecode"
    TEXT = "text"
    BINARY = "binary"


TENSOR_FORMATS = {Format.SAFETENSORS, Format.NPY, Format.GGUF, Format.HDF5, Format.ONNX}
COMPRESSORS = {Format.GZIP, Format.BZIP2, Format.XZ, Format.ZSTD}
# Pictures judged by their pixels (images.py); PNG and JPEG are also parsed by media.py.
IMAGES = {Format.PNG, Format.JPEG, Format.GIF, Format.WEBP}
# Compressed media of research outputs: not held for high entropy, but capped in size;
# PNG, JPEG and PDF are also parsed for appended bytes and Flate streams (media.py).
MEDIA = {Format.PNG, Format.JPEG, Format.PDF, Format.GIF, Format.WEBP, Format.FONT}


_MAGIC = (
    (b"\x93NUMPY", Format.NPY),
    (b"GGUF", Format.GGUF),
    (b"\x89HDF\r\n\x1a\n", Format.HDF5),
    (b"PK\x03\x04", Format.ZIP),
    (b"PK\x05\x06", Format.ZIP),
    (b"\x1f\x8b", Format.GZIP),
    (b"BZh", Format.BZIP2),
    (b"\xfd7zXZ\x00", Format.XZ),
    (b"\x28\xb5\x2f\xfd", Format.ZSTD),
    (b"\x89PNG\r\n\x1a\n", Format.PNG),
    (b"\xff\xd8\xff", Format.JPEG),
    (b"%PDF-", Format.PDF),
    (b"GIF87a", Format.GIF),
    (b"GIF89a", Format.GIF),
    (b"wOFF", Format.FONT),
    (b"wOF2", Format.FONT),
    (b"OTTO", Format.FONT),
    (b"PAR1", Format.PARQUET),
    (b"ARROW1", Format.ARROW),
    (b"SQLite format 3\x00", Format.SQLITE),
    (b"PACK\x00\x00\x00\x02", Format.GIT),
    (b"PACK\x00\x00\x00\x03", Format.GIT),
    (b"# v2 git bundle\n", Format.GIT),
    (b"# v3 git bundle\n", Format.GIT),
    (b"\x7fELF", Format.NATIVE),
    (b"\xcf\xfa\xed\xfe", Format.NATIVE),  # Mach-O 64-bit
    (b"\xce\xfa\xed\xfe", Format.NATIVE),  # Mach-O 32-bit
)


def sniff(head: bytes) -> Format:
    """The format of a stream from its first bytes (at least 512 when available)."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    structural = (
        (lambda h: len(h) >= 262 and h[257:262] == b"ustar", Format.TAR),
        (lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP", Format.WEBP),
        (_looks_like_pe, Format.NATIVE),
        (_looks_like_tfevents, Format.TFEVENTS),
        (_looks_like_safetensors, Format.SAFETENSORS),
        (lambda h: len(h) >= 2 and h[0] == 0x80 and 2 <= h[1] <= 5, Format.PICKLE),
        (_looks_like_onnx, Format.ONNX),
        (_looks_like_pyc, Format.BYTECODE),
        (_looks_like_text, Format.TEXT),
    )
    for test, fmt in structural:
        if test(head):
            return fmt
    return Format.BINARY


def _looks_like_tfevents(head: bytes) -> bool:
    """A TensorBoard event file's first record: short, and it says ``brain.Event:N``."""
    if len(head) < 16:
        return False
    (length,) = struct.unpack_from("<Q", head)
    return 0 < length <= 4096 and b"brain.Event:" in head[12 : 12 + length]


def _looks_like_pyc(head: bytes) -> bool:
    """A CPython 3 .pyc (PEP 552): a magic number of 3000-3999 then CR LF, flags 0-3, eight
    bytes of source stamp, and a marshalled code object ('c', with or without FLAG_REF)."""
    if len(head) < 17 or head[2:4] != b"\r\n":
        return False
    magic = int.from_bytes(head[:2], "little")
    flags = int.from_bytes(head[4:8], "little")
    return 3000 <= magic < 4000 and flags <= 3 and head[16] in (0x63, 0xE3)


def _looks_like_pe(head: bytes) -> bool:
    """A Windows executable or DLL (.pyd): "MZ", then "PE\\0\\0" where the DOS header says."""
    if len(head) < 64 or head[:2] != b"MZ":
        return False
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    return head[offset : offset + 4] == b"PE\x00\x00"


def _looks_like_safetensors(head: bytes) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack_from("<Q", head)
    return 2 <= length <= 100 * 1024 * 1024 and head[8:9] == b"{" and b'"' in head[9:64]


def _looks_like_onnx(head: bytes) -> bool:
    # ModelProto: field 1 (ir_version, varint) first, then producer/graph fields; the
    # producer names and the "onnx" opset domain appear early in real files.
    return (
        len(head) >= 16
        and head[0] == 0x08
        and 1 <= head[1] <= 20
        and any(s in head[:4096] for s in (b"onnx", b"pytorch", b"tf2onnx", b"keras2onnx"))
    )


def _looks_like_text(head: bytes) -> bool:
    sample = head[:4096]
    if not sample:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(sample) - 4:  # a character cut at the sample's end is fine
            return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls <= len(sample) // 100


@dataclass(frozen=True, slots=True)
class TensorSummary:
    """What a tensor-format header declares."""

    format: Format
    tensors: int
    payload_bytes: int
    dtypes: tuple[str, ...]
    detail: str


def safetensors_header_json(head: bytes, max_header: int) -> tuple[dict[str, Any], int]:
    """The JSON header object of a safetensors file and its length; ``head`` must hold it.

    Raises:
        InvalidInput: the header is truncated, over ``max_header`` bytes, or not a JSON object.
    """
    if len(head) < 8:
        raise InvalidInput("safetensors header is truncated")
    (length,) = struct.unpack_from("<Q", head)
    if length > max_header:
        raise InvalidInput(f"safetensors header of {length} bytes exceeds {max_header}")
    if len(head) < 8 + length:
        raise InvalidInput("safetensors header is truncated")
    try:
        header = json.loads(head[8 : 8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise InvalidInput(f"safetensors header is not JSON: {e}") from e
    if not isinstance(header, dict):
        raise InvalidInput("safetensors header is not an object")
    return header, length


def npy_header_span(head: bytes) -> tuple[int, int]:
    """Where a ``.npy`` header's dictionary starts and how long it is (format 1, 2 or 3).

    Raises:
        InvalidInput: ``head`` is too short to hold the header it declares.
    """
    if len(head) < 10:
        raise InvalidInput("npy header is truncated")
    if head[6] == 1:
        start, (length,) = 10, struct.unpack_from("<H", head, 8)
    else:
        if len(head) < 12:
            raise InvalidInput("npy header is truncated")
        start, (length,) = 12, struct.unpack_from("<I", head, 8)
    if len(head) < start + length:
        raise InvalidInput("npy header is truncated or too large")
    return start, int(length)


def read_safetensors_header(head: bytes, file_size: int, max_header: int) -> TensorSummary:
    """Raises: InvalidInput for a truncated, oversized or malformed header."""
    header, length = safetensors_header_json(head, max_header)
    dtypes: set[str] = set()
    total = 0
    count = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("data_offsets"), list):
            raise InvalidInput(f"safetensors entry {str(name)[:40]!r} is malformed")
        start, end = (entry["data_offsets"] + [0, 0])[:2]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
            raise InvalidInput(f"safetensors entry {str(name)[:40]!r} has bad offsets")
        total += end - start
        count += 1
        dtypes.add(str(entry.get("dtype", "?"))[:16])
    if 8 + length + total > file_size:
        raise InvalidInput("safetensors file is shorter than its header declares")
    return TensorSummary(
        Format.SAFETENSORS,
        count,
        total,
        tuple(sorted(dtypes)),
        f"safetensors file with {count} tensors ({', '.join(sorted(dtypes))})",
    )


def read_npy_header(head: bytes, file_size: int) -> TensorSummary:
    """Raises: InvalidInput for a malformed header."""
    start, length = npy_header_span(head)
    text = head[start : start + length].decode("latin-1")
    descr = text.split("'descr':")[1].split(",")[0].strip(" '\"") if "'descr':" in text else "?"
    payload = max(0, file_size - start - length)
    return TensorSummary(Format.NPY, 1, payload, (descr,), f"NumPy array of dtype {descr}")


def read_gguf_header(head: bytes, file_size: int) -> TensorSummary:
    if len(head) < 24:
        raise InvalidInput("GGUF header is truncated")
    version, tensors, _kv = struct.unpack_from("<IQQ", head, 4)
    return TensorSummary(
        Format.GGUF,
        int(tensors),
        file_size,
        ("gguf",),
        f"GGUF v{version} model file declaring {tensors} tensors",
    )


TORCH_GLOBALS = (
    "torch._utils",
    "torch.FloatStorage",
    "torch.HalfStorage",
    "torch.BFloat16Storage",
    "torch._tensor",
    "torch.storage",
    "numpy.core.multiarray",
    "numpy._core.multiarray",
    "collections OrderedDict",
    "torch",
)


@dataclass(frozen=True, slots=True)
class PickleSummary:
    opcodes: int
    tensor_globals: tuple[str, ...]
    persistent_ids: int
    large_bytes: int


def read_pickle_opcodes(data: bytes, max_opcodes: int) -> PickleSummary:
    """Walk pickle opcodes (never executing them) and note tensor-rebuilding globals.

    Raises:
        InvalidInput: the pickle is malformed or longer than ``max_opcodes``.
    """
    seen: set[str] = set()
    persistent = 0
    large = 0
    count = 0
    recent_strings: list[str] = []
    try:
        for opcode, arg, _pos in pickletools.genops(io.BytesIO(data)):
            count += 1
            if count > max_opcodes:
                raise InvalidInput(f"pickle has more than {max_opcodes} opcodes")
            name = opcode.name
            if name in ("GLOBAL", "INST") and isinstance(arg, str):
                seen.add(arg.replace(" ", "."))
            elif name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE") and isinstance(arg, str):
                recent_strings = [*recent_strings[-1:], arg]
            elif name == "STACK_GLOBAL" and len(recent_strings) == 2:
                seen.add(".".join(recent_strings))
            elif name in ("BINPERSID", "PERSID"):
                persistent += 1
            elif name in ("BINBYTES", "BINBYTES8", "BYTEARRAY8", "SHORT_BINBYTES") and isinstance(
                arg, bytes | bytearray
            ):
                large += len(arg)
    except (ValueError, EOFError, struct.error, UnicodeDecodeError) as e:
        raise InvalidInput(f"pickle is malformed: {e}") from e
    tensorish = tuple(sorted(g for g in seen if g.startswith(("torch", "numpy"))))
    return PickleSummary(count, tensorish, persistent, large)
