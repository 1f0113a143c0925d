"""The verifier: sample logged responses unpredictably, replay them, score, and lock.

Selection (Rinberg et al., arXiv 2511.02620, section 3: the server must not know which
responses will be checked): after committing pending transcripts, the verifier signs a
checkpoint and uses ``beacon = SHA-256(signed checkpoint note)`` as randomness; a response
is replayed iff ``SHA-256(beacon || digest) < fraction * 2**256``. The Ed25519 signature
is made with the ledger key, which the inference upstream never holds, after the
responses were committed: the upstream can neither predict nor steer the choice, and anyone
with the public key can recompute it from the ``outputs.verify`` ledger record.

Each replayed response is scored token by token (:mod:`airlock.outputs.scoring`); its
unexplained bits are added per caller and per upstream, and a total at or above
``lock_bits`` locks the caller or the upstream, the reason naming the tokens that did not
fit. Responses whose model digest differs from the reference model's are reported as
unverifiable, never as passed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airlock.approvals.locks import Lock, LockScope
from airlock.audit import AuditLog
from airlock.clock import Clock
from airlock.errors import InvalidInput, TamperedState
from airlock.ledger.records import LedgerRecord
from airlock.outputs.batches import BATCH_RECORD, batch_root
from airlock.outputs.reference import ReferenceModel
from airlock.outputs.scoring import ResponseScore, TokenScore, score_response
from airlock.outputs.transcript import Transcript, TranscriptDigest, text_sha256
from airlock.store.interface import Store
from airlock.store.output_interface import StoredTranscript, Verification

VERIFY_RECORD = "outputs.verify"
VERIFIER_ACTOR = "airlock-verifier"
MAX_SHOWN_TOKENS = 8


def beacon_of(signed_checkpoint_text: str) -> bytes:
    return hashlib.sha256(signed_checkpoint_text.encode()).digest()


def selected(beacon: bytes, digest: str, fraction: float) -> bool:
    """Whether the beacon picks this response for replay."""
    if not 0.0 < fraction <= 1.0:
        raise InvalidInput("the verified fraction must be in (0, 1]")
    draw = int.from_bytes(hashlib.sha256(beacon + bytes.fromhex(digest)).digest(), "big")
    return draw < fraction * 2**256


@dataclass(frozen=True, slots=True)
class ResponseVerdict:
    digest: TranscriptDigest
    caller: str
    upstream: str
    tokens: int
    score: ResponseScore | None  # None: the model digest did not match (unverifiable)
    # Why a response of the reference's own model could not be replayed (a token outside
    # the vocabulary, a sequence the model cannot take): no honest server sends one, so
    # every bit of text it carried counts as unexplained (``payload_bits``).
    unreplayable: str = ""
    payload_bits: float = 0.0

    @property
    def unverifiable(self) -> bool:
        """Of another model than the reference: not replayed, counted against no one."""
        return self.score is None and not self.unreplayable

    @property
    def unexplained_bits(self) -> float:
        if self.unreplayable:
            return self.payload_bits
        return 0.0 if self.score is None else self.score.unexplained_bits


@dataclass(slots=True)
class Tally:
    responses: int = 0
    tokens: int = 0
    unexplained_bits: float = 0.0
    capacity_bits: float = 0.0
    unfit: list[TokenScore] = field(default_factory=list)
    unreplayable: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checkpoint_size: int
    beacon: str
    fraction: float
    considered: int
    verdicts: tuple[ResponseVerdict, ...]
    callers: dict[str, Tally]
    upstreams: dict[str, Tally]
    locks: tuple[Lock, ...]
    ledger_index: int
    replay_seconds: float

    @property
    def replayed_tokens(self) -> int:
        return sum(v.tokens for v in self.verdicts if v.score is not None)

    @property
    def unverifiable(self) -> int:
        """Responses of another model than the reference (not counted against anyone)."""
        return sum(1 for v in self.verdicts if v.unverifiable)

    @property
    def unreplayable(self) -> tuple[ResponseVerdict, ...]:
        """Responses of the reference's model that it cannot replay (counted, locked)."""
        return tuple(v for v in self.verdicts if v.unreplayable)


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    fraction: float
    tolerance: float
    lock_bits: int
    limit: int = 100_000
    lock_hours: float = 24.0


def verify_outputs(
    store: Store,
    ledger: AuditLog,
    clock: Clock,
    reference: ReferenceModel,
    *,
    options: VerifyOptions,
    impose: Callable[[Lock], None],
    policy_version: str,
    timer: Callable[[], float],
) -> VerifyReport:
    """Sample, replay, score, record and lock (see the module docstring)."""
    signed = ledger.checkpoint()
    beacon = beacon_of(signed.text)
    candidates = store.outputs.unverified(signed.checkpoint.size, options.limit)
    _check_batches(store, ledger, {c.batch_index for c in candidates})
    chosen = [c for c in candidates if selected(beacon, c.digest, options.fraction)]
    started = timer()
    verdicts = [_replay(c, reference, options.tolerance) for c in chosen]
    replay_seconds = timer() - started
    callers: dict[str, Tally] = {}
    upstreams: dict[str, Tally] = {}
    for v in verdicts:
        if v.unverifiable:
            continue
        for tally in (
            callers.setdefault(v.caller, Tally()),
            upstreams.setdefault(v.upstream, Tally()),
        ):
            tally.responses += 1
            tally.tokens += v.tokens
            tally.unexplained_bits += v.unexplained_bits
            if v.score is not None:
                tally.capacity_bits += v.score.capacity_bits
                tally.unfit += v.score.unexplained
            if v.unreplayable:
                tally.unreplayable.append(f"{v.digest[:12]}: {v.unreplayable}")
    now = clock.now()
    locks = [
        _lock(scope, subject, tally, options, now)
        for scope, tallies in ((LockScope.PRINCIPAL, callers), (LockScope.UPSTREAM, upstreams))
        for subject, tally in sorted(tallies.items())
        if options.lock_bits and tally.unexplained_bits >= options.lock_bits
    ]
    index = ledger.append(
        LedgerRecord(
            kind=VERIFY_RECORD,
            actor=VERIFIER_ACTOR,
            at=now,
            subject=f"checkpoint:{signed.checkpoint.size}",
            policy_version=policy_version,
            outcome="alarm" if locks else "pass",
            details={
                "beacon": beacon.hex(),
                "fraction_milli": str(round(options.fraction * 1000)),
                "tolerance_micro": str(round(options.tolerance * 1_000_000)),
                "considered": str(len(candidates)),
                "replayed": str(len(verdicts)),
                "unverifiable": str(sum(1 for v in verdicts if v.unverifiable)),
                "unreplayable": str(sum(1 for v in verdicts if v.unreplayable)),
                "tokens": str(sum(v.tokens for v in verdicts if v.score is not None)),
                "unexplained_milli": str(round(sum(v.unexplained_bits for v in verdicts) * 1000)),
                "responses": [
                    f"{v.digest}:{round(v.unexplained_bits * 1000)}"
                    for v in verdicts
                    if v.unexplained_bits > 0
                ][:100],
            },
        )
    )
    for lock in locks:
        impose(lock)
    store.outputs.mark_verified(
        [
            Verification(
                v.digest,
                round(v.unexplained_bits * 1000),
                round(v.score.capacity_bits * 1000) if v.score is not None else 0,
            )
            for v in verdicts
            if not v.unverifiable
        ],
        [c.digest for c in candidates],
        now,
    )
    return VerifyReport(
        checkpoint_size=signed.checkpoint.size,
        beacon=beacon.hex(),
        fraction=options.fraction,
        considered=len(candidates),
        verdicts=tuple(verdicts),
        callers=callers,
        upstreams=upstreams,
        locks=tuple(locks),
        ledger_index=index,
        replay_seconds=replay_seconds,
    )


def _check_batches(store: Store, ledger: AuditLog, indexes: set[int | None]) -> None:
    """That the stored digests of each batch are still the ones its ledger record's root
    commits to (each body hashes to its digest: the store checks that as it reads).

    Raises:
        TamperedState: a batch's rows were changed, added or removed after it was
            committed: what would be replayed is not what left (docs/adr/0058).
        LedgerIntegrityError: the batch's ledger entry is gone or its seal fails.
    """
    for index in sorted(i for i in indexes if i is not None):
        record = ledger.checked_record(index)
        details = record.get("details")
        digests = store.outputs.batch(index)
        if (
            record.get("kind") != BATCH_RECORD
            or not isinstance(details, dict)
            or details.get("root") != batch_root(digests).hex()
            or details.get("count") != str(len(digests))
        ):
            raise TamperedState(
                f"the transcripts of output batch {index} are not the ones its ledger record "
                "commits to: they were changed after commit, so nothing of it is replayed "
                "(restore the database from a backup and find who wrote to it)"
            )


def _replay(row: StoredTranscript, reference: ReferenceModel, tolerance: float) -> ResponseVerdict:
    """One response's verdict. A response the reference cannot replay is a verdict too,
    never an error: one such response must not stop the run that would lock its sender
    (before, a single token id past the vocabulary aborted every run that drew it)."""
    t = row.transcript
    tokens = len(t.output_tokens)
    if t.model_digest != reference.digest:
        return ResponseVerdict(row.digest, t.caller, t.upstream, tokens, None)
    try:
        score = _score(t, reference, tolerance)
    except (InvalidInput, IndexError, ValueError, RuntimeError) as e:
        reason = e.message if isinstance(e, InvalidInput) else f"{type(e).__name__}: {e}"
        return ResponseVerdict(
            row.digest,
            t.caller,
            t.upstream,
            tokens,
            None,
            unreplayable=reason[:200],
            payload_bits=8.0 * max(row.size_bytes, tokens),
        )
    return ResponseVerdict(row.digest, t.caller, t.upstream, tokens, score)


def _score(t: Transcript, reference: ReferenceModel, tolerance: float) -> ResponseScore:
    """Raises: InvalidInput (a token outside the vocabulary, an empty prompt), or what the
    reference model raises for a sequence it cannot take."""
    vocab = reference.vocab_size
    outside = next((x for x in (*t.prompt_tokens, *t.output_tokens) if not 0 <= x < vocab), None)
    if outside is not None:
        raise InvalidInput(f"token {outside} is outside the vocabulary of {vocab}")
    if t.prompt:
        # Only the upstream said which ids the caller's text prompt is; a prompt of its
        # own choosing ("repeat after me: ...") makes the reference say what it wants,
        # and a replay on it agrees (docs/adr/0058).
        prompts = reference.prompts(t.endpoint, t.prompt)
        if prompts is not None and t.prompt_tokens not in prompts:
            raise InvalidInput("the prompt's token ids are not the caller's prompt")
    if t.text_sha256:
        honest = reference.texts(t.prompt_tokens, t.output_tokens)
        if honest is not None and t.text_sha256 not in {text_sha256(x.encode()) for x in honest}:
            raise InvalidInput("the text the caller received is not what its token ids decode to")
    logits = reference.logits(t.prompt_tokens, t.output_tokens)
    return score_response(
        logits, t.output_tokens, temperature=t.temperature, seed=t.seed, tolerance=tolerance
    )


def _lock(
    scope: LockScope, subject: str, tally: Tally, options: VerifyOptions, now: datetime
) -> Lock:
    shown = ", ".join(
        f"pos {s.position}: token {s.token} (replay {s.replayed}, rank {s.rank})"
        for s in tally.unfit[:MAX_SHOWN_TOKENS]
    )
    reason = (
        f"model outputs carry {tally.unexplained_bits:.1f} unexplained bits in "
        f"{tally.tokens} replayed tokens (threshold {options.lock_bits}); tokens that did "
        f"not fit: {shown}"
    )
    if tally.unreplayable:
        reason += "; responses that cannot be replayed: " + "; ".join(tally.unreplayable[:3])
    return Lock(scope, subject, reason, now, now + timedelta(hours=options.lock_hours))


def unexplained_tokens(verdicts: Sequence[ResponseVerdict]) -> list[tuple[str, TokenScore]]:
    return [(v.digest, s) for v in verdicts if v.score is not None for s in v.score.unexplained]
