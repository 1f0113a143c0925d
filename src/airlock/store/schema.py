"""Table definitions for SQLAlchemy Core queries.

The schema itself is created and changed only by the Alembic migrations in
``store/migrations``; these objects must describe the schema at the newest revision.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)

from airlock.store import revision

SCHEMA_REVISION = revision.SCHEMA_REVISION


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

principals = Table(
    "principals",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("principal", String(63), ForeignKey("principals.name"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),  # NULL: issued before expiry existed
)

projects = Table(
    "projects",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("description", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Who works on which project (issue 22, migration 0012_project_members).
project_members = Table(
    "project_members",
    metadata,
    Column("project", String(63), ForeignKey("projects.name"), primary_key=True),
    Column("principal", String(63), ForeignKey("principals.name"), primary_key=True),
    Column("added_at", UtcDateTime(), nullable=False),
    Index("ix_project_members_principal", "principal"),
)

requests = Table(
    "requests",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("principal", String(63), ForeignKey("principals.name"), nullable=False),
    Column("project", String(63), ForeignKey("projects.name"), nullable=True),
    Column("purpose", Text(), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Index("ix_requests_status_created", "status", "created_at"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("request_id", String(36), ForeignKey("requests.id"), nullable=False, index=True),
    Column("outcome", String(8), nullable=False),
    Column("reasons_json", Text(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("decided_by", String(63), nullable=False),
    Column("policy_version", String(64), nullable=False),
    Index("ix_decisions_outcome_at", "outcome", "decided_at"),
)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("size", BigInteger(), nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("idx", BigInteger(), primary_key=True, autoincrement=False),
    Column("body", LargeBinary(), nullable=False),
    # HMAC over (index, body) with a key derived from the ledger signing key: a row written
    # by anyone without the key -- an appended, copied or edited row -- fails verification.
    Column("seal", LargeBinary(32), nullable=False),
    Column("appended_at", UtcDateTime(), nullable=False),
)

# Hashes of complete, aligned subtrees: level 0 holds leaf hashes, level k the root of
# leaves [idx * 2**k, (idx + 1) * 2**k). Any proof needs O(log n) of them.
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger(), primary_key=True, autoincrement=False),
    Column("idx", BigInteger(), primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("size", BigInteger(), primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text(), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
)

ledger_cosignatures = Table(
    "ledger_cosignatures",
    metadata,
    Column("size", BigInteger(), primary_key=True, autoincrement=False),
    Column("witness", String(128), primary_key=True),
    Column("line", Text(), nullable=False),
    Column("timestamp", BigInteger(), nullable=False),
)

budgets = Table(
    "budgets",
    metadata,
    Column("scope", String(16), primary_key=True),
    Column("subject", String(63), primary_key=True),
    Column("limit_bytes", BigInteger(), nullable=False),
    Column("window_seconds", BigInteger(), nullable=False),
    # The running total (docs/adr/0006): the bytes of this budget's reservations whose
    # expires_at is after counted_after. NULL counted_after: no total yet, the next
    # reservation counts the window from scratch (after migration 0010, after a new window).
    Column("used_bytes", BigInteger(), nullable=False, server_default="0"),
    Column("counted_after", UtcDateTime(), nullable=True),
    # A row a subject inherited from its scope's default ('*', issue 14): made on the first
    # reservation, it carries the default's limit and window and follows it when the default
    # changes, until a budget of the subject's own replaces it in place.
    Column("inherited", Boolean(), nullable=False, server_default=false()),
)

# One row per budget a request is counted against; deleted when a request is refused or
# expires, so only bytes that left (or may still leave) use up the budget. A row counts
# at ``now`` while ``at > now - window``, that is while ``expires_at`` (``at`` plus the
# budget's current window, rewritten when the window changes) is after ``now``.
budget_usage = Table(
    "budget_usage",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("scope", String(16), nullable=False),
    Column("subject", String(63), nullable=False),
    Column("request_id", String(36), nullable=False),
    Column("bytes", BigInteger(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_budget_usage_key_expires", "scope", "subject", "expires_at"),
    Index("ix_budget_usage_request", "request_id"),
)

# Budget leases of the model-output channel (issue 20, docs/adr/0020 decision 6): a block of
# one caller's output budgets, reserved in budget_usage under ``id`` as request_id, from
# which the ``owner`` worker admits requests in memory until ``expires_at``. ``used_*`` is
# what was charged (with the transcripts), ``streaming_*`` the reservations of streams
# under way; closing shrinks the reservation to their sum (see store/lease_interface.py).
budget_leases = Table(
    "budget_leases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("caller", String(63), nullable=False),
    Column("state", String(16), nullable=False),
    Column("granted_tokens", BigInteger(), nullable=False),
    Column("granted_bytes", BigInteger(), nullable=False),
    Column("used_tokens", BigInteger(), nullable=False, server_default="0"),
    Column("used_bytes", BigInteger(), nullable=False, server_default="0"),
    Column("streaming_tokens", BigInteger(), nullable=False, server_default="0"),
    Column("streaming_bytes", BigInteger(), nullable=False, server_default="0"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Index("ix_budget_leases_state_expires", "state", "expires_at"),
)

# Content refused to someone (issue 14): its digest, and a sample of its content-defined
# chunk digests (airlock.budgets.refusals), so that the same or nearly the same content is
# refused to everyone else too.
refused_content = Table(
    "refused_content",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("request_id", String(36), nullable=False),
    Column("principal", String(63), nullable=False),
    Column("refused_at", UtcDateTime(), nullable=False),
    Column("level", SmallInteger(), nullable=False),
    Index("ix_refused_content_digest", "digest"),
)
refused_chunks = Table(
    "refused_chunks",
    metadata,
    Column("chunk", LargeBinary(32), primary_key=True),
    Column("content_id", Integer(), ForeignKey("refused_content.id"), primary_key=True),
)

protected_models = Table(
    "protected_models",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("tensors", Text(), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
)

protected_chunks = Table(
    "protected_chunks",
    metadata,
    Column("model", String(128), ForeignKey("protected_models.name"), primary_key=True),
    Column("digest", LargeBinary(32), primary_key=True),
)

approval_cases = Table(
    "approval_cases",
    metadata,
    Column("request_id", String(36), ForeignKey("requests.id"), primary_key=True),
    Column("requester", String(63), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("required", Integer(), nullable=False),
    Column("roles", String(128), nullable=False),
    Column("ttl_seconds", BigInteger(), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closed", String(16), nullable=False),
)

approval_votes = Table(
    "approval_votes",
    metadata,
    Column("request_id", String(36), ForeignKey("approval_cases.request_id"), primary_key=True),
    Column("voter", String(63), primary_key=True),
    Column("approve", Boolean(), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("cast_at", UtcDateTime(), nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("scope", String(16), nullable=False),
    Column("subject", String(63), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("lifted_at", UtcDateTime(), nullable=True),
    Column("lifted_by", String(63), nullable=False),
    Index("ix_locks_subject", "scope", "subject"),
)

package_files = Table(
    "package_files",
    metadata,
    Column("filename", String(255), primary_key=True),
    Column("project", String(255), nullable=False, index=True),
    Column("version", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("request_id", String(36), ForeignKey("requests.id"), nullable=False),
)

# The offline OSV malicious-packages feed (issue 16, migration 0017_known_bad_packages):
# a name at a version, or at every version ('*'), is denied at admission.
known_bad_packages = Table(
    "known_bad_packages",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("version", String(128), primary_key=True),
    Column("advisory", String(128), nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
    Column("ledger_index", BigInteger(), nullable=False),
)

# Trusted Publishers pinned per project (issue 16, migration 0018_publisher_pins): an admission
# of a pinned project needs a PEP 740 attestation by that publisher, or it is held.
package_publishers = Table(
    "package_publishers",
    metadata,
    Column("project", String(255), primary_key=True),
    Column("publisher", String(512), nullable=False),
    Column("pinned_at", UtcDateTime(), nullable=False),
    Column("ledger_index", BigInteger(), nullable=False),
)

# Names the typosquat check protects beyond the shipped list, and names known to have shipped
# malware (issue 16, migration 0018_publisher_pins): source is 'popular', 'index' or 'known-bad'.
protected_names = Table(
    "protected_names",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("source", String(16), primary_key=True),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("ledger_index", BigInteger(), nullable=False),
)

# The verified PEP 740 publisher of an admitted file (issue 16, migration 0018_publisher_pins), for
# the SBOM; the package.decision ledger entry carries the same value.
package_attestations = Table(
    "package_attestations",
    metadata,
    Column("filename", String(255), primary_key=True),
    Column("project", String(255), nullable=False),
    Column("version", String(64), nullable=False),
    Column("publisher", String(1024), nullable=False),
    Column("ledger_index", BigInteger(), nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", String(27), primary_key=True),
    Column("request_id", String(36), ForeignKey("requests.id"), nullable=False),
    Column("source", Text(), nullable=False),
    Column("license", Text(), nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("manifest_json", Text(), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("scan_json", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("released_at", UtcDateTime(), nullable=True),
    Column("released_by", String(63), nullable=False),
    Index("ix_datasets_request", "request_id"),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("parent_kind", String(16), primary_key=True),
    Column("parent_id", String(255), primary_key=True),
    Column("child_kind", String(16), primary_key=True),
    Column("child_id", String(255), primary_key=True),
    Column("recorded_by", String(63), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

# Seals on the rows above (docs/adr/0012-sealed-state.md): an HMAC keyed from the ledger
# signing key over a row's security-relevant columns and the ledger entry that made it.
row_seals = Table(
    "row_seals",
    metadata,
    Column("table_name", String(32), primary_key=True),
    Column("row_key", String(400), primary_key=True),
    Column("ledger_idx", BigInteger(), nullable=False),
    Column("mac", LargeBinary(32), nullable=False),
)

# The model-output channel (issue 20): one row per logged response, content-addressed.
# ``batch_index`` is the ledger index of the outputs.batch record whose tree holds it.
output_transcripts = Table(
    "output_transcripts",
    metadata,
    Column("seq", Integer(), primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("caller", String(63), nullable=False),
    Column("upstream", String(63), nullable=False),
    Column("body", Text(), nullable=False),
    Column("tokens", Integer(), nullable=False),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("batch_index", BigInteger(), nullable=True),
    Column("leaf_index", Integer(), nullable=True),
    Column("unexplained_milli", BigInteger(), nullable=True),
    Column("capacity_milli", BigInteger(), nullable=True),
    Column("verified_at", UtcDateTime(), nullable=True),
    Index("ix_output_transcripts_batch", "batch_index"),
)
