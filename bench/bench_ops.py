"""Operations benchmark (issue 21): SIEM export, backup and one /metrics scrape.

On an SQLite home with N ledger entries (project records, appended 1000 to a transaction)
and R export requests with decisions, it times, each beside a baseline from the same run:

* ``ledger export --format ocsf``'s work (read, decode, map, encode every entry) against
  reading the same entries and ``json.dumps`` of their records;
* ``airlock backup`` (online backup API + digests + signed manifest) against copying the
  database file with ``shutil.copyfile``;
* the store reads behind one ``GET /metrics`` scrape against one ``SELECT count(*)`` of the
  requests table.

    python bench/bench_ops.py [--entries 20000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airlock.domain.names import request_id, sha256_hex
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, Reason, RequestKind
from airlock.home import initialise_home
from airlock.ledger.records import LedgerRecord, parse_record
from airlock.ops.siem import ExportFormat, encode_line, to_event
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from airlock.store import schema
from airlock.store.sql import SqlStore


def _timed(action: Callable[[], object], repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        initialise_home(home, "bench", None)
        settings = Settings.load({}, home)
        migrating = SqlStore.from_url(settings.database_url)
        migrating.migrate()
        migrating.close()
        airlock = Airlock.from_settings(settings)
        store = airlock._store  # a benchmark fills the store directly
        rita = airlock.add_principal(Actor.local_operator(), "rita", Actor.local_operator().role)
        now = airlock.ledger.now()
        for start in range(0, args.entries, 1000):
            airlock.ledger.append_many(
                [
                    LedgerRecord(kind="project.add", actor="bench", at=now, subject=f"p{i}")
                    for i in range(start, min(args.entries, start + 1000))
                ]
            )
        for i in range(args.requests):
            rid = request_id(f"req_{i:032x}")
            request = BoundaryRequest(
                rid,
                RequestKind.EXPORT,
                rita.principal.name,
                None,
                "bench",
                sha256_hex("ab" * 32),
                1000,
                now - timedelta(seconds=i),
            )
            outcome = Outcome.ALLOW if i % 3 else Outcome.DENY
            store.add_request(
                request, Decision(rid, outcome, (Reason("ok", "bench"),), now, "airlock", "v")
            )
        size = airlock.ledger.size()

        def export_ocsf() -> None:
            for batch in airlock.ledger_events(0, follow=False):
                for event in batch:
                    encode_line(to_event(event, ExportFormat.OCSF, "bench"))

        def read_and_dump() -> None:
            for entry in store.ledger.entries(0, size):
                json.dumps(parse_record(entry.body))

        export_s, dump_s = _timed(export_ocsf), _timed(read_and_dump)
        print(
            f"ledger export ocsf: {size} entries in {export_s:.2f} s "
            f"({size / export_s:,.0f}/s); read+json.dumps {dump_s:.2f} s; "
            f"ratio {export_s / dump_s:.1f}x"
        )

        counter = iter(range(1000))

        def backup() -> None:
            airlock.backup(Path(folder) / f"backup-{next(counter)}")

        db = home / "airlock.db"
        backup_s = _timed(backup)
        copy_s = _timed(lambda: shutil.copyfile(db, Path(folder) / "copy.db"))
        print(
            f"backup: {db.stat().st_size / 1e6:.1f} MB database in {backup_s:.2f} s; "
            f"cp {copy_s:.3f} s; ratio {backup_s / copy_s:.1f}x"
        )

        scrape_s = _timed(airlock.boundary_figures, repeat=7)
        assert isinstance(store, SqlStore)
        with store.engine.connect() as c:
            count_s = _timed(
                lambda: c.execute(select(func.count()).select_from(schema.requests)).scalar(),
                repeat=7,
            )
        print(
            f"/metrics store reads: {scrape_s * 1000:.1f} ms with {args.requests} requests; "
            f"count(*) {count_s * 1000:.2f} ms; ratio {scrape_s / count_s:.0f}x"
        )
        airlock.close()


if __name__ == "__main__":
    main()
