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
_since = bindparam("since", type_=schema.UtcDateTime())
_LIKE = union_all(
    select(_rc, null().cast(LargeBinary()).label("chunk")).where(
        _rc.c.digest == bindparam("digest"), _rc.c.refused_at > _since
    ),
    select(_rc, _ch.c.chunk)
    .join(_ch, _ch.c.content_id == _rc.c.id)
    .where(_ch.c.chunk.in_(bindparam("chunks", expanding=True)), _rc.c.refused_at > _since),
).limit(literal(MAX_ROWS))


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
    params = {"digest": digest, "since": since, "chunks": sorted(sketch.digests)}
    rows = [(_refused(r._mapping), r.chunk) for r in c.execute(_LIKE, params)]
    return group_candidates(rows, digest)


def _refused(row: Any) -> RefusedContent:
    return RefusedContent(
        row["digest"],
        row["request_id"],
        row["principal"],
        row["refused_at"],
        Sketch(int(row["level"]), frozenset()),
    )
