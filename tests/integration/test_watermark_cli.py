"""`airlock weights mark` then a cast, then `airlock weights trace`, as an operator runs them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from airlock.identity.st_writer import safetensors_bytes
from airlock.identity.watermark_io import SafetensorsFile
from tests.support.gateway import CliRunner


def tiny_model(path: Path, seed: int) -> None:
    """A two-layer model in safetensors (F32), made here: nothing downloads."""
    rng = np.random.default_rng(seed)
    tensors = {
        "fc1.weight": rng.normal(0, 0.05, (256, 64)).astype("<f4"),
        "fc1.bias": np.zeros(256, dtype="<f4"),
        "fc2.weight": rng.normal(0, 0.05, (32, 256)).astype("<f4"),
    }
    path.write_bytes(safetensors_bytes(tensors))


def cast_to_f16(source: Path, target: Path) -> None:
    with SafetensorsFile(source) as model:
        tensors = {e.name: v.astype("<f2") for e, v in model.tensors()}
    target.write_bytes(safetensors_bytes(tensors))


def test_mark_cast_trace_names_the_copy(initialised_cli: CliRunner, tmp_path: Path) -> None:
    original = tmp_path / "model.safetensors"
    tiny_model(original, 1)
    for copy in ("lab-a", "lab-b", "lab-c"):
        done = initialised_cli("weights", "mark", str(original), "--copy", copy)
        assert done.code == 0, done.err
    again = initialised_cli(
        "weights", "mark", str(original), "--copy", "lab-b", "--out", str(tmp_path / "x")
    )
    assert again.code != 0 and "recorded already" in again.err
    over = initialised_cli(
        "weights", "mark", str(original), "--copy", "lab-d", "--out", str(original)
    )
    assert over.code != 0 and "exists already" in over.err
    leaked = tmp_path / "leak.safetensors"
    cast_to_f16(tmp_path / "model.lab-b.safetensors", leaked)

    traced = initialised_cli("weights", "trace", "--json", str(leaked))
    assert traced.code == 0, traced.err
    report = json.loads(traced.out)
    assert report["named"] == "lab-b"
    assert report["scores"][0]["copy"] == "lab-b"
    assert report["scores"][1]["log10_p"] > report["log10_threshold"]

    untouched = initialised_cli("weights", "trace", str(original))
    assert untouched.code == 10 and "not traced" in untouched.out
    other = tmp_path / "other.safetensors"
    tiny_model(other, 2)
    assert initialised_cli("weights", "trace", str(other)).code == 10

    assert initialised_cli("ledger", "verify").code == 0


def test_the_ledger_holds_a_commitment_not_the_key(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    original = tmp_path / "model.safetensors"
    tiny_model(original, 3)
    nothing = initialised_cli("weights", "trace", str(original))
    assert nothing.code == 10 and "records no marked copy" in nothing.out
    out = tmp_path / "for-bob.safetensors"
    done = initialised_cli("weights", "mark", str(original), "--copy", "bob", "--out", str(out))
    assert done.code == 0, done.err
    assert out.read_bytes() != original.read_bytes()
    index = int(done.out.rsplit("ledger entry ", 1)[1])
    record = json.loads(initialised_cli("ledger", "show", str(index)).out)["record"]
    assert record["kind"] == "weights.mark" and record["subject"] == "bob"
    details = record["details"]
    assert details["marked_digest"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert details["model_digest"] == hashlib.sha256(original.read_bytes()).hexdigest()
    assert len(details["key_commitment"]) == 64
    assert not {"key", "secret", "copy_key"} & set(details)
    assert initialised_cli("weights", "trace", str(out)).code == 0
