"""Who published a package, and what policy makes of it (issue 16, PEP 740).

Pure: it takes the claims of a certificate that :mod:`airlock.imports.packages.attest` has
already verified (signature, certificate chain to the pinned Sigstore root, transparency log
entry, the file's SHA-256) and values from the store; it does no cryptography itself.

A *pin* says which Trusted Publisher may publish a project: ``github:OWNER/REPO:WORKFLOW``
(the workflow's file name, as PyPI's Trusted Publishing form asks for it) or
``gitlab:NAMESPACE/PROJECT:PATH/TO/.gitlab-ci.yml``. The check mirrors pypi-attestations'
Trusted Publisher policies: the OIDC issuer, the source repository URI and the build config
URI (``…/WORKFLOW@REF`` with REF the certificate's own ref or commit) must all agree.

Policy (fail closed):

- an attested file whose identity matches the pin: its unread native libraries weigh
  "medium" (allowed, still listed), because the publisher's build is what we trust there;
- a pinned project without a valid attestation, or attested by another publisher: held;
- an attestation that does not verify: denied (the file is not what the signer signed).

What it does not do: trust a publisher it was not told to trust (an attestation of an
unpinned project is recorded, never a reason to allow), or read the SLSA provenance predicate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

from airlock.errors import InvalidInput
from airlock.imports.packages.native import is_native
from airlock.imports.packages.rules import PackageFinding, Severity

# Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md)
OID_ISSUER = "1.3.6.1.4.1.57264.1.8"
OID_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"
OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
OID_SOURCE_DIGEST = "1.3.6.1.4.1.57264.1.13"
OID_SOURCE_REF = "1.3.6.1.4.1.57264.1.14"


class PublisherKind(Enum):
    GITHUB = "github"
    GITLAB = "gitlab"

    @property
    def issuer(self) -> str:
        return {
            PublisherKind.GITHUB: "https://token.actions.githubusercontent.com",
            PublisherKind.GITLAB: "https://gitlab.com",
        }[self]

    @property
    def host(self) -> str:
        return {PublisherKind.GITHUB: "github.com", PublisherKind.GITLAB: "gitlab.com"}[self]

    def build_config_uri(self, repository: str, workflow: str, suffix: str) -> str:
        if self is PublisherKind.GITHUB:
            return f"https://github.com/{repository}/.github/workflows/{workflow}@{suffix}"
        return f"https://gitlab.com/{repository}//{workflow}@{suffix}"


_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)+$")
_WORKFLOW = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$")


@dataclass(frozen=True, slots=True)
class Publisher:
    """A Trusted Publisher: which CI repository and workflow may publish a project."""

    kind: PublisherKind
    repository: str  # OWNER/REPO (GitHub) or NAMESPACE/PROJECT (GitLab)
    workflow: str  # release.yml (GitHub) or the CI file's path (GitLab)

    def __post_init__(self) -> None:
        if not _REPOSITORY.fullmatch(self.repository) or ".." in self.repository:
            raise InvalidInput(f"{self.repository!r} is not a repository (OWNER/REPO)")
        if not _WORKFLOW.fullmatch(self.workflow) or ".." in self.workflow:
            raise InvalidInput(f"{self.workflow!r} is not a workflow file name")
        if self.kind is PublisherKind.GITHUB and self.repository.count("/") != 1:
            raise InvalidInput(f"{self.repository!r}: a GitHub repository is OWNER/REPO")

    @classmethod
    def parse(cls, text: str) -> Publisher:
        """``github:OWNER/REPO:WORKFLOW`` or ``gitlab:NAMESPACE/PROJECT:CI-FILE``.

        Raises: InvalidInput, naming the expected shape.
        """
        parts = text.strip().split(":")
        kinds = {k.value: k for k in PublisherKind}
        if len(parts) != 3 or parts[0].lower() not in kinds:
            raise InvalidInput(
                f"{text!r} is not a publisher: write github:OWNER/REPO:WORKFLOW.yml "
                "or gitlab:NAMESPACE/PROJECT:.gitlab-ci.yml"
            )
        return cls(kinds[parts[0].lower()], parts[1], parts[2])

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.repository}:{self.workflow}"

    def matches(self, claims: Mapping[str, str]) -> bool:
        """Whether a verified certificate's claims name this publisher."""
        if claims.get(OID_ISSUER) != self.kind.issuer:
            return False
        if claims.get(OID_SOURCE_REPOSITORY_URI) != f"https://{self.kind.host}/{self.repository}":
            return False
        suffixes = [claims[o] for o in (OID_SOURCE_DIGEST, OID_SOURCE_REF) if claims.get(o)]
        built = claims.get(OID_BUILD_CONFIG_URI)
        return any(
            built == self.kind.build_config_uri(self.repository, self.workflow, s) for s in suffixes
        )


@dataclass(frozen=True, slots=True)
class Attested:
    """What a verified attestation says about who published a file."""

    issuer: str
    repository: str  # the source repository URI
    build: str  # the build config URI: the workflow and the ref it ran on
    commit: str

    @classmethod
    def of(cls, claims: Mapping[str, str]) -> Attested:
        return cls(
            claims.get(OID_ISSUER, ""),
            claims.get(OID_SOURCE_REPOSITORY_URI, ""),
            claims.get(OID_BUILD_CONFIG_URI, ""),
            claims.get(OID_SOURCE_DIGEST, ""),
        )

    def __str__(self) -> str:
        return self.build or self.repository or self.issuer or "an unnamed signer"


@dataclass(frozen=True, slots=True)
class Verified:
    """An attestation that verified against the pinned root and the file's digest."""

    identity: Attested
    pinned_match: bool | None  # None: the project has no pin


@dataclass(frozen=True, slots=True)
class Failed:
    """An attestation was given and did not verify."""

    why: str


Check = Verified | Failed | None  # None: no attestation given


def judge(filename: str, project: str, pin: Publisher | None, check: Check) -> list[PackageFinding]:
    """The findings provenance adds to a vetting report."""
    if isinstance(check, Failed):
        return [
            PackageFinding(
                "attestation-invalid",
                filename,
                0,
                Severity.CRITICAL,
                f"the attestation does not verify ({check.why}): this is not the file its "
                "signer published, or the attestation is forged",
            )
        ]
    if pin is None:
        return []
    if check is None:
        return [
            PackageFinding(
                "attestation-missing",
                filename,
                0,
                Severity.HIGH,
                f"{project} is pinned to the publisher {pin}, and this file came without an "
                "attestation (give PyPI's provenance or the .publish.attestation beside it)",
            )
        ]
    if not check.pinned_match:
        return [
            PackageFinding(
                "attestation-publisher",
                filename,
                0,
                Severity.HIGH,
                f"{project} is pinned to the publisher {pin}, but this file was published by "
                f"{check.identity}",
            )
        ]
    return []


# Findings that say only "nobody read this native library"; a YARA match is never relaxed.
UNREAD_NATIVE = frozenset({"unread-member", "native-unread"})


def trusted_build(findings: tuple[PackageFinding, ...]) -> tuple[PackageFinding, ...]:
    """A pinned publisher's file: unread native libraries weigh medium (shown, allowed)."""
    return tuple(
        replace(
            f,
            severity=Severity.MEDIUM,
            explanation=f.explanation + " (built by the project's pinned publisher)",
        )
        if f.rule in UNREAD_NATIVE and is_native(f.path) and f.severity is Severity.HIGH
        else f
        for f in findings
    )
