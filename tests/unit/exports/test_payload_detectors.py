"""Issue 15's payload detectors: GGML blocks with no header, binary runs spliced into text,
weights in a PNG's low bits, and a registered model stored as 16-bit grey pixels named.

Every fixture is made here: real Q8_0/Q4_0 quantisation (both the llama.cpp and the
symmetric scale), logs, photo-like covers.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest

from airlock.domain.requests import Outcome
from airlock.exports.binary_runs import binary_runs, judge_runs
from airlock.exports.chunking import ModelFingerprint
from airlock.exports.engine import Inspector
from airlock.exports.findings import FileReport, FindingKind
from airlock.exports.ggml_blocks import guess_blocks
from tests.support.legs import FORMATS, skip_leg

MiB = 1024 * 1024
RNG = np.random.default_rng(1502)


def u8(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


def q8_0(values: np.ndarray) -> bytes:
    blocks = values[: values.size - values.size % 32].astype(np.float32).reshape(-1, 32)
    scale = np.abs(blocks).max(axis=1, keepdims=True) / 127
    q = np.round(blocks / np.where(scale == 0, 1, scale)).clip(-127, 127).astype(np.int8)
    scales = scale.astype(np.float16).view(np.uint8).reshape(-1, 2)
    return np.concatenate([scales, q.view(np.uint8)], axis=1).tobytes()


def q4_0(values: np.ndarray, *, llama: bool = True) -> bytes:
    """llama.cpp's Q4_0 (d = signed max / -8, x/d + 8.5 floored) or a symmetric amax / 8."""
    blocks = values[: values.size - values.size % 32].astype(np.float32).reshape(-1, 32)
    if llama:
        peak = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
        d = (peak / -8)[:, None]
        q = np.floor(blocks / np.where(d == 0, 1, d) + 8.5).clip(0, 15).astype(np.uint8)
    else:
        d = np.abs(blocks).max(axis=1, keepdims=True) / 8
        q = (np.round(blocks / np.where(d == 0, 1, d)).clip(-8, 7) + 8).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    return np.concatenate([d.astype(np.float16).view(np.uint8).reshape(-1, 2), packed], 1).tobytes()


def weights(n: int, std: float = 0.02) -> np.ndarray:
    return RNG.normal(0, std, n)


def swap_scales(data: bytes, stride: int) -> bytes:
    blocks = u8(data).reshape(-1, stride).copy()
    blocks[:, [0, 1]] = blocks[:, [1, 0]]
    return blocks.tobytes()


def log(lines: int) -> bytes:
    return "".join(
        f"step={i} loss={abs(RNG.normal(2, 0.3)):.4f} lr=3e-4 grad_norm=0.9\n" for i in range(lines)
    ).encode()


def scan(name: str, data: bytes, protected: tuple[ModelFingerprint, ...] = ()) -> FileReport:
    return Inspector(protected=protected).inspect(name, io.BytesIO(data), len(data))


# --- GGML blocks ----------------------------------------------------------------------


@pytest.mark.parametrize("shift", [0, 7])
@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("q8_0", q8_0),
        ("q4_0", q4_0),
        ("q4_0", lambda v: q4_0(v, llama=False)),
        ("q4_0", lambda v: swap_scales(q4_0(v), 18)),
        ("q8_0", lambda v: swap_scales(q8_0(v), 34)),
    ],
    ids=["q8", "q4-llama", "q4-symmetric", "q4-swapped-scales", "q8-swapped-scales"],
)
def test_ggml_blocks_are_recognised_at_any_phase(kind: str, make: object, shift: int) -> None:
    for std in (0.002, 0.02, 0.2):
        data = make(weights(40_000, std))  # type: ignore[operator]
        assert guess_blocks(u8(data)[shift : shift + 65536]) == f"ggml {kind} blocks"


@pytest.mark.parametrize(
    "data",
    [
        RNG.bytes(65536),
        zlib.compress(b"".join(b"record %d value %d\n" % (i, i * i) for i in range(40_000))),
        RNG.integers(0, 40, 65536, dtype=np.uint8).tobytes(),  # small bytes, no block shape
        np.arange(32768, dtype="<u2").tobytes(),
        q8_0(weights(40_000))[:600],  # too few blocks to judge
    ],
    ids=["random", "zlib", "small-bytes", "counter", "short"],
)
def test_other_bytes_are_not_ggml_blocks(data: bytes) -> None:
    assert guess_blocks(u8(data)) is None


def test_a_headerless_quantised_file_is_denied_as_weights() -> None:
    for data in (q8_0(weights(MiB)), q4_0(weights(2 * MiB))):
        report = scan("model.bin", data)
        assert report.verdict is Outcome.DENY
        assert any("ggml" in f.detail for f in report.findings)


# --- binary runs in text --------------------------------------------------------------


def test_binary_runs_are_found_and_trimmed() -> None:
    text = log(2000)
    blob = weights(8192).astype(np.float16).tobytes()
    window = u8(text[:30_000] + blob + text[30_000:])
    [(start, end)] = binary_runs(window)
    assert 29_990 <= start <= 30_010 and abs(end - (30_000 + len(blob))) <= 16
    assert binary_runs(u8(text)) == []
    assert binary_runs(u8("héllo wörld, 日本語のログ\n".encode() * 4000)) == []


def test_a_spliced_run_is_judged_and_counted_whole() -> None:
    text = log(4000)
    blob = weights(32768).astype(np.float32).tobytes()
    found = judge_runs(u8(text[:50_000] + blob + text[50_000:]))
    assert found is not None and found.dtype == "float32"
    assert len(blob) <= found.size <= len(blob) + 2 * 256


def test_many_short_runs_add_up() -> None:
    text, parts, pos = log(6000), [], 0
    for i in range(24):  # 24 runs of 1 KiB, at odd and even offsets
        parts += [text[pos : pos + 997 + i], weights(512).astype(np.float16).tobytes()]
        pos += 997 + i
    found = judge_runs(u8(b"".join(parts) + text[pos:]))
    assert found is not None and found.size >= 24 * 1024


def test_text_with_no_binary_runs_is_left_alone() -> None:
    assert judge_runs(u8(log(4000))) is None
    assert judge_runs(u8("ça marche, übung macht den meister\n".encode() * 5000)) is None
    colours = b"\x1b[32mINFO\x1b[0m step done\n" * 5000  # ANSI colours in a log
    assert judge_runs(u8(colours)) is None


@pytest.mark.parametrize(("dtype", "size"), [("<f2", MiB // 2), ("<f4", MiB)])
def test_weights_spliced_into_a_log_are_caught(dtype: str, size: int) -> None:
    text = log(40_000)
    cut = text.index(b"\n", len(text) // 3) + 1
    blob = weights(size // np.dtype(dtype).itemsize).astype(dtype).tobytes()
    report = scan("train.log", text[:cut] + blob + text[cut:])
    expected = Outcome.DENY if size >= MiB else Outcome.HOLD
    assert report.verdict is expected
    assert any(
        f.kind in (FindingKind.RAW_TENSOR, FindingKind.SMALL_TENSOR) for f in report.findings
    )
    assert scan("train.log", text).verdict is Outcome.ALLOW


# --- images ---------------------------------------------------------------------------


def png(array: np.ndarray) -> bytes:
    try:
        from PIL import Image  # noqa: PLC0415 -- the formats extra
    except ImportError as e:
        skip_leg(FORMATS, f"Pillow is not installed ({e})")

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def cover(side: int) -> np.ndarray:
    y, x = np.mgrid[0:side, 0:side]
    base = np.stack([128 + 100 * np.sin(x / 90 + c) * np.cos(y / 70) for c in range(3)], -1)
    return np.clip(base + RNG.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def test_weights_in_two_low_bits_are_denied_when_the_payload_fills_the_picture() -> None:
    payload = weights(MiB).astype(np.float16).tobytes()  # 2 MiB
    bits = np.unpackbits(u8(payload)).reshape(-1, 2)
    crumbs = (bits[:, 0] << 1) | bits[:, 1]
    side = int(np.ceil(np.sqrt(crumbs.size / 3)))
    image = cover(side).reshape(-1)  # the end of the picture is out of step by 3 samples
    image[: crumbs.size] = (image[: crumbs.size] & 0xFC) | crumbs
    report = scan("figure.png", png(image.reshape(side, side, 3)))
    assert report.verdict is Outcome.DENY
    assert scan("figure.png", png(cover(side))).verdict is not Outcome.DENY


def test_a_registered_model_as_16_bit_grey_pixels_is_named() -> None:
    model = weights(4 * MiB).astype(np.float16).tobytes()
    protected = (ModelFingerprint.of("frontier-x", [model]),)
    piece = np.frombuffer(model[MiB : 3 * MiB], dtype="<u2").reshape(1024, 1024)
    report = scan("grey.png", png(piece), protected)
    assert report.verdict is Outcome.DENY
    assert any(
        f.kind is FindingKind.PROTECTED_MODEL and "frontier-x" in f.detail for f in report.findings
    )
    fresh = weights(MiB).astype(np.float16).view("<u2").reshape(1024, 1024)
    assert not any(
        f.kind is FindingKind.PROTECTED_MODEL for f in scan("g.png", png(fresh), protected).findings
    )


def test_a_log_made_binary_by_many_short_splices_is_denied() -> None:
    text, parts, pos = log(60_000), [], 0
    for _ in range(2048):  # 2 MiB of weights in 1 KiB runs between log lines
        step = 300 + int(RNG.integers(0, 200))
        parts += [text[pos : pos + step], weights(256).astype("<f4").tobytes()]
        pos += step
    report = scan("train.log", b"".join(parts) + text[pos:])
    assert report.verdict is Outcome.DENY
    assert any("float32" in f.detail for f in report.findings)
