"""Gathers the :class:`~airlock.ops.doctor.Facts` of a deployment: files, disk, database.

Every probe catches its own failure and records it as a fact, so one broken part (an
unreachable database, a malformed config) never hides what is wrong with the others.
"""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from airlock.errors import AirlockError
from airlock.home import load_policy, load_signing_key
from airlock.key_custody import parse_pkcs11_uri
from airlock.ops.doctor import Facts
from airlock.settings import Settings
from airlock.store import schema
from airlock.store.sql import SqlStore


def probe(home: Path, environ: Mapping[str, str], now: datetime) -> Facts:
    config_error = ""
    try:
        settings = Settings.load(environ, home)
    except AirlockError as e:
        config_error = e.message
        settings = Settings.for_home(home)
    custody = ""
    if settings.ledger.signing_key:
        custody = _error(lambda: parse_pkcs11_uri(settings.ledger.signing_key)) or (
            parse_pkcs11_uri(settings.ledger.signing_key).redacted()
        )
    key_mode = None if custody else _mode(settings.signing_key_path)
    database = _database(settings, now)
    sqlite_file = _sqlite_file(settings.database_url)
    usage = shutil.disk_usage(home if home.exists() else home.parent)
    return Facts(
        home=str(home),
        home_mode=_mode(home) or 0,
        config_error=config_error,
        key_mode=key_mode,
        key_error=(
            _error(lambda: load_signing_key(settings)) if key_mode is not None or custody else ""
        ),
        key_custody=custody,
        you=_owner_name(os.getuid()),
        home_owner=_owner(home),
        key_owner="" if custody else _owner(settings.signing_key_path),
        database_file=str(sqlite_file or ""),
        database_mode=_mode(sqlite_file) if sqlite_file else None,
        database_owner=_owner(sqlite_file) if sqlite_file else "",
        policy_error=_error(lambda: load_policy(settings)),
        free_bytes=usage.free,
        total_bytes=usage.total,
        checkpoint_interval_seconds=settings.ledger.checkpoint_interval_seconds,
        witnesses=len(settings.ledger.witness_keys),
        metrics_enabled=bool(settings.metrics.scrape_token_sha256),
        database_error=database.database_error,
        schema_error=database.schema_error,
        clock_skew_seconds=database.clock_skew_seconds,
        newest_entry_ahead_seconds=database.newest_entry_ahead_seconds,
        ledger_size=database.ledger_size,
        seconds_since_checkpoint=database.seconds_since_checkpoint,
        seconds_since_cosignature=database.seconds_since_cosignature,
        backup_tool_error=_backup_tool(settings),
    )


def _backup_tool(settings: Settings) -> str:
    if not settings.database_url.startswith("postgresql") or shutil.which("pg_dump"):
        return ""
    return "pg_dump is not on PATH: `airlock backup` cannot copy a PostgreSQL store"


@dataclass(slots=True)
class _Db:
    database_error: str = ""
    schema_error: str = ""
    clock_skew_seconds: float | None = None
    newest_entry_ahead_seconds: float = 0.0
    ledger_size: int = 0
    seconds_since_checkpoint: float | None = None
    seconds_since_cosignature: float | None = None


def _database(settings: Settings, now: datetime) -> _Db:
    found = _Db()
    try:
        store = SqlStore.from_url(settings.database_url)
    except AirlockError as e:
        found.database_error = e.message
        return found
    try:
        with store.engine.connect() as c:
            if store.engine.dialect.name == "postgresql":
                server_now = c.execute(text("SELECT now()")).scalar_one()
                found.clock_skew_seconds = (now - server_now).total_seconds()
        found.schema_error = _error(store.check_ready)
        if not found.schema_error:
            with store.engine.connect() as c:
                newest = c.execute(select(func.max(schema.ledger_entries.c.appended_at))).scalar()
                signed = c.execute(select(func.max(schema.ledger_checkpoints.c.signed_at))).scalar()
                cosigned = c.execute(
                    select(func.max(schema.ledger_cosignatures.c.timestamp))
                ).scalar()
            found.ledger_size = store.ledger.size()
            if newest is not None:
                found.newest_entry_ahead_seconds = (newest - now).total_seconds()
            if signed is not None:
                found.seconds_since_checkpoint = (now - signed).total_seconds()
            if cosigned is not None:
                found.seconds_since_cosignature = now.timestamp() - int(cosigned)
    except SQLAlchemyError as e:
        found.database_error = f"cannot query the database: {type(e).__name__}: {e}"[:300]
    except AirlockError as e:
        found.database_error = e.message
    finally:
        store.close()
    return found


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _owner(path: Path) -> str:
    try:
        return _owner_name(path.stat().st_uid)
    except OSError:
        return ""


def _mode(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return None


def _error(action: object) -> str:
    assert callable(action)
    try:
        action()
    except AirlockError as e:
        return e.message
    return ""
