"""Refused content on SQL (issue 14): digests and chunk sketches, looked up by index.

A look-up is one statement: the refusals with the export's digest (index on ``digest``) and
those holding one of its sampled chunk digests (the primary key ``(chunk, content_id)``), so
its cost is the export's sketch, at most ``SKETCH_SIZE`` index probes, whatever the number of
refusals kept. Rows are capped: a chunk shared by thousands of refusals cannot make it slow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, LargeBinary, bindparam, literal, null, select, union_all

from airlock.budgets.refusals import Candidate, RefusedContent, Sketch, group_candidates
from airlock.store import schema

MAX_ROWS = 20_000
_rc, _ch = schema.refused_content, schema.refused_chunks
# What a clean export pays: one statement of index probes that finds nothing. The refusals
# themselves (their time, who, which request) are read only when something was found.
_SHARED = union_all(
    select(_rc.c.id.label("content_id"), null().cast(LargeBinary()).label("chunk")).where(
        _rc.c.digest == bindparam("digest")
    ),
    select(_ch.c.content_id, _ch.c.chunk).where(
        _ch.c.chunk.in_(bindparam("chunks", expanding=True))
    ),
).limit(literal(MAX_ROWS))
_REFUSED = select(_rc).where(
    _rc.c.id.in_(bindparam("ids", expanding=True)),
    _rc.c.refused_at > bindparam("since", type_=schema.UtcDateTime()),
)


def remember(c: Connection, refused: RefusedContent) -> None:
    row = {
        "digest": refused.digest,
        "request_id": refused.request_id,
        "principal": refused.principal,
        "refused_at": refused.refused_at,
        "level": refused.sketch.level,
    }
    content_id = c.execute(_rc.insert().values(**row).returning(_rc.c.id)).scalar_one()
    if refused.sketch.digests:
        c.execute(
            _ch.insert(),
            [{"chunk": d, "content_id": content_id} for d in sorted(refused.sketch.digests)],
        )


def like(c: Connection, digest: str, sketch: Sketch, since: datetime) -> list[Candidate]:
    shared: dict[int, list[bytes | None]] = {}
    params = {"digest": digest, "chunks": sorted(sketch.digests)}
    for content_id, chunk in c.execute(_SHARED, params):
        shared.setdefault(int(content_id), []).append(chunk)
    if not shared:
        return []
    refused = c.execute(_REFUSED, {"ids": sorted(shared), "since": since})
    rows = [
        (content, chunk)
        for row in refused
        for content in (_refused(row._mapping),)
        for chunk in shared[int(row.id)]
    ]
    return group_candidates(rows, digest)


def _refused(row: Any) -> RefusedContent:
    return RefusedContent(
        row["digest"],
        row["request_id"],
        row["principal"],
        row["refused_at"],
        Sketch(int(row["level"]), frozenset()),
    )
