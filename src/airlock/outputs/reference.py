"""Reference-model backends: the trusted copy the verifier replays responses on.

The interface is :class:`ReferenceModel`: logits of every output position given the prompt
and the output, in one forward pass. :class:`TransformersReference` runs a Hugging Face
model on CPU (tests, small deployments); on a GPU host, a backend over vLLM's offline
``LLM.generate(..., prompt_logprobs=V)`` with the same interface is the intended path
(README, "Model outputs"). torch and transformers are imported inside the functions that
need them: the ``outputs`` extra is optional and nothing else pays for it.

:func:`generate` is the protocol's reference sampler (token-by-token with a KV cache, as a
server does): the in-test upstreams and the benchmark use it, with a ``chooser`` hook that
lets a dishonest upstream pick other tokens than the protocol's.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from airlock.errors import ConfigError, InvalidInput
from airlock.outputs.protocol import FloatArray, perturbed

MAX_MODEL_FILES = 1000
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")
# Prompt tokens decoded before the output, as incremental detokenizers do, so that a word's
# leading space (SentencePiece's "\u2581") comes out as the server wrote it.
CONTEXT_TOKENS = 6
Chooser = Callable[[FloatArray, int], int]  # (z at this position, position) -> token


class ReferenceModel(Protocol):
    @property
    def digest(self) -> str:
        """SHA-256 of the model's files: transcripts name the model they came from."""
        ...

    @property
    def vocab_size(self) -> int: ...

    def logits(self, prompt: Sequence[int], output: Sequence[int]) -> FloatArray:
        """Row t: the logits before output token t, shape (len(output), vocab)."""
        ...

    def texts(self, prompt: Sequence[int], output: Sequence[int]) -> tuple[str, ...] | None:
        """What an honest server's text for ``output`` may be (decoded alone, and decoded
        after the end of the prompt, as servers that detokenize incrementally do), or None
        when the model came without a tokenizer (the text is then not checked)."""
        ...

    def prompts(self, endpoint: str, prompt: str) -> tuple[tuple[int, ...], ...] | None:
        """The token ids an honest server may make of a text prompt (a completion's
        string, or a chat's messages as JSON: ``openai.prompt_text``), with and without
        the tokenizer's special tokens; None when the model came without a tokenizer.

        Raises:
            InvalidInput: the prompt cannot be tokenized here (a chat, and a tokenizer
                without a chat template): it cannot be checked, so it is not passed.
        """
        ...


def model_digest(directory: Path) -> str:
    """SHA-256 over every file of a model directory (names and contents, sorted).

    Raises:
        ConfigError: the directory is missing, empty or too large to be a model folder.
    """
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a model directory")
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    if not files or len(files) > MAX_MODEL_FILES:
        raise ConfigError(f"{directory} holds {len(files)} files; expected a model folder")
    outer = hashlib.sha256()
    for path in files:
        inner = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                inner.update(block)
        outer.update(f"{path.relative_to(directory).as_posix()}\0{inner.hexdigest()}\n".encode())
    return outer.hexdigest()


class TransformersReference:
    """A causal LM from transformers, on CPU, in float32 and eval mode."""

    def __init__(self, model: Any, digest: str, tokenizer: Any = None) -> None:
        self._model = model.eval()
        self._digest = digest
        self._vocab = int(model.config.vocab_size)
        self._tokenizer = tokenizer

    @classmethod
    def from_directory(cls, directory: Path) -> TransformersReference:
        """Load a saved model offline (never from the network).

        Raises:
            ConfigError: transformers is not installed or the folder does not load.
        """
        try:
            from transformers import AutoModelForCausalLM  # noqa: PLC0415 -- optional extra
        except ImportError as e:
            raise ConfigError(
                "the reference model needs the outputs extra: pip install 'airlock[outputs]'"
            ) from e
        digest = model_digest(directory)
        try:
            model = AutoModelForCausalLM.from_pretrained(directory, local_files_only=True)
        except (OSError, ValueError) as e:
            raise ConfigError(f"{directory} does not load as a causal LM: {e}") from e
        return cls(model, digest, _tokenizer(directory))

    @property
    def digest(self) -> str:
        return self._digest

    @property
    def vocab_size(self) -> int:
        return self._vocab

    def texts(self, prompt: Sequence[int], output: Sequence[int]) -> tuple[str, ...] | None:
        if self._tokenizer is None:
            return None
        decode = self._tokenizer.decode
        alone = decode(list(output), skip_special_tokens=True)
        tail = list(prompt[-CONTEXT_TOKENS:])
        before = decode(tail, skip_special_tokens=True)
        joined = decode(tail + list(output), skip_special_tokens=True)
        after = joined[len(before) :] if joined.startswith(before) else alone
        return (alone, after)

    def prompts(self, endpoint: str, prompt: str) -> tuple[tuple[int, ...], ...] | None:
        tokenizer = self._tokenizer
        if tokenizer is None:
            return None
        if endpoint == "chat":
            if not getattr(tokenizer, "chat_template", None):
                raise InvalidInput(
                    "the reference model's tokenizer has no chat template, so a chat's "
                    "prompt ids cannot be checked: put the server's template in the folder"
                )
            try:
                text = tokenizer.apply_chat_template(
                    json.loads(prompt), add_generation_prompt=True, tokenize=False
                )
            except Exception as e:  # any failure of the template: unchecked, so not passed
                raise InvalidInput(f"the chat template does not render: {e}") from e
        else:
            text = prompt
        return tuple(
            tuple(tokenizer(text, add_special_tokens=special)["input_ids"])
            for special in (True, False)
        )

    def logits(self, prompt: Sequence[int], output: Sequence[int]) -> FloatArray:
        import torch  # noqa: PLC0415 -- optional extra

        if not prompt:
            raise InvalidInput("a response with an empty prompt cannot be replayed")
        if not output:
            return np.zeros((0, self._vocab))
        ids = torch.tensor([[*prompt, *output[:-1]]], dtype=torch.long)
        with torch.no_grad():
            out = self._model(input_ids=ids).logits[0, len(prompt) - 1 :, :]
        rows: FloatArray = out.double().numpy()
        return rows


def _tokenizer(directory: Path) -> Any:
    """The model folder's tokenizer, or None when it has none (offline, never fetched)."""
    from transformers import AutoTokenizer  # noqa: PLC0415 -- optional extra

    if not any((directory / name).exists() for name in TOKENIZER_FILES):
        return None
    try:
        return AutoTokenizer.from_pretrained(directory, local_files_only=True)
    except (OSError, ValueError) as e:
        raise ConfigError(f"the tokenizer in {directory} does not load: {e}") from e


def argmax_chooser(z: FloatArray, position: int) -> int:
    del position
    return int(np.argmax(z))


def generate(
    model: Any,
    prompt: Sequence[int],
    max_tokens: int,
    *,
    temperature: float,
    seed: int,
    chooser: Chooser = argmax_chooser,
    stop: int | None = None,
) -> list[int]:
    """Sample ``max_tokens`` tokens under the protocol, one at a time with a KV cache."""
    import torch  # noqa: PLC0415 -- optional extra

    out: list[int] = []
    past: Any = None
    ids = torch.tensor([list(prompt)], dtype=torch.long)
    with torch.no_grad(), warnings.catch_warnings():
        # newer transformers rename past_key_values; the old name works from 4.40 on
        warnings.simplefilter("ignore", FutureWarning)
        for position in range(max_tokens):
            result = model(input_ids=ids, past_key_values=past, use_cache=True)
            past = result.past_key_values
            logits = result.logits[0, -1, :].double().numpy()
            token = chooser(perturbed(logits, temperature, seed, position), position)
            out.append(token)
            if stop is not None and token == stop:
                break
            ids = torch.tensor([[token]], dtype=torch.long)
    return out


def tiny_model(vocab: int = 256, seed: int = 0) -> Any:
    """A 2-layer GPT-2 with hidden size 64 and fixed random weights (tests and benchmarks)."""
    import torch  # noqa: PLC0415 -- optional extra
    from transformers import GPT2Config, GPT2LMHeadModel  # noqa: PLC0415

    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=vocab,
        n_positions=1024,
        n_embd=64,
        n_layer=2,
        n_head=2,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=0,
        eos_token_id=0,
    )
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        for parameter in model.parameters():  # larger weights: peakier, more varied logits
            parameter.mul_(4.0)
    model.eval()  # type: ignore[no-untyped-call]
    return model
