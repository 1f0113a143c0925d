"""A response the reference model cannot replay is evidence, not an error (issue 20).

The attacker is the inference server. Before, one output token id past the vocabulary (or
a sequence the model cannot take) made ``score_response`` or the model raise, so every
verification run that drew that response aborted before it recorded a verdict or imposed
a lock: one bad token switched the verifier off for the whole batch. Now such a response
counts all the text it carried as unexplained, the run completes, and the upstream is
locked with the reason.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from airlock.approvals.locks import LockScope
from airlock.errors import InvalidInput, TamperedState
from airlock.ledger.records import canonical_json
from airlock.outputs.openai import Endpoint, Piece
from airlock.outputs.reference import TransformersReference
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner
from tests.support.openai_upstream import chat_prompt, encode, need_torch, outputs_airlock

VOCAB = 256


class OneHotReference:
    """A stand-in model whose argmax is always the token that was emitted (an honest
    upstream at temperature 0), over a vocabulary of 256."""

    vocab_size = VOCAB

    def __init__(self, digest: str) -> None:
        self.digest = digest

    def logits(self, prompt: Sequence[int], output: Sequence[int]) -> np.ndarray:
        rows = np.zeros((len(output), VOCAB))
        for i, token in enumerate(output):
            rows[i, token] = 50.0
        return rows

    def texts(self, prompt: Sequence[int], output: Sequence[int]) -> tuple[str, ...] | None:
        return (bytes(output).decode("latin-1"),)  # token i is byte i

    def prompts(self, endpoint: str, prompt: str) -> tuple[tuple[int, ...], ...] | None:
        if endpoint == "chat":
            return (tuple(chat_prompt(json.loads(prompt))),)
        return (tuple(encode(prompt)),)


class WithoutTokenizer(OneHotReference):
    def texts(self, prompt: Sequence[int], output: Sequence[int]) -> tuple[str, ...] | None:
        return None

    def prompts(self, endpoint: str, prompt: str) -> tuple[tuple[int, ...], ...] | None:
        return None


def _airlock(cli: CliRunner, folder: Path) -> Airlock:
    """An airlock whose configured model is the one :class:`OneHotReference` stands for."""
    settings = 'upstream_name = "vllm"\nlock_bits = 8\n'
    return outputs_airlock(cli, folder, "http://127.0.0.1:9", outputs=settings)


def _log(airlock: Airlock, caller: str, tokens: tuple[int, ...], text: str) -> None:
    gateway = airlock.outputs_gateway()
    body = {"prompt": [1, 2, 3], "max_tokens": 8, "temperature": 0}
    gateway.finish(gateway.admit(caller, Endpoint.COMPLETIONS, body), [Piece(tokens, text, None)])


def test_a_token_outside_the_vocabulary_locks_the_upstream_and_the_run_completes(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    airlock = _airlock(initialised_cli, tmp_path)
    try:
        _log(airlock, "rita", (65, 66, 67), "ABC")  # honest
        _log(airlock, "sam", (65, 70_000, 67), "A\x00C")  # no honest server sends 70000
        report = airlock.verify_outputs(
            Actor.local_operator(),
            OneHotReference(airlock.settings.outputs.model_digest),
            fraction=1.0,
        )
        verdicts = {v.caller: v for v in report.verdicts}
        assert verdicts["rita"].unexplained_bits == 0 and not verdicts["rita"].unreplayable
        assert "70000 is outside the vocabulary" in verdicts["sam"].unreplayable
        assert report.unreplayable == (verdicts["sam"],) and report.unverifiable == 0
        assert verdicts["sam"].unexplained_bits == 8 * 3  # every byte of its text
        locked = {(lock.scope, lock.subject): lock.reason for lock in report.locks}
        assert (LockScope.UPSTREAM, "vllm") in locked
        assert "cannot be replayed" in locked[(LockScope.UPSTREAM, "vllm")]
        assert (LockScope.PRINCIPAL, "rita") not in locked
        # Recorded as verified with its bits, so the metrics see it and it is not redrawn.
        again = airlock.verify_outputs(
            Actor.local_operator(),
            OneHotReference(airlock.settings.outputs.model_digest),
            fraction=1.0,
        )
        assert again.considered == 0
    finally:
        airlock.close()


def test_text_that_is_not_what_the_token_ids_decode_to_locks_the_upstream(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    """Honest token ids, a different text: the ids replay exactly, so only the check of
    the text against them (its SHA-256 in the transcript) sees the payload."""
    airlock = _airlock(initialised_cli, tmp_path)
    try:
        _log(airlock, "rita", (65, 66, 67), "ABC")
        _log(airlock, "sam", (65, 66, 67), "W8X")  # three bytes of weights instead
        unchecked = airlock.verify_outputs(
            Actor.local_operator(),
            WithoutTokenizer(airlock.settings.outputs.model_digest),
            fraction=1.0,
            lock_bits=0,
        )
        assert all(v.unexplained_bits == 0 for v in unchecked.verdicts)  # ids alone: honest
    finally:
        airlock.close()
    airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        _log(airlock, "rita", (65, 66, 67), "ABC")
        _log(airlock, "sam", (65, 66, 67), "W8X")
        report = airlock.verify_outputs(
            Actor.local_operator(),
            OneHotReference(airlock.settings.outputs.model_digest),
            fraction=1.0,
        )
        verdicts = {v.caller: v for v in report.verdicts}
        flagged = [v for v in report.verdicts if v.unreplayable]
        assert [v.caller for v in flagged] == ["sam"]
        assert "not what its token ids decode to" in flagged[0].unreplayable
        assert flagged[0].unexplained_bits == 8 * 3
        assert verdicts["rita"].unexplained_bits == 0
        assert (LockScope.UPSTREAM, "vllm") in {(lock.scope, lock.subject) for lock in report.locks}
    finally:
        airlock.close()


def test_a_model_folder_with_a_tokenizer_gives_the_texts_an_honest_server_writes(
    tmp_path: Path,
) -> None:
    """A SentencePiece-style tokenizer built here: a word's leading space shows only when
    decoded after the prompt, as a server that detokenizes incrementally writes it."""
    need_torch()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers  # noqa: PLC0415
    from transformers import (  # noqa: PLC0415
        GPT2Config,
        GPT2LMHeadModel,
        PreTrainedTokenizerFast,
    )

    words = {f"\u2581w{i}": i for i in range(50)} | {"</s>": 50}
    tokenizer = Tokenizer(models.WordLevel(words, unk_token="</s>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="</s>")  # type: ignore[no-untyped-call]
    fast.save_pretrained(tmp_path)
    config = GPT2Config(vocab_size=51, n_layer=1, n_head=1, n_embd=8, n_positions=64)
    GPT2LMHeadModel(config).save_pretrained(tmp_path)
    reference = TransformersReference.from_directory(tmp_path)
    assert reference.texts([1, 2, 3], [4, 5, 50]) == ("w4 w5", " w4 w5")  # </s> skipped
    assert (2, 3) in (reference.prompts("completions", "w2 w3") or ())
    with pytest.raises(InvalidInput, match="no chat template"):  # unchecked: not passed
        reference.prompts("chat", '[{"content":"w2","role":"user"}]')
    fast.chat_template = "{% for m in messages %}{{ m['content'] }} {% endfor %}w9"
    fast.save_pretrained(tmp_path)
    templated = TransformersReference.from_directory(tmp_path)
    assert (2, 3, 9) in (templated.prompts("chat", '[{"content":"w2 w3","role":"user"}]') or ())
    (tmp_path / "tokenizer.json").unlink()
    (tmp_path / "tokenizer_config.json").unlink()
    assert TransformersReference.from_directory(tmp_path).texts([1], [4]) is None


def test_a_transcript_rewritten_after_commit_stops_the_run(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    """A dishonest response (a token past the vocabulary) rewritten in the database into an
    honest one, body and digest both, after its batch was committed: before, the verifier
    replayed the rewrite, passed it and marked it verified (docs/adr/0058)."""
    airlock = _airlock(initialised_cli, tmp_path)
    try:
        _log(airlock, "sam", (65, 70_000, 67), "A\x00C")
        assert airlock.commit_outputs() is not None
        database = initialised_cli.home / "airlock.db"
        with sqlite3.connect(database) as db:
            digest, body = db.execute("SELECT digest, body FROM output_transcripts").fetchone()
            honest = json.loads(body) | {"output_tokens": [65, 66, 67]}
            rewritten = canonical_json(honest)
            db.execute(
                "UPDATE output_transcripts SET body = ?, digest = ? WHERE digest = ?",
                (rewritten.decode(), hashlib.sha256(rewritten).hexdigest(), digest),
            )
        with pytest.raises(TamperedState, match="not the ones its ledger record commits to"):
            airlock.verify_outputs(
                Actor.local_operator(),
                OneHotReference(airlock.settings.outputs.model_digest),
                fraction=1.0,
            )
    finally:
        airlock.close()


@pytest.mark.parametrize("chat", [False, True], ids=["completions", "chat"])
def test_prompt_ids_that_are_not_the_callers_prompt_lock_the_upstream(
    initialised_cli: CliRunner, tmp_path: Path, chat: bool
) -> None:
    """The caller sent text; only the upstream says which token ids it is. One that
    reports a prompt of its own ("Repeat: W8...") gets the reference to say its payload,
    and a replay on that prompt agrees token for token. Before, the run passed it."""
    airlock = _airlock(initialised_cli, tmp_path)
    endpoint = Endpoint.CHAT if chat else Endpoint.COMPLETIONS
    messages = [{"role": "user", "content": "hi"}]
    body: dict[str, object] = {"max_tokens": 8, "temperature": 0}
    body |= {"messages": messages} if chat else {"prompt": "hi"}
    honest = chat_prompt(messages) if chat else encode("hi")
    claimed = encode("Repeat after me: W8X")
    try:
        gateway = airlock.outputs_gateway()
        for caller, prompt in (("rita", honest), ("sam", claimed)):
            admission = gateway.admit(caller, endpoint, dict(body))
            gateway.finish(admission, [Piece((87, 56, 88), "W8X", tuple(prompt))])
        report = airlock.verify_outputs(
            Actor.local_operator(),
            OneHotReference(airlock.settings.outputs.model_digest),
            fraction=1.0,
        )
        verdicts = {v.caller: v for v in report.verdicts}
        assert not verdicts["rita"].unreplayable and verdicts["rita"].unexplained_bits == 0
        assert "not the caller's prompt" in verdicts["sam"].unreplayable
        assert (LockScope.UPSTREAM, "vllm") in {(lock.scope, lock.subject) for lock in report.locks}
    finally:
        airlock.close()
