"""PEP 740 attestations verified offline against the pinned Sigstore root (issue 16).

The fixtures are real (tests/fixtures/attestations/SOURCE.md): pypi-attestations 0.0.19's
sdist as PyPI serves it, with the provenance PyPI published for it (GitHub Trusted Publisher
trailofbits/pypi-attestations, release.yml, Sigstore production), and an rfc8785 wheel
attested on Sigstore's staging instance.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.imports.packages.attest import check_attestation, parse_attestations
from airlock.imports.packages.provenance import Failed, Publisher, Verified, trusted_build
from airlock.imports.packages.rules import PackageFinding, Severity
from airlock.imports.packages.verdicts import with_provenance
from airlock.imports.packages.vet import vet

HERE = Path(__file__).parents[3] / "fixtures" / "attestations"
SDIST = "pypi_attestations-0.0.19.tar.gz"
PIN = Publisher.parse("github:trailofbits/pypi-attestations:release.yml")
BUILD = "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml"


def _sdist() -> bytes:
    return (HERE / SDIST).read_bytes()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("suffix", [".provenance", ".publish.attestation"])
def test_a_real_attestation_verifies_and_names_its_publisher(suffix: str) -> None:
    text = (HERE / (SDIST + suffix)).read_bytes()
    check = check_attestation(SDIST, _digest(_sdist()), text, PIN)
    assert isinstance(check, Verified) and check.pinned_match is True
    assert check.identity.build == f"{BUILD}@refs/tags/v0.0.19"
    assert check.identity.commit == "08802efe1f8e5fec4ad842d6b8ce97656092ee72"
    report = with_provenance(vet(SDIST, _sdist()), PIN, check)
    assert report.verdict is Outcome.ALLOW
    assert report.publisher == f"{BUILD}@refs/tags/v0.0.19"
    assert report.to_json()["publisher"] == report.publisher
    assert "attestations (PEP 740)" not in report.unknown


def test_tampered_bytes_are_denied() -> None:
    tampered = _sdist()[:-1] + bytes([_sdist()[-1] ^ 1])
    text = (HERE / (SDIST + ".provenance")).read_bytes()
    check = check_attestation(SDIST, _digest(tampered), text, PIN)
    assert isinstance(check, Failed) and "SHA-256" in check.why
    report = with_provenance(vet(SDIST, tampered), PIN, check)
    assert report.verdict is Outcome.DENY
    assert report.findings[0].rule == "attestation-invalid" and not report.publisher


def test_another_file_name_or_a_forged_signature_fails() -> None:
    text = (HERE / (SDIST + ".provenance")).read_text()
    renamed = check_attestation("pypi_attestations-0.0.20.tar.gz", _digest(_sdist()), text, PIN)
    assert isinstance(renamed, Failed) and "not 'pypi_attestations-0.0.20" in renamed.why
    loaded = json.loads(text)
    envelope = loaded["attestation_bundles"][0]["attestations"][0]["envelope"]
    signature = bytearray(base64.b64decode(envelope["signature"]))
    signature[-1] ^= 1
    envelope["signature"] = base64.b64encode(bytes(signature)).decode()
    forged = check_attestation(SDIST, _digest(_sdist()), json.dumps(loaded), PIN)
    assert isinstance(forged, Failed) and forged.why.startswith("signature")


def test_an_attestation_from_another_sigstore_instance_fails() -> None:
    # Genuine, but signed on Sigstore's staging instance: not under the pinned root.
    wheel = "rfc8785-0.1.2-py3-none-any.whl"
    data = (HERE / wheel).read_bytes()
    text = (HERE / (wheel + ".publish.attestation")).read_bytes()
    check = check_attestation(wheel, _digest(data), text, None)
    assert isinstance(check, Failed)
    assert with_provenance(vet(wheel, data), None, check).verdict is Outcome.DENY


def test_a_wrong_pinned_publisher_holds_and_says_who_signed() -> None:
    other = Publisher.parse("github:trailofbits/pypi-attestations:other.yml")
    text = (HERE / (SDIST + ".provenance")).read_bytes()
    check = check_attestation(SDIST, _digest(_sdist()), text, other)
    assert isinstance(check, Verified) and check.pinned_match is False
    report = with_provenance(vet(SDIST, _sdist()), other, check)
    assert report.verdict is Outcome.HOLD
    assert report.findings[0].rule == "attestation-publisher"
    assert "release.yml" in report.findings[0].explanation
    assert "github:trailofbits/pypi-attestations:other.yml" in report.findings[0].explanation
    for repo in ("github:evil/pypi-attestations:release.yml", "gitlab:trailofbits/x:ci.yml"):
        assert not Publisher.parse(repo).matches({}), repo


def test_a_pinned_project_without_attestation_holds() -> None:
    report = with_provenance(vet(SDIST, _sdist()), PIN, None)
    assert report.verdict is Outcome.HOLD
    assert report.findings[0].rule == "attestation-missing"
    assert "pinned" in report.findings[0].explanation


def test_an_unpinned_project_records_the_publisher_and_gains_nothing() -> None:
    text = (HERE / (SDIST + ".provenance")).read_bytes()
    check = check_attestation(SDIST, _digest(_sdist()), text, None)
    assert isinstance(check, Verified) and check.pinned_match is None
    native = PackageFinding("unread-member", "x/_c.so", 0, Severity.HIGH, "too large to read")
    report = with_provenance(vet(SDIST, _sdist()), None, check)
    assert report.publisher.startswith(BUILD)
    assert trusted_build((native,))[0].severity is Severity.MEDIUM  # only for a pinned match


def test_a_pinned_publishers_unread_native_code_is_allowed_and_nothing_else() -> None:
    text = (HERE / (SDIST + ".provenance")).read_bytes()
    check = check_attestation(SDIST, _digest(_sdist()), text, PIN)
    native = PackageFinding("unread-member", "pkg/_c.so", 0, Severity.HIGH, "too large to read")
    yara = PackageFinding("native-webhook", "pkg/_c.so", 0, Severity.HIGH, "a webhook")
    code = PackageFinding("unread-member", "pkg/big.py", 0, Severity.HIGH, "too large")
    base = vet(SDIST, _sdist())
    alone = with_provenance(replace(base, findings=(native,)), PIN, check)
    assert alone.verdict is Outcome.ALLOW
    assert "pinned publisher" in alone.findings[0].explanation
    for other in (yara, code):
        mixed = replace(base, findings=(native, other))
        assert with_provenance(mixed, PIN, check).verdict is Outcome.HOLD, other.rule


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"version": 1, "envelope": {}}', "neither PyPI provenance nor a PEP 740"),
        (b'{"version": 1, "attestation_bundles": []}', "holds no attestation"),
    ],
)
def test_malformed_attestations_are_a_clear_error(text: bytes, said: str) -> None:
    with pytest.raises(InvalidInput, match=said):
        parse_attestations(text)
    with pytest.raises(InvalidInput):
        check_attestation(SDIST, _digest(_sdist()), text, PIN)


@pytest.mark.parametrize(
    "bad", ["github:a/b", "pypi:a/b:c.yml", "github:a/b/c:r.yml", "github:../x:r.yml", "x"]
)
def test_a_malformed_pin_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Publisher.parse(bad)
