"""``click.echo`` for plain text, without importing click (issue 16: start-up).

`airlock package vet FILE` runs without click (:mod:`airlock.cli.main`), and what it prints
must be what it printed through click, byte for byte. ``click.echo(text)`` writes ``text``
and a newline to the stream and flushes it, except in two cases, which this module hands
to click itself: text with an escape character (click strips ANSI sequences when the stream
is no terminal) and a stream click would wrap or replace (none at all, no text stream, an
ASCII or missing encoding, no error handler: click writes UTF-8 with replacement through a
wrapper of its own). What it deliberately does not do: any of click's terminal handling.
"""

from __future__ import annotations

import codecs
import io
import sys


def echo(text: str, *, err: bool = False) -> None:
    """Print ``text`` and a newline to stdout (``err``: stderr), as ``click.echo`` does."""
    stream = sys.stderr if err else sys.stdout
    if "\x1b" in text or not _as_click_leaves_it(stream):
        import click  # only the cases in which click changes what is written

        click.echo(text, err=err)
        return
    stream.write(text + "\n")
    stream.flush()


def _as_click_leaves_it(stream: object) -> bool:
    """Whether click would write to ``stream`` itself (``click._compat``'s
    ``_force_correct_text_stream``: a text stream with an encoding that is not ASCII and an
    error handler)."""
    if not isinstance(stream, io.TextIOBase):
        return False
    encoding = getattr(stream, "encoding", None)
    if not encoding or getattr(stream, "errors", None) is None:
        return False
    try:
        return codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return True  # click's is_ascii_encoding: an unknown encoding is not ASCII
