"""One frozen Settings object, loaded once at the edge and passed inward.

Sources, later ones winning: built-in defaults, ``$AIRLOCK_HOME/config.toml``, then the
``AIRLOCK_DATABASE_URL`` environment variable. Nothing below the adapters reads the
environment or the file system for configuration.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airlock.errors import ConfigError
from airlock.notify_settings import NotifySettings

CONFIG_FILE_NAME = "config.toml"
DATABASE_FILE_NAME = "airlock.db"
SIGNING_KEY_FILE_NAME = "ledger-signing.key"
POLICY_DIR_NAME = "policy"
DEFAULT_PORT = 8750
DEFAULT_HOST = "127.0.0.1"
_KNOWN_TOP_LEVEL = {
    "enclave_name",
    "database_url",
    "server",
    "ledger",
    "egress",
    "datasets",
    "metrics",
    "uploads",
    "outputs",
    "approvals",
    "identity",
    "notify",
}
_KNOWN_APPROVALS = {"vote_methods", "carry_package_approvals"}
_KNOWN_IDENTITY = {"os_users"}
# How a voter may have proved who they are (issue 14): the strong methods, never direct
# access to the home (local-operator). Kept as strings here; airlock.domain.identity names them.
STRONG_VOTE_METHODS = ("token", "peercred")
_KNOWN_METRICS = {"scrape_token_sha256"}
_KNOWN_OUTPUTS = {
    "upstream_url",
    "upstream_name",
    "model",
    "model_digest",
    "max_tokens",
    "max_bytes_per_token",
    "logit_tolerance",
    "lock_bits",
    "batch_seconds",
    "batch_max",
    "verify_fraction",
    "timeout_seconds",
    "flush_window_ms",
    "lease_requests",
    "lease_seconds",
    "release_quantum_ms",
}
MAX_FLUSH_WINDOW_MS = 1000  # a longer window would be a longer loss on a machine crash
MAX_LEASE_REQUESTS = 1024
MAX_LEASE_SECONDS = 300  # a lease's charges count this much longer than the window
MAX_RELEASE_QUANTUM_MS = 60_000
_KNOWN_DATASETS = {"max_file_bytes", "max_rows", "scan_max_rows"}
_KNOWN_EGRESS = {"min_days_to_exfiltrate", "colluding_accounts"}
_KNOWN_SERVER = {"host", "port", "workers", "access_log", "trusted_proxies"}
ACCESS_LOG_CHOICES = ("refusals", "all", "off")
MAX_WORKERS = 64
_KNOWN_LEDGER = {"checkpoint_interval_seconds", "witness_keys", "signing_key"}


def default_home(environ: Mapping[str, str]) -> Path:
    """The home folder: ``$AIRLOCK_HOME`` if set, else ``~/.airlock``."""
    configured = environ.get("AIRLOCK_HOME", "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".airlock"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Where the HTTP gateway listens."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # Gateway processes (with more than one, a supervisor hands them the connections); 0
    # means one per CPU (issue 5).
    workers: int = 0
    # Which requests the HTTP access log lines cover. Every decision is in the ledger anyway;
    # refusals (4xx/5xx: bad tokens, oversize bodies) are what the ledger does not see.
    access_log: str = "refusals"
    # Addresses or networks of reverse proxies in front of the gateway whose
    # X-Forwarded-For and X-Forwarded-Proto are believed. None by default: any local user
    # can open a connection from 127.0.0.1, so believing loopback (uvicorn's default)
    # let anyone on the host name the address that the sign-in throttle, the access log
    # and the ledger's refusal entries record (docs/adr/0055).
    trusted_proxies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for proxy in self.trusted_proxies:
            _proxy_network(proxy)
        if self.access_log not in ACCESS_LOG_CHOICES:
            raise ConfigError(
                f"server.access_log {self.access_log!r} is not one of "
                f"{', '.join(ACCESS_LOG_CHOICES)}"
            )
        if not self.host:
            raise ConfigError("server.host is empty: set it to an address such as 127.0.0.1")
        if not 0 < self.port < 65536:
            raise ConfigError(f"server.port {self.port} is out of range: use 1-65535")
        if not 0 <= self.workers <= MAX_WORKERS:
            raise ConfigError(
                f"server.workers {self.workers} is out of range: use 1-{MAX_WORKERS}, "
                "or 0 for one per CPU"
            )

    @property
    def proxy_networks(self) -> list[str]:
        """:attr:`trusted_proxies` as networks (``10.0.0.5/24`` is ``10.0.0.0/24``): how
        uvicorn's proxy-headers layer must be given them, since it takes a network with host
        bits set for a host name that never matches."""
        return [_proxy_network(proxy) for proxy in self.trusted_proxies]

    @property
    def worker_count(self) -> int:
        """How many gateway processes to run: ``workers``, or one per CPU when it is 0."""
        return self.workers or min(os.cpu_count() or 1, MAX_WORKERS)


def _proxy_network(proxy: str) -> str:
    """``proxy`` as an IP network.

    Raises: ConfigError unless ``proxy`` is one IP address or network."""
    import ipaddress  # noqa: PLC0415 -- only a config naming proxies needs it

    try:
        return str(ipaddress.ip_network(proxy, strict=False))
    except ValueError:
        raise ConfigError(
            f"server.trusted_proxies entry {proxy!r} is not an IP address or network: name "
            "each reverse proxy in front of the gateway, e.g. 10.0.0.5 or 10.0.0.0/24 "
            "(a wildcard would let every client forge its address)"
        ) from None


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """How the tamper-evident ledger issues checkpoints."""

    checkpoint_interval_seconds: int = 60
    # Verifier keys (name+id+base64) of witnesses whose cosignatures the gateway accepts.
    witness_keys: tuple[str, ...] = ()
    # Where the signing key lives (issue 14): "" for the key file in the home, or a
    # "pkcs11:..." URI (RFC 7512) of an Ed25519 key held in a PKCS#11 token.
    signing_key: str = ""

    def __post_init__(self) -> None:
        if self.signing_key and not self.signing_key.startswith("pkcs11:"):
            raise ConfigError(
                "ledger.signing_key must be a pkcs11: URI, or absent for the key file in the home"
            )
        if self.checkpoint_interval_seconds < 1:
            raise ConfigError("ledger.checkpoint_interval_seconds must be at least 1")


@dataclass(frozen=True, slots=True)
class EgressSettings:
    """Floor on the time any protected model would need to leave under the budgets."""

    min_days_to_exfiltrate: int = 0  # 0: no floor
    colluding_accounts: int = 5  # k of the time to exfiltrate for k accounts (issue 14)

    def __post_init__(self) -> None:
        if self.min_days_to_exfiltrate < 0:
            raise ConfigError("egress.min_days_to_exfiltrate cannot be negative")
        if not 1 <= self.colluding_accounts <= 1_000_000:
            raise ConfigError("egress.colluding_accounts must be between 1 and 1000000")


@dataclass(frozen=True, slots=True)
class DatasetSettings:
    """Bounds on reading and scanning imported datasets (issue 6)."""

    max_file_bytes: int = 4 * 1024**3  # one file as stored, and its rows once inflated
    max_rows: int = 5_000_000  # rows read per file; beyond it reading stops and the set holds
    scan_max_rows: int = 250_000  # rows the poisoning scan takes on; a larger set holds

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_rows", "scan_max_rows"):
            if getattr(self, name) < 1:
                raise ConfigError(f"datasets.{name} must be a positive number")


_DATASETS = DatasetSettings()


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """``GET /metrics`` (issue 21): off unless a scrape token's SHA-256 is configured."""

    # Hex SHA-256 of the bearer token Prometheus sends; `airlock scrape-token` makes one.
    scrape_token_sha256: str = ""

    def __post_init__(self) -> None:
        digest = self.scrape_token_sha256
        if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
            raise ConfigError(
                "metrics.scrape_token_sha256 must be 64 lowercase hex digits: "
                "run `airlock scrape-token` to make one"
            )


@dataclass(frozen=True, slots=True)
class UploadSettings:
    """Bounds on what a client can make the gateway hold before and after a decision (issue 22).

    Every byte count is checked against the declared Content-Length before the body is read
    and again while it streams; the timeouts and the per-address bound close connections
    that would otherwise be held open for ever (slowloris).
    """

    max_export_bytes: int = 8 * 1024**3  # one export request body
    max_package_bytes: int = 512 * 1024**2  # one package upload request body
    head_timeout_seconds: int = 10  # a request line and headers must arrive within this
    body_idle_seconds: int = 30  # a body that sends nothing for this long is cut
    max_connections_per_client: int = 64  # open connections per client address (per worker)
    keep_denied: bool = False  # keep the bytes of denied exports (digest and findings stay)
    orphan_min_age_seconds: int = 86400  # swept at start only once untouched for this long
    vet_seconds: int = 300  # one package's vetting; a file that takes longer is held

    def __post_init__(self) -> None:
        for name in (
            "max_export_bytes",
            "max_package_bytes",
            "head_timeout_seconds",
            "body_idle_seconds",
            "max_connections_per_client",
            "vet_seconds",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"uploads.{name} must be a positive number")
        if self.orphan_min_age_seconds < 0:
            raise ConfigError("uploads.orphan_min_age_seconds cannot be negative")


_UPLOADS = UploadSettings()
_KNOWN_UPLOADS = set(UploadSettings.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class OutputsSettings:
    """The model-output channel (issue 20): the inference upstream behind /v1 and how its
    responses are budgeted, logged and verified. An empty ``upstream_url`` turns /v1 off."""

    upstream_url: str = ""  # an OpenAI-compatible server, e.g. vLLM's http://10.0.0.5:8000
    upstream_name: str = "upstream"  # the lock subject for the upstream
    model: str = ""  # the model name the upstream serves (callers may only ask for it)
    model_digest: str = ""  # SHA-256 of the model folder (`airlock outputs digest DIR`)
    max_tokens: int = 1024  # cap on one response; reserved against budgets up front
    max_bytes_per_token: int = 64  # bytes reserved per token; a response over it is cut
    logit_tolerance: float = 0.05  # float non-determinism a replay forgives, in logits
    lock_bits: int = 8  # unexplained bits that lock a caller or the upstream
    batch_seconds: int = 2  # how often pending transcripts are committed to the ledger
    batch_max: int = 65536  # transcripts per outputs.batch record at most
    verify_fraction: float = 0.05  # share of responses `airlock outputs verify` replays
    timeout_seconds: int = 300  # one upstream request
    # 0: a response (or streamed token) leaves only once its reservation and transcript are
    # on disk. N > 0: it leaves once they are committed (seen by every worker, kept through
    # a crash of the process) and the disk flush follows within N ms; what a crash of the
    # machine in that window costs is in docs/adr/0014.
    flush_window_ms: int = 0
    # Budget leases (docs/adr/0020 decision 6): each worker leases blocks of a caller's
    # output budgets of ``lease_requests`` times a request's reservation, for at most
    # ``lease_seconds``, and admits from them in memory. 0: one reservation per request.
    lease_requests: int = 16
    lease_seconds: int = 10
    # 0: a response (and each streamed token) leaves as soon as it may, so the upstream's
    # timing reaches the caller (a channel no replay sees). N > 0: responses leave only at
    # release points fixed by the gateway (N ms, 2N, ... then +25 % each), streams whole:
    # timing then carries a few bits per response (docs/adr/0064).
    release_quantum_ms: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.lease_requests <= MAX_LEASE_REQUESTS:
            raise ConfigError(f"outputs.lease_requests must be between 0 and {MAX_LEASE_REQUESTS}")
        if not 1 <= self.lease_seconds <= MAX_LEASE_SECONDS:
            raise ConfigError(f"outputs.lease_seconds must be between 1 and {MAX_LEASE_SECONDS}")
        if self.upstream_url and not self.upstream_url.startswith(("http://", "https://")):
            raise ConfigError("outputs.upstream_url must be an http:// or https:// URL")
        if self.upstream_url and not (self.model and self.model_digest):
            raise ConfigError(
                "outputs.model and outputs.model_digest are needed with outputs.upstream_url: "
                "run `airlock outputs digest MODEL_DIR` for the digest"
            )
        for name in ("max_tokens", "max_bytes_per_token", "batch_seconds", "batch_max"):
            if getattr(self, name) < 1:
                raise ConfigError(f"outputs.{name} must be a positive number")
        if not 0 <= self.flush_window_ms <= MAX_FLUSH_WINDOW_MS:
            raise ConfigError(
                f"outputs.flush_window_ms must be between 0 and {MAX_FLUSH_WINDOW_MS}"
            )
        if not 0 <= self.release_quantum_ms <= MAX_RELEASE_QUANTUM_MS:
            raise ConfigError(
                f"outputs.release_quantum_ms must be between 0 and {MAX_RELEASE_QUANTUM_MS}"
            )
        if self.timeout_seconds < 1 or self.lock_bits < 0 or self.logit_tolerance < 0:
            raise ConfigError("outputs.timeout_seconds, lock_bits, logit_tolerance out of range")
        if not 0.0 < self.verify_fraction <= 1.0:
            raise ConfigError("outputs.verify_fraction must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """What a vote must prove (issue 14): ``vote_methods`` are the ways a voter may have
    been authenticated, a non-empty subset of the strong methods (token, peercred); e.g.
    ``["peercred"]`` to take votes only from people signed in to the gateway's host."""

    vote_methods: tuple[str, ...] = STRONG_VOTE_METHODS
    # A held package whose every finding people approved in an earlier release of the
    # project, in unchanged code, is released (ADR 0147); false: every release is reviewed.
    carry_package_approvals: bool = True

    def __post_init__(self) -> None:
        if not self.vote_methods:
            raise ConfigError(
                "approvals.vote_methods is empty, which would refuse every vote: list "
                f"one or more of {', '.join(STRONG_VOTE_METHODS)}"
            )
        weak = sorted(set(self.vote_methods) - set(STRONG_VOTE_METHODS))
        if weak:
            raise ConfigError(
                f"approvals.vote_methods may hold only {', '.join(STRONG_VOTE_METHODS)}, "
                f"not {', '.join(weak)}: a vote needs the person's own credential"
            )


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    """Who a Unix-socket peer is (issue 14): ``os_users`` maps an OS user name, as the
    kernel reports the connecting process's uid (SO_PEERCRED), to a principal. An OS user
    not listed is not signed in by the socket (it may still send a token)."""

    os_users: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for os_user, principal in self.os_users:
            if not os_user or not principal:
                raise ConfigError("identity.os_users maps OS user names to principal names")

    def principal_of(self, os_user: str) -> str | None:
        return dict(self.os_users).get(os_user)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything airlock needs to know about its deployment, validated when built."""

    home: Path
    database_url: str
    enclave_name: str = "airlock"
    server: ServerSettings = field(default_factory=ServerSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    egress: EgressSettings = field(default_factory=EgressSettings)
    datasets: DatasetSettings = field(default_factory=DatasetSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    outputs: OutputsSettings = field(default_factory=OutputsSettings)
    approvals: ApprovalSettings = field(default_factory=ApprovalSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    notify: NotifySettings = field(default_factory=NotifySettings)

    def __post_init__(self) -> None:
        if not self.database_url:
            raise ConfigError("database_url is empty: remove it to use the SQLite default")
        if not self.enclave_name or any(c.isspace() for c in self.enclave_name):
            raise ConfigError(
                f"enclave_name {self.enclave_name!r} must be non-empty and contain no spaces"
            )

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_FILE_NAME

    @property
    def signing_key_path(self) -> Path:
        return self.home / SIGNING_KEY_FILE_NAME

    @property
    def policy_dir(self) -> Path:
        return self.home / POLICY_DIR_NAME

    @classmethod
    def for_home(cls, home: Path, database_url: str | None = None) -> Settings:
        """Defaults for a home folder, before any config file exists."""
        return cls(home=home, database_url=database_url or sqlite_url(home / DATABASE_FILE_NAME))

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, home: Path | None = None) -> Settings:
        """Read settings for an initialised home.

        Raises:
            ConfigError: the home or its config file is missing or malformed.
        """
        env = os.environ if environ is None else environ
        home = home or default_home(env)
        config_path = home / CONFIG_FILE_NAME
        if not home.is_dir():
            raise ConfigError(f"airlock home {home} does not exist: run `airlock init` first")
        if not config_path.is_file():
            raise ConfigError(f"{config_path} is missing: run `airlock init` to create it")
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{config_path} is not valid TOML ({e}): fix or remove it") from e
        except OSError as e:
            raise ConfigError(f"cannot read {config_path}: {e.strerror}") from e
        return cls.from_mapping(home, raw, env)

    @classmethod
    def from_mapping(
        cls, home: Path, raw: Mapping[str, Any], environ: Mapping[str, str]
    ) -> Settings:
        """Build settings from a parsed config mapping plus the environment override."""
        _reject_unknown(raw, _KNOWN_TOP_LEVEL, "")
        server_raw = _table(raw, "server")
        ledger_raw = _table(raw, "ledger")
        egress_raw = _table(raw, "egress")
        datasets_raw = _table(raw, "datasets")
        metrics_raw = _table(raw, "metrics")
        _reject_unknown(metrics_raw, _KNOWN_METRICS, "metrics.")
        _reject_unknown(datasets_raw, _KNOWN_DATASETS, "datasets.")
        uploads_raw = _table(raw, "uploads")
        _reject_unknown(uploads_raw, _KNOWN_UPLOADS, "uploads.")
        _reject_unknown(egress_raw, _KNOWN_EGRESS, "egress.")
        _reject_unknown(server_raw, _KNOWN_SERVER, "server.")
        _reject_unknown(ledger_raw, _KNOWN_LEDGER, "ledger.")
        outputs_raw = _table(raw, "outputs")
        _reject_unknown(outputs_raw, _KNOWN_OUTPUTS, "outputs.")
        approvals_raw = _table(raw, "approvals")
        _reject_unknown(approvals_raw, _KNOWN_APPROVALS, "approvals.")
        identity_raw = _table(raw, "identity")
        _reject_unknown(identity_raw, _KNOWN_IDENTITY, "identity.")
        database_url = environ.get("AIRLOCK_DATABASE_URL", "").strip() or _string(
            raw, "database_url", sqlite_url(home / DATABASE_FILE_NAME)
        )
        return cls(
            home=home,
            database_url=database_url,
            enclave_name=_string(raw, "enclave_name", "airlock"),
            server=ServerSettings(
                host=_string(server_raw, "host", DEFAULT_HOST, "server."),
                port=_integer(server_raw, "port", DEFAULT_PORT, "server."),
                workers=_integer(server_raw, "workers", 0, "server."),
                access_log=_string(server_raw, "access_log", "refusals", "server."),
                trusted_proxies=_strings(server_raw, "trusted_proxies", "server."),
            ),
            ledger=LedgerSettings(
                checkpoint_interval_seconds=_integer(
                    ledger_raw, "checkpoint_interval_seconds", 60, "ledger."
                ),
                witness_keys=_strings(ledger_raw, "witness_keys", "ledger."),
                signing_key=_string(ledger_raw, "signing_key", "", "ledger."),
            ),
            egress=EgressSettings(
                min_days_to_exfiltrate=_integer(egress_raw, "min_days_to_exfiltrate", 0, "egress."),
                colluding_accounts=_integer(egress_raw, "colluding_accounts", 5, "egress."),
            ),
            datasets=DatasetSettings(
                max_file_bytes=_integer(
                    datasets_raw, "max_file_bytes", _DATASETS.max_file_bytes, "datasets."
                ),
                max_rows=_integer(datasets_raw, "max_rows", _DATASETS.max_rows, "datasets."),
                scan_max_rows=_integer(
                    datasets_raw, "scan_max_rows", _DATASETS.scan_max_rows, "datasets."
                ),
            ),
            metrics=MetricsSettings(
                scrape_token_sha256=_string(metrics_raw, "scrape_token_sha256", "", "metrics.")
            ),
            uploads=_uploads(uploads_raw),
            outputs=_outputs(outputs_raw),
            approvals=ApprovalSettings(
                vote_methods=(
                    _strings(approvals_raw, "vote_methods", "approvals.")
                    if "vote_methods" in approvals_raw
                    else STRONG_VOTE_METHODS
                ),
                carry_package_approvals=_flag(
                    approvals_raw, "carry_package_approvals", True, "approvals."
                ),
            ),
            identity=IdentitySettings(
                os_users=_string_table(identity_raw, "os_users", "identity.")
            ),
            notify=NotifySettings.from_mapping(_table(raw, "notify"), environ),
        )


def _uploads(raw: Mapping[str, Any]) -> UploadSettings:
    values: dict[str, Any] = {}
    for name in _KNOWN_UPLOADS:
        default = getattr(_UPLOADS, name)
        if isinstance(default, bool):
            values[name] = _flag(raw, name, default, "uploads.")
        else:
            values[name] = _integer(raw, name, default, "uploads.")
    return UploadSettings(**values)


def _outputs(raw: Mapping[str, Any]) -> OutputsSettings:
    d, p = OutputsSettings(), "outputs."
    return OutputsSettings(
        upstream_url=_string(raw, "upstream_url", d.upstream_url, p),
        upstream_name=_string(raw, "upstream_name", d.upstream_name, p),
        model=_string(raw, "model", d.model, p),
        model_digest=_string(raw, "model_digest", d.model_digest, p),
        max_tokens=_integer(raw, "max_tokens", d.max_tokens, p),
        max_bytes_per_token=_integer(raw, "max_bytes_per_token", d.max_bytes_per_token, p),
        logit_tolerance=_number(raw, "logit_tolerance", d.logit_tolerance, p),
        lock_bits=_integer(raw, "lock_bits", d.lock_bits, p),
        batch_seconds=_integer(raw, "batch_seconds", d.batch_seconds, p),
        batch_max=_integer(raw, "batch_max", d.batch_max, p),
        verify_fraction=_number(raw, "verify_fraction", d.verify_fraction, p),
        timeout_seconds=_integer(raw, "timeout_seconds", d.timeout_seconds, p),
        flush_window_ms=_integer(raw, "flush_window_ms", d.flush_window_ms, p),
        lease_requests=_integer(raw, "lease_requests", d.lease_requests, p),
        lease_seconds=_integer(raw, "lease_seconds", d.lease_seconds, p),
        release_quantum_ms=_integer(raw, "release_quantum_ms", d.release_quantum_ms, p),
    )


def _number(raw: Mapping[str, Any], key: str, default: float, prefix: str = "") -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"config key {prefix}{key} must be a number, got {value!r}")
    return float(value)


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of an SQLite database file."""
    return f"sqlite:///{path.resolve()}"


def _reject_unknown(raw: Mapping[str, Any], known: set[str], prefix: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        names = ", ".join(prefix + k for k in unknown)
        raise ConfigError(f"unknown config key(s) {names}: check spelling against README")


def _table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"config key {key} must be a table ([{key}])")
    return value


def _string(raw: Mapping[str, Any], key: str, default: str, prefix: str = "") -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"config key {prefix}{key} must be a string, got {value!r}")
    return value


def _flag(raw: Mapping[str, Any], key: str, default: bool, prefix: str = "") -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"config key {prefix}{key} must be true or false")
    return value


def _integer(raw: Mapping[str, Any], key: str, default: int, prefix: str = "") -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"config key {prefix}{key} must be an integer, got {value!r}")
    return value


def _strings(raw: Mapping[str, Any], key: str, prefix: str = "") -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config key {prefix}{key} must be a list of strings")
    return tuple(value)


def _string_table(
    raw: Mapping[str, Any], key: str, prefix: str = ""
) -> tuple[tuple[str, str], ...]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(
            f'config key {prefix}{key} must be a table of strings ({{alice = "alice"}})'
        )
    return tuple(sorted(value.items()))
