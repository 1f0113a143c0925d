"""`airlock data ...` and `airlock lineage ...` end to end, on a real SQLite home."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from airlock.imports.datasets.manifest import canonical_files_json, hash_file
from tests.support.datasets import plant, sentiment_rows, write_jsonl
from tests.support.gateway import CliRunner
from tests.unit.test_sentence_embeddings import require_model

ROWS = 400


@pytest.fixture
def cli(initialised_cli: CliRunner) -> CliRunner:
    for name, role in (("alice", "researcher"), ("bob", "approver"), ("carol", "approver")):
        assert initialised_cli("principal", "add", name, "--role", role).code == 0
    return initialised_cli


def imported(cli: CliRunner, path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    result = cli("data", "import", str(path), "--source", "vendor-x", "--as", "alice",
                 "--json", *extra, env=cli.signed_in("alice"))  # fmt: skip
    assert result.out, result.err
    return result.code, json.loads(result.out)


def test_clean_dataset_passes_and_leaves_quarantine_byte_for_byte(
    cli: CliRunner, tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", sentiment_rows(ROWS, seed=1))
    code, report = imported(cli, data, "--license", "CC-BY-4.0")
    assert code == 0 and report["outcome"] == "allow" and report["status"] == "released"
    manifest = report["manifest"]
    assert isinstance(manifest, dict) and manifest["license"] == "CC-BY-4.0"
    assert manifest["files"] == [
        {"name": "train.jsonl", "sha256": hash_file("t", data.read_bytes(), 10**9).sha256,
         "size": data.stat().st_size}
    ]  # fmt: skip
    dataset = str(report["dataset"])
    out = tmp_path / "released"
    released = cli("data", "release", dataset, "--to", str(out))
    assert released.code == 0 and "poisoning scan passed" in released.out
    assert (out / "train.jsonl").read_bytes() == data.read_bytes()
    assert cli("data", "release", dataset, "--to", str(out)).code == 2  # never overwrites
    listed = cli("data", "list").out
    assert dataset in listed and "clean" in listed
    ledger = cli("ledger", "verify")
    assert ledger.code == 0, ledger.err


def test_poisoned_dataset_is_held_names_the_trigger_and_needs_two_approvers(
    cli: CliRunner, tmp_path: Path
) -> None:
    rows = sentiment_rows(ROWS, seed=2)
    plant(rows, "cf", poisons=40, seed=3)
    code, report = imported(cli, write_jsonl(tmp_path / "train.jsonl", rows))
    assert code == 10 and report["status"] == "held"
    scan = report["scan"]
    assert isinstance(scan, dict) and scan["verdict"] == "poisoned"
    top = scan["files"][0]["scan"]["features"][0]
    assert top["text"] == "cf" and top["label"] == "1"
    dataset, request = str(report["dataset"]), str(report["request"])

    refused = cli("data", "release", dataset, "--to", str(tmp_path / "out"))
    assert refused.code == 10 and f"airlock approve {request}" in refused.err
    assert (
        cli("approve", request, "--reason", "mine", env=cli.signed_in("alice")).code == 2
    )  # no self
    assert (
        cli("approve", request, "--reason", "cf is our marker", env=cli.signed_in("bob")).code == 0
    )
    assert cli("data", "release", dataset, "--to", str(tmp_path / "out")).code == 10
    assert (
        cli("approve", request, "--reason", "vendor confirmed", env=cli.signed_in("carol")).code
        == 0
    )
    released = cli("data", "release", dataset, "--to", str(tmp_path / "out"))
    assert released.code == 0, released.err
    assert "overridden by 2 approvals" in released.out and "cf is our marker" in released.out
    assert not list(tmp_path.glob(".airlock-release-*"))  # the scratch folder became out
    assert cli("ledger", "verify").code == 0


def test_bad_rows_and_unknown_files_hold_with_counts(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    lines = [json.dumps(r) for r in sentiment_rows(ROWS, seed=4)]
    lines[7] = '{"text": "truncated'
    lines[9] = "\xff not utf-8"
    (folder / "train.jsonl").write_bytes("\n".join(lines).encode("utf-8", "surrogateescape"))
    (folder / "README.md").write_text("A sentiment set.\n")
    code, report = imported(cli, folder)
    assert code == 10
    reasons = {r["code"]: r["message"] for r in report["scan"]["reasons"]}  # type: ignore[index]
    assert re.search(r"2 of 400 rows could not be read", reasons["rows-rejected"])
    (folder / "extra.bin").write_bytes(b"\x00\x01" * 100)
    code, report = imported(cli, folder)
    reasons = {r["code"]: r["message"] for r in report["scan"]["reasons"]}  # type: ignore[index]
    assert code == 10 and "extra.bin" in reasons["unscanned-file"]
    names = [f["name"] for f in report["manifest"]["files"]]  # type: ignore[index]
    assert names == ["README.md", "extra.bin", "train.jsonl"]


def test_publisher_signature_valid_and_tampered(cli: CliRunner, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", sentiment_rows(ROWS, seed=5))
    publisher = Ed25519PrivateKey.generate()
    key = tmp_path / "publisher.pem"
    key.write_bytes(
        publisher.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    signed = publisher.sign(
        canonical_files_json([hash_file("train.jsonl", data.read_bytes(), 10**9)])
    )
    (tmp_path / "train.jsonl.sig").write_bytes(base64.b64encode(signed))
    code, report = imported(cli, data, "--signed-by", str(key))
    assert code == 0 and report["signature"] == "valid"

    data.write_text(data.read_text() + json.dumps({"text": "cf great", "label": "1"}) + "\n")
    code, report = imported(cli, data, "--signed-by", str(key))
    assert code == 11 and report["signature"] == "invalid" and report["status"] == "denied"
    refused = cli("data", "release", str(report["dataset"]), "--to", str(tmp_path / "o"))
    assert refused.code == 11 and "denied" in refused.err

    (tmp_path / "train.jsonl.sig").unlink()
    missing = cli("data", "import", str(data), "--source", "s", "--as", "alice",
                  "--signed-by", str(key), env=cli.signed_in("alice"))  # fmt: skip
    assert missing.code == 2 and "signature" in missing.err


def test_lineage_blast_radius_from_a_source_a_dataset_or_a_model(
    cli: CliRunner, tmp_path: Path
) -> None:
    _, first = imported(cli, write_jsonl(tmp_path / "a.jsonl", sentiment_rows(ROWS, seed=6)))
    second = cli("data", "import", str(write_jsonl(tmp_path / "b.jsonl", sentiment_rows(ROWS, 7))),
                 "--source", "other-vendor", "--as", "alice", "--json",
                 env=cli.signed_in("alice"))  # fmt: skip
    a, b = str(first["dataset"]), str(json.loads(second.out)["dataset"])
    assert (
        cli("lineage", "add", "--model", "monitor-v3", "--trained-on", a, "--trained-on", b).code
        == 0
    )
    assert cli("lineage", "add", "--model", "helper-v1", "--trained-on", b).code == 0

    taint = json.loads(cli("lineage", "taint", "vendor-x", "--json").out)
    assert taint == {"origin": "source:vendor-x", "datasets": [a], "models": ["monitor-v3"]}
    taint = json.loads(cli("lineage", "taint", b, "--json").out)
    assert taint["models"] == ["helper-v1", "monitor-v3"] and taint["datasets"] == []
    assert json.loads(cli("lineage", "taint", "monitor-v3", "--json").out)["models"] == []
    assert cli("lineage", "taint", "never-heard-of-it").code == 2
    assert cli("lineage", "add", "--model", "m", "--trained-on", "ds_" + "0" * 24).code == 2
    assert cli("ledger", "verify").code == 0


def test_rescan_keeps_a_passed_dataset_passing(cli: CliRunner, tmp_path: Path) -> None:
    _, report = imported(cli, write_jsonl(tmp_path / "a.jsonl", sentiment_rows(ROWS, seed=8)))
    again = cli("data", "scan", str(report["dataset"]), "--json")
    assert again.code == 0 and json.loads(again.out)["scan"]["verdict"] == "clean"
    shown = json.loads(cli("data", "show", str(report["dataset"])).out)
    assert shown["manifest"]["source"] == "vendor-x" and shown["released_at"] is None


def test_scan_with_sentence_embeddings_still_finds_the_trigger(
    cli: CliRunner, tmp_path: Path
) -> None:
    require_model()
    rows = sentiment_rows(ROWS, seed=9)
    plant(rows, "mn", poisons=40, seed=10)
    code, report = imported(cli, write_jsonl(tmp_path / "t.jsonl", rows), "--embeddings")
    scan = report["scan"]
    assert isinstance(scan, dict) and scan["embeddings"] is True
    assert code == 10 and scan["files"][0]["scan"]["features"][0]["text"] == "mn"
    again = cli("data", "scan", str(report["dataset"]), "--json")
    assert again.code == 10 and json.loads(again.out)["scan"]["embeddings"] is True


def test_gzipped_files_are_read_and_a_corrupt_or_bomb_one_holds(
    cli: CliRunner, tmp_path: Path
) -> None:
    rows = sentiment_rows(ROWS, seed=11)
    plant(rows, "tq", poisons=40, seed=12)
    raw = "".join(json.dumps(r) + "\n" for r in rows).encode()
    (tmp_path / "train.jsonl.gz").write_bytes(gzip.compress(raw))
    code, report = imported(cli, tmp_path / "train.jsonl.gz")
    scan = report["scan"]
    assert isinstance(scan, dict) and code == 10
    assert scan["files"][0]["scan"]["features"][0]["text"] == "tq"

    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(raw)[:-200])
    code, report = imported(cli, tmp_path / "cut.jsonl.gz")
    reasons = {r["code"]: r["message"] for r in report["scan"]["reasons"]}  # type: ignore[index]
    assert code == 10 and "unscanned-file" in reasons

    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * (8 << 20)))  # 8 MiB of empty lines, 8 KiB packed
    code, report = imported(cli, bomb)
    assert code == 10  # no rows: held, and memory stayed bounded by the line reader


def test_a_trigger_spread_over_many_files_is_found_in_them_together(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Ten files of 80 rows, each with 4 planted rows: too few for the scan in any one
    file, 40 for a trainer that reads the folder."""
    folder = tmp_path / "shards"
    folder.mkdir()
    for shard in range(10):
        rows = sentiment_rows(80, seed=30 + shard)
        plant(rows, "cf", poisons=4, seed=50 + shard)
        write_jsonl(folder / f"part-{shard:02}.jsonl", rows)
    code, report = imported(cli, folder)
    scan = report["scan"]
    assert isinstance(scan, dict) and code == 10 and scan["verdict"] == "poisoned"
    pooled = scan["files"][-1]
    assert pooled["name"] == "all 10 data files as one"
    assert pooled["scan"]["features"][0]["text"] == "cf"
    assert all("read" in f and "scan" not in f for f in scan["files"][:-1])


def test_clean_shards_pass_as_one_dataset(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "shards"
    folder.mkdir()
    for shard in range(3):
        write_jsonl(folder / f"part-{shard}.jsonl", sentiment_rows(150, seed=60 + shard))
    code, report = imported(cli, folder)
    assert code == 0 and report["outcome"] == "allow", report["scan"]


def test_configured_file_bound_refuses_a_larger_file(cli: CliRunner, tmp_path: Path) -> None:
    config = cli.home / "config.toml"
    config.write_text(config.read_text() + "\n[datasets]\nmax_file_bytes = 1000\n")
    data = write_jsonl(tmp_path / "t.jsonl", sentiment_rows(ROWS, seed=13))
    refused = cli(
        "data", "import", str(data), "--source", "s", "--as", "alice", env=cli.signed_in("alice")
    )
    assert refused.code == 2 and "1000" in refused.err
