"""Push-based scan of a flat byte stream: tensor statistics, opacity and chunk matching."""

from __future__ import annotations

import codecs
import hashlib
import secrets
import struct
from dataclasses import dataclass, field

import numpy as np

from airlock.budgets.refusals import SketchBuilder
from airlock.domain.requests import Outcome
from airlock.exports.anchor_scan import AnchorScan
from airlock.exports.binary_runs import judge_runs
from airlock.exports.chunking import MATCH_MIN_CHUNKS, Chunk, Chunker, FingerprintIndex
from airlock.exports.findings import Finding, FindingKind
from airlock.exports.limits import InspectionLimits
from airlock.exports.tensor_stats import Bytes, guess_tensor, is_opaque
from airlock.identity.anchors import AnchorIndex

SAMPLE_SLICES = 4
SLICE_BYTES = 16 * 1024
# Once a scan is sure to deny its bytes as raw tensor data, content-defined chunking (the
# per-byte cost: ~8x SHA-256's) runs on one keyed window in CHUNK_EVERY only (issues 15, 19).
CHUNK_EVERY = 16


@dataclass
class ScanTotals:
    tensor_bytes: int = 0
    dtypes: dict[str, int] = field(default_factory=dict)
    first_tensor_offset: int = -1
    opaque_bytes: int = 0
    first_opaque_offset: int = -1
    protected: dict[str, int] = field(default_factory=dict)  # model -> matched bytes
    first_protected_offset: int = -1


class FlatScan:
    """Feed bytes; windows are tested for tensors (on keyed random samples) and opacity,
    and every byte goes through content-defined chunking when models are protected.

    ``sample_chunks_after``: once this many bytes of windows read as raw tensor data (so
    the scan denies whatever else it finds), only one window in ``CHUNK_EVERY`` (picked
    with ``chunk_key``) is chunked and matched: a registered model still gets named when
    the file holds much of it (a 64 MiB piece: 98%), but a few MiB of it among other
    tensors may go unnamed. The same holds for windows of UTF-8 text past that many bytes
    of them (logs: their refusal sketch is then a sample too). 0 (the default) chunks
    every byte; the engine passes it only where raw-tensor findings count.
    """

    def __init__(
        self,
        member: str,
        limits: InspectionLimits,
        index: FingerprintIndex,
        *,
        check_opacity: bool = True,
        sample_key: int | None = None,
        sketch: SketchBuilder | None = None,
        ignore_dtypes: frozenset[str] = frozenset(),
        text_runs: bool = False,
        sample_chunks_after: int = 0,
        chunk_key: bytes = b"",
        anchors: AnchorIndex | None = None,
    ) -> None:
        self.member = member
        self.text_runs = text_runs  # judge runs of binary bytes between text (binary_runs)
        self.ignore_dtypes = ignore_dtypes  # guesses that this content makes by itself
        self.limits = limits
        self.index = index
        self.check_opacity = check_opacity
        self.totals = ScanTotals()
        self._buffer = bytearray()
        self._offset = 0
        # Chunks are also the sketch that refused content is remembered and matched by
        # (airlock.budgets.refusals, issue 14), so they are cut even with no model protected.
        self._sketch = sketch
        self._chunker = Chunker(judge=False) if index or sketch is not None else None
        self._run: list[Chunk] = []
        self._sample_chunks_after = sample_chunks_after
        self._chunk_gap = False  # windows were skipped since the chunker last ran
        self._text_bytes = 0
        self.chunked_bytes = 0
        # The engine derives the key from the enclave's key and the content (issue 15); a
        # scan built without one (tests, tools) samples at random.
        key = secrets.randbits(128) if sample_key is None else sample_key
        self._key = (key % (1 << 128)).to_bytes(16, "little")
        self._chunk_key = chunk_key or self._key
        self.head = b""
        # GGML block windows are matched on anchor chains (issue 15), in the windows chunked
        self._anchors = AnchorScan(anchors, member) if anchors else None
        self._chunked = True  # whether the current window was chunked (not sampled out)

    def feed(self, data: bytes) -> None:
        if len(self.head) < 4096:
            self.head += data[: 4096 - len(self.head)]
        window = self.limits.window_bytes
        if not self._buffer and len(data) == window:
            self._window(data)  # the common case: whole windows, no copy
            return
        self._buffer += data
        while len(self._buffer) >= window:
            self._window(bytes(self._buffer[:window]))
            del self._buffer[:window]

    def finish(self) -> list[Finding]:
        if self._buffer:
            self._window(bytes(self._buffer))
            self._buffer.clear()
        if self._chunker is not None:
            if not self._chunk_gap:  # else the chunker holds bytes from before the gap
                for chunk in self._chunker.finish():
                    self._match(chunk)
            if self.index:
                self._close_run()
        return self.findings()

    def _chunks(self, data: bytes) -> None:
        """Content-defined chunks of one window, matched; sampled past the bound (below)."""
        self._chunked = True
        if self._chunker is None:
            return
        if self._sampling(data) and not self._chunk_picked():
            self._chunked = False
            if not self._chunk_gap:
                self._close_run()  # a run of a full fingerprint's chunks ends at a gap
                self._chunk_gap = True
            return
        if self._chunk_gap:  # chunks re-synchronise after the first boundary (ADR 0003)
            self._chunker = Chunker(judge=False, offset=self._offset)
            self._chunk_gap = False
        self.chunked_bytes += len(data)
        for chunk in self._chunker.feed(data):
            self._match(chunk)

    def _sampling(self, data: bytes) -> bool:
        """Whether this window is chunked only if keyed-picked: the scan already denies as
        raw tensor data, or this is UTF-8 text past the bound (raw weights never are: one
        KiB of them spliced in breaks UTF-8; encoded weights are decoded and chunked by
        nested scans)."""
        after = self._sample_chunks_after
        if not after:
            return False
        if self.totals.tensor_bytes >= after:
            return True
        if _is_text(data):
            self._text_bytes += len(data)
            return self._text_bytes > after
        return False

    def _chunk_picked(self) -> bool:
        """Whether the window at the current offset is chunked while sampling: keyed, so an
        exporter cannot tell which windows are, and a function of the offset and the key
        alone, so a copy edited in place picks the same windows (refusal sketches)."""
        block = struct.pack("<Q", self._offset) + b"chunk"
        digest = hashlib.blake2b(block, key=self._chunk_key, digest_size=8).digest()
        return int.from_bytes(digest, "little") % CHUNK_EVERY == 0

    def _window(self, data: bytes) -> None:
        self._chunks(data)
        array = np.frombuffer(data, dtype=np.uint8)
        sample = self._sample(array)
        guess = guess_tensor(sample)
        if guess is not None and guess.dtype in self.ignore_dtypes:
            guess = None
        if guess is not None:
            self._tensor(guess.dtype, len(data), self._offset)
            if self._anchors is not None and self._chunked and guess.dtype.startswith("ggml "):
                self._anchors.window(array, self._offset)
        elif self.text_runs and (runs := judge_runs(array)) is not None:
            self._tensor(runs.dtype, runs.size, self._offset + runs.offset)
        elif self.check_opacity and is_opaque(sample):
            self.totals.opaque_bytes += len(data)
            if self.totals.first_opaque_offset < 0:
                self.totals.first_opaque_offset = self._offset
        self._offset += len(data)

    def _tensor(self, dtype: str, size: int, offset: int) -> None:
        t = self.totals
        t.tensor_bytes += size
        t.dtypes[dtype] = t.dtypes.get(dtype, 0) + size
        if t.first_tensor_offset < 0:
            t.first_tensor_offset = offset

    def _sample(self, array: Bytes) -> Bytes:
        # Whole windows when small; otherwise slices at offsets keyed per scan, so an
        # exporter cannot know which bytes will be looked at and pad around them.
        if array.size <= SAMPLE_SLICES * SLICE_BYTES * 2:
            return array
        picks = self._picks(array.size // SLICE_BYTES)
        return np.concatenate([array[p * SLICE_BYTES : (p + 1) * SLICE_BYTES] for p in picks])

    def _picks(self, slots: int) -> list[int]:
        """SAMPLE_SLICES distinct slots below ``slots`` (at least 8), from keyed BLAKE2b of the
        window's offset: unpredictable without the key, and 30x cheaper than seeding a numpy
        generator per window (issue 4)."""
        picks: set[int] = set()
        counter = 0
        while len(picks) < SAMPLE_SLICES:
            block = struct.pack("<QQ", self._offset, counter)
            digest = hashlib.blake2b(block, key=self._key, digest_size=32).digest()
            for (value,) in struct.iter_unpack("<I", digest):
                if len(picks) < SAMPLE_SLICES:
                    picks.add(value % slots)
            counter += 1
        return sorted(picks)

    def _match(self, chunk: Chunk) -> None:
        if self._sketch is not None:
            self._sketch.add(chunk.digest)
        if not self.index:
            return
        owner = self.index.owner(chunk.digest) if chunk.informative else None
        if owner is None:
            self._close_run()
            sampled = self.index.sampled_owner(chunk.digest) if chunk.informative else None
            if sampled is not None:  # one keyed sampled chunk names its model (issue 19)
                self._protected(sampled, chunk.offset, chunk.size)
            return
        if self._run and self.index.owner(self._run[0].digest) != owner:
            self._close_run()
        self._run.append(chunk)

    def _close_run(self) -> None:
        if len(self._run) >= MATCH_MIN_CHUNKS:
            owner = self.index.owner(self._run[0].digest) or "?"
            self._protected(owner, self._run[0].offset, sum(c.size for c in self._run))
        self._run = []

    def _protected(self, owner: str, offset: int, matched: int) -> None:
        self.totals.protected[owner] = self.totals.protected.get(owner, 0) + matched
        if self.totals.first_protected_offset < 0:
            self.totals.first_protected_offset = offset

    def findings(self) -> list[Finding]:
        t = self.totals
        found: list[Finding] = [] if self._anchors is None else self._anchors.findings()
        for model, matched in sorted(t.protected.items()):
            found.append(
                Finding(
                    FindingKind.PROTECTED_MODEL,
                    Outcome.DENY,
                    f"contains {matched} bytes of protected model {model}",
                    t.first_protected_offset,
                    self.member,
                    matched,
                    0.99,
                )
            )
        if t.tensor_bytes:
            dtypes = ", ".join(sorted(t.dtypes, key=lambda d: -t.dtypes[d]))
            big = t.tensor_bytes >= self.limits.weight_threshold_bytes
            found.append(
                Finding(
                    FindingKind.RAW_TENSOR if big else FindingKind.SMALL_TENSOR,
                    Outcome.DENY if big else Outcome.HOLD,
                    f"about {t.tensor_bytes} bytes look like raw tensor data ({dtypes})",
                    t.first_tensor_offset,
                    self.member,
                    t.tensor_bytes,
                    0.9 if big else 0.6,
                )
            )
        if t.opaque_bytes:
            found.append(
                Finding(
                    FindingKind.OPAQUE,
                    Outcome.HOLD,
                    f"opaque high-entropy data ({t.opaque_bytes} bytes of no known format: "
                    "encrypted, compressed or random); a person must look at it",
                    t.first_opaque_offset,
                    self.member,
                    t.opaque_bytes,
                    0.8,
                )
            )
        return found


def _is_text(data: bytes) -> bool:
    """Whether a window is UTF-8 text (7-bit first: the common case costs ~nothing). A
    window may start or end inside a character: up to 3 bytes each side are let through."""
    if data.isascii():
        return True
    start = 0
    while start < min(3, len(data)) and 0x80 <= data[start] < 0xC0:
        start += 1
    try:
        codecs.utf_8_decode(data[start:], "strict", False)
    except UnicodeDecodeError:
        return False
    return True
