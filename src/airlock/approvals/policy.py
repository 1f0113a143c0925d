"""Cedar policy sets: validated against their schema when loaded, named by a version hash.

The version hash goes into every ledger entry, so an auditor can tell which exact policy
text produced a decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from airlock.errors import InvalidInput

MAX_POLICY_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class PolicyBundle:
    """Cedar policies plus the schema they were validated against."""

    policies: str
    schema: str
    version: str

    @classmethod
    def load(cls, policies: str, schema: str) -> PolicyBundle:
        """Validate policy text against the schema.

        Raises:
            InvalidInput: the text is too large, empty, or fails Cedar validation; the
                message lists Cedar's errors so the author can fix the file.
        """
        if len(policies) > MAX_POLICY_CHARS or len(schema) > MAX_POLICY_CHARS:
            raise InvalidInput(f"policy or schema exceeds {MAX_POLICY_CHARS} characters")
        if not policies.strip():
            raise InvalidInput(
                "the policy file is empty, which would deny everything: restore a policy"
            )
        import cedarpy  # noqa: PLC0415 -- ~25 ms of start-up that only a policy load needs

        try:
            result = cedarpy.validate_policies(policies, schema)
        except (ValueError, RuntimeError) as e:
            raise InvalidInput(f"policy or schema does not parse: {e}") from e
        if not result.validation_passed:
            errors = "; ".join(str(error) for error in result.errors) or "unknown error"
            raise InvalidInput(f"policy fails validation against its schema: {errors}")
        digest = hashlib.sha256()
        for part in (schema, policies):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big") + encoded)
        return cls(policies=policies, schema=schema, version=digest.hexdigest())
