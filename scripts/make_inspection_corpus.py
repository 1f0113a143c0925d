"""Generate the inspection corpus: weight payloads in every format, dtype, container and
encoding the engine claims to catch, plus benign research outputs. No downloads: tensors
come from a seeded numpy generator, files are written from their specifications.

    python scripts/make_inspection_corpus.py OUTDIR [--scale 1.0]

Each file name starts with ``weights-`` (must be denied or held) or ``benign-`` (must be
allowed); the engine never sees names, only bytes.
"""

from __future__ import annotations

import argparse
import base64
import bz2
import gzip
import io
import json
import lzma
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import ml_dtypes
import numpy as np
import zstandard

MiB = 1024 * 1024


def weights(rng: np.random.Generator, nbytes: int, dtype: str) -> bytes:  # noqa: PLR0911 -- one return per dtype
    """Bytes of a trained-looking weight tensor in ``dtype``."""
    if dtype == "float32":
        return rng.normal(0, 0.02, nbytes // 4).astype(np.float32).tobytes()
    if dtype == "float16":
        return rng.normal(0, 0.02, nbytes // 2).astype(np.float16).tobytes()
    if dtype == "bfloat16":
        return rng.normal(0, 0.02, nbytes // 2).astype(ml_dtypes.bfloat16).tobytes()
    if dtype == "fp8_e4m3":
        return rng.normal(0, 1.0, nbytes).astype(ml_dtypes.float8_e4m3fn).tobytes()
    if dtype == "fp8_e5m2":
        return rng.normal(0, 1.0, nbytes).astype(ml_dtypes.float8_e5m2).tobytes()
    if dtype == "int8":
        return np.clip(np.round(rng.normal(0, 30, nbytes)), -127, 127).astype(np.int8).tobytes()
    if dtype == "q8_0":  # GGML blocks: f16 scale + 32 int8
        blocks = -(-nbytes // 34)
        scales = rng.uniform(0.001, 0.01, blocks).astype(np.float16).view(np.uint8).reshape(-1, 2)
        quants = np.clip(np.round(rng.normal(0, 30, (blocks, 32))), -127, 127).astype(np.int8)
        return np.concatenate([scales, quants.view(np.uint8)], axis=1).tobytes()
    if dtype == "q4_0":  # GGML blocks: f16 scale + 16 bytes of 4-bit values (q + 8)
        blocks = -(-nbytes // 18)
        scales = rng.uniform(0.001, 0.01, blocks).astype(np.float16).view(np.uint8).reshape(-1, 2)
        q = (np.clip(np.round(rng.normal(0, 2.5, (blocks, 32))), -8, 7) + 8).astype(np.uint8)
        packed = q[:, :16] | (q[:, 16:] << 4)
        return np.concatenate([scales, packed], axis=1).tobytes()
    raise ValueError(dtype)


DTYPES = ("float32", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2", "int8", "q8_0", "q4_0")


SAFETENSORS_DTYPES = {
    "float32": ("F32", 4),
    "float16": ("F16", 2),
    "bfloat16": ("BF16", 2),
    "fp8_e4m3": ("F8_E4M3", 1),
    "fp8_e5m2": ("F8_E5M2", 1),
    "int8": ("I8", 1),
    "q8_0": ("U8", 1),
    "q4_0": ("U8", 1),
}


def safetensors(payload: bytes, dtype: str, tensor: str = "layer.weight") -> bytes:
    """A one-tensor safetensors file (8-byte header length, JSON header, data)."""
    code, itemsize = SAFETENSORS_DTYPES[dtype]
    payload = payload[: len(payload) - len(payload) % itemsize]
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            tensor: {
                "dtype": code,
                "shape": [len(payload) // itemsize],
                "data_offsets": [0, len(payload)],
            },
        }
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + payload


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npz(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, w=array)
    return buffer.getvalue()


def gguf(payload: bytes) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 1, 0) + payload


def hdf5(payload: bytes) -> bytes:
    return b"\x89HDF\r\n\x1a\n" + b"\x00" * 504 + payload


def onnx(payload: bytes) -> bytes:
    producer = b"pytorch"
    return (
        b"\x08\x07\x12"
        + bytes([len(producer)])
        + producer
        + b"\x3a\x04onnx"
        + b"\x42\x02\x10\x0d"
        + payload
    )


def torch_zip(payload: bytes) -> bytes:
    pickle = (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nq\x00((X\x07\x00\x00\x00storageq"
        b"\x01ctorch\nHalfStorage\nq\x02X\x01\x00\x00\x000q\x03tq\x04Qtq\x05Rq\x06."
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("model/data.pkl", pickle)
        archive.writestr("model/data/0", payload)
        archive.writestr("model/version", b"3\n")
    return buffer.getvalue()


def torch_legacy(payload: bytes) -> bytes:
    pickle = (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nq\x00(X\x01\x00\x00\x000"
        b"ctorch\nFloatStorage\nq\x01\x86q\x02Q."
    )
    return pickle + payload


def savedmodel_tar(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (
            ("saved_model/saved_model.pb", b"\x08\x01\x12\x00"),
            ("saved_model/variables/variables.index", b"\x00" * 64),
            ("saved_model/variables/variables.data-00000-of-00001", payload),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def tar_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


CONTAINERS: dict[str, Callable[[bytes], bytes]] = {
    "zip": lambda d: zip_of("w.bin", d),
    "tar": lambda d: tar_of("w.bin", d),
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda d: zstandard.ZstdCompressor().compress(d),
    "tar.gz": lambda d: gzip.compress(tar_of("w.bin", d)),
    "zip-in-tar.xz": lambda d: lzma.compress(tar_of("inner.zip", zip_of("w.bin", d))),
}
ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "base64": base64.b64encode,
    "base64-wrapped": base64.encodebytes,
    "hex": lambda d: d.hex().encode(),
    "json-base64": lambda d: json.dumps({"blob": base64.b64encode(d).decode()}).encode(),
}


def float_text(rng: np.random.Generator, count: int, as_json: bool) -> bytes:
    values = rng.normal(0, 0.02, count)
    if as_json:
        return json.dumps({"weights": [round(float(v), 7) for v in values]}).encode()
    rows = values.reshape(-1, 64)
    return "\n".join(",".join(f"{v:.7f}" for v in row) for row in rows).encode()


def png(width: int, height: int, rng: np.random.Generator) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    x = np.linspace(0, 6.28, width)
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    for curve in range(3):
        y = ((np.sin(x + curve) * 0.4 + 0.5) * (height - 1)).astype(int)
        image[y, np.arange(width), curve] = 0
    image[rng.integers(0, height, 50), rng.integers(0, width, 50)] = 128
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def pdf(lines: list[str]) -> bytes:
    stream = "BT /F1 11 Tf 50 750 Td " + " ".join(f"({line}) Tj 0 -14 Td" for line in lines) + " ET"
    content = zlib.compress(stream.encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    for number, body in enumerate(objects, start=1):
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    return out + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def svg(rng: np.random.Generator) -> bytes:
    points = " ".join(f"{i * 4},{200 - v:.1f}" for i, v in enumerate(rng.normal(100, 20, 200)))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400">'
        f'<polyline fill="none" stroke="blue" points="{points}"/></svg>'
    ).encode()


def logs(rng: np.random.Generator, lines: int) -> bytes:
    return "".join(
        f"2026-05-{1 + i // 86400 % 28:02d} step={i} loss={abs(rng.normal(2, 0.3)):.4f} "
        f"lr=3.0e-4 grad_norm={abs(rng.normal(1, 0.2)):.3f} tokens/s={rng.integers(9000, 11000)}\n"
        for i in range(lines)
    ).encode()


def source_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for n in range(20):
            code = (
                f'"""Module {n} of the eval harness."""\n\n'
                f"def score_{n}(predictions, labels):\n"
                f"    return sum(p == l for p, l in zip(predictions, labels)) / len(labels)\n"
            )
            data = code.encode() * 5
            info = tarfile.TarInfo(f"harness/mod_{n}.py")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def pdf_with_image(rng: np.random.Generator, lines: list[str]) -> bytes:
    """A PDF page with text and a Flate-compressed raster plot (as plotting tools write)."""
    plot = np.full((200, 300, 3), 255, dtype=np.uint8)
    ys = (100 + 60 * np.sin(np.linspace(0, 9, 300)) + rng.normal(0, 3, 300)).astype(int)
    plot[np.clip(ys, 0, 199), np.arange(300)] = (30, 60, 200)
    image = zlib.compress(plot.tobytes())
    text = pdf(lines)
    xobject = (
        b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width 300 /Height 200 "
        b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>"
        b"\nstream\n" % len(image) + image + b"\nendstream\nendobj\n"
    )
    return text.replace(b"trailer", xobject + b"trailer", 1)


def jpeg(rng: np.random.Generator, scan_bytes: int) -> bytes:
    """A structurally valid baseline JPEG: marker segments, then entropy-coded data."""

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    scan = bytearray(rng.integers(0, 256, scan_bytes, dtype=np.uint8).tobytes())
    scan = scan.replace(b"\xff", b"\xff\x00")  # byte stuffing, as in every JPEG scan
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + bytes(range(1, 65)))
        + segment(0xC0, b"\x08\x01\xe0\x02\x80\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + bytes(16) + b"")
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + bytes(scan)
        + b"\xff\xd9"
    )


def notebook(rng: np.random.Generator) -> bytes:
    """A Jupyter notebook with an embedded base64 PNG plot, as shared after experiments."""
    image = base64.b64encode(png(640, 480, rng)).decode()
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Eval of checkpoint 12\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 3,
            "source": ["plt.plot(losses)\n"],
            "outputs": [
                {
                    "output_type": "display_data",
                    "data": {"image/png": image, "text/plain": ["<Figure>"]},
                    "metadata": {},
                }
            ],
        },
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def html_report(rng: np.random.Generator, rows: int) -> bytes:
    body = "".join(
        f"<tr><td>task_{i}</td><td>{rng.uniform(0.2, 0.9):.3f}</td><td>{rng.integers(50, 5000)}"
        "</td></tr>"
        for i in range(rows)
    )
    return (
        "<!doctype html><html><head><title>Eval</title><style>td{padding:2px}</style></head>"
        f"<body><h1>Results</h1><table>{body}</table></body></html>"
    ).encode()


def token_ids(rng: np.random.Generator, rows: int) -> bytes:
    return "".join(
        json.dumps({"id": i, "tokens": [int(t) for t in rng.integers(0, 50257, 64)]}) + "\n"
        for i in range(rows)
    ).encode()


def results_zip(rng: np.random.Generator, rows: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("results/metrics.csv", metrics_csv(rows))
        archive.writestr("results/loss.png", png(320, 240, rng))
        archive.writestr("results/README.md", "Results of run 7.\n" * 20)
    return buffer.getvalue()


def metrics_csv(rows: int) -> bytes:
    return (
        "step,loss,accuracy\n"
        + "".join(f"{i},{2 / (i + 1):.5f},{min(1, i / rows):.4f}\n" for i in range(rows))
    ).encode()


def benign_kinds(rng: np.random.Generator, rows: int) -> dict[str, bytes]:
    """One of every benign research output, sized by ``rows``."""
    return {
        "metrics.csv": metrics_csv(rows),
        "eval.json": json.dumps(
            {
                "task": "mmlu",
                "scores": {
                    f"subject_{i}": round(float(s), 4)
                    for i, s in enumerate(rng.uniform(0.3, 0.9, 57))
                },
            }
        ).encode(),
        "train.log": logs(rng, rows * 5),
        "notes.md": ("# Results\n\n" + "The monitor caught 97% of attacks. " * 200).encode(),
        "plot.png": png(640, 480, rng),
        "plot.svg": svg(rng),
        "photo.jpg": jpeg(rng, 50_000 + rows * 20),
        "report.pdf": pdf([f"Result {i}: accuracy {rng.uniform(0.5, 0.9):.3f}" for i in range(40)]),
        "figure.pdf": pdf_with_image(rng, [f"Figure {i}" for i in range(5)]),
        "analysis.ipynb": notebook(rng),
        "report.html": html_report(rng, rows // 4),
        "harness.tar.gz": source_archive(),
        "results.zip": results_zip(rng, rows),
        "train.log.gz": gzip.compress(logs(rng, rows * 20)),
        "train.log.zst": zstandard.ZstdCompressor().compress(logs(rng, rows * 20)),
        "train.log.xz": lzma.compress(logs(rng, rows * 10)),
        "train.log.bz2": bz2.compress(logs(rng, rows * 10)),
        "predictions.jsonl": "".join(
            json.dumps(
                {
                    "id": i,
                    "label": int(rng.integers(0, 4)),
                    "confidence": round(float(rng.uniform()), 3),
                }
            )
            + "\n"
            for i in range(rows)
        ).encode(),
        "tokens.jsonl": token_ids(rng, rows // 4),
        "config.yaml": b"model: llama\nlayers: 32\nlr: 3.0e-4\nbatch: 512\n" * 20,
        "losses.csv": (
            "run,step,loss\n"
            + "".join(f"r{i % 7},{i},{abs(rng.normal(1.5, 0.4)):.6f}\n" for i in range(rows * 10))
        ).encode(),
    }


def benign(rng: np.random.Generator, scale: float) -> dict[str, bytes]:
    """Benign artifacts: every kind, in several variants of different sizes and content."""
    variants = max(2, round(8 * scale))
    files: dict[str, bytes] = {}
    for variant in range(variants):
        rows = max(50, int(rng.integers(200, 4000) * scale))
        for name, data in benign_kinds(rng, rows).items():
            files[f"benign-{variant}-{name}"] = data
    return files


# Payloads whose tensor structure is hidden (encrypted, or in a layout the engine does not
# know): it cannot prove they are weights, so they hold ("opaque" / "unknown format")
# rather than deny. Every other payload must be denied (base32 and ascii85 are decoded
# since issue 15).
HELD_BY_DESIGN = frozenset(f"weights-evasion-{name}" for name in ("encrypted", "float64"))


def evasions(rng: np.random.Generator, size: int) -> dict[str, bytes]:
    """Weights dressed up to slip past: odd encodings, media wrappers, scrambling."""
    raw16 = weights(rng, size, "float16")
    int8 = np.frombuffer(weights(rng, size, "int8"), dtype=np.int8)
    values = rng.normal(0, 0.02, size // 4)
    stream = zlib.compress(raw16)
    return {
        "base32": base64.b32encode(raw16),
        "ascii85": base64.a85encode(raw16, wrapcol=76),
        "byte-list-json": json.dumps(list(raw16)).encode(),
        "int8-as-text": "\n".join(
            ",".join(str(int(v)) for v in row) for row in int8.reshape(-1, 64)
        ).encode(),
        "floats-2e": " ".join(f"{v:.2e}" for v in values).encode(),
        "png-appended": png(64, 64, rng) + raw16,
        "jpeg-appended": jpeg(rng, 20_000) + raw16,
        "pdf-stream": pdf(["cover"]).replace(
            b"trailer",
            b"5 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream\nendobj\ntrailer",
        ),
        "xor-scrambled": (np.frombuffer(raw16, dtype=np.uint8) ^ np.uint8(0x5A)).tobytes(),
        "encrypted": rng.bytes(size),  # as a cipher's output would be
        "float64": rng.normal(0, 0.02, size // 8).astype(np.float64).tobytes(),
        "keras.zip": keras_zip(hdf5(raw16)),
        "savedmodel.zip": savedmodel_zip(weights(rng, size, "float32")),
    }


def keras_zip(weights_h5: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", b'{"keras_version": "3.3.3"}')
        archive.writestr("config.json", b'{"class_name": "Sequential"}')
        archive.writestr("model.weights.h5", weights_h5)
    return buffer.getvalue()


def savedmodel_zip(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("m/saved_model.pb", b"\x08\x01\x12\x00")
        archive.writestr("m/variables/variables.index", b"\x00" * 64)
        archive.writestr("m/variables/variables.data-00000-of-00001", payload)
    return buffer.getvalue()


def weight_payloads(rng: np.random.Generator, scale: float) -> dict[str, bytes]:
    size = max(MiB, int(2 * MiB * scale))
    files: dict[str, bytes] = {}
    for dtype in DTYPES:
        raw = weights(rng, size, dtype)
        files[f"raw-{dtype}.bin"] = raw
        files[f"shifted-{dtype}.bin"] = rng.bytes(3) + raw
        files[f"safetensors-{dtype}"] = safetensors(raw, dtype)
    raw16 = weights(rng, size, "float16")
    array = np.frombuffer(weights(rng, size, "float32"), dtype=np.float32)
    files |= {
        "npy": npy(array),
        "npz": npz(array),
        "gguf": gguf(weights(rng, size, "q4_0")),
        "hdf5": hdf5(raw16),
        "onnx": onnx(weights(rng, size, "float32")),
        "torch-zip": torch_zip(raw16),
        "torch-legacy": torch_legacy(raw16),
        "savedmodel.tar": savedmodel_tar(weights(rng, size, "float32")),
    }
    for name, wrap in CONTAINERS.items():
        files[f"container-{name}"] = wrap(safetensors(raw16, "float16"))
        files[f"container-raw-{name}"] = wrap(weights(rng, size, "bfloat16"))
    for name, encode in ENCODINGS.items():
        files[f"encoded-{name}"] = encode(raw16)
        files[f"encoded-gz-{name}"] = gzip.compress(encode(weights(rng, size, "float32")))
    files |= {f"evasion-{name}": data for name, data in evasions(rng, size).items()}
    files["text-csv-floats"] = float_text(rng, size // 4, as_json=False)
    files["text-json-floats"] = float_text(rng, size // 4, as_json=True)
    return {f"weights-{name}": data for name, data in files.items()}


def build(out: Path, scale: float = 1.0, seed: int = 2026) -> list[Path]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in {**weight_payloads(rng, scale), **benign(rng, scale)}.items():
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the inspection corpus.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    files = build(args.out, args.scale)
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {total / MiB:.1f} MiB, to {args.out}")


if __name__ == "__main__":
    main()
