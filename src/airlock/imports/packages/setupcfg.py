"""``setup.cfg`` read as setuptools reads it: INI with duplicate keys allowed and no
interpolation (issue 16). Pure.

Install commands, entry points, build requirements, extras and data files are each read from
it by the rule whose job they are (:mod:`hooks`, :mod:`plugins`, :mod:`setupreqs`,
:mod:`datafiles`); the text is parsed once for all of them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import configparser


@functools.lru_cache(maxsize=64)
def setup_cfg(text: str) -> configparser.ConfigParser | None:
    """The parsed file, or None when it is not INI. The parser is shared by its readers:
    read it, never change it."""
    import configparser  # noqa: PLC0415 -- only an archive with a setup.cfg (starts faster)

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser
