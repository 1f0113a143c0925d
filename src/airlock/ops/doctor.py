"""`airlock doctor`: what is wrong with a deployment and what to do about it, as data.

Pure: :func:`evaluate` turns observed facts (gathered by :mod:`airlock.ops.doctor_probe`)
into checks, each ok / warn / fail with the fix spelled out. It decides nothing about the
boundary; it tells an operator why the gateway would refuse to start or is unsafe to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MIN_FREE_BYTES = 1024**3  # below this, an export or a checkpoint may fail mid-write
MIN_FREE_RATIO = 0.05
MAX_CLOCK_SKEW_SECONDS = 5.0
STALE_CHECKPOINT_FACTOR = 5  # checkpoint intervals without a checkpoint before it fails


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the probe saw. Strings hold an error message, empty when the thing is fine."""

    home: str
    home_mode: int
    config_error: str
    key_mode: int | None  # None: the key file is missing
    key_error: str
    policy_error: str
    free_bytes: int
    total_bytes: int
    database_error: str
    schema_error: str
    clock_skew_seconds: float | None  # local minus database server (None: same host/unknown)
    newest_entry_ahead_seconds: float  # how far the newest ledger entry is in our future
    ledger_size: int
    seconds_since_checkpoint: float | None
    checkpoint_interval_seconds: int
    witnesses: int
    seconds_since_cosignature: float | None
    metrics_enabled: bool
    backup_tool_error: str = ""  # e.g. pg_dump missing for a PostgreSQL store
    # Key custody and who can read what (issue 14).
    key_custody: str = ""  # "" for the key file; else the token's redacted pkcs11: URI
    you: str = ""  # the OS user running doctor
    home_owner: str = ""
    key_owner: str = ""
    database_file: str = ""  # the SQLite file, "" for PostgreSQL
    database_mode: int | None = None
    database_owner: str = ""


def evaluate(facts: Facts) -> list[Check]:
    """Every check, in the order an operator should fix them."""
    checks = [_home(facts), _key(facts), _access(facts)]
    checks.append(
        Check("config", Status.FAIL, facts.config_error, "fix config.toml as the message says")
        if facts.config_error
        else Check("config", Status.OK, "config.toml loads")
    )
    checks.append(
        Check("policy", Status.FAIL, facts.policy_error, "run `airlock policy check`")
        if facts.policy_error
        else Check("policy", Status.OK, "the Cedar policy validates")
    )
    checks += [_disk(facts), _database(facts), _clock(facts), _checkpoint(facts), _witness(facts)]
    checks.append(
        Check("backup", Status.WARN, facts.backup_tool_error, "install the PostgreSQL client")
        if facts.backup_tool_error
        else Check("backup", Status.OK, "`airlock backup` has what it needs")
    )
    checks.append(
        Check("metrics", Status.OK, "GET /metrics is on")
        if facts.metrics_enabled
        else Check(
            "metrics",
            Status.WARN,
            "GET /metrics is off",
            "run `airlock scrape-token` and add its [metrics] line to config.toml",
        )
    )
    return checks


def _home(facts: Facts) -> Check:
    if facts.home_mode & 0o077:
        return Check(
            "permissions",
            Status.FAIL,
            f"{facts.home} is mode {facts.home_mode:o}: others can read the outbox and database",
            f"chmod 700 {facts.home}",
        )
    return Check("permissions", Status.OK, f"{facts.home} is private (mode {facts.home_mode:o})")


def _key(facts: Facts) -> Check:
    if facts.key_custody:
        if facts.key_error:
            return Check(
                "key custody",
                Status.FAIL,
                facts.key_error,
                "check the token is present, the key label and the PIN file of [ledger] "
                "signing_key",
            )
        return Check(
            "key custody",
            Status.OK,
            f"the ledger key is held in a PKCS#11 token ({facts.key_custody}): it signs there "
            "and cannot be copied from the home",
        )
    if facts.key_mode is None:
        return Check(
            "key custody",
            Status.FAIL,
            "the ledger signing key is missing",
            "restore it from your key escrow (or `airlock restore` a backup that holds it)",
        )
    if facts.key_mode & 0o077:
        return Check(
            "key custody",
            Status.FAIL,
            f"the ledger signing key is mode {facts.key_mode:o}",
            "chmod 600 the key, then ask whether it leaked: anyone who read it can forge seals",
        )
    if facts.key_error:
        return Check("key custody", Status.FAIL, facts.key_error, "restore the key from escrow")
    owner = f" to {facts.key_owner}" if facts.key_owner else ""
    return Check(
        "key custody",
        Status.OK,
        f"the ledger key is an Ed25519 file private{owner} (mode 600); whoever runs as its "
        "owner, or root, can copy it: run the gateway as its own user, or keep the key in a "
        "PKCS#11 token ([ledger] signing_key)",
    )


def _access(facts: Facts) -> Check:
    """Who can read the key or read and edit the database, besides root."""
    if facts.database_mode is not None and facts.database_mode & 0o077:
        return Check(
            "access",
            Status.FAIL if facts.home_mode & 0o077 else Status.WARN,
            f"{facts.database_file} is mode {facts.database_mode:o}: others can read or edit "
            "the ledger, principals and token hashes",
            f"chmod 600 {facts.database_file}",
        )
    owners = sorted({o for o in (facts.home_owner, facts.key_owner, facts.database_owner) if o})
    who = ", ".join(owners) or "unknown"
    where = "the key and the database" if not facts.key_custody else "the database"
    detail = f"only {who} (and root) can read {where}; you are {facts.you or 'unknown'}"
    if facts.you and facts.you in owners and facts.you != "root":
        # An operator's shell with direct access can act as the local operator; that is
        # recorded (issue 14), but a gateway of its own user takes even that away.
        detail += ": this shell has direct access, recorded as local-operator when used"
    return Check("access", Status.OK, detail)


def _disk(facts: Facts) -> Check:
    low = facts.free_bytes < MIN_FREE_BYTES or (
        facts.total_bytes and facts.free_bytes < facts.total_bytes * MIN_FREE_RATIO
    )
    detail = f"{facts.free_bytes / 1024**3:.1f} GiB free of {facts.total_bytes / 1024**3:.1f}"
    if low:
        return Check("disk space", Status.FAIL, detail, "free space or grow the volume")
    return Check("disk space", Status.OK, detail)


def _database(facts: Facts) -> Check:
    if facts.database_error:
        return Check(
            "database",
            Status.FAIL,
            facts.database_error,
            "check database_url / AIRLOCK_DATABASE_URL and that the server is up",
        )
    if facts.schema_error:
        return Check("database", Status.FAIL, facts.schema_error, "run `airlock init` to migrate")
    return Check("database", Status.OK, "reachable, schema current")


def _clock(facts: Facts) -> Check:
    skew = facts.clock_skew_seconds
    if skew is not None and abs(skew) > MAX_CLOCK_SKEW_SECONDS:
        return Check(
            "clock",
            Status.FAIL,
            f"this host's clock is {skew:+.1f} s off the database server's",
            "run NTP (chrony/systemd-timesyncd) on both hosts",
        )
    if facts.newest_entry_ahead_seconds > MAX_CLOCK_SKEW_SECONDS:
        return Check(
            "clock",
            Status.FAIL,
            f"the newest ledger entry is {facts.newest_entry_ahead_seconds:.0f} s in the future",
            "this clock went back, or another gateway's is ahead: fix NTP before serving",
        )
    return Check("clock", Status.OK, "agrees with the database and the ledger")


def _checkpoint(facts: Facts) -> Check:
    age, interval = facts.seconds_since_checkpoint, facts.checkpoint_interval_seconds
    if facts.ledger_size == 0:
        return Check("checkpoint", Status.OK, "the ledger is empty")
    if age is None or age > STALE_CHECKPOINT_FACTOR * interval:
        when = "never" if age is None else f"{age:.0f} s ago"
        return Check(
            "checkpoint",
            Status.WARN,
            f"last checkpoint signed {when} (interval {interval} s)",
            "start the gateway (it signs them) or run `airlock ledger checkpoint`",
        )
    return Check("checkpoint", Status.OK, f"last checkpoint signed {age:.0f} s ago")


def _witness(facts: Facts) -> Check:
    if not facts.witnesses:
        return Check(
            "witness",
            Status.WARN,
            "no witness keys configured: a restore cannot prove a backup is the newest",
            "run `airlock witness init` elsewhere and add its key to [ledger] witness_keys",
        )
    if facts.seconds_since_cosignature is None:
        return Check("witness", Status.WARN, "no checkpoint cosigned yet", "run the witness job")
    return Check(
        "witness", Status.OK, f"last cosignature {facts.seconds_since_cosignature:.0f} s ago"
    )
