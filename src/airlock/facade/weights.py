"""Protected weights: registering a model's fingerprint, the inspection engine that
knows every registered model, and per-copy watermarks (issue 19).

The ledger is the registry of marked copies (``weights.mark`` entries); the watermark secret
is derived from the ledger key, built when first used.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from airlock.approvals.permissions import Action, require
from airlock.capability import capability
from airlock.errors import Conflict, InvalidInput, LedgerIntegrityError
from airlock.facade.core import FRESHNESS_SECONDS, FacadeCore
from airlock.facade.values import Actor

if TYPE_CHECKING:
    from pathlib import Path

    from airlock.exports.engine import Inspector
    from airlock.exports.model_fingerprint import ModelFingerprint
    from airlock.identity.marking import MarkReceipt, RecordedMark
    from airlock.identity.watermark import MarkParams, TraceResult


class WeightsMixin(FacadeCore):
    """Protected models, the inspector and watermarks, for :class:`airlock.service.Airlock`."""

    def register_protected_model(
        self,
        actor: Actor,
        name: str,
        pieces: Iterable[bytes],
        tensors: tuple[str, ...] = (),
        *,
        shards: Iterable[tuple[str, Iterable[bytes]]] | None = None,
        sampled: bool = False,
    ) -> ModelFingerprint:
        """Fingerprint a model so that any piece of it, or a derivative, in an export is denied.

        ``shards`` (name, pieces) replace ``pieces`` for a model of many files. In one pass:
        every chunk's SHA-256 (``sampled=False``) or the enclave-keyed 1/32 sample of them
        (``sampled=True``: about 50 MB per TB, any 1 MiB piece still named with > 99%),
        per-tensor derivative sketches, and the lossless ratio (issue 19).

        Raises:
            PermissionDenied: the actor is not an administrator.
            InvalidInput: the name is empty or the model has no informative content.
            Conflict: a model of that name is registered already.
        """
        require(actor, Action.MODEL_REGISTER)
        if not name.strip() or len(name) > 128:
            raise InvalidInput("a protected model needs a name of 1-128 characters")
        if any(m.name == name for m in self._store.protected_models()):
            raise Conflict(f"a protected model named {name!r} is registered already")
        from airlock.identity.registration import register_shards

        registration = register_shards(
            self.identity_key,
            name,
            shards if shards is not None else [("", pieces)],
            sampled=sampled,
            tensors=tensors,
        )
        model = registration.model
        if not model.chunks:
            hint = " too small to sample: register it with a full fingerprint" if sampled else ""
            raise InvalidInput(f"{name} has no informative content to fingerprint;{hint}")
        index = self._record(
            "weights.register",
            actor,
            name,
            size=str(model.size),
            chunks=str(len(model.chunks)),
            fingerprint="sampled" if sampled else "full",
            sketched_tensors=str(registration.tensors_sketched),
            # measured lossless compression, in thousandths (ledger records hold no floats)
            lossless_ratio_milli=str(round(registration.lossless_ratio * 1000)),
        )
        self._store.add_protected_model(model, self._clock.now())
        self.seals.seal("protected_models", {"name": name}, index)
        self._inspector = None  # this process matches the new model from the next export on
        return model

    def protected_models(self) -> Sequence[ModelFingerprint]:
        return self._store.protected_models()

    def inspector(self) -> Inspector:
        """An inspection engine that knows every registered protected model.

        Fingerprints are loaded once and reloaded when the store's stamp changes. The stamp
        is read at most every ``FRESHNESS_SECONDS`` (one read per export was a fifth of an
        export's cost, issue 5), so a model registered through another process is matched
        within that time; one registered through this facade is matched at once.
        """
        now = self._monotonic_now()
        if self._inspector is not None and now < self._inspector_checked + FRESHNESS_SECONDS:
            return self._inspector
        from airlock.exports.engine import Inspector

        stamp = self._store.protected_models_stamp()
        if self._inspector is None or stamp != self._inspector_stamp:
            from airlock.home import load_sampling_key

            models = self._store.protected_models()
            keyed = any(m.sampled or m.identity for m in models)
            self._inspector = Inspector(
                protected=models,
                identity_key=self.identity_key if keyed else b"",
                sampling_key=load_sampling_key(self.settings.home),
            )
            self._inspector_stamp = stamp
        self._inspector_checked = now
        return self._inspector

    # --- per-copy watermarks (issue 19) --------------------------------------------------

    def mark_weights(
        self, actor: Actor, source: Path, copy: str, out: Path, params: MarkParams | None = None
    ) -> MarkReceipt:
        """Write ``out``: a copy of the safetensors model ``source`` carrying copy ``copy``'s
        keyed mark (:mod:`airlock.identity.watermark`); the ``weights.mark`` entry records the
        copy, both files' digests and a commitment to the key, never the key.

        Raises:
            PermissionDenied: the actor is not an administrator.
            InvalidInput: a bad copy name, or a model with nothing to mark.
            Conflict: that copy of that model is recorded already, or ``out`` exists.
            SourceError: a file cannot be read or written.
        """
        from airlock.identity import marking
        from airlock.identity.marking import MarkReceipt
        from airlock.identity.watermark import MarkParams, copy_key

        require(actor, Action.MODEL_REGISTER)
        if not copy.strip() or len(copy) > 128:
            raise InvalidInput("a marked copy needs a name of 1-128 characters")
        if out.exists():
            raise Conflict(f"{out} exists already: remove it or choose another --out")
        params = params or MarkParams()
        model_digest = marking.file_digest(source)
        for m in self._recorded_marks():
            if m.copy == copy and m.model_digest == model_digest:
                raise Conflict(
                    f"copy {copy!r} of this model is recorded already (ledger entry {m.index}); "
                    "give each recipient a new copy name"
                )
        key = copy_key(self._watermark_secret, model_digest, copy)
        staged = out.with_name(f".{out.name}.marking")
        marked = marking.write_marked(source, staged, key, params)
        try:
            index = self._record(
                marking.MARK_KIND,
                actor,
                copy,
                **marking.mark_details(model_digest, key, marked, params),
            )
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        marking.publish(marked, out)
        return MarkReceipt(
            copy, model_digest, marked.digest, marked.tensors, marked.elements, index
        )

    def trace_weights(self, actor: Actor, suspect: Path, alpha: float = 1e-6) -> TraceResult:
        """Which recorded copy ``suspect`` (a safetensors file) comes from, if any, with a
        p-value per copy; no original is needed. Raises: PermissionDenied (not an
        administrator), InvalidInput/SourceError (an unreadable file or a changed key)."""
        from airlock.identity import marking
        from airlock.identity.watermark import copy_key

        require(actor, Action.MODEL_REGISTER)
        secret = self._watermark_secret
        copies = marking.candidates(
            self._recorded_marks(), lambda digest, copy: copy_key(secret, digest, copy)
        )
        return marking.trace_file(suspect, copies, alpha)

    @capability
    def _watermark_secret(self) -> bytes:
        from airlock.identity.marking import watermark_secret

        return watermark_secret(self._signing_key)

    def _recorded_marks(self) -> list[RecordedMark]:
        """Every ``weights.mark`` entry: the ledger is the registry of marked copies."""
        from airlock.audit import seal_entry, seal_key
        from airlock.identity.marking import MARK_KIND, recorded_mark
        from airlock.ledger.records import parse_record

        ledger, key, marks = self._store.ledger, seal_key(self._signing_key), []
        needle = f'"kind":"{MARK_KIND}"'.encode()
        for entry in ledger.entries(0, ledger.size()):
            if needle not in entry.body:  # parse only candidates: a ledger has millions
                continue
            if not hmac.compare_digest(entry.seal, seal_entry(key, entry.index, entry.body)):
                raise LedgerIntegrityError(
                    f"ledger entry {entry.index} has an invalid seal: run `airlock ledger "
                    "verify` before trusting a trace"
                )
            if (mark := recorded_mark(entry.index, parse_record(entry.body))) is not None:
                marks.append(mark)
        return marks
