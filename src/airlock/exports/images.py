"""Judge a picture by its pixels: is it a picture, or data stored as one?

Decoded with Pillow (imported here, on first use; the ``formats`` extra) inside a pixel
bound. Two questions: whether the pixel bytes themselves are weights (float16 as 16-bit
grey, float32 as RGBA: the pixel array then passes the raw-tensor recogniser), and whether
the low one or two bit planes are random where a plot or a photograph's are not -- and if
so, whether those bits, packed back into bytes, are weights. A JPEG is only decoded (its
lossy pixels cannot carry bits). A picture that decodes and passes both is explained.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import numpy.typing as npt

from airlock.domain.requests import Outcome
from airlock.exports.findings import BytesMatcher, Finding, FindingKind
from airlock.exports.limits import InspectionLimits
from airlock.exports.tensor_stats import Bytes, entropy_bits, guess_tensor

SAMPLE_BYTES = 256 * 1024  # from each of the start, middle and end of the pixel bytes
LOSSY = ("JPEG", "MPO")
REPEATS = (8, 4, 3, 2)  # block sizes tried for weights repeated over blocks of pixels


def judge_image(
    data: bytes, member: str, limits: InspectionLimits, match: BytesMatcher | None = None
) -> list[Finding]:
    """Findings for one encoded image; none when it is a plain picture.

    ``match`` is given the pixel bytes (as stored, little-endian) when they are weights, and
    returns what it finds in them -- the engine matches them against the protected models,
    so a registered model stored as pixels is named, not only denied (issue 15).
    """
    try:
        from PIL import Image  # noqa: PLC0415 -- optional and heavy (formats extra)
    except ImportError:
        return [
            _hold(
                member,
                "Pillow is not installed, so images cannot be decoded: install airlock[formats]",
            )
        ]
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > limits.max_image_pixels:
                return [
                    Finding(
                        FindingKind.LIMIT,
                        Outcome.HOLD,
                        f"image of {width}x{height} pixels is over the "
                        f"{limits.max_image_pixels}-pixel bound; export it smaller",
                        member=member,
                    )
                ]
            lossy = image.format in LOSSY
            image.load()
            pixels = _pixels(image)
    except Exception as e:  # noqa: BLE001 -- Pillow raises many kinds; any failure holds
        return [_hold(member, f"image does not decode ({type(e).__name__}: {e})")]
    if lossy:
        return []
    found = _pixels_as_data(pixels, member, limits, match)
    return found or _low_bits(pixels, member, limits)


def _hold(member: str, detail: str) -> Finding:
    return Finding(FindingKind.MALFORMED, Outcome.HOLD, detail, member=member)


def _pixels(image: Any) -> npt.NDArray[Any]:
    """The pixel samples as stored: uint16 for 16-bit grey, uint8 per channel otherwise."""
    if image.mode.startswith("I;16"):
        return np.asarray(image).astype("<u2")
    if image.mode == "I":
        array = np.asarray(image)
        return array.astype("<u2") if array.size and int(array.max()) < 65536 else array
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "CMYK", "P"):
        image = image.convert("RGBA")
    return np.asarray(image)


def _sample(raw: Bytes) -> Bytes:
    if raw.size <= 3 * SAMPLE_BYTES:
        return raw
    middle = raw.size // 2 - SAMPLE_BYTES // 2
    return np.concatenate(
        [raw[:SAMPLE_BYTES], raw[middle : middle + SAMPLE_BYTES], raw[-SAMPLE_BYTES:]]
    )


def _sized(size: int, limits: InspectionLimits) -> tuple[FindingKind, Outcome]:
    if size >= limits.weight_threshold_bytes:
        return FindingKind.RAW_TENSOR, Outcome.DENY
    return FindingKind.SMALL_TENSOR, Outcome.HOLD


def _pixels_as_data(
    pixels: npt.NDArray[Any], member: str, limits: InspectionLimits, match: BytesMatcher | None
) -> list[Finding]:
    """Weights stored as the pixels, also when each value is repeated over a block of
    pixels (which would make neighbours agree): the blocks are collapsed first."""
    rows, columns = _repeat(pixels, 0), _repeat(pixels, 1)
    view = np.ascontiguousarray(pixels[::rows, ::columns])
    raw = np.frombuffer(view.tobytes(), dtype=np.uint8)
    guess = guess_tensor(_sample(raw))
    if guess is None or _continuous(view):
        return []
    kind, verdict = _sized(raw.size, limits)
    shape = "x".join(str(n) for n in pixels.shape)
    blocks = f", one value per {rows}x{columns} block" if rows * columns > 1 else ""
    named = match(raw.tobytes(), f"{member}#pixels") if match is not None else []
    return [
        *named,
        Finding(
            kind,
            verdict,
            f"the pixels ({shape} of {pixels.dtype}{blocks}) are {guess.dtype} weights "
            "stored as an image, not a picture; export the numbers in a format that says "
            "what they are",
            member=f"{member}#pixels",
            size=int(raw.size),
            confidence=guess.confidence,
        ),
    ]


def _repeat(pixels: npt.NDArray[Any], axis: int) -> int:
    """The largest of ``REPEATS`` by which (nearly) every value repeats along ``axis``."""
    middle = pixels.shape[0] // 2
    sample = pixels[middle : middle + 64] if axis == 1 else pixels[:, :64]
    for factor in REPEATS:
        length = sample.shape[axis] - sample.shape[axis] % factor
        if length < 2 * factor:
            continue
        cut = np.take(sample, np.arange(length), axis=axis)
        starts = np.repeat(np.take(cut, np.arange(0, length, factor), axis=axis), factor, axis=axis)
        if float((cut == starts).mean()) >= 0.98:
            return factor
    return 1


def _continuous(pixels: npt.NDArray[Any]) -> bool:
    """A picture: each sample is close to the same channel of the next pixel (correlation
    >= 0.5); weights stored as pixels have no order. Judged on the middle rows."""
    rows = pixels[pixels.shape[0] // 2 : pixels.shape[0] // 2 + 64].astype(np.float64)
    if rows.ndim == 2:
        rows = rows[..., None]
    left, right = rows[:, :-1].reshape(-1), rows[:, 1:].reshape(-1)
    if left.size < 16 or left.std() == 0 or right.std() == 0:
        return True
    return float(np.corrcoef(left, right)[0, 1]) >= 0.5


def _low_bits(pixels: npt.NDArray[Any], member: str, limits: InspectionLimits) -> list[Finding]:
    """Weights packed into the low bit planes, else random low bits counted as unexplained."""
    if pixels.dtype != np.uint8:
        return []
    flat = np.ascontiguousarray(pixels).reshape(-1)
    samples = _sample(flat)
    step = pixels.shape[2] if pixels.ndim == 3 else 1  # the same channel, next pixel
    planes = {bits: (samples & np.uint8((1 << bits) - 1)).astype(np.uint8) for bits in (2, 1)}
    for bits in planes:
        # Each part alone, cut at a multiple of 8 samples from the first pixel: packing the
        # concatenated start/middle/end would put the end out of step with the bytes hidden
        # from the first pixel on (issue 15: a 2-bit fp16 payload held, not denied).
        for packed in (p for part in _parts(flat) for p in _packed(_plane(part, bits), bits)):
            guess = guess_tensor(packed)
            if guess is None:
                continue
            capacity = int(pixels.size) * bits // 8
            kind, verdict = _sized(capacity, limits)
            detail = (
                f"the low {bits} bit(s) of every pixel hold {guess.dtype} weights (about "
                f"{capacity} bytes hidden in the picture); export the plot as rendered"
            )
            where = f"{member}#low-bits"
            return [Finding(kind, verdict, detail, member=where, size=capacity, confidence=0.8)]
    for bits, plane in planes.items():
        if _random_plane(plane, bits, step):
            capacity = int(pixels.size) * bits // 8
            detail = (
                f"the low {bits} bit(s) of the pixels are random (sensor noise or hidden "
                f"data; {capacity} bytes counted in the information account)"
            )
            return [
                Finding(
                    FindingKind.OPAQUE,
                    Outcome.ALLOW,
                    detail,
                    member=f"{member}#low-bits",
                    size=capacity,
                    confidence=0.5,
                )
            ]
    return []


def _plane(samples: Bytes, bits: int) -> Bytes:
    return (samples & np.uint8((1 << bits) - 1)).astype(np.uint8)


def _parts(raw: Bytes) -> list[Bytes]:
    """The start, middle and end samples, each starting at a multiple of 8 samples."""
    if raw.size <= 3 * SAMPLE_BYTES:
        return [raw]
    middle = (raw.size // 2 - SAMPLE_BYTES // 2) // 8 * 8
    end = (raw.size - SAMPLE_BYTES) // 8 * 8
    return [raw[:SAMPLE_BYTES], raw[middle : middle + SAMPLE_BYTES], raw[end:]]


def _random_plane(plane: Bytes, bits: int, step: int) -> bool:
    """Uniform values that do not agree with the same channel of the next pixel."""
    if plane.size < 4096 * step:
        return False
    agree = float((plane[:-step] == plane[step:]).mean())
    return entropy_bits(plane, 1 << bits) >= bits - 0.03 and agree <= 2.0**-bits + 0.05


def _packed(plane: Bytes, bits: int) -> list[Bytes]:
    """The bit plane packed back into bytes, first sample in the high and in the low bits."""
    per = 8 // bits
    groups = plane[: plane.size - plane.size % per].reshape(-1, per).astype(np.uint8)
    shifts = np.arange(per, dtype=np.uint8) * bits
    high_first = (groups << shifts[::-1]).sum(axis=1, dtype=np.uint32).astype(np.uint8)
    low_first = (groups << shifts).sum(axis=1, dtype=np.uint32).astype(np.uint8)
    return [high_first, low_first]
