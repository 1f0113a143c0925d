"""Weights at a fixed place put where another host reads them, whatever the moment (ADR 0110).

ADR 0088 weighs a copy of weights to a share (``/mnt``, ``//host/share``) or a mounted host
as sent, on install or import; when called, a trainer copies its caller's output there, so a
copy then was not judged. When both places are written in the code (``/models`` to
``/mnt/share/x``), nothing of it is the caller's, as ADR 0093 judges weights at a fixed place
sent to a written address. These are such moves, at any moment:

* a file copy (``shutil.copytree('/models', '/mnt/share/x')``) to a share;
* weights packed into an archive written on a share (``tarfile.open('/mnt/s/m.tar', 'w')``
  then ``add('/models')``, ``make_archive('/mnt/s/m', 'zip', '/models')``);
* a command copying them to a share (``cp -r /models /mnt/share``) or to another host or a
  bucket written in it (``rsync -a /models/ host:/x``, ``aws s3 sync /models s3://b``);
* a file's bytes written into a file on a share (``open('/mnt/s/m', 'wb').write(...)``)
  while the module names weights at a fixed place.

Pure helpers over events; :mod:`chains` scores them. What they deliberately do not do:
follow a copy to a local folder (staging: judged when what is staged is sent, through
:func:`chains._weights_sent`'s named copies), or a model saved by a loaded object's
``torch.save`` when called.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airlock.imports.packages.lazyre import LazyPattern
from airlock.imports.packages.picked import (
    DIRECTED,
    FIXED_PLACE,
    LOCAL_COPY,
    REMOTE_COPY,
    SHARE,
    copy_paths,
    weighty,
)
from airlock.imports.packages.sinks import FILE, WEIGHTS

if TYPE_CHECKING:
    from airlock.imports.packages.flowtypes import Event

# Where a remote copy puts its files: another host (``host:/x``, ``user@host:``) or a bucket.
REMOTE_DEST = LazyPattern(
    r"(?:[\w.-]+@)?[a-z0-9][\w.-]*\.[a-z]{2,}:|(?:s3|gs|gcs|az|hf|sftp|ssh|rsync)://",
    re.IGNORECASE,
)
SENT_DATA = frozenset({FILE, WEIGHTS})


def fixed_weights(text: str) -> bool:
    """Whether a copy's source or a pack's text is weights at a place written in the code
    (``/models``, ``~/checkpoints/x.safetensors``)."""
    return weighty(text) and bool(FIXED_PLACE.match(text))


def fixed_moves(events: list[Event], named: list[Event]) -> list[Event]:
    """The moves of weights at a fixed place to a share, another host or a bucket written in
    the code, at any moment (the module docstring's list)."""
    moves = [
        e
        for e in events
        if e.kind == "copy"
        and fixed_weights(e.text.partition("\n")[0])
        and SHARE.match(e.text.rpartition("\n")[2])
    ]
    if any(e.kind == "archive" for e in events):
        moves += [e for e in events if e.kind == "pack" and fixed_weights(e.text)]
    moves += [e for e in events if e.kind == "process" and _command_moves(e.text)]
    if any(FIXED_PLACE.match(n.text) for n in named):
        moves += [
            e for e in events if e.kind == "write" and SHARE.match(e.text) and e.labels & SENT_DATA
        ]
    return moves


def _command_moves(text: str) -> bool:
    """``cp -r /models /mnt/share``, ``rsync -a /models/ host:/x``: a copy command naming
    weights at a fixed place and a share, or a remote copy naming another host or a bucket."""
    # The destination is the last path: weights downloaded into ``/models`` from a bucket
    # (``aws s3 sync s3://b/m /models``) are a model server's, not a move out (ADR 0118).
    ends = copy_paths(text, DIRECTED.search(text) or LOCAL_COPY.search(text))
    if ends is None or not any(fixed_weights(w) for w in ends[0]):
        return False
    destination = ends[1]
    if LOCAL_COPY.search(text) and SHARE.match(destination):
        return True
    return bool(REMOTE_COPY.search(text)) and bool(REMOTE_DEST.match(destination))
