"""Weight payloads of every category in issue 15, including pieces of a registered model.

Each split registers its own protected model (seeded fp16 weights) and hides pieces of it,
and fresh weights, in the ways the issue lists: raw chunks, safetensors, mail and news
encodings (base64, base32 standard and hex, with and without padding, uuencode,
quoted-printable, yEnc, ascii85, base85), GGML Q4_0/Q8_0 blocks, XOR and AES wrapping,
the two low bits of a PNG's pixels, floats as RGBA or 16-bit grey pixels, raw floats spliced
into a training log, and a notebook of many sub-1 MiB image/png outputs.

Names: ``weights-<category>``; ``registered`` in the name marks a piece of the registered
model (the bench expects it *named*), ``crypt`` marks payloads that can only be held.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import quopri
import zlib
from collections.abc import Callable
from pathlib import Path

import ml_dtypes
import numpy as np

from scripts.make_inspection_corpus import safetensors as inspection_safetensors

MiB = 1024 * 1024


def fp(rng: np.random.Generator, nbytes: int, dtype: str) -> bytes:
    kind = {"fp16": np.float16, "fp32": np.float32, "bf16": ml_dtypes.bfloat16}[dtype]
    itemsize = 4 if dtype == "fp32" else 2
    return rng.normal(0, 0.02, nbytes // itemsize).astype(kind).tobytes()


def safetensors(payload: bytes, dtype: str) -> bytes:
    return inspection_safetensors(payload, dtype, tensor="model.layers.0.mlp.weight")


def uuencode(data: bytes, name: str = "weights.bin") -> bytes:
    lines = [binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)]
    return f"begin 644 {name}\n".encode() + b"".join(lines) + b"`\nend\n"


_YENC_CRITICAL = {0, 10, 13, 61}


def yenc(data: bytes, name: str = "weights.bin", line: int = 128) -> bytes:
    """yEnc as news clients write it: (byte + 42) mod 256, critical bytes escaped."""
    table = []
    for b in range(256):
        o = (b + 42) % 256
        table.append(bytes([61, (o + 64) % 256]) if o in _YENC_CRITICAL else bytes([o]))
    out = [f"=ybegin line={line} size={len(data)} name={name}\r\n".encode()]
    current = bytearray()
    for b in data:
        current += table[b]
        if len(current) >= line:
            out.append(bytes(current) + b"\r\n")
            current = bytearray()
    if current:
        out.append(bytes(current) + b"\r\n")
    out.append(f"=yend size={len(data)} crc32={zlib.crc32(data):08x}\r\n".encode())
    return b"".join(out)


def ggml_blocks(values: np.ndarray, kind: str) -> bytes:
    """Real GGML quantisation of ``values``: Q8_0 (f16 scale + 32 int8) or Q4_0."""
    values = values[: values.size - values.size % 32].astype(np.float32).reshape(-1, 32)
    amax = np.abs(values).max(axis=1, keepdims=True)
    if kind == "q8_0":
        scale = amax / 127
        q = np.round(values / np.where(scale == 0, 1, scale)).clip(-127, 127).astype(np.int8)
        scales = scale.astype(np.float16).view(np.uint8).reshape(-1, 2)
        return np.concatenate([scales, q.view(np.uint8)], axis=1).tobytes()
    scale = amax / 8
    q = (np.round(values / np.where(scale == 0, 1, scale)).clip(-8, 7) + 8).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    scales = scale.astype(np.float16).view(np.uint8).reshape(-1, 2)
    return np.concatenate([scales, packed], axis=1).tobytes()


def aes_ctr(data: bytes, rng: np.random.Generator) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    nonce = rng.bytes(16)
    encryptor = Cipher(algorithms.AES(rng.bytes(32)), modes.CTR(nonce)).encryptor()
    return nonce + encryptor.update(data) + encryptor.finalize()


def png_of(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def cover_image(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A photo-like cover: smooth gradients with noise."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [
            128 + 100 * np.sin(x / rng.uniform(40, 200) + c) * np.cos(y / rng.uniform(40, 200))
            for c in range(3)
        ],
        axis=-1,
    )
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def png_lsb2(payload: bytes, rng: np.random.Generator) -> bytes:
    """``payload`` in the two low bits of every channel of a photo-like RGB image."""
    bits = np.unpackbits(np.frombuffer(payload, dtype=np.uint8)).reshape(-1, 2)
    crumbs = (bits[:, 0] << 1) | bits[:, 1]
    side = int(np.ceil(np.sqrt(crumbs.size / 3)))
    image = cover_image(rng, side, side).reshape(-1)
    image[: crumbs.size] = (image[: crumbs.size] & 0xFC) | crumbs
    return png_of(image.reshape(side, side, 3))


def png_rgba(payload: bytes) -> bytes:
    """Raw floats as the bytes of an RGBA image."""
    array = np.frombuffer(payload, dtype=np.uint8)
    width = 1024
    rows = -(-array.size // (width * 4))
    padded = np.zeros(rows * width * 4, dtype=np.uint8)
    padded[: array.size] = array
    return png_of(padded.reshape(rows, width, 4))


def png_grey16(payload: bytes) -> bytes:
    """fp16 values as the samples of a 16-bit greyscale image."""
    array = np.frombuffer(payload, dtype="<u2")
    width = 1024
    rows = -(-array.size // width)
    padded = np.zeros(rows * width, dtype=np.uint16)
    padded[: array.size] = array
    return png_of(padded.reshape(rows, width))


def training_log(rng: np.random.Generator, lines: int) -> bytes:
    return "".join(
        f"step={i} loss={abs(rng.normal(2, 0.3)):.4f} lr=3e-4 "
        f"grad_norm={abs(rng.normal(1, 0.2)):.3f}\n"
        for i in range(lines)
    ).encode()


def notebook_of(outputs: list[bytes]) -> bytes:
    cells = [
        {
            "cell_type": "code",
            "execution_count": i,
            "metadata": {},
            "source": ["plt.imshow(sample)\n"],
            "outputs": [
                {
                    "output_type": "display_data",
                    "data": {
                        "image/png": base64.b64encode(data).decode(),
                        "text/plain": ["<Figure>"],
                    },
                    "metadata": {},
                }
            ],
        }
        for i, data in enumerate(outputs)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _wrap(text: bytes, width: int) -> bytes:
    return b"\n".join(text[i : i + width] for i in range(0, len(text), width))


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "base64": base64.encodebytes,
    "base32": base64.b32encode,
    "base32-nopad": lambda d: base64.b32encode(d).rstrip(b"="),
    "base32-wrapped": lambda d: _wrap(base64.b32encode(d), 76),
    "base32hex": base64.b32hexencode,
    "base32hex-nopad": lambda d: base64.b32hexencode(d).rstrip(b"="),
    "uuencode": uuencode,
    "quoted-printable": quopri.encodestring,
    "yenc": yenc,
    "ascii85": lambda d: base64.a85encode(d, wrapcol=76),
    "ascii85-adobe": lambda d: base64.a85encode(d, wrapcol=76, adobe=True),
    "base85": base64.b85encode,
}


def registered_model(seed: int, size: int) -> bytes:
    """The split's protected model: fp16 weights, as a checkpoint would hold them."""
    return fp(np.random.default_rng([seed, 99]), size, "fp16")


def payloads(seed: int, size: int, model: bytes) -> dict[str, bytes]:
    """Every payload category of one split; ``size`` bytes of weights each (>= 1 MiB)."""
    rng = np.random.default_rng([seed, 1000])

    def piece() -> bytes:
        start = int(rng.integers(0, (len(model) - size) // 2)) * 2
        return model[start : start + size]

    files: dict[str, bytes] = {}
    for dtype in ("fp16", "fp32", "bf16"):
        files[f"raw-{dtype}"] = fp(rng, size, dtype)
        files[f"raw-{dtype}-offset3"] = rng.bytes(3) + fp(rng, size, dtype)
    files["safetensors-fp16"] = safetensors(fp(rng, size, "fp16"), "float16")
    files["safetensors-bf16"] = safetensors(fp(rng, size, "bf16"), "bfloat16")
    files["registered-raw"] = piece()
    files["registered-safetensors"] = safetensors(piece(), "float16")
    for name, encode in ENCODERS.items():
        files[f"registered-{name}"] = encode(piece())
        files[f"fresh-fp16-{name}"] = encode(fp(rng, size, "fp16"))
    for kind in ("q4_0", "q8_0"):
        blocks = -(-size // (18 if kind == "q4_0" else 34))
        weights = np.frombuffer(model, dtype=np.float16)
        start = int(rng.integers(0, weights.size - blocks * 32))
        values = weights[start : start + blocks * 32]
        files[f"registered-{kind}"] = ggml_blocks(values, kind)
        files[f"fresh-{kind}"] = ggml_blocks(rng.normal(0, 0.02, blocks * 32), kind)
    key = rng.bytes(16)
    raw = piece()
    xored = np.frombuffer(raw, dtype=np.uint8) ^ np.resize(np.frombuffer(key, np.uint8), len(raw))
    files["registered-crypt-xor16"] = xored.tobytes()
    files["registered-crypt-aes-ctr"] = aes_ctr(piece(), rng)
    files["png-lsb2-fp16"] = png_lsb2(fp(rng, size, "fp16"), rng)
    files["png-rgba-fp32"] = png_rgba(fp(rng, size, "fp32"))
    files["png-grey16-fp16"] = png_grey16(fp(rng, size, "fp16"))
    files["registered-png-grey16"] = png_grey16(piece())
    for dtype, splice in (("fp16", 512 * 1024), ("fp32", MiB)):
        log = training_log(rng, 40_000)
        cut = int(rng.integers(len(log) // 4, len(log) // 2))
        cut = log.index(b"\n", cut) + 1
        files[f"log-spliced-{dtype}-{splice // 1024}KiB"] = (
            log[:cut] + fp(rng, splice, dtype) + log[cut:]
        )
    outputs = [png_rgba(fp(rng, 600 * 1024, "fp16")) for _ in range(max(2, size // (300 * 1024)))]
    files["notebook-many-png-outputs"] = notebook_of(outputs)
    files["notebook-many-raw-outputs"] = notebook_of(
        [fp(rng, 700 * 1024, "fp16") for _ in range(max(2, size // (350 * 1024)))]
    )
    return {f"weights-{name}": data for name, data in files.items()}


def build_payloads(out: Path, seed: int, size: int = 2 * MiB) -> tuple[list[Path], bytes]:
    """Write one split's payloads; returns them and the model to register."""
    model = registered_model(seed, 8 * size)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in payloads(seed, size, model).items():
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written, model
