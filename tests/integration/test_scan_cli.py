"""`airlock scan` and `airlock weights register` as an operator runs them."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np

from scripts.make_inspection_corpus import weights
from scripts.make_test_packages import build
from tests.support.gateway import CliRunner


def test_scan_exit_codes_and_json_shape(initialised_cli: CliRunner, tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.csv"
    metrics.write_text("epoch,loss\n1,0.5\n2,0.4\n")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(np.random.default_rng(1).bytes(300_000))
    model = tmp_path / "renamed.txt"
    model.write_bytes(weights(np.random.default_rng(2), 2 << 20, "bfloat16"))

    assert initialised_cli("scan", str(metrics)).code == 0
    assert initialised_cli("scan", str(blob)).code == 10
    denied = initialised_cli("scan", "--json", str(metrics), str(blob), str(model))
    assert denied.code == 11
    report = json.loads(denied.out)
    assert report["verdict"] == "deny"
    assert [f["verdict"] for f in report["files"]] == ["allow", "hold", "deny"]
    assert {"kind", "detail", "offset"} <= set(report["files"][2]["findings"][0])
    assert "opaque high-entropy data" in report["files"][1]["findings"][0]["detail"]
    assert initialised_cli("scan", str(tmp_path / "missing")).code == 2


def test_registered_model_is_named_when_a_piece_leaves_as_base64(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    raw = weights(np.random.default_rng(3), 3 << 20, "float16")
    (tmp_path / "model.bin").write_bytes(raw)
    registered = initialised_cli(
        "weights", "register", str(tmp_path / "model.bin"), "--name", "frontier-monitor"
    )
    assert registered.code == 0, registered.err
    leak = tmp_path / "notes.txt"
    leak.write_bytes(b"see attached\n" + base64.b64encode(raw[500_000:600_000]) + b"\n")
    result = initialised_cli("scan", "--json", str(leak))
    assert result.code == 11
    details = [f["detail"] for f in json.loads(result.out)["files"][0]["findings"]]
    assert any("protected model frontier-monitor" in d for d in details)
    assert initialised_cli("ledger", "verify").code == 0


def test_package_vet_exit_codes(cli: CliRunner, tmp_path: Path) -> None:
    built = build(tmp_path / "pkgs")
    benign = [str(p) for k, p in built.items() if k.startswith("benign:")]
    assert cli("package", "vet", *benign).code == 0
    assert cli("package", "vet", str(built["typosquat"])).code == 10
    denied = cli("package", "vet", "--json", str(built["obfuscated-exec"]))
    assert denied.code == 11
    assert json.loads(denied.out)[0]["findings"][0]["rule"] == "obfuscated-exec"


def test_sbom_of_another_interpreter(cli: CliRunner, tmp_path: Path) -> None:
    advisories = tmp_path / "advisories.json"
    advisories.write_text(json.dumps({"click": [{"spec": ">=0", "id": "TEST-1"}]}))
    result = cli("sbom", "--python", sys.executable, "--vulnerabilities", str(advisories))
    assert result.code == 0, result.err
    components = {c["name"]: c for c in json.loads(result.out)["components"]}
    reasons = [p["value"] for p in components["click"]["properties"]]
    assert "known vulnerable: TEST-1" in reasons
