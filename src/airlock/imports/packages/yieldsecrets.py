"""What a generator's ``yield`` hands out that is worth sending (issue 16; ADR 0122). Pure.

ADR 0119 let a generator's call carry a file's data when its ``yield``s hand one out, so
weights streamed as chunks (``requests.post(url, data=chunks())``) are judged as weights
sent. Only the data label was kept: a key file's chunks (``yield f.read()`` of
``~/.ssh/id_rsa``), a kubeconfig named by ``$KUBECONFIG`` or the environment itself
(``yield k + '=' + v`` over ``os.environ.items()``) were sent as plain data, and held at
most. Here the labels that say what such data is travel with it:

* with a file's data, what the read knew of it (a secret file, the home folder's host
  information, a path from the environment);
* the whole environment, as ``dict(os.environ)`` is;
* one environment value whose key names a credential (``AWS_SECRET_ACCESS_KEY``).

What it does not do: carry a single setting (``yield os.environ['MATPLOTLIBRC']``) or a
path under the home folder (``yield os.path.expanduser('~/.config/x')``). Those are
places to read, and matplotlib opens such candidates as URLs on import; ADR 0076 would
read that as an environment value sent (its calibration wheel was denied, ADR 0119).
"""

from __future__ import annotations

import ast

from airlock.imports.packages import envurl
from airlock.imports.packages.flowtypes import CREDENTIAL_NAMES
from airlock.imports.packages.sinks import ENV, ENV_ALL, FILE, HOSTINFO, SECRET

# What travels with a file's data yielded: the read's own marks.
WITH_DATA = frozenset({FILE, SECRET, HOSTINFO, ENV, envurl.LED})
WHOLE_ENV = frozenset({ENV, ENV_ALL})
MAX_KEYS = 8  # string constants of one yield read for a credential's name


def carried(value: ast.expr, labels: frozenset[str]) -> frozenset[str]:
    """The labels a generator's call carries from one ``yield value`` whose value has
    ``labels``: none unless it is a file's data, the whole environment, or an environment
    value under a credential's name."""
    if FILE in labels:
        return labels & WITH_DATA
    if ENV_ALL in labels:
        return labels & WHOLE_ENV
    if labels & {ENV, envurl.LED} and _names_credential(value):
        return frozenset({ENV})
    return frozenset()


def _names_credential(value: ast.expr) -> bool:
    """Whether a string written in the yield names a credential (``'AWS_SECRET_ACCESS_KEY'``,
    ``'GITHUB_TOKEN'``)."""
    keys = [
        n.value for n in ast.walk(value) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    return any(CREDENTIAL_NAMES.search(k) for k in keys[:MAX_KEYS])
