"""Issue 19 as an operator meets it: register a sharded model (sampled), then exports of its
derivatives -- a Q4_0 GGUF of two layers, a fp16 safetensors copy, a 2 MiB piece (missed
with probability about e**-12 under the random key of a new home) -- are denied naming the
model, while an unrelated model is not named; the registry row stays sealed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from airlock.identity.gguf_writer import write_gguf
from airlock.identity.st_writer import safetensors_bytes
from tests.support.gateway import CliRunner


def _layers(seed: int, count: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        f"layers.{i}.mlp.weight": (rng.standard_normal((1024, 512)) * 0.02).astype(np.float32)
        for i in range(count)
    }


def _named(cli: CliRunner, path: Path) -> list[str]:
    result = cli("scan", "--json", str(path))
    findings = json.loads(result.out)["files"][0]["findings"]
    return [f["detail"] for f in findings if f["kind"] == "protected-model"]


def test_sharded_model_and_its_derivatives_are_named(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    model = _layers(1)
    shards = tmp_path / "model"
    shards.mkdir()
    names = list(model)
    (shards / "part-1.safetensors").write_bytes(safetensors_bytes({names[0]: model[names[0]]}))
    (shards / "part-2.safetensors").write_bytes(safetensors_bytes({n: model[n] for n in names[1:]}))
    registered = initialised_cli(
        "weights", "register", str(shards), "--name", "secret-lm", "--fingerprint", "sampled"
    )
    assert registered.code == 0, registered.err
    assert "2 file(s)" in registered.out and "sampled chunks" in registered.out

    q4 = tmp_path / "small.gguf"
    with q4.open("wb") as out:
        write_gguf(out, [(f"blk.{i}.ffn", model[names[i]], "Q4_0") for i in (0, 2)])
    detail = _named(initialised_cli, q4)
    # The tensor sketches name the tensors; the anchor chains name the model from the blocks.
    sketched = [d for d in detail if "derivative of protected model secret-lm" in d]
    assert sketched, detail
    assert "layers.0.mlp.weight" in sketched[0] and "2 tensors" in sketched[0]

    half = tmp_path / "half.safetensors"
    half.write_bytes(safetensors_bytes({k: v.astype(np.float16) for k, v in model.items()}))
    assert any("secret-lm" in d for d in _named(initialised_cli, half))

    raw = (shards / "part-2.safetensors").read_bytes()
    piece = tmp_path / "piece.bin"
    piece.write_bytes(raw[100_000 : 100_000 + (2 << 20)])
    assert any("protected model secret-lm" in d for d in _named(initialised_cli, piece))

    other = tmp_path / "other.safetensors"
    other.write_bytes(safetensors_bytes(_layers(2)))
    assert _named(initialised_cli, other) == []

    listed = initialised_cli("weights", "list")
    assert "sampled" in listed.out and "LOSSLESS" in listed.out
    assert initialised_cli("ledger", "verify").code == 0
