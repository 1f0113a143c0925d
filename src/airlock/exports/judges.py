"""Turn what a parser or scanner learned about one flat stream into findings.

The verdict rule, everywhere: content that *is* tensors (a tensor-format header, a pickle
that rebuilds tensors, windows whose statistics match weights, numbers written out like
weights) is denied from ``weight_threshold_bytes`` on and held below it, where a small
tensor or a statistical coincidence is plausible and a person should look. Anything
unreadable, over a limit or of no known format holds.
"""

from __future__ import annotations

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.exports.decoded import DecodedSink
from airlock.exports.findings import Finding, FindingKind
from airlock.exports.formats import (
    COMPRESSORS,
    TENSOR_FORMATS,
    Format,
    read_gguf_header,
    read_npy_header,
    read_pickle_opcodes,
    read_safetensors_header,
    sniff,
)
from airlock.exports.limits import InspectionLimits
from airlock.exports.tensor_stats import guess_tensor
from airlock.exports.text_scan import IntStats, TextScanner

MIN_UNKNOWN_DECODED = 64 * 1024  # an encoded blob this large of no known format holds
UNKNOWN = 1 << 62  # the length of a stream whose size is not known in advance


def _sized(limits: InspectionLimits, size: int) -> Outcome:
    return Outcome.DENY if size >= limits.weight_threshold_bytes else Outcome.HOLD


def describe_format(
    fmt: Format, head: bytes, member: str, size: int, limits: InspectionLimits
) -> list[Finding]:
    """A finding for a tensor-format file (deny when large), or for its broken header."""
    # size 0: the length is unknown (a decompressed stream): no truncation check, and a
    # tensor file of unknown length is assumed to be large.
    try:
        summary = None
        if fmt is Format.SAFETENSORS:
            summary = read_safetensors_header(head, size or UNKNOWN, limits.max_header_bytes)
        elif fmt is Format.NPY:
            summary = read_npy_header(head, size or len(head))
        elif fmt is Format.GGUF:
            summary = read_gguf_header(head, size)
    except InvalidInput as e:
        return [Finding(FindingKind.MALFORMED, Outcome.HOLD, str(e), member=member)]
    if summary is not None:
        verdict = _sized(limits, summary.payload_bytes) if size else Outcome.DENY
        return [
            Finding(
                FindingKind.TENSOR_FORMAT,
                verdict,
                summary.detail,
                member=member,
                size=summary.payload_bytes,
            )
        ]
    if fmt in (Format.HDF5, Format.ONNX):
        return [
            Finding(
                FindingKind.TENSOR_FORMAT,
                _sized(limits, size) if size else Outcome.DENY,
                f"{fmt.value} model/tensor container",
                member=member,
                size=size,
            )
        ]
    return []


def judge_pickle(head: bytes, member: str, total: int, limits: InspectionLimits) -> list[Finding]:
    """Read a pickle's opcodes (never executing them) for tensor-rebuilding globals."""
    try:
        summary = read_pickle_opcodes(head, limits.max_pickle_opcodes)
    except InvalidInput as e:
        if len(head) >= limits.max_header_bytes:
            detail = "pickle too large to read its opcodes within limits"
            return [Finding(FindingKind.LIMIT, Outcome.HOLD, detail, member=member)]
        return [Finding(FindingKind.MALFORMED, Outcome.HOLD, str(e), member=member)]
    if summary.tensor_globals or summary.persistent_ids:
        rebuilt = ", ".join(summary.tensor_globals[:4] or ("persistent storages",))
        return [
            Finding(
                FindingKind.TENSOR_FORMAT,
                _sized(limits, total),
                f"pickle that rebuilds tensors ({rebuilt})",
                member=member,
                size=total,
            )
        ]
    if summary.large_bytes >= limits.weight_threshold_bytes:
        return [
            Finding(
                FindingKind.TENSOR_FORMAT,
                Outcome.HOLD,
                f"pickle carries {summary.large_bytes} bytes of binary blobs",
                member=member,
                size=summary.large_bytes,
            )
        ]
    return []


def judge_text(text: TextScanner, member: str, limits: InspectionLimits) -> list[Finding]:
    """Numbers written out like weights, byte lists, and text denser than base64.

    Written out, 1 MiB of float32 weights is 262,144 numbers. Weight-like numbers (small,
    centred on zero, both signs) are denied from half that count -- estimated from samples
    -- and held from a sixteenth. Other numbers (losses, timings, counts) are what logs are
    made of and pass.
    """
    found: list[Finding] = []
    full = limits.max_text_numbers
    floats, ints = text.floats, text.ints
    weighty = max(floats.weighty, floats.count if floats.weight_like() else 0)
    if weighty >= full // 16:
        found.append(
            Finding(
                FindingKind.TENSOR_TEXT,
                Outcome.DENY if weighty >= full // 2 else Outcome.HOLD,
                f"about {weighty} decimal numbers spread around zero like weights",
                member=member,
                size=weighty * 4,
                confidence=0.8,
            )
        )
    pooled = ints.weight_like() or ints.byte_values() is not None
    if ints.weighty > (ints.count if pooled else 0):  # weights diluted in other numbers
        ints = IntStats(count=ints.weighty, samples=ints.evidence)
    if ints.count >= full // 16:
        as_bytes = ints.byte_values()
        tensor = as_bytes is not None and guess_tensor(as_bytes) is not None
        if ints.weight_like() or tensor:
            found.append(
                Finding(
                    FindingKind.TENSOR_TEXT,
                    Outcome.DENY if ints.count >= full // 2 else Outcome.HOLD,
                    f"about {ints.count} integers that encode weights (quantized, scaled "
                    "or written as byte values)",
                    member=member,
                    size=ints.count,
                    confidence=0.75,
                )
            )
        elif as_bytes is not None:
            found.append(
                Finding(
                    FindingKind.UNKNOWN_FORMAT,
                    Outcome.HOLD,
                    f"about {ints.count} byte values written as numbers: binary data of no "
                    "known format; a person must look at it",
                    member=member,
                    size=ints.count,
                    confidence=0.6,
                )
            )
    if text.dense_windows:
        found.append(
            Finding(
                FindingKind.OPAQUE,
                Outcome.HOLD,
                f"{text.dense_windows} window(s) of text denser than base64 (base85 or a "
                "similar encoding of binary data); a person must look at it",
                member=member,
                confidence=0.7,
            )
        )
    return found


def judge_decoded(sink: DecodedSink, found: list[Finding]) -> list[Finding]:
    """Findings for one base64 or hex run, given its nested scan's own ``found``.

    Tensor files inside are denied; archives (which cannot be walked from text) and
    pickles hold; so does a large blob of no recognised format or a corrupt compressed one.
    """
    path = sink.scan.member
    if sink.compressed is not None:
        path = f"{path}!{sink.compressed.value}"
    fmt = sniff(sink.scan.head)
    found = list(found)
    if sink.broken:
        found.append(
            Finding(
                FindingKind.MALFORMED,
                Outcome.HOLD,
                f"encoded {sink.compressed} stream is corrupt ({sink.broken})",
                member=path,
            )
        )
    if fmt in TENSOR_FORMATS:
        detail = f"encoded {fmt.value} tensor file"
        found.append(Finding(FindingKind.TENSOR_FORMAT, Outcome.DENY, detail, member=path))
    elif fmt in COMPRESSORS or fmt in (Format.ZIP, Format.TAR, Format.PICKLE):
        found.append(
            Finding(
                FindingKind.OPAQUE,
                Outcome.HOLD,
                f"an encoded {fmt.value} inside text; a person must look at it",
                member=path,
                size=sink.plain,
            )
        )
    elif fmt is Format.BINARY and not found and sink.plain >= MIN_UNKNOWN_DECODED:
        found.append(
            Finding(
                FindingKind.UNKNOWN_FORMAT,
                Outcome.HOLD,
                f"{sink.plain} bytes of binary data of no recognised format, encoded as "
                "text; a person must look at it",
                member=path,
                size=sink.plain,
                confidence=0.6,
            )
        )
    return found
