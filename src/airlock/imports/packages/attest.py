"""Verifying PEP 740 attestations offline, against a pinned Sigstore trust root.

The adapter on ``pypi-attestations`` and ``sigstore`` (the ``airlock[attest]`` extra, imported
here only). It accepts what a user can save beside a distribution: PyPI's provenance object
(``GET /integrity/<project>/<version>/<file>/provenance``: ``attestation_bundles``) or one
attestation (the ``.publish.attestation`` file ``pypa/gh-action-pypi-publish`` writes).

Offline and pinned: the trust root is the copy of Sigstore's production ``trusted_root.json``
shipped in ``trust/`` and checked against :data:`TRUST_ROOT_SHA256` before use. sigstore's own
``Verifier.production(offline=True)`` would read whatever root sits in the user's TUF cache
(unverified, and refreshed by any earlier online run), so it is not used. Verification needs
no network: the signing certificate chains to Fulcio in the root, and the transparency-log
entry's inclusion proof and signed timestamp are in the attestation; the certificate is judged
at the log's integrated time, so an attestation does not expire with its 10-minute certificate.

What it does not do: refresh the root (an operator replaces the file and the digest together,
see docs/adr), check revocation, or accept predicate types other than PyPI's publish and SLSA
provenance v1.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from airlock.errors import ConfigError, InvalidInput
from airlock.imports.packages.provenance import Attested, Check, Failed, Publisher, Verified

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from pypi_attestations import Attestation
    from sigstore.verify import Verifier

MAX_ATTESTATION_BYTES = 1024 * 1024
TRUST_ROOT = "sigstore-production-trusted-root.json"
TRUST_ROOT_SHA256 = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"
PREDICATES = frozenset(
    {"https://docs.pypi.org/attestations/publish/v1", "https://slsa.dev/provenance/v1"}
)
EXTRA_HINT = "attestations need the attest extra: pip install 'airlock[attest]'"


def parse_attestations(text: str | bytes) -> list[Attestation]:
    """Every attestation in ``text``: PyPI provenance JSON or a single PEP 740 attestation.

    Raises:
        InvalidInput: too large, not JSON, or neither shape (the message says which).
        ConfigError: the attest extra is not installed.
    """
    if len(text) > MAX_ATTESTATION_BYTES:
        raise InvalidInput(f"the attestation is over {MAX_ATTESTATION_BYTES} bytes")
    try:
        from pydantic import ValidationError
        from pypi_attestations import Attestation, Provenance
    except ImportError as e:
        raise ConfigError(EXTRA_HINT) from e
    try:
        loaded = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(f"the attestation is not JSON: {e}") from e
    if not isinstance(loaded, dict):
        raise InvalidInput("the attestation is not a JSON object")
    try:
        if "attestation_bundles" in loaded:
            provenance = Provenance.model_validate(loaded)
            found = [a for b in provenance.attestation_bundles for a in b.attestations]
        else:
            found = [Attestation.model_validate(loaded)]
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise InvalidInput(
            "the attestation is neither PyPI provenance nor a PEP 740 attestation "
            f"({where}: {first['msg']})"
        ) from e
    if not found:
        raise InvalidInput("the provenance holds no attestation")
    return found


def check_attestation(
    filename: str, sha256: str, text: str | bytes, pin: Publisher | None
) -> Check:
    """Verify the attestations in ``text`` for the file ``filename`` with digest ``sha256``.

    Returns :class:`Verified` for the first that verifies (one naming the pinned publisher,
    when there is a pin and one does), else :class:`Failed` with the first reason.

    Raises: as :func:`parse_attestations`; ConfigError for a shipped root that is not the
    pinned one.
    """
    attestations = parse_attestations(text)
    verifier = pinned_verifier()
    verified: list[Verified] = []
    problems: list[str] = []
    for attestation in attestations:
        try:
            claims = _verify(verifier, attestation, filename, sha256)
        except _Rejected as e:
            problems.append(str(e))
            continue
        verified.append(Verified(Attested.of(claims), pin.matches(claims) if pin else None))
    if not verified:
        return Failed("; ".join(dict.fromkeys(problems)))
    return next((v for v in verified if v.pinned_match), verified[0])


class _Rejected(Exception):
    pass


class _RecordIdentity:
    """A sigstore policy that accepts every identity: the pin is judged afterwards, on the
    verified certificate's claims (:meth:`Publisher.matches`), so the record always says who
    signed, even when it is not who was expected."""

    def verify(self, cert: Certificate) -> None:
        del cert


def _verify(
    verifier: Verifier, attestation: Attestation, filename: str, sha256: str
) -> dict[str, str]:
    from pypi_attestations import AttestationError
    from sigstore.errors import Error as SigstoreError

    try:
        media_type, payload = verifier.verify_dsse(attestation.to_bundle(), _RecordIdentity())
    except (SigstoreError, AttestationError, ValueError) as e:
        raise _Rejected(f"signature: {e}") from e
    if media_type != "application/vnd.in-toto+json":
        raise _Rejected(f"not an in-toto statement ({media_type})")
    statement = _statement(payload)
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or len(subjects) != 1 or not isinstance(subjects[0], dict):
        raise _Rejected("the statement must name exactly one file")
    subject: dict[str, Any] = subjects[0]
    if _dist_key(str(subject.get("name", ""))) != _dist_key(filename):
        raise _Rejected(f"it is for {subject.get('name')!r}, not {filename!r}")
    digest = subject.get("digest")
    if not isinstance(digest, dict) or digest.get("sha256") != sha256:
        raise _Rejected("the file's SHA-256 is not the one that was signed")
    if statement.get("predicateType") not in PREDICATES:
        raise _Rejected(f"unknown attestation type {statement.get('predicateType')!r}")
    return dict(attestation.certificate_claims)


def _statement(payload: bytes) -> dict[str, Any]:
    try:
        statement = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _Rejected(f"the signed statement is not JSON: {e}") from e
    if not isinstance(statement, dict):
        raise _Rejected("the signed statement is not a JSON object")
    return statement


def _dist_key(filename: str) -> tuple[str, ...] | None:
    """(name, version, tags) of a distribution file name, as pypi-attestations compares them."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            name, version, build, tags = parse_wheel_filename(filename)
            return (name, str(version), str(build), ",".join(sorted(map(str, tags))))
        name, version = parse_sdist_filename(filename)
        return (name, str(version))
    except (InvalidSdistFilename, InvalidWheelFilename):
        return None


@functools.cache
def pinned_verifier() -> Verifier:
    """A sigstore Verifier on the shipped production root, once its digest is checked.

    Raises: ConfigError (root altered, or the extra missing).
    """
    try:
        from sigstore.models import TrustedRoot
        from sigstore.verify import Verifier
    except ImportError as e:
        raise ConfigError(EXTRA_HINT) from e
    shipped = resources.files("airlock.imports.packages.trust").joinpath(TRUST_ROOT)
    with resources.as_file(shipped) as path:
        if hashlib.sha256(path.read_bytes()).hexdigest() != TRUST_ROOT_SHA256:
            raise ConfigError(
                f"the shipped Sigstore trust root {TRUST_ROOT} is not the pinned one "
                f"(sha256 {TRUST_ROOT_SHA256}): reinstall airlock"
            )
        return Verifier(trusted_root=TrustedRoot.from_file(str(path)))
